//! `perf-server`: a silent UDP echo, as fast as a blocking loop can be.
//!
//! ```text
//!  perf-client                          perf-server
//!      |---- datagram (SIZE bytes) ------->|  recv_from: bytes + sender
//!      |<--- the same bytes ---------------|  send_to: back to the sender
//! ```
//!
//! **The original** read at most 1024 bytes per datagram (so a larger payload
//! came back cut short) and sent the bytes back. **This version** reads up to
//! 65,535 bytes, echoes empty datagrams too, and prints nothing per datagram:
//! at tens of thousands of datagrams per second a line each would cost more
//! than the echo itself. It does not use the shared
//! [`serve_udp`](crate::server::serve_udp) loop, whose handler returns a new
//! `Vec` per reply: here the reply is sent straight from the receive buffer,
//! so the loop allocates nothing after start-up. Errors are logged and the
//! loop goes on.

use crate::error::{describe, Result};
use crate::output::Log;
use crate::server::MAX_DATAGRAM;
use std::net::UdpSocket;

/// Echoes every datagram that arrives on `socket`, forever.
///
/// # Errors
///
/// None in practice: a failed receive or send is written to `log` and the loop
/// goes on (on Windows, for example, an ICMP "port unreachable" for an earlier
/// echo shows up as an error on the next receive).
pub fn serve(socket: UdpSocket, log: Log) -> Result<()> {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        match socket.recv_from(&mut buf) {
            Ok((len, peer)) => {
                if let Err(e) = socket.send_to(&buf[..len], peer) {
                    log.line(format_args!("echo to {peer} failed: {}", describe(&e)));
                }
            }
            // Windows: the process is ending and std's WSACleanup closed the socket.
            Err(e) if crate::wsa::socket_closed(&e) => return Ok(()),
            Err(e) => log.line(format_args!("receive failed: {}", describe(&e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn echoes_empty_small_and_large_datagrams() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        std::thread::spawn(move || serve(socket, Log::quiet()));
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = vec![0u8; MAX_DATAGRAM];
        for size in [0usize, 2, 1024, 65_507] {
            let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            client.send_to(&payload, addr).unwrap();
            let (n, _) = client.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], &payload[..]);
        }
    }
}
