//! Starter: write `udp-upper-client` yourself (Experiment 4, 5.1).
//!
//! Read a sentence, send it to the server in one datagram, print the reply.
//! Fill in each `todo!()` in order; the answer is `socket_labs::uppercase::udp_client`.
//! An I/O error becomes one readable line with `.map_err(|e| Error::io("cannot ...", &e))?`.
//!
//! Check it:
//! `cargo run --bin lab-check -- udp-upper client -- cargo run -q --example udp_upper_client -- --port {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use std::net::UdpSocket;
use std::process::ExitCode;
use std::time::Duration;

mod scaffold;

fn run() -> Result<()> {
    let cmd = Command::new("udp_upper_client", "starter: send a sentence over UDP");
    let (server, sentence) = scaffold::sentence_client(cmd, "25000")?;

    let socket: UdpSocket =
        todo!("bind a socket to any local port: UdpSocket::bind(\"0.0.0.0:0\") — see socket_labs::uppercase::udp_client");
    todo!("wait at most 1 s for the reply, UDP never says 'no server': socket.set_read_timeout(...) — see socket_labs::uppercase::udp_client");
    todo!("send the sentence in one datagram: socket.send_to(sentence.as_bytes(), &server) — see socket_labs::uppercase::udp_client");
    let mut reply = vec![0u8; 65_535]; // room for the largest datagram
    let n: usize = todo!("receive the reply: socket.recv_from(&mut reply), keep the length — see socket_labs::uppercase::udp_client");
    println!("{}", String::from_utf8_lossy(&reply[..n]));
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
