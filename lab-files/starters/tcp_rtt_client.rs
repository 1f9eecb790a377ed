//! Starter: write `tcp-rtt-client` yourself (Experiment 4, Task 3).
//!
//! The TCP uppercase client, timed in two parts: the connect (the handshake) and
//! the request/reply on the open connection.
//! Fill in each `todo!()` in order; the answer is `socket_labs::rtt::tcp_client`.
//!
//! Check it:
//! `cargo run --bin lab-check -- tcp-rtt client -- cargo run -q --example tcp_rtt_client -- --port {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::time::Instant;

mod scaffold;

fn run() -> Result<()> {
    let cmd = Command::new("tcp_rtt_client", "starter: time a TCP connect and request/reply");
    let (server, sentence) = scaffold::sentence_client(cmd, "12000")?;

    let started = Instant::now();
    let mut stream: TcpStream =
        todo!("connect: TcpStream::connect(&server) — see socket_labs::rtt::tcp_client");
    let connected = started.elapsed();
    let mut reply = Vec::new();
    let asked = Instant::now();
    todo!("send the sentence, shut down the sending half, read to the end — see socket_labs::rtt::tcp_client");
    let answered = asked.elapsed();
    println!("From server: {}", String::from_utf8_lossy(&reply));
    println!(
        "RTT: connect {:.3} ms + request/reply {:.3} ms",
        connected.as_secs_f64() * 1000.0,
        answered.as_secs_f64() * 1000.0
    );
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
