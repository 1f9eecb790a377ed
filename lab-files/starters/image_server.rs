//! Starter: write `image-server` yourself (Assignment 3, Part 4).
//!
//! Read the image once at start-up; to every client that connects, send all its
//! bytes and close (the end of the stream marks the end of the image). A client
//! that hangs up early must cost only its own connection.
//! Fill in each `todo!()` in order; the answer is `socket_labs::image_transfer::server`.
//!
//! Check it:
//! `cargo run --bin lab-check -- image server -- cargo run -q --example image_server -- --port {port} --file {file}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;

mod scaffold;

fn run() -> Result<()> {
    let cmd = Command::new("image_server", "starter: send an image to every client").flag(
        "file",
        "FILE",
        "lab-files/ServerFolder/b.jpg",
        "the image to send",
    );
    let (m, addr) = scaffold::server(cmd, "127.0.0.1", "4567")?;
    let file = m.value("file");
    let image =
        Arc::new(std::fs::read(file).map_err(|e| Error::io(format!("cannot read {file}"), &e))?);

    let listener: TcpListener = todo!(
        "bind and listen: TcpListener::bind(&addr) — see socket_labs::image_transfer::server"
    );
    outln!("image_server listening on {addr}");
    loop {
        let (mut stream, peer): (TcpStream, SocketAddr) = todo!("accept a client: listener.accept(); an error costs that client only — see socket_labs::image_transfer::server");
        let image = Arc::clone(&image);
        todo!("on its own thread, send every byte: stream.write_all(&image), ignoring a client that left — see socket_labs::image_transfer::server");
        outln!("sending {} bytes to {peer}", image.len());
    }
}

fn main() -> ExitCode {
    cli::main(run)
}
