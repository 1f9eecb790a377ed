//! `udp-upper-server`: the bare UDP server loop (Experiment 4, 5.2).
//!
//! [`serve`] is the loop of `UDPServer.py`, call for call: receive a datagram
//! and its sender's address, uppercase it, send it back to that address.
//! There is no connection and no per-client state, so no client can hold
//! anything open: memory is one 65,535-byte buffer, whatever the clients do.
//! [`crate::server::serve_udp`] is this loop made reusable for later exercises.
//!
//! # The original
//!
//! `UDPServer.py` (Experiment 4, section 5.2):
//!
//! | original | here | what changed, and why |
//! |---|---|---|
//! | `socket(AF_INET, SOCK_DGRAM)`, `bind(('', 25000))` | [`UdpSocket::bind`] in [`run`] (through [`crate::net::bind_udp`]) | `--host`/`--port`; a port in use is one clear line |
//! | `recvfrom(2048)` | [`UdpSocket::recv_from`] in [`serve`] | 65,535 bytes: nothing is cut; a failed receive (Windows' WSAECONNRESET) is a log line, not the end |
//! | `decode().upper().encode()` | [`answer`] | invalid UTF-8 gets ASCII uppercasing, not an exception that kills the server |
//! | `sendto(reply, clientAddress)` | [`UdpSocket::send_to`] in [`serve`] | a reply too big for one datagram becomes a short error datagram |

use super::uppercase;
use crate::cli::{self, Command, Endpoint, Matches, Side};
use crate::error::Result;
use crate::net::{MAX_DATAGRAM, MAX_UDP_PAYLOAD};
use crate::output::{preview, Log};
use crate::server::receive_failure;
use std::net::{SocketAddr, UdpSocket};

/// The mirror of `UDPServer.py`: serves uppercase replies on a bound socket, forever.
///
/// # Errors
///
/// None: a failed receive or send is a log line and the loop goes on.
pub fn serve(socket: UdpSocket, log: Log) -> Result<()> {
    // recvfrom(2048) -> 65,535 bytes: the largest datagram, so nothing is cut.
    let mut message = vec![0u8; MAX_DATAGRAM];
    loop {
        let (len, client) = match socket.recv_from(&mut message) {
            Ok(pair) => pair,
            // Windows: the process is ending and std's WSACleanup closed the socket.
            Err(e) if crate::wsa::socket_closed(&e) => return Ok(()),
            // Hardening: on Windows an earlier reply's ICMP error surfaces here
            // (WSAECONNRESET); it concerns a client that left, not the server.
            Err(e) => {
                log.line(format_args!("{}", receive_failure(&e)));
                continue;
            }
        };
        let reply = answer(&message[..len], client, &log);
        if let Err(e) = socket.send_to(&reply, client) {
            log.line(format_args!("reply to {client} failed: {}", crate::error::describe(&e)));
        }
    }
}

/// The reply to one datagram, with its log line: the message in capitals, or
/// a short error when the capitals no longer fit one datagram.
pub fn answer(message: &[u8], client: SocketAddr, log: &Log) -> Vec<u8> {
    let (reply, was_utf8) = uppercase(message);
    let note = if was_utf8 { "" } else { " (not valid UTF-8: ASCII letters only)" };
    log.line(format_args!("{client}: {} -> {}{note}", preview(message, 60), preview(&reply, 60)));
    // Hardening: Unicode uppercasing can grow text ("ß" -> "SS"); a reply over
    // the datagram limit would fail in send_to and leave the client guessing.
    let limit = if client.is_ipv4() { MAX_UDP_PAYLOAD } else { MAX_DATAGRAM - 8 };
    if reply.len() <= limit {
        return reply;
    }
    let len = reply.len();
    log.line(format_args!("{client}: reply of {len} bytes does not fit one datagram, error sent"));
    format!("error: the reply would be {len} bytes, more than one UDP datagram carries ({limit})")
        .into_bytes()
}

/// The command line of `udp-upper-server`.
#[derive(Debug, Clone)]
pub struct Args {
    /// Where to listen (`--host`, `--port`; port 0 = any free port).
    pub listen: Endpoint,
}

impl cli::Args for Args {
    fn command() -> Command {
        Command::new("udp-upper-server", "UDP server that answers each datagram in capitals")
            .host_port(Side::Server, "0.0.0.0", "25000")
            .example("udp-upper-server --host 127.0.0.1 --port 25000")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        Ok(Args { listen: Endpoint::from_matches(m, Side::Server)? })
    }
}

/// Binds, prints the `listening on` line, and serves until killed.
///
/// # Errors
///
/// The port cannot be bound (in use, or an address this machine lacks).
pub fn run(args: Args) -> Result<()> {
    let socket = crate::net::bind_udp(&args.listen.host, args.listen.port)?;
    crate::net::announce("udp-upper-server", crate::net::local_addr_of(socket.local_addr())?);
    serve(socket, Log::stdout())
}
