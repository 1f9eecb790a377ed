//! Starter: write `dual-stack-server` yourself (Assignment 3, Part 3).
//!
//! Listen (on `::` by default, which takes IPv4 clients too on most systems),
//! and echo every byte each client sends until it closes, each client on its own thread.
//! Fill in each `todo!()` in order; the answer is `socket_labs::dual_stack::server`.
//!
//! Check it:
//! `cargo run --bin lab-check -- dual-stack server -- cargo run -q --example dual_stack_server -- --host {host} --port {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;

mod scaffold;

fn echo(mut stream: TcpStream) {
    let mut buf = [0u8; 4096];
    loop {
        let n: usize = todo!("read a chunk: stream.read(&mut buf); 0 or an error ends this client — see socket_labs::dual_stack::server");
        todo!("send the same bytes back: stream.write_all(&buf[..n]); an error ends this client — see socket_labs::dual_stack::server");
    }
}

fn run() -> Result<()> {
    let cmd = Command::new("dual_stack_server", "starter: TCP echo for IPv4 and IPv6");
    let (_, addr) = scaffold::server(cmd, "::", "4567")?;

    let listener: TcpListener =
        todo!("bind and listen: TcpListener::bind(&addr) — see socket_labs::dual_stack::server");
    outln!("dual_stack_server listening on {addr}");
    loop {
        let (stream, peer): (TcpStream, SocketAddr) = todo!("accept a client: listener.accept(); an error costs that client only — see socket_labs::dual_stack::server");
        outln!("connection from {peer}");
        todo!("echo on its own thread: thread::spawn(move || echo(stream)) — see socket_labs::dual_stack::server");
    }
}

fn main() -> ExitCode {
    cli::main(run)
}
