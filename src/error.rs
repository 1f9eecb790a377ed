//! Errors as values, and the one line every binary prints when something fails.
//!
//! Every fallible function in this crate returns [`Result<T>`](Result). The error
//! carries enough context to be printed as a single sentence a student can act on:
//!
//! ```text
//! error: cannot connect to 127.0.0.1:5678: connection refused — is file-server running?
//! ^^^^^^ ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^  ^^^^^^^^^^^^^^^^^^   ^^^^^^^^^^^^^^^^^^^^^^^^
//! prefix what failed                       why (from the OS)    hint (optional)
//! ```
//!
//! The binaries never call `unwrap()` on I/O or input: they hand their `Result` to
//! [`crate::cli::main`], which prints the line and picks the exit code
//! (2 for a bad command line, 1 for everything that went wrong at run time).

use std::fmt;
use std::io;

/// The crate-wide result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Something that stopped a program, with the context needed to explain it.
#[derive(Debug)]
pub enum Error {
    /// The command line was wrong (unknown flag, bad number, ...). Exit code 2.
    Usage(String),
    /// Something failed while running. Exit code 1.
    Failed {
        /// What the program was trying to do: `cannot connect to 127.0.0.1:5678`.
        what: String,
        /// Why it failed, usually the operating system's words: `connection refused`.
        why: String,
        /// An optional suggestion: `is file-server running?`.
        hint: Option<String>,
    },
    /// The program has already told the user what happened (for example the
    /// statistics of a ping run with 100% loss); only the exit code remains.
    Exit(u8),
}

impl Error {
    /// A run-time failure: `what` was attempted, `why` it failed.
    pub fn failed(what: impl Into<String>, why: impl Into<String>) -> Error {
        Error::Failed { what: what.into(), why: why.into(), hint: None }
    }

    /// A run-time failure caused by an I/O error, described in plain words by [`describe`].
    pub fn io(what: impl Into<String>, err: &io::Error) -> Error {
        Error::failed(what, describe(err))
    }

    /// A bad command line.
    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }

    /// Adds (or replaces) the hint shown after the dash. Other kinds are returned unchanged.
    pub fn hint(self, hint: impl Into<String>) -> Error {
        match self {
            Error::Failed { what, why, .. } => Error::Failed { what, why, hint: Some(hint.into()) },
            other => other,
        }
    }

    /// The process exit code this error maps to.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::Failed { .. } => 1,
            Error::Exit(code) => *code,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) => write!(f, "{message}"),
            Error::Failed { what, why, hint: None } => write!(f, "{what}: {why}"),
            Error::Failed { what, why, hint: Some(hint) } => write!(f, "{what}: {why} — {hint}"),
            Error::Exit(code) => write!(f, "exit status {code}"),
        }
    }
}

impl std::error::Error for Error {}

/// Says what an I/O error means in lower-case words, without the `(os error 111)` suffix.
///
/// The operating system's message is kept for anything not listed here, so no
/// information is lost; the common network cases get the words a student will meet
/// in the textbook.
///
/// ```
/// use std::io;
/// use socket_labs::error::describe;
/// let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
/// assert_eq!(describe(&refused), "connection refused");
/// ```
pub fn describe(err: &io::Error) -> String {
    use io::ErrorKind::*;
    let words = match err.kind() {
        ConnectionRefused => "connection refused",
        ConnectionReset => "connection reset by peer",
        ConnectionAborted => "connection aborted",
        AddrInUse => "address already in use",
        AddrNotAvailable => "address not available on this machine",
        PermissionDenied => "permission denied",
        NotFound => "not found",
        BrokenPipe => "the other side closed the connection",
        UnexpectedEof => "the other side closed the connection early",
        TimedOut | WouldBlock => "timed out",
        _ => "",
    };
    if !words.is_empty() {
        return words.to_string();
    }
    if let Some(words) = crate::wsa::describe(err) {
        return words; // Windows: the WSA name, even where the system has no text
    }
    let text = err.to_string();
    // std appends " (os error N)"; the kind above already said what matters.
    let mut chars = text.split(" (os error").next().unwrap_or_default().chars();
    // Lower-case the first letter, as every other reason here is written.
    chars.next().map_or_else(String::new, |first| first.to_lowercase().chain(chars).collect())
}

/// True when an I/O error is a read or accept timeout.
///
/// Unix reports an expired `SO_RCVTIMEO` as `WouldBlock` (EAGAIN), Windows as
/// `TimedOut`; code that waits with a timeout must treat both the same way.
pub fn is_timeout(err: &io::Error) -> bool {
    matches!(err.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_prints_what_why_and_hint() {
        let err = Error::failed("cannot connect to 127.0.0.1:5678", "connection refused")
            .hint("is file-server running?");
        assert_eq!(
            err.to_string(),
            "cannot connect to 127.0.0.1:5678: connection refused — is file-server running?"
        );
        assert_eq!(err.exit_code(), 1);
    }

    #[test]
    fn exit_codes_follow_the_conventions() {
        assert_eq!(Error::usage("bad").exit_code(), 2);
        assert_eq!(Error::Exit(3).exit_code(), 3);
    }

    #[test]
    fn describe_drops_the_os_error_suffix() {
        let err = io::Error::from_raw_os_error(22); // EINVAL on Linux, something on others
        let text = describe(&err);
        assert!(!text.contains("os error"), "{text}");
        assert!(!text.is_empty());
        assert_eq!(describe(&io::Error::from(io::ErrorKind::AddrInUse)), "address already in use");
        assert_eq!(describe(&io::Error::new(io::ErrorKind::Other, "Weird Thing")), "weird Thing");
    }

    #[test]
    fn both_timeout_kinds_are_timeouts() {
        assert!(is_timeout(&io::Error::from(io::ErrorKind::WouldBlock)));
        assert!(is_timeout(&io::Error::from(io::ErrorKind::TimedOut)));
        assert!(!is_timeout(&io::Error::from(io::ErrorKind::ConnectionRefused)));
    }
}
