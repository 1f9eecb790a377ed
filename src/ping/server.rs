//! `ping-server`: sends every datagram back to its sender, unchanged.
//!
//! ```text
//!  ping-client                          ping-server
//!      |---- "9L8" (3 bytes) ------------->|  message: 9L8 from 127.0.0.1:40122
//!      |                                   |  (waits --delay SECS, default 0)
//!      |<--------------- "9L8" ------------|
//! ```
//!
//! UDP has no connections, so one loop on one socket serves every client: it
//! reads a datagram, learns from `recv_from` who sent it, and sends the same
//! bytes back to that address. The loop itself is the shared
//! [`serve_udp`](crate::server::serve_udp).
//!
//! **The original** bound 127.0.0.1:5065, read at most 1024 bytes per datagram
//! (anything longer was cut, so the echo no longer matched), decoded the bytes
//! as UTF-8 to print them (a datagram that was not valid UTF-8 crashed the
//! server) and slept one second before each echo.
//!
//! **This version** reads datagrams of any size up to 65,535 bytes, prints the
//! payload safely whatever its bytes (see [`show`](super::show)), echoes empty
//! datagrams too, and makes the pause optional: `--delay SECS`, 0 by default.
//! The pause is taken inside the one loop, as in the original, so replies queue
//! behind each other: a client that sends faster than one message per DELAY
//! sees its RTTs grow message after message. That queue is worth watching.

use crate::error::Result;
use crate::output::Log;
use std::net::UdpSocket;
use std::time::Duration;

/// Echoes every datagram that arrives on `socket`, forever, logging one line
/// per datagram (`message: <payload> from <addr>`) and waiting `delay` before
/// each reply.
///
/// # Errors
///
/// None in practice: receive and send failures are logged and the loop goes
/// on (see [`serve_udp`](crate::server::serve_udp)).
pub fn serve(socket: UdpSocket, delay: Duration, log: Log) -> Result<()> {
    let events = log.clone();
    crate::server::serve_udp(socket, log, move |payload, peer| {
        events.line(format_args!(
            "message: {} from {peer}",
            super::show(payload)
        ));
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        Some(payload.to_vec())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_any_bytes_unchanged() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        std::thread::spawn(move || serve(socket, Duration::ZERO, Log::quiet()));
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = vec![0u8; 70_000];
        for payload in [&b"9L8"[..], b"", b"\xff\xfe\x00", &[b'x'; 65_000][..]] {
            client.send_to(payload, addr).unwrap();
            let (n, from) = client.recv_from(&mut buf).unwrap();
            assert_eq!(from, addr);
            assert_eq!(&buf[..n], payload);
        }
    }
}
