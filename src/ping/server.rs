//! `ping-server`: sends every datagram back to its sender, unchanged.
//!
//! # What you will learn
//!
//! A UDP server has no connections: one socket and one loop serve every
//! client. `recv_from` returns the bytes *and* who sent them, and `send_to`
//! answers that address. This is the loop you saw in
//! [`uppercase::udp_server`](crate::uppercase::udp_server), made reusable as
//! [`serve_udp`]: [`serve`] says only what to do with one datagram. The only
//! new thing is the pause before each echo, and what it does to a queue.
//!
//! # The original
//!
//! `server.py` of Assignment 3, Part 2 Q1, mirrored by [`run`] and [`serve`]:
//!
//! | original (Python socket API) | here | what changed, and why |
//! |---|---|---|
//! | `socket(AF_INET, SOCK_DGRAM)` + `bind(("127.0.0.1", 5065))` | [`UdpSocket::bind`] in [`run`] (through [`net::bind_udp`]) | one call in std; `--host`/`--port`, `--port 0` for any free port; a port in use is a clear error, not a half-started server |
//! | `print("...listening")` | [`net::announce`] | prints the real address, so tests and the tour can find a `--port 0` server |
//! | `recvfrom(1024)` | [`UdpSocket::recv_from`] in [`serve_udp`] | 65,535 bytes: nothing is cut; a failed receive is a log line, not the end |
//! | `decode('utf-8')` + `print("message:", ..., "Ip:", addr)` | `log.line(..)` with [`preview`] | any bytes print safely (the original crashed on invalid UTF-8), cut to 200 characters so a 65 KB datagram is one short line |
//! | `time.sleep(1)` | `--delay`, 0 by default | optional; takes a unit (`20ms`, `1.5s`), a bare number is seconds |
//! | `sendto(msg, addr)` | [`UdpSocket::send_to`] in [`serve_udp`], of what [`serve`] returns | an empty datagram is echoed too (the original skipped it) |
//!
//! # The protocol
//!
//! ```text
//!  ping-client                          ping-server
//!      |---- "9L8" (3 bytes) ------------->|  recv_from -> ("9L8", 127.0.0.1:40122)
//!      |                                   |  message: "9L8" from 127.0.0.1:40122
//!      |                                   |  (waits --delay, default 0)
//!      |<--------------- "9L8" ------------|  send_to("9L8", 127.0.0.1:40122)
//! ```
//!
//! # Run it
//!
//! ```text
//! cargo run --bin ping-server -- --delay 1      # the original's one-second pause
//! ```
//!
//! # On the wire
//!
//! One datagram in, the same datagram out, from the server's port to the
//! client's. With `--delay`, the gap between them is the delay.
//!
//! # Things that go wrong
//!
//! * **RTTs that grow message after message**: the pause is taken inside the
//!   one loop, as in the original, so echoes queue behind each other. A client
//!   that sends faster than one message per DELAY sees each wait longer than
//!   the last, until they pass its `--timeout` (and count as lost).
//! * **`port 5065 is already in use`**: another ping-server runs (yours or a
//!   neighbour's). Use `--port 0` and give the client the port it prints.
//! * **Memory**: one 64 KiB buffer, whatever the clients send; the log is
//!   bounded too ([`Log`] drops lines rather than block the echo).

use crate::cli::{self, Command, Endpoint, Matches, Side, Unit};
use crate::error::Result;
use crate::net;
use crate::output::{preview, Log};
use crate::server::serve_udp;
use std::net::UdpSocket;
use std::time::Duration;

/// `ping-server`'s command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// Where to listen (`--host`, `--port`; port 0 = any free port).
    pub listen: Endpoint,
    /// Pause before each echo.
    pub delay: Duration,
}

impl cli::Args for Args {
    fn command() -> Command {
        Command::new("ping-server", "UDP echo for ping-client: every datagram back, unchanged")
            .host_port(Side::Server, "127.0.0.1", "5065")
            .flag(
                "delay",
                "TIME",
                "0",
                "pause before each echo, e.g. 20ms (bare number: seconds; the original: 1)",
            )
            .example("ping-server --port 5065 --delay 1s")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        Ok(Args {
            listen: Endpoint::from_matches(m, Side::Server)?,
            delay: m.duration("delay", Unit::Seconds)?,
        })
    }
}

/// The original's flow: bind, say so, serve forever.
///
/// # Errors
///
/// The host does not resolve, or the port cannot be bound.
pub fn run(args: Args) -> Result<()> {
    // socket(AF_INET, SOCK_DGRAM) and bind((IP, Port)) are one call in std.
    let socket = net::bind_udp(&args.listen.host, args.listen.port)?;
    net::announce("ping-server", net::local_addr_of(socket.local_addr())?);
    serve(socket, args.delay, Log::stdout())
}

/// The echo loop on an already bound socket (the tour and the tests bind port 0):
/// [`serve_udp`] receives each datagram, with room for the largest (the
/// original read 1024), and sends back what the handler returns.
///
/// # Errors
///
/// None: a failed receive or send is a log line and the loop goes on.
pub fn serve(socket: UdpSocket, delay: Duration, log: Log) -> Result<()> {
    serve_udp(socket, log.clone(), |message, client| {
        // Hardening: peer bytes shown escaped and cut to 200 characters.
        log.line(format_args!("message: {} from {client}", preview(message, 200)));
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        Some(message.to_vec())
    })
}
