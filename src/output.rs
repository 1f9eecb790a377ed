//! Writing to stdout without panicking when the reader goes away.
//!
//! Rust ignores `SIGPIPE`, so when the output of a program is piped into `head`
//! and `head` exits, the next write fails with `BrokenPipe`, and `println!`
//! turns that into a panic. A C program would simply have been killed by the
//! signal. This module restores the quiet behaviour: a closed stdout means the
//! reader is done, so the program exits with status 0.
//!
//! Use [`outln!`](crate::outln) where you would use `println!`:
//!
//! ```
//! socket_labs::outln!("{} sent, {} received", 10, 10);
//! ```
//!
//! Servers log through a [`Log`], which can also be silenced (the tour and the
//! RTT comparison run servers in-process and do not want their chatter).

use std::fmt;
use std::io::{self, Write};

/// Like `println!`, but a closed stdout ends the program quietly; see the module docs.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::write_line(format_args!($($arg)*))
    };
}

/// Writes one line to stdout and flushes it (so a test or a pipe sees it at once).
///
/// If stdout is closed (`BrokenPipe`) the process exits with status 0; any other
/// write error is ignored, because there is nowhere left to report it.
pub fn write_line(args: fmt::Arguments<'_>) {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = out
        .write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    exit_if_reader_gone(result);
}

/// Writes text as it is (no newline added) and flushes; used for prompts and help.
pub fn write_str(text: &str) {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    exit_if_reader_gone(result);
}

fn exit_if_reader_gone(result: io::Result<()>) {
    if let Err(err) = result {
        if err.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// Where a server writes its one-line-per-event log.
///
/// `Log::stdout()` is what the binaries use; `Log::quiet()` drops everything and
/// `Log::prefixed("    server | ")` indents lines under a heading in the tour.
/// Cloning is cheap, so each connection thread can have its own copy.
#[derive(Debug, Clone)]
pub struct Log {
    mode: Mode,
}

#[derive(Debug, Clone)]
enum Mode {
    Quiet,
    Stdout(String),
}

impl Log {
    /// Lines go to stdout as they are.
    pub fn stdout() -> Log {
        Log {
            mode: Mode::Stdout(String::new()),
        }
    }

    /// Lines go to stdout, each after `prefix`.
    pub fn prefixed(prefix: impl Into<String>) -> Log {
        Log {
            mode: Mode::Stdout(prefix.into()),
        }
    }

    /// Lines are dropped.
    pub fn quiet() -> Log {
        Log { mode: Mode::Quiet }
    }

    /// Writes one log line; see [`write_line`] for what happens when stdout is closed.
    pub fn line(&self, args: fmt::Arguments<'_>) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Stdout(prefix) if prefix.is_empty() => write_line(args),
            Mode::Stdout(prefix) => write_line(format_args!("{prefix}{args}")),
        }
    }
}

/// Shows bytes from the network to a person: valid UTF-8 as it is, anything else
/// with the bad bytes escaped (`\xff`), and control characters escaped too, so a
/// hostile datagram cannot move the cursor or clear the screen of the terminal.
///
/// ```
/// use socket_labs::output::printable;
/// assert_eq!(printable(b"hi"), "hi");
/// assert_eq!(printable(b"a\xffb\n"), "a\\xffb\\n");
/// assert_eq!(printable("wörld".as_bytes()), "wörld");
/// ```
pub fn printable(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in Utf8Chunks::new(bytes) {
        for c in chunk.valid.chars() {
            if c.is_control() {
                text.extend(c.escape_default());
            } else {
                text.push(c);
            }
        }
        for b in chunk.invalid {
            text.push_str(&format!("\\x{b:02x}"));
        }
    }
    text
}

/// Like [`printable`], but at most `max_chars` characters, with the full size
/// added when the message was cut: a server log stays one readable line even
/// for a 60,000-byte sentence.
///
/// ```
/// use socket_labs::output::preview;
/// assert_eq!(preview(b"hello", 10), "\"hello\"");
/// assert_eq!(preview(b"hello world", 5), "\"hello\"... (11 bytes)");
/// ```
pub fn preview(bytes: &[u8], max_chars: usize) -> String {
    let text = printable(bytes);
    match text.char_indices().nth(max_chars) {
        None => format!("\"{text}\""),
        Some((cut, _)) => format!("\"{}\"... ({} bytes)", &text[..cut], bytes.len()),
    }
}

/// A valid UTF-8 run followed by the invalid bytes after it.
/// (`<[u8]>::utf8_chunks` does this in newer Rust, but not in 1.63.)
struct Utf8Chunk<'a> {
    valid: &'a str,
    invalid: &'a [u8],
}

struct Utf8Chunks<'a> {
    rest: &'a [u8],
}

impl<'a> Utf8Chunks<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Utf8Chunks { rest: bytes }
    }
}

impl<'a> Iterator for Utf8Chunks<'a> {
    type Item = Utf8Chunk<'a>;

    fn next(&mut self) -> Option<Utf8Chunk<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        let (valid_len, invalid_len) = match std::str::from_utf8(self.rest) {
            Ok(_) => (self.rest.len(), 0),
            Err(e) => (
                e.valid_up_to(),
                // None: an incomplete sequence at the very end; take all of it.
                e.error_len().unwrap_or(self.rest.len() - e.valid_up_to()),
            ),
        };
        let (valid, rest) = self.rest.split_at(valid_len);
        let (invalid, rest) = rest.split_at(invalid_len);
        self.rest = rest;
        Some(Utf8Chunk {
            // Checked just above by from_utf8.
            valid: std::str::from_utf8(valid).unwrap_or(""),
            invalid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_bad_bytes_and_controls() {
        assert_eq!(printable(b""), "");
        assert_eq!(printable(b"\x1b[2J"), "\\u{1b}[2J");
        assert_eq!(printable(b"\xe2\x82"), "\\xe2\\x82"); // half a character at the end
        assert_eq!(printable(b"ok\xc3(x"), "ok\\xc3(x");
        assert_eq!(printable("€".as_bytes()), "€");
    }

    #[test]
    fn quiet_log_writes_nothing_and_does_not_panic() {
        Log::quiet().line(format_args!("dropped"));
    }
}
