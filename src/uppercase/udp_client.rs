//! `udp-upper-client`: sends one sentence in a datagram and prints the reply.
//!
//! The interesting part is what happens when no reply comes. The datagram may
//! have been lost, the server may not be running, or the reply may have been
//! lost on the way back: over UDP the client cannot tell these apart, and the
//! operating system reports no error for any of them (the socket is not
//! connected, so an ICMP "port unreachable" is not passed to it; see the
//! `no-server` exercise). The only tool the client has is a timeout.

use crate::clock::secs_text;
use crate::error::{is_timeout, Error, Result};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// How long the client waits for a reply unless told otherwise (SPEC section 3).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// Sends `message` to `server` and waits up to `timeout` for the reply.
///
/// Datagrams from any other address are ignored: an unconnected UDP socket
/// accepts datagrams from anyone, and a reply is only a reply if it comes from
/// the server we asked.
///
/// # Errors
///
/// * `no reply from ADDR: no reply within 1 s — ...` when the timeout passes;
///   the hint explains why UDP cannot say more.
/// * `cannot send to ADDR: ...` / `cannot receive from ADDR: ...` for socket
///   errors (for example a message larger than 65,507 bytes).
pub fn request(
    socket: &UdpSocket,
    server: SocketAddr,
    message: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>> {
    socket
        .send_to(message, server)
        .map_err(|e| Error::io(format!("cannot send to {server}"), &e))?;
    let deadline = Instant::now() + timeout;
    let mut buf = vec![0u8; crate::server::MAX_DATAGRAM];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(no_reply(server, timeout));
        }
        socket
            .set_read_timeout(Some(left))
            .map_err(|e| Error::io("cannot set the receive timeout", &e))?;
        match socket.recv_from(&mut buf) {
            Ok((len, from)) if from == server => return Ok(buf[..len].to_vec()),
            Ok(_) => continue, // someone else's datagram: not our reply
            Err(e) if is_timeout(&e) => return Err(no_reply(server, timeout)),
            Err(e) => return Err(Error::io(format!("cannot receive from {server}"), &e)),
        }
    }
}

/// The error for a reply that never came, with the explanation a student needs.
pub fn no_reply(server: SocketAddr, timeout: Duration) -> Error {
    Error::failed(
        format!("no reply from {server}"),
        format!("no reply within {}", secs_text(timeout)),
    )
    .hint(
        "UDP has no connection, so nothing reports a missing server or a lost datagram; \
         is the server running on that port?",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_strangers_and_returns_the_servers_reply() {
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
        let client_addr = client.local_addr().unwrap();
        let server_addr = server.local_addr().unwrap();
        let echo = std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            let (n, from) = server.recv_from(&mut buf).unwrap();
            // The stranger's datagram is queued first, so the client must skip it.
            stranger.send_to(b"not for you", client_addr).unwrap();
            server.send_to(&buf[..n], from).unwrap();
        });
        let reply = request(&client, server_addr, b"ping", Duration::from_secs(5)).unwrap();
        assert_eq!(reply, b"ping");
        echo.join().unwrap();
    }

    #[test]
    fn silence_is_a_timeout_error() {
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let started = Instant::now();
        let err = request(
            &client,
            silent.local_addr().unwrap(),
            b"x",
            Duration::from_millis(100),
        )
        .unwrap_err()
        .to_string();
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert!(err.contains("no reply within 0.1 s"), "{err}");
        assert!(err.contains("UDP has no connection"), "{err}");
    }
}
