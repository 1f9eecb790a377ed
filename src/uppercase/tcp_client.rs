//! `tcp-upper-client`: one sentence over a fresh connection, and the reply (Experiment 4, Task 2).
//!
//! [`run`] is `TCPClient.py` with one step moved: the sentence is read
//! *first*, and only then does the client connect, so a person who takes a
//! minute to type does not hold a server connection open for that minute.
//! [`connect`] and [`exchange`] are separate so that `tcp-rtt-client` can time
//! each.
//!
//! # The original
//!
//! `TCPClient.py` (Experiment 4, Task 2):
//!
//! | original | here | what changed, and why |
//! |---|---|---|
//! | `socket(AF_INET, SOCK_STREAM)`, `connect(('localhost', 12000))` | [`connect`] ([`std::net::TcpStream::connect_timeout`] in [`crate::net::connect_tcp`]) | after the sentence is typed, not before; each address of the name is tried, 5 s each |
//! | `input('Input lowercase sentence:')` | [`super::ask_sentence`] | first; or from the command line (`tcp-upper-client hello world`) |
//! | `send(sentence)` | `write_all` in [`exchange`] | `send` may write only part of a long sentence |
//! | (nothing) | `shutdown(Write)` in [`exchange`] | a FIN says "that is all": any server that reads to the end then answers |
//! | `recv(1024)` once | `read` to end of stream in [`exchange`] | a reply may come in pieces and be longer than 1,024 bytes |
//! | `close()` | the stream is dropped | the client closes first, so TIME_WAIT lands on the client's port |

use super::{ask_sentence, ClientArgs};
use crate::clock::secs_text;
use crate::error::{is_timeout, Error, Result};
use crate::net::{connect_tcp, Family};
use crate::output::printable;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// The most reply bytes the client keeps: 1 MiB (the server sends at most
/// 3 × 64 KiB); a peer that sends more is cut off, not buffered.
pub const MAX_REPLY: usize = 1 << 20;

/// The mirror of `TCPClient.py`, sentence first: ask, connect, send, read, print.
///
/// # Errors
///
/// Resolution, a refused connection, or no reply within `--timeout`.
pub fn run(args: Args) -> Result<()> {
    // Ask first, connect after: a slow typist must not hold a server connection open.
    let sentence = ask_sentence(args.sentence.as_deref())?;
    let stream = connect(&args.server.host, args.server.port, args.timeout)?;
    let reply = exchange(stream, &sentence)?;
    crate::outln!("From server: {}", printable(&reply));
    Ok(())
}

/// Opens the connection (the three-way handshake happens inside `connect`)
/// and sets the read and write timeouts.
///
/// # Errors
///
/// Resolution or connection errors from [`crate::net::connect_tcp`]; a refused
/// connection comes with the hint `is tcp-upper-server running?`.
pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream> {
    let stream = connect_tcp(host, port, Family::Any, "tcp-upper-server")?;
    // Hardening: a timeout, so a server that never answers cannot hang us.
    crate::server::set_timeouts(&stream, timeout)?;
    Ok(stream)
}

/// Sends the sentence, shuts down the sending half, and reads the reply until
/// the server closes.
///
/// `shutdown(Write)` sends a FIN: it tells the server the sentence is
/// complete. If the server keeps the connection open after answering, what
/// came back is still the reply: the idle timeout ends the wait, and a
/// note on stderr says so.
///
/// # Errors
///
/// `cannot send the sentence`, `cannot read the reply` (for example a reset),
/// or `no reply within N s` when nothing at all came back.
pub fn exchange(mut stream: TcpStream, sentence: &[u8]) -> Result<Vec<u8>> {
    let peer = stream.peer_addr().map_or_else(|_| "the server".to_string(), |a| a.to_string());
    stream
        .write_all(sentence)
        .and_then(|()| stream.shutdown(Shutdown::Write))
        .map_err(|e| Error::io(format!("cannot send the sentence to {peer}"), &e))?;
    let mut reply = Vec::new();
    let mut limited = (&stream).take(MAX_REPLY as u64);
    match limited.read_to_end(&mut reply) {
        Ok(_) => Ok(reply),
        Err(e) if is_timeout(&e) && !reply.is_empty() => {
            // stderr is unbuffered; if it is gone there is no one to tell.
            let _ = writeln!(
                std::io::stderr(),
                "note: {peer} answered but kept the connection open; showing what came"
            );
            Ok(reply)
        }
        Err(e) if is_timeout(&e) => {
            let waited = stream.read_timeout().ok().flatten().unwrap_or_default();
            let why = format!("nothing within {}", secs_text(waited));
            let hint = "the server took the sentence and said nothing; does it wait for more?";
            Err(Error::failed(format!("no reply from {peer}"), why).hint(hint))
        }
        Err(e) => Err(Error::io(format!("cannot read the reply from {peer}"), &e)),
    }
}

/// The command line of `tcp-upper-client`.
pub type Args = ClientArgs<false, false>;
