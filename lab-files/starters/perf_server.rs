//! Starter: write `perf-server` yourself (Assignment 3, Part 2 Q2).
//!
//! Echo every datagram back to its sender unchanged and silently (a log line per
//! datagram would slow the measurement down).
//! Fill in each `todo!()` in order; the answer is `socket_labs::perf::server`.
//!
//! Check it:
//! `cargo run --bin lab-check -- perf server -- cargo run -q --example perf_server -- --port {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;

mod scaffold;

fn run() -> Result<()> {
    let cmd = Command::new("perf_server", "starter: silent UDP echo server");
    let (_, addr) = scaffold::server(cmd, "127.0.0.1", "5048")?;

    let socket: UdpSocket =
        todo!("bind the server's socket: UdpSocket::bind(&addr) — see socket_labs::perf::server");
    outln!("perf_server listening on {addr}");
    let mut buf = vec![0u8; 65_535]; // the largest datagram: nothing is cut
    loop {
        let (n, client): (usize, SocketAddr) = todo!(
            "wait for a datagram: socket.recv_from(&mut buf) — see socket_labs::perf::server"
        );
        todo!("echo it back unchanged: socket.send_to(&buf[..n], client) — see socket_labs::perf::server");
    }
}

fn main() -> ExitCode {
    cli::main(run)
}
