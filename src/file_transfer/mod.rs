//! Word-by-word file transfer over TCP (Assignment 3, Part 1: `file-server` and
//! `file-client`).
//!
//! # What the exercise teaches
//!
//! A client asks a server for a text file by name; the server cuts the file
//! into words and hands them over one at a time, each only when the client asks
//! for the next. It is a deliberately chatty protocol: one request and one reply
//! per word, so every word costs a full round trip. That makes it a good
//! specimen for three lessons of TCP programming:
//!
//! 1. **TCP is a byte stream.** Messages need boundaries that the application
//!    draws itself; here every message is a typed, length-prefixed frame
//!    ([`crate::framing`]).
//! 2. **A server must distrust what it is asked.** The file name comes from the
//!    network, so `../../etc/passwd` must not work; see [`check_name`] and
//!    [`server::Folder`].
//! 3. **Round trips cost time, not bandwidth.** With `--delay-ms 0` the rate in
//!    words per second is set by the round-trip time of the loopback interface,
//!    which is the same limit a C ping-pong meets.
//!
//! # The protocol
//!
//! ```text
//!   file-client                                   file-server
//!       |  ---- connect (SYN, SYN-ACK, ACK) ---->     |
//!       |  N "file_1.txt"                      ---->  |  check the name, read the file,
//!       |                                             |  split it at every single space
//!       |  <----                     D word 0         |
//!       |  W "1"                               ---->  |
//!       |  <----                     D word 1         |
//!       |   ...  one round trip per word ...          |
//!       |  W "57"                              ---->  |  57 is past the last word
//!       |  <----                     E (empty)        |
//!       |  ---- close (FIN) ---->                     |
//!   join the words with single spaces,
//!   write a temporary file, rename it into place
//!
//!   refusals end the conversation:
//!       |  N "../secret"                       ---->  |
//!       |  <----         F "400 Bad-File-Name"        |  then the server closes
//! ```
//!
//! Every frame is `tag (1 byte) | length (u32, big-endian) | payload`:
//!
//! | direction        | tag | payload                          | meaning                    |
//! |------------------|-----|----------------------------------|----------------------------|
//! | client -> server | `N` | file name (UTF-8)                | first frame: which file    |
//! | client -> server | `W` | word index, ASCII decimal (`17`) | send me word 17            |
//! | server -> client | `D` | one word, raw bytes              | reply to `N` (word 0) or `W` |
//! | server -> client | `E` | empty                            | there is no such word: done |
//! | server -> client | `F` | a status such as `404 File-not-Found` | refused; server closes |
//!
//! # How the original did it, and what changes here
//!
//! The original scripts sent bare strings: the file name, then `WORD_1`,
//! `WORD_2`, ... from the client and the words themselves from the server, each
//! read with a single `recv(1024)`. Nothing marked where one message ended and
//! the next began; both sides slept a second or two per word so that the
//! messages happened to arrive one by one. This version changes:
//!
//! * **Framing instead of sleeping.** Length-prefixed frames keep messages apart
//!   at any speed, so the pause is gone (keep it for Wireshark with
//!   `--delay-ms 1000`). Words longer than 1024 bytes arrive whole.
//! * **An end mark that cannot be mistaken for a word.** The original stopped at
//!   a word spelled `EOF`, which a file has to contain (and which the client
//!   then wrote into its copy) and which an ordinary text may contain too; it
//!   crashed with an index error when the file had no such word. Here `E` is
//!   its own kind of frame.
//! * **Messages both sides agree on.** The original server looked for a `$`
//!   before the word index while the client sent `WORD_1`, and the client
//!   waited for a "file not found" text worded differently from the one the
//!   server sent, so a missing file was not recognised. Here the two ends share
//!   one definition of every frame ([`tag`], [`Failure`]), and the tests run
//!   the real binaries against each other.
//! * **Byte-identical copies.** The original decoded every message as UTF-8 and
//!   split a text file read with the platform's encoding; here words are raw
//!   bytes split exactly as Python's `split(" ")` did ([`crate::framing::split_words`]),
//!   so runs of spaces, tabs, newlines and non-UTF-8 bytes all come back as they were.
//! * **Path rules.** The original opened `./server_folder/{name}` for whatever
//!   name arrived, so `../anything` left the folder. Here only plain names of
//!   regular files directly inside `--dir` are served; everything else gets
//!   `400 Bad-File-Name`. The client saves only under `--out-dir`, through a
//!   temporary file renamed into place when the transfer is complete.
//! * **One thread per client, and timeouts.** The original served one client
//!   at a time and waited forever; here every connection has its own thread and
//!   a read timeout ([`crate::server::serve_tcp`]), and bad frames end only the
//!   connection that sent them.
//!
//! # Running it
//!
//! ```text
//! cargo run --bin file-server                 # terminal 1: serves lab-files/server_folder
//! cargo run --bin file-client                 # terminal 2: press Enter for file_1.txt
//! cmp lab-files/server_folder/file_1.txt lab-files/client_folder/file_1.txt
//! ```
//!
//! # On the wire
//!
//! `tshark -i lo -f 'tcp port 5678'` shows each frame as one TCP segment with
//! the PSH flag; add `-x` to see the bytes: one byte of tag, four bytes of
//! length, then the word (`4e 00 00 00 0a` + `file_2.txt` is the request for
//! `file_2.txt`). After the handshake a transfer of N words takes about 2N
//! segments: request, reply, request, ... with no pure ACKs in between,
//! because each side's next message carries the acknowledgement of the
//! previous one. With `file-server --delay-ms 1000` the rhythm slows to one
//! word a second and a pure ACK from the server appears after every request,
//! since the reply is not ready to carry it.
//! One run of the documented commands (`file_1.txt`, 57 words) gave 124
//! packets; `docs/wireshark.md`, section 5, counts them out.
//!
//! # Things that go wrong
//!
//! * `error: cannot connect to 127.0.0.1:5678: connection refused`: the server
//!   is not running, or runs on another `--port`.
//! * `404 File-not-Found`: the name is not in the server's `--dir` (by default
//!   `lab-files/server_folder`, relative to where the server was started: run
//!   both programs from the repository root).
//! * `400 Bad-File-Name`: the name has a `/`, `\`, `..` or a NUL, or leads to
//!   something that is not a regular file inside the folder. Ask for a plain
//!   name such as `file_2.txt`.
//! * The transfer is slow: the server was started with `--delay-ms`, which
//!   pauses before every reply. Without it, a word costs one round trip.
//! * The client stops midway (server killed, network gone): it reports the
//!   error, exits 1 and writes nothing; the previous copy, if any, is left as
//!   it was.

pub mod client;
pub mod server;

use crate::framing::MAX_PAYLOAD;
use std::path::{Component, Path};

/// The port of the original scripts.
pub const DEFAULT_PORT: u16 = 5678;

/// Frame tags of this protocol.
pub mod tag {
    /// Client -> server, first frame: the file name.
    pub const NAME: u8 = b'N';
    /// Client -> server: the index of the word wanted, in ASCII decimal.
    pub const WORD: u8 = b'W';
    /// Server -> client: one word.
    pub const DATA: u8 = b'D';
    /// Server -> client: no word at that index, the file is complete.
    pub const END: u8 = b'E';
    /// Server -> client: a refusal such as `404 File-not-Found`; the server closes.
    pub const FAIL: u8 = b'F';
}

/// The tags a server accepts from a client.
pub const CLIENT_TAGS: &[u8] = &[tag::NAME, tag::WORD];

/// The tags a client accepts from a server.
pub const SERVER_TAGS: &[u8] = &[tag::DATA, tag::END, tag::FAIL];

/// The largest file a server hands out: 16 MiB, the frame limit, so any single
/// word of a file it accepts fits in one frame. The server holds the file in
/// memory while it serves a connection.
pub const MAX_FILE_SIZE: u64 = MAX_PAYLOAD as u64;

/// Why a server refused a request; carried in an `F` frame as its status text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// `404 File-not-Found`: the name is acceptable but no such file exists.
    NotFound,
    /// `400 Bad-File-Name`: the name is not a plain file name inside the folder,
    /// or it names something that is not a regular file.
    BadFileName,
    /// `400 Bad-Request`: a frame that breaks the protocol (unknown tag,
    /// oversized length, a word index that is not a number, ...).
    BadRequest,
    /// `413 File-Too-Large`: the file is over [`MAX_FILE_SIZE`].
    TooLarge,
}

impl Failure {
    /// The status text sent in the `F` frame.
    pub fn text(self) -> &'static str {
        match self {
            Failure::NotFound => "404 File-not-Found",
            Failure::BadFileName => "400 Bad-File-Name",
            Failure::BadRequest => "400 Bad-Request",
            Failure::TooLarge => "413 File-Too-Large",
        }
    }
}

/// Checks that `name` is a plain file name: one path component, no `/`, `\`
/// or NUL, not `.` or `..`, not empty, not absolute. Returns why not otherwise.
///
/// The same rule guards both ends: the server answers only such names, and the
/// client saves only under such a name inside its `--out-dir`. (It does not
/// look at the disk; symbolic links are the server's concern, see
/// [`server::Folder::lookup`].)
///
/// ```
/// use socket_labs::file_transfer::check_name;
/// assert!(check_name("file_1.txt").is_ok());
/// assert!(check_name("notes..txt").is_ok());
/// for bad in ["", ".", "..", "../x", "/etc/passwd", "a\\b", "a\0b", "dir/x"] {
///     assert!(check_name(bad).is_err(), "{bad:?}");
/// }
/// ```
///
/// # Errors
///
/// A short reason, such as `it contains '/'`, for a log line.
pub fn check_name(name: &str) -> std::result::Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name == "." || name == ".." {
        return Err("it names a directory ('.' or '..')");
    }
    if Path::new(name).is_absolute() {
        return Err("it is an absolute path");
    }
    if name.contains('/') {
        return Err("it contains '/'");
    }
    // A path separator on Windows; refused everywhere so the rule is the same.
    if name.contains('\\') {
        return Err("it contains a backslash");
    }
    if name.contains('\0') {
        return Err("it contains a NUL byte");
    }
    // What is left must be exactly one ordinary component (this also refuses
    // Windows drive prefixes such as `C:x`).
    let mut components = Path::new(name).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(_)), None) => Ok(()),
        _ => Err("it is not a plain file name"),
    }
}

/// Parses the payload of a `W` frame: ASCII decimal digits only, no sign, no
/// spaces, at most 20 digits, and within `u64`.
///
/// ```
/// use socket_labs::file_transfer::parse_index;
/// assert_eq!(parse_index(b"17"), Some(17));
/// assert_eq!(parse_index(b"WORD_1"), None);
/// assert_eq!(parse_index(b"+1"), None);
/// assert_eq!(parse_index(b""), None);
/// ```
pub fn parse_index(payload: &[u8]) -> Option<u64> {
    if payload.is_empty() || payload.len() > 20 || !payload.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Only digits, so the text is ASCII; parse catches overflow.
    std::str::from_utf8(payload).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass() {
        for name in [
            "file_1.txt",
            "a",
            ".hidden",
            "with space.txt",
            "ünïcode.txt",
            "a..b",
        ] {
            assert_eq!(check_name(name), Ok(()), "{name:?}");
        }
    }

    #[test]
    fn every_escape_is_refused_with_a_reason() {
        let cases = [
            ("", "empty"),
            (".", "directory"),
            ("..", "directory"),
            ("../x", "'/'"),
            ("x/..", "'/'"),
            // Without a drive letter, Windows does not call it absolute; the '/' refuses it.
            (
                "/etc/passwd",
                if cfg!(windows) { "'/'" } else { "absolute" },
            ),
            ("..\\x", "backslash"),
            ("a\0b", "NUL"),
        ];
        for (name, reason) in cases {
            let why = check_name(name).unwrap_err();
            assert!(why.contains(reason), "{name:?}: {why}");
        }
    }

    #[test]
    fn indexes_are_plain_decimal() {
        assert_eq!(parse_index(b"0"), Some(0));
        assert_eq!(parse_index(b"007"), Some(7));
        assert_eq!(parse_index(b"18446744073709551615"), Some(u64::MAX));
        for bad in [
            &b"18446744073709551616"[..],
            b"-1",
            b" 1",
            b"1 ",
            b"1.0",
            b"abc",
            b"\xff",
            b"123456789012345678901",
        ] {
            assert_eq!(parse_index(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn statuses_are_the_documented_texts() {
        assert_eq!(Failure::NotFound.text(), "404 File-not-Found");
        assert_eq!(Failure::BadFileName.text(), "400 Bad-File-Name");
        assert_eq!(Failure::BadRequest.text(), "400 Bad-Request");
        assert_eq!(Failure::TooLarge.text(), "413 File-Too-Large");
    }
}
