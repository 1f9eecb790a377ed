//! Starter: write `tcp-upper-server` yourself (Experiment 4, Task 2).
//!
//! Accept connections, each on its own thread (one slow client must not block the
//! next); send back every chunk in capitals as it arrives; close when the client closes.
//! Fill in each `todo!()` in order; the answer is `socket_labs::uppercase::tcp_server`.
//!
//! Check it:
//! `cargo run --bin lab-check -- tcp-upper server -- cargo run -q --example tcp_upper_server -- --port {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;

mod scaffold;

/// Sends back each chunk in capitals. A UTF-8 character cut between two reads
/// waits in `pending` for its other half.
fn serve(mut stream: TcpStream) {
    let mut buf = [0u8; 4096];
    let mut pending = Vec::new();
    loop {
        let n: usize = todo!("read a chunk: stream.read(&mut buf); 0 or an error means the client is gone, return — see socket_labs::uppercase::tcp_server");
        pending.extend_from_slice(&buf[..n]);
        let whole = match std::str::from_utf8(&pending) {
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            _ => pending.len(),
        };
        let rest = pending.split_off(whole);
        let reply = match std::str::from_utf8(&pending) {
            Ok(text) => text.to_uppercase().into_bytes(),
            Err(_) => pending.to_ascii_uppercase(),
        };
        todo!("write the reply back at once: stream.write_all(&reply); on an error, return — see socket_labs::uppercase::tcp_server");
        pending = rest;
    }
}

fn run() -> Result<()> {
    let cmd = Command::new("tcp_upper_server", "starter: answer each connection in capitals");
    let (_, addr) = scaffold::server(cmd, "0.0.0.0", "12000")?;

    let listener: TcpListener =
        todo!("bind and listen: TcpListener::bind(&addr) — see socket_labs::uppercase::tcp_server");
    outln!("tcp_upper_server listening on {addr}");
    loop {
        let stream: TcpStream = todo!("accept the next client: listener.accept(); an error costs that client only — see socket_labs::uppercase::tcp_server");
        todo!("serve it on its own thread: thread::spawn(move || serve(stream)) — see socket_labs::uppercase::tcp_server");
    }
}

fn main() -> ExitCode {
    cli::main(run)
}
