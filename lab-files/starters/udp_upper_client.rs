//! Starter: write `udp-upper-client` yourself (Experiment 4, 5.1).
//!
//! Read a sentence, send it to the server in one datagram, print the reply.
//! Fill in each `todo!()` in order; the answer is `socket_labs::uppercase::udp_client`.
//! An I/O error becomes one readable line with `.map_err(|e| Error::io("cannot ...", &e))?`.
//!
//! Check it:
//! `cargo run --bin lab-check -- udp-upper client -- cargo run -q --example udp_upper_client -- --port {port}`
// Remove these lines once every todo!() is filled in: until then the code after one is unreachable.
#![allow(
    unreachable_code,
    unused_variables,
    unused_mut,
    unused_imports,
    unused_assignments,
    dead_code
)]
#![allow(clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::output::write_str;
use std::net::UdpSocket;
use std::process::ExitCode;
use std::time::Duration;

fn run() -> Result<()> {
    let m = Command::new("udp_upper_client", "starter: send a sentence over UDP")
        .positional_opt("SENTENCE", "the sentence to send; asked for when missing")
        .flag("host", "HOST", "127.0.0.1", "server address")
        .flag("port", "PORT", "25000", "server UDP port")
        .parse_env()?;
    let server = format!("{}:{}", m.value("host"), m.parse::<u16>("port")?);
    let sentence = match m.get("SENTENCE") {
        Some(given) => given.to_string(),
        None => {
            write_str("Input lowercase sentence: ");
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| Error::io("cannot read the sentence", &e))?;
            line.trim_end_matches(&['\r', '\n'][..]).to_string()
        }
    };

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
