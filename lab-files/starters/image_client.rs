//! Starter: write `image-client` yourself (Assignment 3, Part 4).
//!
//! Connect, read everything the server sends until it closes (that is the whole
//! image: one read of 100,000 bytes cut larger ones), write it to a temporary
//! file and rename it into place only when the transfer is complete.
//! Fill in each `todo!()` in order; the answer is `socket_labs::image_transfer::client`.
//!
//! Check it:
//! `cargo run --bin lab-check -- image client -- cargo run -q --example image_client -- --port {port} --out {file}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use std::io::Read;
use std::net::TcpStream;
use std::process::ExitCode;

mod scaffold;

fn run() -> Result<()> {
    let cmd = Command::new("image_client", "starter: receive an image over TCP").flag(
        "out",
        "FILE",
        "lab-files/ClientFolder/a.jpg",
        "where to save it",
    );
    let (m, server) = scaffold::client(cmd, "4567")?;
    let out = m.value("out").to_string();

    let mut stream: TcpStream =
        todo!("connect: TcpStream::connect(&server) — see socket_labs::image_transfer::client");
    let mut image = Vec::new();
    todo!("read until the server closes: stream.read_to_end(&mut image) — see socket_labs::image_transfer::client");
    let partial = format!("{out}.part");
    std::fs::write(&partial, &image)
        .map_err(|e| Error::io(format!("cannot write {partial}"), &e))?;
    std::fs::rename(&partial, &out)
        .map_err(|e| Error::io(format!("cannot rename to {out}"), &e))?;
    outln!("received {} bytes, saved to {out}", image.len());
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
