//! Starter: write `tcp-upper-client` yourself (Experiment 4, Task 2).
//!
//! Read a sentence first, then connect, send it, close your sending half, and
//! print everything the server sends back until it closes.
//! Fill in each `todo!()` in order; the answer is `socket_labs::uppercase::tcp_client`.
//!
//! Check it:
//! `cargo run --bin lab-check -- tcp-upper client -- cargo run -q --example tcp_upper_client -- --port {port}`
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
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;

fn run() -> Result<()> {
    let m = Command::new("tcp_upper_client", "starter: send a sentence over TCP")
        .positional_opt("SENTENCE", "the sentence to send; asked for when missing")
        .flag("host", "HOST", "127.0.0.1", "server address")
        .flag("port", "PORT", "12000", "server TCP port")
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
