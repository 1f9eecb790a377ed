//! Starter: write `udp-upper-server` yourself (Experiment 4, 5.2).
//!
//! Wait for datagrams; answer each with the same text in capitals, to its sender.
//! Fill in each `todo!()` in order; the answer is `socket_labs::uppercase::udp_server`.
//!
//! Check it:
//! `cargo run --bin lab-check -- udp-upper server -- cargo run -q --example udp_upper_server -- --port {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;

mod scaffold;

/// Capitals for text; for bytes that are not UTF-8, ASCII letters only (never a crash).
fn upper(bytes: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_uppercase().into_bytes(),
        Err(_) => bytes.to_ascii_uppercase(),
    }
}

fn run() -> Result<()> {
    let cmd = Command::new("udp_upper_server", "starter: answer datagrams in capitals");
    let (_, addr) = scaffold::server(cmd, "0.0.0.0", "25000")?;

    let socket: UdpSocket = todo!(
        "bind the server's socket: UdpSocket::bind(&addr) — see socket_labs::uppercase::udp_server"
    );
    outln!("udp_upper_server listening on {addr}");
    let mut buf = vec![0u8; 65_535]; // the largest datagram: nothing is cut
    loop {
        let (n, client): (usize, SocketAddr) = todo!("wait for a datagram: socket.recv_from(&mut buf) — see socket_labs::uppercase::udp_server");
        let reply = upper(&buf[..n]);
        todo!("answer the sender: socket.send_to(&reply, client); a failed send costs one reply, not the server — see socket_labs::uppercase::udp_server");
        outln!("{client}: {} bytes answered", n);
    }
}

fn main() -> ExitCode {
    cli::main(run)
}
