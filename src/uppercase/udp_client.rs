//! `udp-upper-client`: one sentence in one datagram, and the reply (Experiment 4, 5.1).
//!
//! [`run`] is `UDPClient.py`, call for call. The lesson is what happens when
//! no reply comes: the datagram was lost, nothing listens, or the reply was
//! lost on the way back. Over UDP the client cannot tell these apart, so the
//! only tool it has is a timeout, and the hint says what the system would or
//! would not have reported ([`super::no_reply_hint`]).
//!
//! # The original
//!
//! `UDPClient.py` (Experiment 4, section 5.1):
//!
//! | original | here | what changed, and why |
//! |---|---|---|
//! | `socket(AF_INET, SOCK_DGRAM)` | [`crate::net::udp_client_socket`] | binds the wildcard of the server's family, so `::1` works too |
//! | `input('Input lowercase sentence:')` | [`super::ask_sentence`] | also taken from the command line; end of input ends cleanly |
//! | `sendto(message, (serverIP, 25000))` | [`UdpSocket::send_to`] in [`Waiter::send`], from [`run`] | a sentence over 65,507 bytes is `message too long`, not a crash |
//! | `recvfrom(2048)` | [`UdpSocket::recv_from`] in [`Waiter::recv_reply`], from [`run`] | waits at most `--timeout`; 65,535 bytes; datagrams from other addresses are not taken for the reply |
//! | `print(decode())` | [`crate::output::printable`] | invalid UTF-8 and control bytes are shown escaped |
//! | `close()` | the socket is dropped at the end of [`run`] | |

use super::{ask_sentence, no_reply_hint, ClientArgs};
use crate::clock::secs_text;
use crate::error::{is_timeout, Error, Result};
use crate::net::MAX_DATAGRAM;
use crate::output::{preview, printable};
use std::io::ErrorKind::{ConnectionRefused, ConnectionReset};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// The mirror of `UDPClient.py`: ask, send one datagram, print the reply.
///
/// # Errors
///
/// Resolution, a socket error, or no reply within `--timeout`.
pub fn run(args: Args) -> Result<()> {
    // Hardening: ask before opening anything; end of input means nothing to send.
    let sentence = ask_sentence(args.sentence.as_deref())?;
    let (socket, server) = crate::net::udp_client_socket(&args.server.host, args.server.port)?;
    // Hardening: a receive timeout, so a lost datagram cannot hang us.
    let mut waiter = Waiter::new(socket, server, args.timeout)?;
    waiter.send(&sentence)?; // sendto
    let len = waiter.recv_reply(|_| Ok(()))?.ok_or_else(|| waiter.no_reply())?; // recvfrom
    crate::outln!("{}", printable(&waiter.buf[..len]));
    Ok(())
}

/// What arrived while waiting that was *not* taken for the reply, so that a
/// timeout can say what did come instead of guessing.
#[derive(Debug, Clone, Default)]
pub struct Heard {
    /// Datagrams from addresses other than the server's.
    pub strangers: u32,
    /// The last such address.
    pub stranger: Option<SocketAddr>,
    /// Datagrams from the server that were not this reply (late, duplicate, malformed).
    pub rejected: u32,
    /// What the last of those was, in words.
    pub last_rejected: String,
}

/// A client's side of the conversation with one server: the socket, one
/// 65,535-byte buffer, allocated once, and the read timeout, set once;
/// neither costs anything inside a timed exchange.
#[derive(Debug)]
pub struct Waiter {
    /// The client's socket (unconnected: it hears datagrams from anyone).
    pub socket: UdpSocket,
    /// Where requests go, and the only address a reply is taken from.
    pub server: SocketAddr,
    /// The longest wait for one reply (`--timeout`).
    pub timeout: Duration,
    /// The last datagram received is at the start of this.
    pub buf: Vec<u8>,
    /// What arrived that was not the reply to the last request sent.
    pub heard: Heard,
    armed: Duration,
    deadline: Instant,
}

/// What a client makes of a datagram from the server: `Ok` takes it for the
/// reply, `Err(why)` skips it and notes `why` in [`Heard`].
pub type Verdict = std::result::Result<(), &'static str>;

impl Waiter {
    /// Allocates the buffer and sets the socket's read timeout to `timeout`.
    ///
    /// # Errors
    ///
    /// `cannot set the receive timeout` when the OS refuses.
    pub fn new(socket: UdpSocket, server: SocketAddr, timeout: Duration) -> Result<Waiter> {
        let (buf, heard, deadline) = (vec![0u8; MAX_DATAGRAM], Heard::default(), Instant::now());
        let mut waiter = Waiter { socket, server, timeout, buf, heard, armed: timeout, deadline };
        waiter.arm(timeout)?;
        Ok(waiter)
    }

    fn arm(&mut self, timeout: Duration) -> Result<()> {
        let set = self.socket.set_read_timeout(Some(timeout));
        set.map_err(|e| Error::io("cannot set the receive timeout", &e))?;
        self.armed = timeout;
        Ok(())
    }

    /// `sendto` the request in one datagram; its reply is awaited until the
    /// timeout has passed from now, and what [`Waiter::heard`] is forgotten.
    ///
    /// # Errors
    ///
    /// `cannot send` (a sentence over 65,507 bytes is `message too long`).
    pub fn send(&mut self, request: &[u8]) -> Result<()> {
        (self.deadline, self.heard) = (Instant::now() + self.timeout, Heard::default());
        let sent = self.socket.send_to(request, self.server);
        sent.map(drop).map_err(|e| Error::io(format!("cannot send to {}", self.server), &e))
    }

    /// `recvfrom`, hardened: waits until the timeout has passed since the
    /// last [`Waiter::send`] for a datagram from the server that `judge`
    /// takes, and returns its length (`None` when the time is up).
    /// Datagrams from anyone else, and those `judge` skips, are noted in
    /// [`Waiter::heard`]: an unconnected socket accepts datagrams from anyone.
    ///
    /// # Errors
    ///
    /// A receive error; an ICMP port-unreachable reported by the system
    /// (Windows) is said in those words.
    pub fn recv_reply(&mut self, mut judge: impl FnMut(&[u8]) -> Verdict) -> Result<Option<usize>> {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            // Only after a skipped datagram is the timeout far off what is left.
            if self.armed > left + Duration::from_millis(1) || self.armed * 2 < left {
                self.arm(left)?;
            }
            match self.socket.recv_from(&mut self.buf) {
                Ok((len, from)) if from == self.server => match judge(&self.buf[..len]) {
                    Ok(()) => return Ok(Some(len)),
                    Err(why) => {
                        self.heard.rejected += 1;
                        let what = preview(&self.buf[..len], 40);
                        self.heard.last_rejected = format!("{why}: {what}");
                    }
                },
                Ok((_, from)) => {
                    self.heard.strangers += 1;
                    self.heard.stranger = Some(from);
                }
                Err(e) if is_timeout(&e) => {} // the loop checks the deadline
                // The host answered with an ICMP port-unreachable: Windows reports it on
                // an unconnected socket as WSAECONNRESET (10054), a connected socket on
                // Linux as ECONNREFUSED. Any other error is described as it is.
                Err(e) if matches!(e.kind(), ConnectionReset | ConnectionRefused) => {
                    let why = crate::ping::ICMP_REFUSED;
                    let err = Error::failed(format!("no reply from {}", self.server), why);
                    return Err(err.hint("is the server running on that port?"));
                }
                Err(e) => return Err(Error::io(format!("no reply from {}", self.server), &e)),
            }
        }
    }

    /// The error for a reply that never came: what did arrive, or, when nothing
    /// at all did, the hint that asks whether the server runs.
    pub fn no_reply(&self) -> Error {
        let (server, heard) = (self.server, &self.heard);
        let what = format!("no reply from {server}");
        let within = format!("nothing within {}", secs_text(self.timeout));
        if let Some(from) = heard.stranger {
            let why = format!("{within}; {} datagram(s) came from {from} instead", heard.strangers);
            let hint = "a server on 0.0.0.0 may answer from another address";
            Error::failed(what, why).hint(format!("try --host {}: {hint}", from.ip()))
        } else if heard.rejected > 0 {
            let why = format!("{within} that matched; {} other datagram(s) came", heard.rejected);
            Error::failed(what, why).hint(format!("the last was {}", heard.last_rejected))
        } else {
            Error::failed(what, within).hint(no_reply_hint())
        }
    }
}

/// The command line of `udp-upper-client`.
pub type Args = ClientArgs<true, false>;
