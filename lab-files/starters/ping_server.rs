//! Starter: write `ping-server` yourself (Assignment 3, Part 2 Q1).
//!
//! Echo every datagram back to its sender unchanged, whatever its bytes.
//! Fill in each `todo!()` in order; the answer is `socket_labs::ping::server`.
//!
//! Check it:
//! `cargo run --bin lab-check -- ping server -- cargo run -q --example ping_server -- --port {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use socket_labs::output::printable;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;

mod scaffold;

fn run() -> Result<()> {
    let cmd = Command::new("ping_server", "starter: UDP echo server");
    let (_, addr) = scaffold::server(cmd, "127.0.0.1", "5065")?;

    let socket: UdpSocket =
        todo!("bind the server's socket: UdpSocket::bind(&addr) — see socket_labs::ping::server");
    outln!("ping_server listening on {addr}");
    let mut buf = vec![0u8; 65_535]; // the largest datagram: nothing is cut
    loop {
        let (n, client): (usize, SocketAddr) = todo!(
            "wait for a datagram: socket.recv_from(&mut buf) — see socket_labs::ping::server"
        );
        // printable() shows any bytes safely: no decode that could crash the server.
        outln!("message: {} from {client}", printable(&buf[..n]));
        todo!("echo it back unchanged: socket.send_to(&buf[..n], client) — see socket_labs::ping::server");
    }
}

fn main() -> ExitCode {
    cli::main(run)
}
