//! Typed, length-prefixed frames over a TCP byte stream, and the word split of
//! the file-transfer exercise.
//!
//! # Why frames
//!
//! TCP delivers a stream of bytes, not a sequence of messages. Two `send` calls
//! of 5 bytes each may arrive as one `recv` of 10 bytes, or as 3 + 7, or as
//! 10 bytes split over three reads. The original word-transfer scripts kept their
//! messages apart only by sleeping a second between them and reading at most
//! 1024 bytes at a time, so a fast network, a longer word, or a slow scheduler
//! glued or cut their messages. The cure is to say, before each message, how
//! long it is. Every frame of this crate looks like this:
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
//! The tag is one ASCII letter that says what the frame *means* (so the frames
//! are *typed*); the reader names the tags it is prepared to accept and refuses
//! any other at once. The length is read **before** anything is allocated and
//! refused when it is over [`MAX_PAYLOAD`]: a peer that claims 4 GiB gets an
//! error, not 4 GiB of our memory. The payload itself is then read in pieces as
//! it arrives, so even an honest-looking 16 MiB claim followed by three bytes
//! costs only what was really sent.
//!
//! # One write per frame
//!
//! [`write_frame`] puts header and payload into one buffer and hands it to the
//! socket in a single `write_all`. Written as two small writes, the second
//! would wait under Nagle's algorithm for the acknowledgement of the first,
//! which the peer delays (by up to 40 ms on Linux) hoping to piggyback it on
//! a reply that cannot come before the whole frame has arrived. The word
//! exchange also sets `TCP_NODELAY` on both sides for the same reason.
//!
//! # Words: framing by a delimiter
//!
//! The file itself is cut into "words" the way the original did it, with
//! Python's `data.split(" ")`: every single space is a boundary, so two spaces
//! in a row give an empty word between them and an empty file is one empty
//! word. [`split_words`] does exactly that on raw bytes, and [`join_words`] (or
//! the streaming [`Joiner`]) puts exactly one space back between words, so
//! `join(split(x)) == x` for every byte string `x`: newlines, tabs, runs of
//! spaces and bytes that are not UTF-8 survive unchanged. This is the other way
//! of framing a stream, by a reserved delimiter; it works here only because the
//! delimiter is never part of a word.

use crate::error::{describe, is_timeout, Error};
use std::fmt;
use std::io::{self, Read, Write};

/// The largest payload a frame may carry: 16 MiB.
pub const MAX_PAYLOAD: u32 = 16 * 1024 * 1024;

/// Bytes before the payload: one tag byte and a four-byte length.
pub const HEADER_LEN: usize = 5;

/// How much payload buffer is reserved before the bytes arrive; the rest grows
/// as they do, so a false length claim costs little.
const FIRST_RESERVE: usize = 64 * 1024;

/// One frame: what it means (the tag) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// One ASCII letter naming the kind of message (`b'N'`, `b'W'`, ...).
    pub tag: u8,
    /// The message bytes, at most [`MAX_PAYLOAD`] of them.
    pub payload: Vec<u8>,
}

/// Why a frame could not be read or written.
#[derive(Debug)]
pub enum FrameError {
    /// The stream ended inside a frame: `got` of the `wanted` bytes arrived.
    /// (`wanted` counts the header too.)
    Truncated {
        /// Bytes the frame should have had, header included.
        wanted: u64,
        /// Bytes that arrived before the end of the stream.
        got: u64,
    },
    /// The length field is larger than [`MAX_PAYLOAD`].
    TooLong {
        /// The tag of the frame.
        tag: u8,
        /// The length it claimed.
        length: u64,
    },
    /// The tag is not one the reader accepts.
    UnknownTag(u8),
    /// Nothing arrived within the socket's read timeout (or a write could not
    /// proceed within its write timeout).
    Timeout,
    /// Any other I/O error (connection reset, ...).
    Io(io::Error),
}

impl FrameError {
    /// Turns the frame error into the crate's error, saying what was being done:
    /// `cannot read the reply: the stream ended 3 bytes into a 9-byte frame`.
    pub fn context(self, what: impl Into<String>) -> Error {
        Error::failed(what, self.to_string())
    }

    fn from_io(err: io::Error) -> FrameError {
        if is_timeout(&err) {
            FrameError::Timeout
        } else {
            FrameError::Io(err)
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Truncated { wanted, got } => {
                write!(f, "the stream ended {got} bytes into a {wanted}-byte frame")
            }
            FrameError::TooLong { tag, length } => write!(
                f,
                "frame '{}' claims {length} bytes, more than the {MAX_PAYLOAD}-byte limit",
                tag_text(*tag)
            ),
            FrameError::UnknownTag(tag) => write!(f, "unknown frame tag '{}'", tag_text(*tag)),
            FrameError::Timeout => write!(f, "timed out waiting for the peer"),
            FrameError::Io(err) => write!(f, "{}", describe(err)),
        }
    }
}

impl std::error::Error for FrameError {}

/// A tag as it should appear in a message: the letter, or `\xNN` for anything
/// that is not a printable ASCII character.
pub fn tag_text(tag: u8) -> String {
    if tag.is_ascii_graphic() {
        (tag as char).to_string()
    } else {
        format!("\\x{tag:02x}")
    }
}

/// Reads one frame whose tag is one of `accepted`.
///
/// Returns `Ok(None)` when the stream ends cleanly *between* frames (the peer
/// closed after its last message). The length is checked before any payload
/// byte is read or any buffer is sized by it.
///
/// Wrap a socket in a [`std::io::BufReader`] before calling this in a loop: the
/// header and a short payload then come in with one system call.
///
/// # Errors
///
/// [`FrameError::UnknownTag`] for a tag not in `accepted`,
/// [`FrameError::TooLong`] for a length over [`MAX_PAYLOAD`],
/// [`FrameError::Truncated`] when the stream ends inside the frame,
/// [`FrameError::Timeout`] when the read timeout expires, and
/// [`FrameError::Io`] for anything else.
pub fn read_frame<R: Read>(reader: &mut R, accepted: &[u8]) -> Result<Option<Frame>, FrameError> {
    let mut header = [0u8; HEADER_LEN];
    if read_full(reader, &mut header[..1])? == 0 {
        return Ok(None);
    }
    let tag = header[0];
    // The tag is judged as soon as it is here: garbage is refused at its first
    // byte, without waiting for four more that may never come.
    if !accepted.contains(&tag) {
        return Err(FrameError::UnknownTag(tag));
    }
    let got = 1 + read_full(reader, &mut header[1..])?;
    if got < HEADER_LEN {
        return Err(FrameError::Truncated {
            wanted: HEADER_LEN as u64,
            got: got as u64,
        });
    }
    let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
    if length > MAX_PAYLOAD {
        return Err(FrameError::TooLong {
            tag,
            length: u64::from(length),
        });
    }
    let length = length as usize;
    let mut payload = Vec::with_capacity(length.min(FIRST_RESERVE));
    let read = reader
        .take(length as u64)
        .read_to_end(&mut payload)
        .map_err(FrameError::from_io)?;
    if read < length {
        return Err(FrameError::Truncated {
            wanted: (HEADER_LEN + length) as u64,
            got: (HEADER_LEN + read) as u64,
        });
    }
    Ok(Some(Frame { tag, payload }))
}

/// Fills `buf` as far as the stream allows; returns how many bytes came
/// (less than `buf.len()` only at the end of the stream).
fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize, FrameError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(FrameError::from_io(e)),
        }
    }
    Ok(filled)
}

/// The bytes of one frame, header and payload together.
///
/// # Errors
///
/// [`FrameError::TooLong`] when `payload` is longer than [`MAX_PAYLOAD`].
pub fn encode_frame(tag: u8, payload: &[u8]) -> Result<Vec<u8>, FrameError> {
    if payload.len() > MAX_PAYLOAD as usize {
        return Err(FrameError::TooLong {
            tag,
            length: payload.len() as u64,
        });
    }
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.push(tag);
    bytes.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    bytes.extend_from_slice(payload);
    Ok(bytes)
}

/// Writes one frame with a single `write_all` (see the [module docs](self) for
/// why one write matters), then flushes the writer.
///
/// # Errors
///
/// [`FrameError::TooLong`] for an oversized payload (nothing is written),
/// [`FrameError::Timeout`] when the write timeout expires, and
/// [`FrameError::Io`] for anything else (for example the peer has gone).
pub fn write_frame<W: Write>(writer: &mut W, tag: u8, payload: &[u8]) -> Result<(), FrameError> {
    let bytes = encode_frame(tag, payload)?;
    writer
        .write_all(&bytes)
        .and_then(|()| writer.flush())
        .map_err(FrameError::from_io)
}

/// Splits `data` at every single space, exactly like Python's `data.split(" ")`.
///
/// Nothing is trimmed and nothing is merged: `"a  b"` gives `["a", "", "b"]`,
/// a leading or trailing space gives an empty first or last word, and an empty
/// input gives one empty word. [`join_words`] undoes it exactly.
///
/// ```
/// use socket_labs::framing::split_words;
/// let words = split_words(b"one  two\nthree ");
/// assert_eq!(words, vec![&b"one"[..], b"", b"two\nthree", b""]);
/// assert_eq!(split_words(b""), vec![&b""[..]]);
/// ```
pub fn split_words(data: &[u8]) -> Vec<&[u8]> {
    // `<[u8]>::split` has Python's semantics already: an empty slice yields one
    // empty piece, and adjacent separators yield empty pieces between them.
    data.split(|&b| b == b' ').collect()
}

/// Joins words with one space between each pair: the exact inverse of
/// [`split_words`].
///
/// ```
/// use socket_labs::framing::{join_words, split_words};
/// let text = b"a\tb  c \xff";
/// assert_eq!(join_words(&split_words(text)), text.to_vec());
/// ```
pub fn join_words<W: AsRef<[u8]>>(words: &[W]) -> Vec<u8> {
    let mut joiner = Joiner::new(Vec::new());
    for word in words {
        // Writing into a Vec cannot fail.
        let _ = joiner.push(word.as_ref());
    }
    joiner.into_inner()
}

/// Joins words into a writer as they arrive, one space between each pair, and
/// counts words and bytes on the way.
#[derive(Debug)]
pub struct Joiner<W: Write> {
    out: W,
    words: u64,
    bytes: u64,
}

impl<W: Write> Joiner<W> {
    /// A joiner writing into `out`.
    pub fn new(out: W) -> Joiner<W> {
        Joiner {
            out,
            words: 0,
            bytes: 0,
        }
    }

    /// Appends one word (preceded by a space unless it is the first).
    ///
    /// # Errors
    ///
    /// The writer's I/O error.
    pub fn push(&mut self, word: &[u8]) -> io::Result<()> {
        if self.words > 0 {
            self.out.write_all(b" ")?;
            self.bytes += 1;
        }
        self.out.write_all(word)?;
        self.words += 1;
        self.bytes += word.len() as u64;
        Ok(())
    }

    /// How many words have been pushed.
    pub fn words(&self) -> u64 {
        self.words
    }

    /// How many bytes have been written, spaces included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// A reference to the writer.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANY: &[u8] = b"NWDEF";

    fn read(bytes: &[u8]) -> Result<Option<Frame>, FrameError> {
        read_frame(&mut &bytes[..], ANY)
    }

    #[test]
    fn encodes_the_documented_layout() {
        assert_eq!(
            encode_frame(b'W', b"17").unwrap(),
            vec![b'W', 0, 0, 0, 2, b'1', b'7']
        );
        assert_eq!(encode_frame(b'E', b"").unwrap(), vec![b'E', 0, 0, 0, 0]);
        let long = vec![7u8; 300];
        let bytes = encode_frame(b'D', &long).unwrap();
        assert_eq!(&bytes[..5], &[b'D', 0, 0, 1, 44]);
        assert_eq!(&bytes[5..], &long[..]);
    }

    #[test]
    fn reads_fixtures_back() {
        let frame = read(&[b'N', 0, 0, 0, 3, b'a', b'b', b'c'])
            .unwrap()
            .unwrap();
        assert_eq!(frame.tag, b'N');
        assert_eq!(frame.payload, b"abc");
        let frame = read(&[b'E', 0, 0, 0, 0]).unwrap().unwrap();
        assert_eq!(frame.payload, b"");
    }

    #[test]
    fn reads_consecutive_frames_and_then_a_clean_end() {
        let mut stream = Vec::new();
        write_frame(&mut stream, b'D', b"one").unwrap();
        write_frame(&mut stream, b'D', b"").unwrap();
        write_frame(&mut stream, b'E', b"").unwrap();
        let mut reader = &stream[..];
        let tags: Vec<(u8, Vec<u8>)> = std::iter::from_fn(|| {
            read_frame(&mut reader, ANY)
                .unwrap()
                .map(|f| (f.tag, f.payload))
        })
        .collect();
        assert_eq!(
            tags,
            vec![
                (b'D', b"one".to_vec()),
                (b'D', Vec::new()),
                (b'E', Vec::new())
            ]
        );
    }

    #[test]
    fn payload_bytes_are_kept_as_they_are() {
        let payload: Vec<u8> = (0..=255).collect();
        let bytes = encode_frame(b'D', &payload).unwrap();
        assert_eq!(read(&bytes).unwrap().unwrap().payload, payload);
    }

    #[test]
    fn four_gib_claim_is_refused_from_the_header_alone() {
        // Only the header exists: refusing must not depend on reading (or
        // allocating) a single payload byte.
        match read(&[b'N', 0xff, 0xff, 0xff, 0xff]) {
            Err(FrameError::TooLong { tag, length }) => {
                assert_eq!(tag, b'N');
                assert_eq!(length, u64::from(u32::MAX));
            }
            other => panic!("expected TooLong, got {other:?}"),
        }
        let err = read(&[b'N', 0xff, 0xff, 0xff, 0xff])
            .unwrap_err()
            .to_string();
        assert!(err.contains("4294967295"), "{err}");
    }

    #[test]
    fn the_limit_itself_is_allowed_and_one_more_is_not() {
        let over = (MAX_PAYLOAD + 1).to_be_bytes();
        assert!(matches!(
            read(&[b'D', over[0], over[1], over[2], over[3]]),
            Err(FrameError::TooLong { .. })
        ));
        // Exactly the limit passes the check and then misses its payload.
        let at = MAX_PAYLOAD.to_be_bytes();
        assert!(matches!(
            read(&[b'D', at[0], at[1], at[2], at[3], b'x']),
            Err(FrameError::Truncated { got: 6, .. })
        ));
        assert!(encode_frame(b'D', &vec![0; MAX_PAYLOAD as usize + 1]).is_err());
    }

    #[test]
    fn unknown_tags_are_refused_before_the_length() {
        assert!(matches!(
            read(b"hello world"),
            Err(FrameError::UnknownTag(b'h'))
        ));
        // Even a lone byte: the tag is judged as soon as it is here.
        assert!(matches!(read(b"Z"), Err(FrameError::UnknownTag(b'Z'))));
        assert!(matches!(
            read_frame(&mut &[b'W', 0, 0, 0, 0][..], b"DEF"),
            Err(FrameError::UnknownTag(b'W'))
        ));
        assert_eq!(
            FrameError::UnknownTag(0).to_string(),
            "unknown frame tag '\\x00'"
        );
    }

    #[test]
    fn early_end_of_stream_is_truncated_not_clean() {
        assert!(read(&[]).unwrap().is_none());
        match read(&[b'D', 0, 0]) {
            Err(FrameError::Truncated { wanted, got }) => assert_eq!((wanted, got), (5, 3)),
            other => panic!("{other:?}"),
        }
        match read(&[b'D', 0, 0, 0, 10, b'a', b'b', b'c']) {
            Err(err @ FrameError::Truncated { .. }) => {
                assert_eq!(
                    err.to_string(),
                    "the stream ended 8 bytes into a 15-byte frame"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    /// A reader that gives one byte per call, then fails with `kind`.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        then: io::ErrorKind,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at < self.data.len() && !buf.is_empty() {
                buf[0] = self.data[self.at];
                self.at += 1;
                Ok(1)
            } else {
                Err(io::Error::from(self.then))
            }
        }
    }

    #[test]
    fn frames_split_across_reads_are_reassembled() {
        let mut data = encode_frame(b'D', b"split me").unwrap();
        data.extend(encode_frame(b'E', b"").unwrap());
        let mut trickle = Trickle {
            data,
            at: 0,
            then: io::ErrorKind::WouldBlock,
        };
        assert_eq!(
            read_frame(&mut trickle, ANY).unwrap().unwrap().payload,
            b"split me"
        );
        assert_eq!(read_frame(&mut trickle, ANY).unwrap().unwrap().tag, b'E');
        // Then the timeout of the socket fires.
        assert!(matches!(
            read_frame(&mut trickle, ANY),
            Err(FrameError::Timeout)
        ));
    }

    #[test]
    fn both_timeout_kinds_and_other_errors_are_told_apart() {
        for (kind, timeout) in [
            (io::ErrorKind::WouldBlock, true),
            (io::ErrorKind::TimedOut, true),
            (io::ErrorKind::ConnectionReset, false),
        ] {
            let mut reader = Trickle {
                data: vec![b'D', 0, 0],
                at: 0,
                then: kind,
            };
            match read_frame(&mut reader, ANY) {
                Err(FrameError::Timeout) => assert!(timeout, "{kind:?}"),
                Err(FrameError::Io(e)) => {
                    assert!(!timeout, "{kind:?}");
                    assert_eq!(e.kind(), kind);
                }
                other => panic!("{kind:?}: {other:?}"),
            }
        }
    }

    /// Counts how often `write` is called.
    struct CountingWriter {
        calls: usize,
        bytes: Vec<u8>,
    }

    impl Write for CountingWriter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.calls += 1;
            self.bytes.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_frame_is_one_write() {
        let mut w = CountingWriter {
            calls: 0,
            bytes: Vec::new(),
        };
        write_frame(&mut w, b'D', b"word").unwrap();
        assert_eq!(w.calls, 1);
        assert_eq!(w.bytes, b"D\0\0\0\x04word");
    }

    #[test]
    fn context_makes_one_error_line() {
        let err = FrameError::Truncated { wanted: 9, got: 3 }.context("cannot read the reply");
        assert_eq!(
            err.to_string(),
            "cannot read the reply: the stream ended 3 bytes into a 9-byte frame"
        );
    }

    #[test]
    fn split_is_pythons_split_on_one_space() {
        // Each case checked against CPython's bytes.split(b" ").
        let cases: &[(&[u8], &[&[u8]])] = &[
            (b"", &[b""]),
            (b" ", &[b"", b""]),
            (b"a", &[b"a"]),
            (b"a b", &[b"a", b"b"]),
            (b"a  b", &[b"a", b"", b"b"]),
            (b"  lead", &[b"", b"", b"lead"]),
            (b"trail ", &[b"trail", b""]),
            (b"tab\there\nnewline", &[b"tab\there\nnewline"]),
            (b"\xff\xfe \x00", &[b"\xff\xfe", b"\x00"]),
        ];
        for (input, expected) in cases {
            assert_eq!(&split_words(input)[..], *expected, "input {input:?}");
        }
    }

    #[test]
    fn join_is_the_exact_inverse_of_split() {
        let mut samples: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b" ".to_vec(),
            b"   ".to_vec(),
            b"one two  three   \n\tfour\r\n".to_vec(),
        ];
        // Arbitrary bytes, spaces frequent, from a fixed seed.
        let mut rng = crate::rng::Rng::seeded(7);
        for len in [1usize, 2, 17, 1000] {
            let bytes = (0..len)
                .map(|_| {
                    if rng.chance(30.0) {
                        b' '
                    } else {
                        rng.below(256) as u8
                    }
                })
                .collect();
            samples.push(bytes);
        }
        for sample in samples {
            let words = split_words(&sample);
            assert_eq!(
                words.len(),
                sample.iter().filter(|&&b| b == b' ').count() + 1
            );
            assert_eq!(join_words(&words), sample, "{sample:?}");
        }
    }

    #[test]
    fn joiner_counts_words_and_bytes() {
        let mut joiner = Joiner::new(Vec::new());
        assert_eq!(joiner.bytes(), 0);
        joiner.push(b"").unwrap();
        joiner.push(b"ab").unwrap();
        joiner.push(b"").unwrap();
        assert_eq!(joiner.words(), 3);
        assert_eq!(joiner.bytes(), 4);
        assert_eq!(joiner.get_ref(), b" ab ");
        assert_eq!(join_words::<&[u8]>(&[]), b"");
    }
}
