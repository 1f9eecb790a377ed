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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Mutex, PoisonError};

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
    write_str(&format!("{args}\n"));
}

/// Writes text as it is (no newline added) and flushes; used for prompts and help.
///
/// Once a [`Log`] has lines waiting, the text joins the same queue and this
/// call waits until it is written, so a program's output and its log lines
/// keep the order in which they were made.
pub fn write_str(text: &str) {
    let result = match writer() {
        Some(queue) => {
            let (done, written) = sync_channel(1);
            PENDING.fetch_add(1, Ordering::SeqCst);
            match queue.send(Item::Out(text.to_string(), done)) {
                Ok(()) => written.recv().unwrap_or(Ok(())),
                Err(_) => {
                    PENDING.fetch_sub(1, Ordering::SeqCst);
                    write_stdout(text)
                }
            }
        }
        None => write_stdout(text),
    };
    exit_if_reader_gone(result);
}

fn write_stdout(text: &str) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush())
}

fn exit_if_reader_gone(result: io::Result<()>) {
    if matches!(result, Err(e) if e.kind() == io::ErrorKind::BrokenPipe) {
        std::process::exit(0);
    }
}

/// Breaks a paragraph into lines of at most `width` characters, at spaces
/// (a word longer than `width` gets a line of its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Where a server writes its one-line-per-event log.
///
/// `Log::stdout()` is what the binaries use; `Log::quiet()` drops everything and
/// `Log::prefixed("    [server] ")` indents lines under a heading in the tour.
/// Cloning is cheap, so each connection thread can have its own copy.
///
/// Logging must never stop serving. A server's stdout may be a pipe that
/// nobody reads (it fills, and the next write blocks) or one whose reader has
/// gone (`server | head -1`: the next write fails). So connection threads do
/// not write: they hand each line to one writer thread through a bounded
/// queue ([`QUEUE_LINES`]). When the queue is full the line is dropped and
/// counted, and the writer says how many it lost once it can write again.
/// Each line is cut at [`MAX_LINE`] bytes, so a client cannot make a huge one.
#[derive(Debug, Clone)]
pub struct Log {
    /// What each line starts with; `None` for a quiet log.
    prefix: Option<String>,
}

/// The longest log line written, in bytes; longer lines are cut and marked.
pub const MAX_LINE: usize = 1000;
/// How many lines may wait for the writer before new ones are dropped.
pub const QUEUE_LINES: usize = 1024;

/// What the writer thread writes: a log line (nobody waits for it), or a
/// program's own output, whose writer waits for the result.
enum Item {
    Log(String),
    Out(String, SyncSender<io::Result<()>>),
}

/// The writer thread's queue, made when the first log line is queued.
static QUEUE: Mutex<Option<SyncSender<Item>>> = Mutex::new(None);
/// Lines dropped because the queue was full or stdout was gone.
static DROPPED: AtomicU64 = AtomicU64::new(0);
/// Lines queued but not yet written (so [`flush_log`] knows when to stop).
static PENDING: AtomicU64 = AtomicU64::new(0);

/// The queue, if a log has started the writer thread.
fn writer() -> Option<SyncSender<Item>> {
    QUEUE.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

impl Log {
    /// Log lines to stdout, through the writer thread.
    pub fn stdout() -> Log {
        Log { prefix: Some(String::new()) }
    }

    /// Log lines to stdout, each starting with `prefix`.
    pub fn prefixed(prefix: impl Into<String>) -> Log {
        Log { prefix: Some(prefix.into()) }
    }

    /// A log that drops every line.
    pub fn quiet() -> Log {
        Log { prefix: None }
    }

    /// Queues one line; never blocks, never fails.
    pub fn line(&self, args: fmt::Arguments<'_>) {
        let prefix = match &self.prefix {
            Some(prefix) => prefix,
            None => return,
        };
        let line = cut_line(format!("{prefix}{args}"));
        let sender = {
            let mut queue = QUEUE.lock().unwrap_or_else(PoisonError::into_inner);
            if queue.is_none() {
                *queue = start_writer();
            }
            queue.clone()
        };
        PENDING.fetch_add(1, Ordering::SeqCst);
        let sent = sender.map_or(false, |s| s.try_send(Item::Log(line)).is_ok());
        if !sent {
            PENDING.fetch_sub(1, Ordering::SeqCst);
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Waits up to `limit` for queued log lines to be written (used before exit).
pub fn flush_log(limit: std::time::Duration) {
    let started = std::time::Instant::now();
    while PENDING.load(Ordering::SeqCst) > 0 && started.elapsed() < limit {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Cuts a line at [`MAX_LINE`] bytes (on a character boundary) and says so.
fn cut_line(mut line: String) -> String {
    if line.len() > MAX_LINE {
        let full = line.len();
        let mut at = MAX_LINE - 40;
        while !line.is_char_boundary(at) {
            at -= 1;
        }
        line.truncate(at);
        line.push_str(&format!("... [line cut: {full} bytes]"));
    }
    line
}

/// Starts the one thread that writes log lines; `None` if the OS refuses it.
fn start_writer() -> Option<SyncSender<Item>> {
    let (sender, receiver) = sync_channel::<Item>(QUEUE_LINES);
    let spawned = std::thread::Builder::new().name("log writer".into()).spawn(move || {
        let mut reported = 0;
        for item in receiver {
            let lost = DROPPED.load(Ordering::Relaxed);
            if lost > reported {
                let _ = write_stdout(&format!("[{} log lines dropped]\n", lost - reported));
                reported = lost;
            }
            match item {
                Item::Log(line) => {
                    if write_stdout(&format!("{line}\n")).is_err() {
                        // stdout is gone: keep serving, count what cannot be shown.
                        DROPPED.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Item::Out(text, done) => {
                    let _ = done.send(write_stdout(&text));
                }
            }
            PENDING.fetch_sub(1, Ordering::SeqCst);
        }
    });
    spawned.ok().map(|_| sender)
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
pub fn printable(mut bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    while !bytes.is_empty() {
        // The longest valid UTF-8 start, then the bytes that are not.
        let (valid, bad) = match std::str::from_utf8(bytes) {
            Ok(all) => (all, 0),
            Err(e) => {
                let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
                (valid, e.error_len().unwrap_or(bytes.len() - e.valid_up_to()))
            }
        };
        for c in valid.chars() {
            match c.is_control() {
                true => text.extend(c.escape_default()),
                false => text.push(c),
            }
        }
        let rest = &bytes[valid.len()..];
        for b in &rest[..bad] {
            text.push_str(&format!("\\x{b:02x}"));
        }
        bytes = &rest[bad..];
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
    fn wrap_breaks_at_spaces_within_the_width() {
        let lines = wrap("aaa bbb ccc dddddddddd e", 7);
        assert_eq!(lines, ["aaa bbb", "ccc", "dddddddddd", "e"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn long_lines_are_cut_and_say_their_length() {
        let line = cut_line("x".repeat(5000));
        assert!(line.len() <= MAX_LINE, "{}", line.len());
        assert!(line.ends_with("[line cut: 5000 bytes]"), "{line}");
        let wide = cut_line("é".repeat(800));
        assert!(wide.len() <= MAX_LINE);
        assert_eq!(cut_line("short".into()), "short");
    }

    #[test]
    fn quiet_log_writes_nothing_and_does_not_panic() {
        Log::quiet().line(format_args!("dropped"));
    }
}
