//! `tcp-upper-client`: sends one sentence over a fresh connection and prints the reply.
//!
//! The client reads the sentence *first* and connects only then, so a person
//! who takes a minute to type does not hold a server connection open for that
//! minute (the original connected first). The exchange is split in two steps,
//! [`connect`] and [`exchange`], so that `tcp-rtt-client` can time each.

use crate::clock::secs_text;
use crate::error::{is_timeout, Error, Result};
use crate::net::{connect_tcp, Family};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// How long the client waits for the reply unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the connection (the three-way handshake happens inside `connect`).
///
/// # Errors
///
/// Resolution or connection errors from [`crate::net::connect_tcp`]; a refused
/// connection comes with the hint `is tcp-upper-server running?`.
pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream> {
    let stream = connect_tcp(host, port, Family::Any, "tcp-upper-server")?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| Error::io("cannot set socket timeouts", &e))?;
    Ok(stream)
}

/// Sends the sentence, closes the sending half, and reads the reply to end of stream.
///
/// `shutdown(Write)` sends a FIN: it is how the server learns that the request
/// is complete. The server's own close, in turn, marks the end of the reply.
///
/// # Errors
///
/// `cannot send the sentence`, `cannot read the reply` (for example the server
/// reset the connection), or `no reply within N s`.
pub fn exchange(mut stream: TcpStream, sentence: &[u8]) -> Result<Vec<u8>> {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "the server".to_string());
    stream
        .write_all(sentence)
        .and_then(|()| stream.shutdown(Shutdown::Write))
        .map_err(|e| Error::io(format!("cannot send the sentence to {peer}"), &e))?;
    let mut reply = Vec::new();
    match stream.read_to_end(&mut reply) {
        Ok(_) => Ok(reply),
        Err(e) if is_timeout(&e) => {
            let waited = stream.read_timeout().ok().flatten().unwrap_or_default();
            Err(Error::failed(
                format!("no reply from {peer}"),
                format!("no reply within {}", secs_text(waited)),
            ))
        }
        Err(e) => Err(Error::io(format!("cannot read the reply from {peer}"), &e)),
    }
}
