//! Word-by-word file transfer over TCP (Assignment 3, Part 1: `file-server`
//! and `file-client`).
//!
//! # What you will learn
//!
//! A client asks a server for a text file by name; the server cuts the file
//! into words and hands them over one at a time, each only when the client asks
//! for the next. One request and one reply per word, so every word costs a
//! round trip. Three lessons of TCP programming live in it:
//!
//! 1. **TCP is a byte stream.** Messages need boundaries that the application
//!    draws itself; here every message is a typed, length-prefixed frame
//!    ([`crate::framing`]).
//! 2. **A server must distrust what it is asked.** The name comes from the
//!    network, so `../../etc/passwd` must not work, and a name swapped for a
//!    symbolic link between the check and the open must not either
//!    ([`server::Folder`]).
//! 3. **Round trips cost time, not bandwidth.** With no `--delay`, the rate in
//!    words per second is set by the round-trip time of the loopback interface.
//!
//! # The original
//!
//! Assignment 3, Part 1: `server.py` and `client.py`. The server bound
//! `localhost:5678`, called `listen(10)` and, in a `while True` loop, accepted
//! one client, received a file name with `recv(1024)`, checked
//! `./server_folder/NAME` with `os.path.exists`, opened it, split the text with
//! `split(" ")` and sent word 0; then, for each request, slept a second, read
//! the index after a `$` and sent that word, stopping after a word spelled
//! `EOF`. The client asked for a name with `input()`, connected, sent the
//! name, and then looped: `recv(1024)`, sleep two seconds, keep the word, send
//! `WORD_n`; at `EOF` it joined the words with spaces and wrote
//! `./client_folder/NAME`.
//!
//! Server ([`server::run`], [`server::handle`]):
//!
//! | original call | here | what changed and why |
//! |---|---|---|
//! | `socket()`, `bind(("localhost", 5678))`, `listen(10)` | [`TcpListener::bind`](std::net::TcpListener::bind) in [`server::run`] | one call creates, binds and listens (backlog 128); std sets `SO_REUSEADDR` on Unix |
//! | `accept()` in `while True` | [`crate::server::serve_tcp`] | the `uppercase` accept loop made reusable: a thread per client, a cap, an idle timeout and a deadline; the original served one client at a time |
//! | `recv(1024)`: the name | [`read_frame`](crate::framing::read_frame) of an `N` frame | a frame of at most 255 bytes, so a name is never cut or glued, and never costs 16 MiB |
//! | `os.path.exists(path)`, then `open(path)` | [`server::Folder`] | open once, without following a link and without blocking on a FIFO, then check the opened handle; the original checked one path and opened it again, and `../` left the folder |
//! | `read().split(" ")` | [`split_words`](crate::framing::split_words) | raw bytes, so the copy is byte-identical; the file is kept once, shared by every client that asks for it |
//! | `send(file_data[0])` | [`write_frame`](crate::framing::write_frame) of a `D` frame | the length goes first |
//! | `recv(1024)`, `int(frame.split("$")[1])` | an `W` frame of at most 20 digits, [`parse_index`] | the original looked for a `$` that its client never sent, and crashed |
//! | `time.sleep(1)` | `--delay` (default 0) | frames keep messages apart; the pause only helps to watch the exchange |
//! | stop after the word `EOF` | an `E` frame | the end mark cannot be mistaken for a word |
//! | `send("404:File-not-Found")` | an `F` frame | one status text both sides agree on |
//! | `close()` | the handler returns, the stream is dropped | the server closes after the client: `F` then a short linger, so the status is not lost to a reset |
//!
//! Client ([`client::run`]):
//!
//! | original call | here | what changed and why |
//! |---|---|---|
//! | `input("file name (file_1.txt) :")` | [`client::run`] | also an argument; a name that cannot be saved is asked again |
//! | `socket()`, `connect(("localhost", 5678))` | [`crate::net::connect_tcp`] | tries each address of the name with [`TcpStream::connect_timeout`](std::net::TcpStream::connect_timeout), 5 s each |
//! | `send(name)` | an `N` frame | |
//! | `recv(1024)`, then `time.sleep(2)` | [`read_frame`](crate::framing::read_frame) of `D`, `E` or `F` | no sleep: the frame says where the word ends; idle timeout and overall deadline |
//! | `frame in ["404 file is not found"]` | an `F` frame | the original compared with a text its server never sent |
//! | `send(f"WORD_{n}")` | a `W` frame with `n` | |
//! | `close()` | the stream is dropped | |
//! | `" ".join(words)`, `open(..., "w").write` | [`crate::files::PartFile`] | words are written as they arrive into a hidden part file, renamed into place only after the end mark; `--max-size` |
//!
//! # The protocol
//!
//! ```text
//!   file-client                                   file-server
//!       |  ---- connect (SYN, SYN-ACK, ACK) ---->     |
//!       |  N "file_1.txt"                      ---->  |  check the name, open and
//!       |                                             |  check the file, split it
//!       |  <----                     D word 0         |
//!       |  W "1"                               ---->  |
//!       |  <----                     D word 1         |
//!       |   ...  one round trip per word ...          |
//!       |  W "57"                              ---->  |  57 is past the last word
//!       |  <----                     E (empty)        |
//!       |  ---- close (FIN) ---->                     |
//!   join the words with single spaces into a part
//!   file, rename it into place
//!
//!   refusals end the conversation:
//!       |  N "../secret"                       ---->  |
//!       |  <----         F "400 Bad-File-Name"        |  then the server closes
//! ```
//!
//! | direction | tag | payload (limit) | meaning |
//! |---|---|---|---|
//! | client -> server | `N` | file name, UTF-8 (255 bytes) | first frame: which file |
//! | client -> server | `W` | word index, ASCII decimal (20 digits) | send me word 17 |
//! | server -> client | `D` | one word, raw bytes (16 MiB) | reply to `N` (word 0) or `W` |
//! | server -> client | `E` | empty | no such word: done |
//! | server -> client | `F` | `404 File-not-Found`, `400 Bad-File-Name`, `400 Bad-Request`, `413 File-Too-Large` (100 bytes) | refused; the server closes |
//!
//! # Run it
//!
//! ```text
//! cargo run --bin file-server                 # terminal 1: serves lab-files/server_folder
//! cargo run --bin file-client                 # terminal 2: press Enter for file_1.txt
//! cmp lab-files/server_folder/file_1.txt lab-files/client_folder/file_1.txt
//! ```
//!
//! # On the wire
//!
//! `tshark -i lo -f 'tcp port 5678' -x` shows each frame as one TCP segment:
//! one byte of tag, four bytes of length, then the word (`4e 00 00 00 0a` +
//! `file_2.txt` is the request for `file_2.txt`). After the handshake, a
//! transfer of N words takes about 2N segments with no pure ACKs in between:
//! while the server answers at once, Linux keeps the connection in its
//! interactive ("ping-pong") mode and delays each ACK so that the reply
//! carries it. With `file-server --delay 300` the replies come later than the
//! delayed-ACK timeout (at least 40 ms), the connection stays in quick-ACK
//! mode, and a pure ACK follows every request within microseconds: the
//! kernel does not know the reply is 300 ms away, it just stopped waiting
//! for replies. `docs/wireshark.md`, section 5, counts the packets out.
//!
//! # Things that go wrong
//!
//! * `error: cannot connect to 127.0.0.1:5678: connection refused`: the server
//!   is not running, or runs on another `--port`.
//! * `404 File-not-Found`: the name is not in the server's `--dir` (by default
//!   `lab-files/server_folder`, relative to where the server was started).
//! * `400 Bad-File-Name`: the name has a `/`, `\`, `..` or a NUL, or leads to
//!   something that is not a regular file inside the folder.
//! * `400 Bad-Request`: the client does not speak frames. A client written to
//!   the original protocol sends the bare name; the server reads its first
//!   letter as a tag, answers `F 400 Bad-Request` and closes. The original
//!   client takes those 20 bytes (five of them header bytes, shown as control
//!   characters) as word 0, sleeps, and dies with a broken pipe when it asks
//!   for word 1 on the closed connection; it saves nothing.
//! * The transfer is slow: the server was started with `--delay`, which
//!   pauses before every reply. Without it, a word costs one round trip.
//! * The client stops midway (server killed, `--max-time` or `--max-size`
//!   passed): it reports the error, exits 1 and writes nothing.

pub mod client;
pub mod server;

use std::path::{Component, Path};

/// Frame tags of this protocol, with the largest payload each may carry.
pub mod tag {
    /// Client -> server, first frame: the file name (at most 255 bytes).
    pub const NAME: (u8, usize) = (b'N', 255);
    /// Client -> server: a word index in ASCII decimal (at most 20 digits).
    pub const WORD: (u8, usize) = (b'W', 20);
    /// Server -> client: one word.
    pub const DATA: (u8, usize) = (b'D', crate::framing::MAX_PAYLOAD);
    /// Server -> client: no word at that index, the file is complete.
    pub const END: (u8, usize) = (b'E', 0);
    /// Server -> client: a refusal such as `404 File-not-Found`; the server closes.
    pub const FAIL: (u8, usize) = (b'F', 100);
}

/// The status texts of an `F` frame.
pub mod status {
    /// The name is acceptable but no such file exists.
    pub const NOT_FOUND: &str = "404 File-not-Found";
    /// The name is not a plain name of a regular file inside the folder.
    pub const BAD_FILE_NAME: &str = "400 Bad-File-Name";
    /// A frame that breaks the protocol.
    pub const BAD_REQUEST: &str = "400 Bad-Request";
    /// The file is over [`MAX_FILE_SIZE`](super::MAX_FILE_SIZE).
    pub const TOO_LARGE: &str = "413 File-Too-Large";
}

/// The largest file a server hands out: 16 MiB, so that any word fits in one
/// frame and every position in it fits in a `u32`.
pub const MAX_FILE_SIZE: u64 = crate::framing::MAX_PAYLOAD as u64;

/// Why `name` is not a plain file name (one path component, no `/`, `\` or
/// NUL, not `.` or `..`, not empty, not absolute), or `None` when it is.
///
/// The same rule guards both ends: the server answers only such names, and the
/// client saves only under such a name inside its `--out-dir`.
///
/// ```
/// use socket_labs::file_transfer::name_problem;
/// assert_eq!(name_problem("file_1.txt"), None);
/// assert_eq!(name_problem("notes..txt"), None);
/// for bad in ["", ".", "..", "../x", "/etc/passwd", "a\\b", "a\0b", "dir/x"] {
///     assert!(name_problem(bad).is_some(), "{bad:?}");
/// }
/// ```
pub fn name_problem(name: &str) -> Option<&'static str> {
    let mut components = Path::new(name).components();
    let one_normal =
        matches!((components.next(), components.next()), (Some(Component::Normal(_)), None));
    match name {
        "" => Some("it is empty"),
        // `\` is a separator on Windows; refused everywhere so the rule is the same.
        _ if name.contains(['/', '\\']) => Some("a path separator"),
        _ if name.contains('\0') => Some("it contains a NUL byte"),
        // `.`, `..`, and Windows prefixes such as `C:x`.
        _ if !one_normal => Some("it is not a plain file name"),
        _ => None,
    }
}

/// Parses the payload of a `W` frame: ASCII decimal digits only, no sign, no
/// spaces, within `u64`.
///
/// ```
/// use socket_labs::file_transfer::parse_index;
/// assert_eq!(parse_index(b"17"), Some(17));
/// assert_eq!(parse_index(b"WORD_1"), None);
/// assert_eq!(parse_index(b"+1"), None);
/// assert_eq!(parse_index(b""), None);
/// ```
pub fn parse_index(payload: &[u8]) -> Option<u64> {
    // Digits only: `parse` alone would take a leading `+`.
    let text = std::str::from_utf8(payload).ok()?;
    text.parse().ok().filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_escape_is_refused_with_a_reason() {
        for name in ["file_1.txt", ".hidden", "with space.txt", "ünïcode.txt", "a..b"] {
            assert_eq!(name_problem(name), None, "{name:?}");
        }
        let cases = [
            ("", "empty"),
            (".", "plain"),
            ("..", "plain"),
            ("../x", "separator"),
            ("/etc/passwd", "separator"),
            ("..\\x", "separator"),
            ("a\0b", "NUL"),
        ];
        for (name, reason) in cases {
            let why = name_problem(name).unwrap();
            assert!(why.contains(reason), "{name:?}: {why}");
        }
    }

    #[test]
    fn indexes_are_plain_decimal() {
        assert_eq!(parse_index(b"007"), Some(7));
        assert_eq!(parse_index(b"18446744073709551615"), Some(u64::MAX));
        for bad in [&b"18446744073709551616"[..], b"-1", b" 1", b"1.0", b"\xff"] {
            assert_eq!(parse_index(bad), None, "{bad:?}");
        }
    }
}
