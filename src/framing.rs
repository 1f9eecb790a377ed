//! Typed, length-prefixed frames over a TCP byte stream, and the word split of
//! the file-transfer exercise.
//!
//! # Why frames
//!
//! TCP delivers a stream of bytes, not a sequence of messages. Two `send` calls
//! of 5 bytes each may arrive as one `recv` of 10 bytes, or as 3 + 7. The
//! original word-transfer scripts kept their messages apart only by sleeping a
//! second or two between them and reading at most 1024 bytes at a time, so a
//! fast network, a longer word, or a slow scheduler glued or cut their
//! messages. The cure is to say, before each message, how long it is:
//!
//! ```text
//!  byte 0      bytes 1..=4                 bytes 5 .. 5+length
//! +-------+---------------------------+--------------------------------+
//! |  tag  |  length (u32, big-endian) |  payload (length bytes)        |
//! | 1 B   |  4 B, at most 16 MiB      |  raw bytes, any value          |
//! +-------+---------------------------+--------------------------------+
//!   'W'     00 00 00 02                  '1' '7'          = "give me word 17"
//! ```
//!
//! The tag says what the frame *means*; the reader names the tags it accepts
//! **and the largest payload of each** (a file name: 255 bytes; a word index:
//! 20 digits; a word: 16 MiB). The tag is judged at its first byte and the
//! length as soon as its four bytes are here, **before** anything is
//! allocated: a peer that claims 4 GiB, or a 16 MiB "file name", gets refused
//! from the header alone and costs nothing.
//!
//! # One write per frame, and `TCP_NODELAY`
//!
//! [`write_frame`] hands a small frame to the socket in a single `write_all`.
//! A large word is written as header, then payload (two writes, so the word is
//! never copied). With strict request/reply alternation Nagle's algorithm
//! never holds anything back: each reply acknowledges the request before it,
//! so no data is unacknowledged when the next frame is written. Both ends still
//! set `TCP_NODELAY`, as a defence for the two-write case: there, without it,
//! the payload's last small segment could wait for the acknowledgement of the
//! header, which the peer may delay (Linux: at least 40 ms, up to 200 ms).
//!
//! # Words: framing by a delimiter
//!
//! The file itself is cut into "words" the way the original did it, with
//! Python's `data.split(" ")`: every single space is a boundary, so two spaces
//! in a row give an empty word between them and an empty file is one empty
//! word. [`split_words`] does exactly that on raw bytes, and putting exactly
//! one space back between words gives the original again, byte for byte. This
//! is the other way of framing a stream, by a reserved delimiter; it works
//! here only because the delimiter is never part of a word.

use crate::error::{Error, Result};
use crate::net::read_full;
use crate::output::printable;
use std::io::{Read, Write};

/// The largest payload a frame may carry: 16 MiB.
pub const MAX_PAYLOAD: usize = 16 * 1024 * 1024;

/// Frames up to this size go out in one write; larger ones as header + payload.
const ONE_WRITE: usize = 64 * 1024;

/// One frame: what it means (the tag) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// One ASCII letter naming the kind of message (`b'N'`, `b'W'`, ...).
    pub tag: u8,
    /// The message bytes.
    pub payload: Vec<u8>,
}

/// What [`read_frame`] found on the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A whole frame of an accepted tag, within its limit.
    Frame(Frame),
    /// The stream ended cleanly between two frames: the peer is done.
    Closed,
    /// The peer broke the protocol (unknown tag, a length over the tag's
    /// limit, the stream ended inside a frame); the text says how, cut short.
    Broken(String),
}

/// Reads one frame whose tag is listed in `limits` with its largest payload.
///
/// The tag is judged at its first byte, and the length against that tag's
/// limit before any payload byte is read or any buffer is sized by it. Wrap a
/// socket in a [`std::io::BufReader`] when calling this in a loop.
///
/// # Errors
///
/// `read failed: timed out` (or the OS's words) when the stream fails; a peer
/// that breaks the protocol is not an error but [`Incoming::Broken`].
pub fn read_frame<R: Read>(reader: &mut R, limits: &[(u8, usize)]) -> Result<Incoming> {
    let failed = |e: std::io::Error| Error::io("read failed", &e);
    let broken = |why: String| -> Result<Incoming> { Ok(Incoming::Broken(why)) };
    let mut header = [0u8; 5];
    if read_full(reader, &mut header[..1]).map_err(failed)? == 0 {
        return Ok(Incoming::Closed);
    }
    let tag = header[0];
    let limit = match limits.iter().find(|(t, _)| *t == tag) {
        Some(&(_, limit)) => limit,
        None => return broken(format!("unexpected frame tag '{}'", printable(&[tag]))),
    };
    let got = 1 + read_full(reader, &mut header[1..]).map_err(failed)?;
    if got < header.len() {
        return broken(format!("the stream ended {got} bytes into a frame header"));
    }
    let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if length > limit {
        let why = format!("claims {length} bytes, more than its limit of {limit}");
        return broken(format!("frame '{}' {why}", tag as char));
    }
    // Reserve a little and grow as bytes arrive: a false claim costs what was sent.
    let mut payload = Vec::with_capacity(length.min(ONE_WRITE));
    let read = reader.take(length as u64).read_to_end(&mut payload).map_err(failed)?;
    if read < length {
        return broken(format!("the stream ended {read} bytes into a {length}-byte payload"));
    }
    Ok(Incoming::Frame(Frame { tag, payload }))
}

/// Writes one frame and flushes: one `write_all` for a frame up to 64 KiB,
/// header then payload for a larger one (see the [module docs](self)).
///
/// # Errors
///
/// `write failed: ...` when the peer has gone or the write timeout expires,
/// and a refusal (nothing written) for a payload over [`MAX_PAYLOAD`].
pub fn write_frame<W: Write>(writer: &mut W, tag: u8, payload: &[u8]) -> Result<()> {
    if payload.len() > MAX_PAYLOAD {
        let why = format!("{} bytes is over the limit of {MAX_PAYLOAD}", payload.len());
        return Err(Error::failed("cannot send a frame", why));
    }
    let length = (payload.len() as u32).to_be_bytes();
    let header = [tag, length[0], length[1], length[2], length[3]];
    let written = if payload.len() <= ONE_WRITE {
        writer.write_all(&[&header[..], payload].concat())
    } else {
        writer.write_all(&header).and_then(|()| writer.write_all(payload))
    };
    written.and_then(|()| writer.flush()).map_err(|e| Error::io("write failed", &e))
}

/// Splits `data` at every single space, exactly like Python's `data.split(" ")`,
/// lazily: nothing is copied and nothing is stored per word.
///
/// Nothing is trimmed and nothing is merged: `"a  b"` gives `a`, an empty
/// word, `b`; an empty input gives one empty word.
///
/// ```
/// use socket_labs::framing::split_words;
/// let words: Vec<&[u8]> = split_words(b"one  two\nthree ").collect();
/// assert_eq!(words, vec![&b"one"[..], b"", b"two\nthree", b""]);
/// assert_eq!(split_words(b"").count(), 1);
/// ```
pub fn split_words(data: &[u8]) -> std::slice::Split<'_, u8, fn(&u8) -> bool> {
    // `<[u8]>::split` has Python's semantics already: an empty slice yields one
    // empty piece, and adjacent separators yield empty pieces between them.
    data.split(|&b| b == b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANY: &[(u8, usize)] = &[(b'N', 255), (b'W', 20), (b'D', MAX_PAYLOAD), (b'E', 0)];

    fn read(bytes: &[u8]) -> Incoming {
        read_frame(&mut &bytes[..], ANY).unwrap()
    }

    fn broken(bytes: &[u8]) -> String {
        match read(bytes) {
            Incoming::Broken(why) => why,
            other => panic!("expected Broken, got {other:?}"),
        }
    }

    fn written(tag: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_frame(&mut out, tag, payload).unwrap();
        out
    }

    #[test]
    fn frames_round_trip_in_the_documented_layout() {
        assert_eq!(written(b'W', b"17"), b"W\0\0\0\x0217");
        let long = vec![7u8; 300_000];
        let bytes = written(b'D', &long);
        assert_eq!(&bytes[..5], &[b'D', 0, 4, 0x93, 0xe0]);
        let mut stream = bytes;
        stream.extend(written(b'E', b""));
        let mut reader = &stream[..];
        let first = read_frame(&mut reader, ANY).unwrap();
        assert_eq!(first, Incoming::Frame(Frame { tag: b'D', payload: long }));
        let second = read_frame(&mut reader, ANY).unwrap();
        assert_eq!(second, Incoming::Frame(Frame { tag: b'E', payload: vec![] }));
        assert_eq!(read_frame(&mut reader, ANY).unwrap(), Incoming::Closed);
    }

    /// A reader that hands out one byte per `read`, as a slow TCP stream may.
    struct OneByte<'a>(&'a [u8]);

    impl std::io::Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((byte, rest)), Some(slot)) => {
                    *slot = *byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn frames_split_across_reads_are_reassembled() {
        let mut stream = written(b'D', b"hello");
        stream.extend(written(b'E', b""));
        let mut reader = OneByte(&stream);
        let hello = Frame { tag: b'D', payload: b"hello".to_vec() };
        assert_eq!(read_frame(&mut reader, ANY).unwrap(), Incoming::Frame(hello));
        let end = Frame { tag: b'E', payload: vec![] };
        assert_eq!(read_frame(&mut reader, ANY).unwrap(), Incoming::Frame(end));
        assert_eq!(read_frame(&mut reader, ANY).unwrap(), Incoming::Closed);
    }

    #[test]
    fn each_tag_has_its_own_limit_checked_from_the_header_alone() {
        // Only headers exist: refusing must not depend on reading a payload byte.
        assert!(
            broken(&[b'N', 0, 0, 1, 0]).contains("claims 256 bytes, more than its limit of 255")
        );
        assert!(broken(&[b'W', 0, 0, 0, 21]).contains("limit of 20"));
        assert!(broken(&[b'N', 0xff, 0xff, 0xff, 0xff]).contains("4294967295"));
        assert!(broken(&[b'E', 0, 0, 0, 1]).contains("limit of 0"));
        let at = (MAX_PAYLOAD as u32).to_be_bytes();
        assert!(broken(&[b'D', at[0], at[1], at[2], at[3], b'x']).contains("ended 1 bytes into"));
        assert!(write_frame(&mut Vec::new(), b'D', &vec![0; MAX_PAYLOAD + 1]).is_err());
    }

    #[test]
    fn unknown_tags_and_early_ends_are_broken_not_errors() {
        assert_eq!(broken(b"hello"), "unexpected frame tag 'h'");
        assert_eq!(broken(b"\x00"), "unexpected frame tag '\\u{0}'");
        assert!(broken(&[b'D', 0, 0]).contains("3 bytes into a frame header"));
        assert_eq!(read(&[]), Incoming::Closed);
    }

    #[test]
    fn a_timeout_is_an_error() {
        struct Stalled;
        impl Read for Stalled {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::WouldBlock.into())
            }
        }
        let err = read_frame(&mut Stalled, ANY).unwrap_err().to_string();
        assert_eq!(err, "read failed: timed out");
    }

    #[test]
    fn split_is_pythons_split_on_one_space_and_joining_undoes_it() {
        // Each case checked against CPython's bytes.split(b" ").
        let cases: &[(&[u8], &[&[u8]])] = &[
            (b"", &[b""]),
            (b" ", &[b"", b""]),
            (b"a  b", &[b"a", b"", b"b"]),
            (b"  lead", &[b"", b"", b"lead"]),
            (b"trail ", &[b"trail", b""]),
            (b"tab\there\nnewline", &[b"tab\there\nnewline"]),
            (b"\xff\xfe \x00", &[b"\xff\xfe", b"\x00"]),
        ];
        for (input, expected) in cases {
            let words: Vec<&[u8]> = split_words(input).collect();
            assert_eq!(&words[..], *expected, "input {input:?}");
            assert_eq!(words.join(&b' '), *input);
        }
    }
}
