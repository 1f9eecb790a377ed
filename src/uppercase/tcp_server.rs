//! `tcp-upper-server`: one request per connection, answered in capitals.
//!
//! Each connection carries exactly one sentence. The client marks its end by
//! shutting down its sending half, so the server reads until end of stream,
//! uppercases what it got, writes the reply and closes the connection, which
//! in turn tells the client the reply is complete. No length prefix is needed
//! because each direction carries one message and ends with it.
//!
//! Connections are served on their own threads by [`crate::server::serve_tcp`],
//! so a client that connects and then says nothing only holds its own thread,
//! and only until the read timeout.

use super::uppercase;
use crate::error::{is_timeout, Error, Result};
use crate::output::{preview, Log};
use crate::server::{serve_tcp, TcpOptions};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// Where the server listens unless told otherwise (SPEC section 2).
pub const DEFAULT_HOST: &str = "0.0.0.0";
/// The original's port.
pub const DEFAULT_PORT: u16 = 12000;
/// The longest request the server accepts: 64 KiB. Anything longer is refused,
/// so a client cannot make the server buffer without limit.
pub const MAX_REQUEST: usize = 64 * 1024;

/// Serves uppercase replies on an already bound listener, forever.
///
/// # Errors
///
/// None in practice; see [`crate::server::serve_tcp`].
pub fn serve(listener: TcpListener, options: TcpOptions) -> Result<()> {
    serve_tcp(listener, options, handle)
}

/// One connection: read the request to end of stream, reply, close.
///
/// # Errors
///
/// The request was too long, did not end within the read timeout, or the
/// connection failed; [`serve`] logs the error and serves the next client.
pub fn handle(mut stream: TcpStream, peer: SocketAddr, log: &Log) -> Result<()> {
    let request = read_request(&mut stream)?;
    let reply = uppercase(&request);
    stream
        .write_all(&reply.bytes)
        .map_err(|e| Error::io("cannot send the reply", &e))?;
    let note = if reply.was_utf8 {
        ""
    } else {
        " (not valid UTF-8: ASCII letters only)"
    };
    log.line(format_args!(
        "{peer}: {} -> {}{note}",
        preview(&request, 60),
        preview(&reply.bytes, 60)
    ));
    // Dropping the stream closes it: the FIN tells the client the reply is whole.
    Ok(())
}

/// Reads until the client shuts down its sending half, at most [`MAX_REQUEST`] bytes.
fn read_request(stream: &mut TcpStream) -> Result<Vec<u8>> {
    let mut request = Vec::new();
    // One byte more than allowed, to tell "exactly the limit" from "too long".
    let mut limited = (&*stream).take(MAX_REQUEST as u64 + 1);
    match limited.read_to_end(&mut request) {
        Ok(_) if request.len() > MAX_REQUEST => Err(Error::failed(
            "request refused",
            format!("longer than {MAX_REQUEST} bytes"),
        )),
        Ok(_) => Ok(request),
        Err(e) if is_timeout(&e) => Err(Error::failed(
            "dropped a silent client",
            format!(
                "no complete request within the read timeout ({} bytes received)",
                request.len()
            ),
        )),
        Err(e) => Err(Error::io("cannot read the request", &e)),
    }
}
