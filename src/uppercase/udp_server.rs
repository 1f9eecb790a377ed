//! `udp-upper-server`: answers each datagram with the same text in capitals.
//!
//! One loop serves every client: receive a datagram and the sender's address,
//! send the reply to that address. There is no connection and no per-client
//! state, so there is nothing a client can hold open. The loop itself lives in
//! [`crate::server::serve_udp`]; this module only decides what to answer.

use super::uppercase;
use crate::error::Result;
use crate::output::{preview, Log};
use std::net::UdpSocket;

/// Where the server listens unless told otherwise (SPEC section 2).
pub const DEFAULT_HOST: &str = "0.0.0.0";
/// The original's port.
pub const DEFAULT_PORT: u16 = 25000;

/// Serves uppercase replies on an already bound socket, forever.
///
/// Each datagram gets one log line: the sender, what came in and what went
/// back. Invalid UTF-8 is answered too (ASCII letters only), with a note.
///
/// # Errors
///
/// None in practice; see [`crate::server::serve_udp`].
pub fn serve(socket: UdpSocket, log: Log) -> Result<()> {
    let handler_log = log.clone();
    crate::server::serve_udp(socket, log, move |message, peer| {
        let reply = uppercase(message);
        let note = if reply.was_utf8 {
            ""
        } else {
            " (not valid UTF-8: ASCII letters only)"
        };
        handler_log.line(format_args!(
            "{peer}: {} -> {}{note}",
            preview(message, 60),
            preview(&reply.bytes, 60)
        ));
        Some(reply.bytes)
    })
}
