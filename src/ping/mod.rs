//! Assignment 3, Part 2 Q1: a UDP "ping" that measures round-trip time and loss.
//!
//! | original script | module | binary | default address |
//! |---|---|---|---|
//! | `server.py` (UDP echo) | [`server`] | `ping-server` | UDP 127.0.0.1:5065 |
//! | `client.py` (RTT, loss) | [`client`] | `ping-client` | |
//!
//! Read [`server`] first (the echo, ten lines of loop), then [`client`]: a
//! sender thread and a receiver thread, as the original had, and the
//! bookkeeping that turns echoes into RTT and loss. The handout is
//! `docs/ping.md`.
//!
//! This module also holds the words every UDP client of this crate uses about
//! ICMP ([`icmp_note`]), because what a client hears when nothing listens
//! differs by operating system and by whether its socket is connected.

pub mod client;
pub mod server;

/// The UDP port both programs use unless told otherwise (the original's).
pub const DEFAULT_PORT: u16 = 5065;

/// The sentence a UDP client prints about ICMP when its datagrams went
/// unanswered. One wording for every client, true on each OS:
///
/// * the host did answer "port unreachable" and the socket heard it
///   (`refused > 0`): a connected socket on any OS, or on Windows even an
///   unconnected one, whose next `recv_from` fails with WSAECONNRESET (10054);
/// * an unconnected socket on Linux (and the BSDs) is not told by default:
///   the kernel matches the ICMP error but `recvfrom` has no way to say which
///   destination it was about (only `IP_RECVERR` opts in), so silence proves
///   nothing there;
/// * otherwise the socket would have heard it, so no ICMP came back at all:
///   the host sent none (rate limiting: Linux sends at most about one ICMP
///   error per second to a remote host, loopback is exempt) or a firewall
///   dropped it.
///
/// ```
/// use socket_labs::ping::icmp_note;
/// assert!(icmp_note(2, false).contains("port unreachable"));
/// assert!(icmp_note(0, true).starts_with("no ICMP"));
/// ```
pub fn icmp_note(refused: u64, connected: bool) -> &'static str {
    if refused > 0 {
        "the host answered ICMP port unreachable: nothing listens on that port"
    } else if !connected && !cfg!(windows) {
        "UDP is silent: on Linux an unconnected socket is not told of ICMP errors"
    } else {
        "no ICMP port unreachable came back (none sent, rate-limited or filtered)"
    }
}

/// An I/O error that is an ICMP error about an earlier datagram: "port
/// unreachable" is `ConnectionRefused` on Linux, `ConnectionReset`
/// (WSAECONNRESET) on Windows.
pub fn is_icmp_refusal(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionRefused, ConnectionReset};
    matches!(e.kind(), ConnectionRefused | ConnectionReset)
}
