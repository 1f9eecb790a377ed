//! `perf-server`: a silent UDP echo, as fast as a blocking loop can be.
//!
//! # What you will learn
//!
//! The loop you first saw in [`uppercase::udp_server`](crate::uppercase::udp_server),
//! made reusable as [`serve_udp`] (the one [`ping::server`](crate::ping::server)
//! uses too), with everything that costs time per datagram taken out: no log
//! line, only the copy that becomes the echo. At tens of thousands of
//! datagrams a second, a `print` per datagram would cost more than the echo itself.
//!
//! # The original
//!
//! `server.py` of Assignment 3, Part 2 Q2, mirrored by [`run`] and [`serve`]:
//!
//! | original (Python socket API) | here | what changed, and why |
//! |---|---|---|
//! | `socket(AF_INET, SOCK_DGRAM)` + `bind(("127.0.0.1", 5048))` | [`UdpSocket::bind`] in [`run`] (through [`net::bind_udp`]) | `--host`/`--port`; a port in use is a clear error (the original printed a message and went on to fail) |
//! | `print("...listening")` | [`net::announce`] | the real address, for `--port 0` |
//! | `recvfrom(1024)` | [`UdpSocket::recv_from`] in [`serve_udp`] | 65,535 bytes, so large payloads come back whole (the original cut them at 1024) |
//! | `if message: sendto(message, addr)` | [`UdpSocket::send_to`] in [`serve_udp`]; [`serve`] says what to send | the datagram as it came; empty datagrams are echoed too |
//!
//! # The protocol
//!
//! ```text
//!  perf-client                          perf-server
//!      |---- datagram (SIZE bytes) ------->|  recv_from: bytes + sender
//!      |<--- the same bytes ---------------|  send_to: back to the sender
//! ```
//!
//! # Run it
//!
//! ```text
//! cargo run --release --bin perf-server
//! ```
//!
//! # On the wire
//!
//! Request/echo pairs of the same size, microseconds apart on loopback.
//!
//! # Things that go wrong
//!
//! * **Errors in the log**: a failed receive or send is one line and the loop
//!   goes on (on Windows an echo to a client that has gone makes the *next*
//!   receive fail with WSAECONNRESET).
//! * **Memory**: one 64 KiB buffer and the echo being sent, whatever the clients send.

use crate::cli::{self, Command, Endpoint, Matches, Side};
use crate::error::Result;
use crate::net;
use crate::output::Log;
use crate::server::serve_udp;
use std::net::UdpSocket;

/// The original's flow: bind, say so, echo forever.
///
/// # Errors
///
/// The host does not resolve, or the port cannot be bound.
pub fn run(args: Args) -> Result<()> {
    let socket = net::bind_udp(&args.listen.host, args.listen.port)?;
    net::announce("perf-server", net::local_addr_of(socket.local_addr())?);
    serve(socket, Log::stdout())
}

/// Echoes every datagram on an already bound socket, forever, silently.
///
/// # Errors
///
/// None: failures are log lines and the loop goes on (see [`serve_udp`]).
pub fn serve(socket: UdpSocket, log: Log) -> Result<()> {
    serve_udp(socket, log, |datagram, _| Some(datagram.to_vec()))
}

/// `perf-server`'s command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// Where to listen (`--host`, `--port`; port 0 = any free port).
    pub listen: Endpoint,
}

impl cli::Args for Args {
    fn command() -> Command {
        Command::new(
            "perf-server",
            "silent UDP echo for perf-client: every datagram back, unchanged",
        )
        .host_port(Side::Server, "127.0.0.1", "5048")
        .example("perf-server --port 5048")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        Ok(Args { listen: Endpoint::from_matches(m, Side::Server)? })
    }
}
