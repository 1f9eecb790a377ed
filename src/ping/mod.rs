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
//! This module also holds the books both echo clients keep ([`Ledger`], the
//! one timeout rule that `ping-client` and `perf-client` share, and [`Counts`], what
//! came back, with the notes and the verdict drawn from it), and the words
//! every UDP client of this crate uses about ICMP ([`icmp_note`]), because what
//! a client hears when nothing listens differs by operating system and by
//! whether its socket is connected.

pub mod client;
pub mod server;

use crate::error::{Error, Result};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How many settled messages a [`Ledger`] remembers, to tell a late echo
/// from a duplicate (iputils remembers 65,536 sequence numbers for the same purpose).
pub const HISTORY: usize = 65_536;
/// An echo client's receive loop wakes at least this often to apply the timeout rule.
pub const TICK: Duration = Duration::from_millis(10);

/// What became of one message so far.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Waiting,
    Received,
    Lost,
}

/// What an echo of a known message turned out to be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Echo {
    /// Back within the timeout, after this round-trip time.
    InTime(Duration),
    /// Back after the timeout: the message is lost (`true`: it was still
    /// waiting, so this echo is what settles it).
    Late(Duration, bool),
    /// A second echo of a message already received.
    Duplicate,
    /// An echo of a message more than [`HISTORY`] messages old: late.
    Forgotten,
}

/// An echo client's books: the send time and fate of each message, numbered
/// from 0, and the one timeout rule. A message whose echo is not back within
/// the timeout of its send is lost; an echo after that is late (RFC 7680's
/// threshold definition of loss). Memory: the messages not settled yet, plus
/// the last [`HISTORY`] settled ones.
///
/// ```
/// use socket_labs::ping::{Echo, Ledger};
/// use std::time::{Duration, Instant};
/// let (t0, ms) = (Instant::now(), Duration::from_millis(1));
/// let mut books = Ledger::new(10 * ms);
/// assert_eq!((books.sent(t0), books.sent(t0)), (0, 1));
/// assert_eq!(books.echo(0, t0 + ms), Echo::InTime(ms));
/// assert_eq!(books.echo(0, t0 + ms), Echo::Duplicate);
/// let mut lost = Vec::new();
/// books.expire(t0 + 20 * ms, |n| lost.push(n));
/// assert_eq!((lost, books.unsettled()), (vec![1], 0));
/// assert_eq!(books.echo(1, t0 + 30 * ms), Echo::Late(30 * ms, false));
/// ```
#[derive(Debug, Clone)]
pub struct Ledger {
    timeout: Duration,
    /// Send time and fate of messages `first`, `first + 1`, ...
    messages: VecDeque<(Instant, Fate)>,
    first: u64,
    /// The oldest message not settled yet.
    oldest: u64,
}

impl Ledger {
    /// Empty books for messages that have `timeout` to come back.
    pub fn new(timeout: Duration) -> Ledger {
        Ledger { timeout, messages: VecDeque::new(), first: 0, oldest: 0 }
    }

    /// Books a message sent at `at`; returns its number.
    pub fn sent(&mut self, at: Instant) -> u64 {
        self.messages.push_back((at, Fate::Waiting));
        self.count() - 1
    }

    /// How many messages were sent.
    pub fn count(&self) -> u64 {
        self.first + self.messages.len() as u64
    }

    /// The oldest message neither echoed in time nor lost.
    pub fn oldest(&self) -> u64 {
        self.oldest
    }

    /// How many messages are neither echoed in time nor lost.
    pub fn unsettled(&self) -> u64 {
        self.count() - self.oldest
    }

    /// The timeout rule: each message still waiting `timeout` after its send
    /// is lost, and `lost` hears its number.
    pub fn expire(&mut self, now: Instant, mut lost: impl FnMut(u64)) {
        while let Some(entry) = self.messages.get_mut((self.oldest - self.first) as usize) {
            if entry.1 == Fate::Waiting {
                if now < entry.0 + self.timeout {
                    break;
                }
                entry.1 = Fate::Lost;
                lost(self.oldest);
            }
            self.oldest += 1;
        }
        while self.messages.len() > HISTORY && self.first < self.oldest {
            self.messages.pop_front();
            self.first += 1;
        }
    }

    /// Books an echo of message `number` (one of [`count`](Self::count)) that arrived at `at`.
    pub fn echo(&mut self, number: u64, at: Instant) -> Echo {
        let entry = match number.checked_sub(self.first) {
            Some(k) => &mut self.messages[k as usize], // callers pass a number below count()
            None => return Echo::Forgotten,
        };
        let rtt = at.saturating_duration_since(entry.0);
        match entry.1 {
            Fate::Received => Echo::Duplicate,
            // The arrival time decides, not how soon the loop saw the deadline.
            Fate::Waiting if rtt <= self.timeout => {
                entry.1 = Fate::Received;
                Echo::InTime(rtt)
            }
            fate => {
                entry.1 = Fate::Lost;
                Echo::Late(rtt, fate == Fate::Waiting)
            }
        }
    }
}

/// What came back, message by message, counted: the report of both echo clients.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Messages sent.
    pub sent: u64,
    /// Echoes in time (each message counted once).
    pub received: u64,
    /// Echoes after their timeout (the message stays lost).
    pub late: u64,
    /// Second and later echoes of a message.
    pub duplicates: u64,
    /// Datagrams from another address than the server's.
    pub foreign: u64,
    /// Datagrams from the server that are no echo of this run.
    pub malformed: u64,
    /// ICMP port-unreachable notices (Windows reports them on this socket).
    pub refused: u64,
}

impl Counts {
    /// One line `what: count why` per kind of datagram in `kinds` that did
    /// not count, then the ICMP note when nothing came back in time (and, on
    /// a `connected` socket, which hears of ICMP, whenever an ICMP error came).
    pub fn notes(&self, kinds: &[(u64, &str, &str)], connected: bool) -> Vec<String> {
        let kinds = kinds.iter().filter(|k| k.0 > 0);
        let mut lines: Vec<String> =
            kinds.map(|(n, what, why)| format!("{what}: {n}{why}")).collect();
        if self.received == 0 || (connected && self.refused > 0) {
            lines.push(format!("note: {}", icmp_note(self.refused, connected)));
        }
        lines
    }

    /// `Ok` when an echo came back in time; else the error `head` saying what
    /// did arrive (an ICMP notice, or the first `(count, what, hint)` of `arrived`
    /// with a count),
    /// asking "is SERVER running?" only when nothing did.
    ///
    /// # Errors
    ///
    /// `head` with why and a hint (exit 1).
    pub fn verdict(
        &self,
        head: String,
        (server, port): (&str, u16),
        arrived: &[(u64, &str, &str)],
        nothing: String,
    ) -> Result<()> {
        let (why, hint) = if self.received > 0 {
            return Ok(());
        } else if self.refused > 0 {
            ("ICMP port unreachable".to_string(), format!("start {server} on port {port}"))
        } else if let Some((count, what, hint)) = arrived.iter().find(|a| a.0 > 0) {
            (format!("{count} {what}"), hint.to_string())
        } else {
            (nothing, format!("is {server} running on port {port}?"))
        };
        Err(Error::failed(head, why).hint(hint))
    }
}

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
        ICMP_REFUSED
    } else if !connected && !cfg!(windows) {
        "UDP is silent: on Linux an unconnected socket is not told of ICMP errors"
    } else {
        "no ICMP port unreachable came back (none sent, rate-limited or filtered)"
    }
}

/// What every UDP client here says of an ICMP port unreachable it was told of.
pub const ICMP_REFUSED: &str =
    "the host answered ICMP port unreachable: nothing listens on that port";

/// An I/O error that is an ICMP error about an earlier datagram: "port
/// unreachable" is `ConnectionRefused` on Linux, `ConnectionReset`
/// (WSAECONNRESET) on Windows.
pub fn is_icmp_refusal(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionRefused, ConnectionReset};
    matches!(e.kind(), ConnectionRefused | ConnectionReset)
}
