//! Starter: write `udp-rtt-client` yourself (Experiment 4, Task 1).
//!
//! The UDP uppercase client, timed: take the time just before sending and just
//! after the reply arrives, and print the round-trip time in milliseconds.
//! Fill in each `todo!()` in order; the answer is `socket_labs::rtt::udp_client`.
//!
//! Check it:
//! `cargo run --bin lab-check -- udp-rtt client -- cargo run -q --example udp_rtt_client -- --port {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use std::net::UdpSocket;
use std::process::ExitCode;
use std::time::{Duration, Instant};

mod scaffold;

fn run() -> Result<()> {
    let cmd = Command::new("udp_rtt_client", "starter: time one UDP request and reply");
    let (server, sentence) = scaffold::sentence_client(cmd, "25000")?;

    let socket: UdpSocket = todo!(
        "bind to any local port and set a 1 s read timeout — see socket_labs::rtt::udp_client"
    );
    let mut reply = vec![0u8; 65_535];
    // Everything that is not the exchange itself stays outside the timed window.
    let sent_at = Instant::now();
    todo!("send the sentence: socket.send_to(sentence.as_bytes(), &server) — see socket_labs::rtt::udp_client");
    let n: usize =
        todo!("receive the reply: socket.recv_from(&mut reply) — see socket_labs::rtt::udp_client");
    let rtt = sent_at.elapsed();
    println!("From server: {}", String::from_utf8_lossy(&reply[..n]));
    println!("RTT: {:.3} ms", rtt.as_secs_f64() * 1000.0);
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
