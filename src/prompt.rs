//! Asking the user for a value, as the original scripts did with `input()`.
//!
//! Every client takes its values as arguments; when one is missing, it asks on
//! stdout and reads a line from stdin, so a student can run it exactly like the
//! original. End of input (Ctrl-D, or a closed pipe) is not an error: it means
//! "nothing more", and the program ends cleanly.

use crate::error::{Error, Result};
use std::io::BufRead;

/// Reads one line from `input` as raw bytes, without its `\n` or `\r\n`.
///
/// Returns `Ok(None)` at end of input. Bytes are returned as they are, so a
/// caller that must send them unchanged (the echo clients) can.
///
/// # Errors
///
/// The I/O error of the underlying read, for example on a terminal that went away.
pub fn read_line_bytes(input: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    if input.read_until(b'\n', &mut line)? == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    Ok(Some(line))
}

/// Prints `question` (no newline), then reads one line of text from `input`.
///
/// Returns `Ok(None)` at end of input.
///
/// # Errors
///
/// `cannot read from standard input: ...`, or `input is not valid UTF-8`.
pub fn ask_from(question: &str, input: &mut impl BufRead) -> Result<Option<String>> {
    match ask_bytes(question, input)? {
        None => Ok(None),
        Some(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Error::failed("cannot read the answer", "input is not valid UTF-8")),
    }
}

/// Prints `question` (no newline), then reads one line from `input` as raw bytes.
fn ask_bytes(question: &str, input: &mut impl BufRead) -> Result<Option<Vec<u8>>> {
    crate::output::write_str(question);
    let line =
        read_line_bytes(input).map_err(|e| Error::io("cannot read from standard input", &e))?;
    if line.is_none() {
        // Finish the prompt's line so the shell prompt does not follow it.
        crate::outln!();
    }
    Ok(line)
}

/// Like [`arg_or_ask`], for a message to send as it is: the answer is kept as
/// raw bytes (no trimming, no UTF-8 check), because the servers must cope with
/// whatever a user types or pipes in. A blank answer is an empty message.
///
/// # Errors
///
/// `cannot read from standard input: ...`.
pub fn arg_or_ask_bytes(given: Option<&str>, question: &str) -> Result<Option<Vec<u8>>> {
    match given {
        Some(value) => Ok(Some(value.as_bytes().to_vec())),
        None => ask_bytes(question, &mut std::io::stdin().lock()),
    }
}

/// [`ask_from`] on the process's stdin.
///
/// # Errors
///
/// As [`ask_from`].
pub fn ask(question: &str) -> Result<Option<String>> {
    ask_from(question, &mut std::io::stdin().lock())
}

/// The value given on the command line, or else the answer to `question`, where
/// a blank answer means `default` (as in the original scripts).
///
/// Returns `Ok(None)` only when the value had to be asked for and the input
/// ended before an answer came.
///
/// # Errors
///
/// As [`ask_from`].
pub fn arg_or_ask(given: Option<&str>, question: &str, default: &str) -> Result<Option<String>> {
    if let Some(value) = given {
        return Ok(Some(value.to_string()));
    }
    Ok(ask(question)?.map(|answer| {
        let answer = answer.trim();
        if answer.is_empty() {
            default.to_string()
        } else {
            answer.to_string()
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lose_their_line_endings_only() {
        let mut input = &b"one\r\ntwo  \n\nlast"[..];
        assert_eq!(read_line_bytes(&mut input).unwrap().unwrap(), b"one");
        assert_eq!(read_line_bytes(&mut input).unwrap().unwrap(), b"two  ");
        assert_eq!(read_line_bytes(&mut input).unwrap().unwrap(), b"");
        assert_eq!(read_line_bytes(&mut input).unwrap().unwrap(), b"last");
        assert_eq!(read_line_bytes(&mut input).unwrap(), None);
    }

    #[test]
    fn ask_reads_text_and_reports_end_of_input() {
        let mut input = &b"file_2.txt\n"[..];
        assert_eq!(ask_from("? ", &mut input).unwrap().as_deref(), Some("file_2.txt"));
        assert_eq!(ask_from("? ", &mut input).unwrap(), None);
        let mut bad = &b"\xff\n"[..];
        assert!(ask_from("? ", &mut bad).is_err());
    }

    #[test]
    fn a_given_value_is_not_asked_for() {
        assert_eq!(arg_or_ask(Some("x"), "? ", "d").unwrap().as_deref(), Some("x"));
    }
}
