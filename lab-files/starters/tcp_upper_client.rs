//! Starter: write `tcp-upper-client` yourself (Experiment 4, Task 2).
//!
//! Read a sentence first, then connect, send it, close your sending half, and
//! print everything the server sends back until it closes.
//! Fill in each `todo!()` in order; the answer is `socket_labs::uppercase::tcp_client`.
//!
//! Check it:
//! `cargo run --bin lab-check -- tcp-upper client -- cargo run -q --example tcp_upper_client -- --port {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;

mod scaffold;

fn run() -> Result<()> {
    let cmd = Command::new("tcp_upper_client", "starter: send a sentence over TCP");
    let (server, sentence) = scaffold::sentence_client(cmd, "12000")?;

    let mut stream: TcpStream = todo!("connect: TcpStream::connect(&server), an error says 'is the server running?' — see socket_labs::uppercase::tcp_client");
    todo!("send the whole sentence: stream.write_all(sentence.as_bytes()) — see socket_labs::uppercase::tcp_client");
    todo!("say you are done sending: stream.shutdown(Shutdown::Write) — see socket_labs::uppercase::tcp_client");
    let mut reply = Vec::new();
    todo!("read until the server closes (one read may hold only part): stream.read_to_end(&mut reply) — see socket_labs::uppercase::tcp_client");
    println!("From server: {}", String::from_utf8_lossy(&reply));
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
