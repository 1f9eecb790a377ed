//! Part 2, Question 1 of Assignment 3: a UDP "ping" that measures round-trip
//! time and loss.
//!
//! Read [`client`] first: it sends the messages, matches the echoes and counts
//! what came back. [`server`] is the echo on the other side, ten lines long.
//!
//! | original script | module | binary | default address |
//! |---|---|---|---|
//! | `server.py` (UDP echo) | [`server`] | `ping-server` | UDP 127.0.0.1:5065 |
//! | `client.py` (RTT, loss) | [`client`] | `ping-client` | |

pub mod client;
pub mod server;

/// The UDP port both programs use unless told otherwise (the original's).
pub const DEFAULT_PORT: u16 = 5065;

/// How many bytes of a payload a log line shows before it abbreviates.
const SHOWN: usize = 48;

/// A payload as a log line shows it: the bytes made printable (see
/// [`printable`](crate::output::printable)), abbreviated after 48 bytes so a
/// 65,000-byte datagram does not flood the terminal, and `(empty)` for an
/// empty datagram.
///
/// ```
/// use socket_labs::ping::show;
/// assert_eq!(show(b"9L8"), "9L8");
/// assert_eq!(show(b""), "(empty)");
/// assert_eq!(show(b"\xff\x00"), "\\xff\\u{0}");
/// assert_eq!(show(&[b'A'; 100]), format!("{}... (100 bytes)", "A".repeat(48)));
/// ```
pub fn show(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "(empty)".to_string()
    } else if bytes.len() <= SHOWN {
        crate::output::printable(bytes)
    } else {
        format!(
            "{}... ({} bytes)",
            crate::output::printable(&bytes[..SHOWN]),
            bytes.len()
        )
    }
}

/// A number of seconds for a message: `1 s`, `0.25 s`.
pub(crate) fn secs(d: std::time::Duration) -> String {
    format!("{} s", d.as_secs_f64())
}
