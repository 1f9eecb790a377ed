//! Fake peers for tests: small servers on free loopback ports, each on its own
//! thread, that behave the way a test needs (echo, answer late, answer twice,
//! answer never, reply and stay open...). Each returns the address to use.
//!
//! The threads end with the test process; a UDP peer also ends after 20 s of
//! silence so a forgotten one does not linger in a long test run.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// A UDP server thread. For the n-th datagram it receives (from 0),
/// `answer(n, payload, held)` returns the replies to send back now; `held`
/// keeps earlier payloads for a server that answers late.
pub fn udp<F>(mut answer: F) -> SocketAddr
where
    F: FnMut(usize, &[u8], &mut Vec<Vec<u8>>) -> Vec<Vec<u8>> + Send + 'static,
{
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind UDP on loopback");
    socket.set_read_timeout(Some(Duration::from_secs(20))).expect("set a read timeout");
    let addr = socket.local_addr().expect("local address");
    thread::spawn(move || {
        let mut buf = vec![0u8; 65_535];
        let mut held = Vec::new();
        let mut n = 0;
        while let Ok((len, from)) = socket.recv_from(&mut buf) {
            for reply in answer(n, &buf[..len], &mut held) {
                let _ = socket.send_to(&reply, from);
            }
            n += 1;
        }
    });
    addr
}

/// A UDP echo server thread: every datagram goes back unchanged.
pub fn udp_echo() -> SocketAddr {
    udp(|_, payload, _| vec![payload.to_vec()])
}

/// A UDP server thread that answers nothing and reports each datagram with
/// its arrival time.
pub fn udp_sink() -> (SocketAddr, Receiver<(Vec<u8>, Instant)>) {
    let (tx, rx) = mpsc::channel();
    let addr = udp(move |_, payload, _| {
        let _ = tx.send((payload.to_vec(), Instant::now()));
        Vec::new()
    });
    (addr, rx)
}

/// A TCP server thread that runs `handle` for each connection on a thread
/// of its own.
pub fn tcp<F>(handle: F) -> SocketAddr
where
    F: Fn(TcpStream) + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind TCP on loopback");
    let addr = listener.local_addr().expect("local address");
    let handle = Arc::new(handle);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let handle = Arc::clone(&handle);
            thread::spawn(move || handle(stream));
        }
    });
    addr
}

/// A TCP echo server thread: each connection echoes until the client closes.
pub fn tcp_echo() -> SocketAddr {
    tcp(|mut stream| {
        let _ = stream.set_nodelay(true);
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 || stream.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    })
}

/// An address on loopback where nothing listens, UDP or TCP.
pub fn dead_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], super::closed_port()))
}

/// A UDP server that answers each datagram (unchanged) from a *different*
/// socket, as a server on a wildcard address may answer from another of the
/// host's addresses: a careful client must not take that for the reply.
pub fn udp_reply_from_elsewhere() -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind UDP on loopback");
    let other = UdpSocket::bind("127.0.0.1:0").expect("bind UDP on loopback");
    socket.set_read_timeout(Some(Duration::from_secs(20))).expect("set a read timeout");
    let addr = socket.local_addr().expect("local address");
    thread::spawn(move || {
        let mut buf = vec![0u8; 65_535];
        while let Ok((len, from)) = socket.recv_from(&mut buf) {
            let _ = other.send_to(&buf[..len], from);
        }
    });
    addr
}
