//! Starter: write `file-client` yourself (Assignment 3, Part 1).
//!
//! Ask the server for a file by name and fetch it word by word over the framed
//! wire: every message is `tag (1 byte) | length (u32, big-endian) | payload`.
//! Send `N` name; each `D` word is answered with `W` and the next index
//! ("1", "2", ...); `E` ends the file, `F` is a refusal (404). Join the words
//! with single spaces, keeping the empty ones: the copy must be byte-identical.
//! Fill in the wire first, `frames.rs` (both file starters share it), then each
//! `todo!()` here in order; the answer is `socket_labs::file_transfer::client`.
//!
//! Check it:
//! `cargo run --bin lab-check -- file client -- cargo run -q --example file_client -- --port {port} --out-dir {dir}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use socket_labs::prompt;
use std::io;
use std::net::TcpStream;
use std::path::Path;
use std::process::ExitCode;

mod frames;
use frames::{read_frame, send_frame};
mod scaffold;

fn run() -> Result<()> {
    let cmd = Command::new("file_client", "starter: fetch a file word by word")
        .positional_opt("NAME", "file to fetch; asked for when missing")
        .flag("out-dir", "DIR", "lab-files/client_folder", "where the copy goes");
    let (m, server) = scaffold::client(cmd, "5678")?;
    let name = prompt::arg_or_ask(m.get("NAME"), "file name (file_1.txt): ", "file_1.txt")?;
    let name = name.unwrap_or_else(|| "file_1.txt".to_string());
    let broke = |e: io::Error| Error::io(format!("transfer of {name} failed"), &e);

    let mut stream: TcpStream =
        todo!("connect: TcpStream::connect(&server) — see socket_labs::file_transfer::client");
    send_frame(&mut stream, b'N', name.as_bytes()).map_err(broke)?;
    let mut words: Vec<Vec<u8>> = Vec::new();
    loop {
        let (tag, payload) = read_frame(&mut stream).map_err(broke)?;
        match tag {
            b'D' => words.push(payload),
            b'E' => break,
            _ => {
                let why = String::from_utf8_lossy(&payload).into_owned();
                return Err(Error::failed(format!("the server refused {name}"), why));
            }
        }
        send_frame(&mut stream, b'W', words.len().to_string().as_bytes()).map_err(broke)?;
    }
    let content = words.join(&b' ');
    let out = Path::new(m.value("out-dir")).join(&name);
    let partial = out.with_extension("part");
    std::fs::write(&partial, &content).map_err(|e| Error::io("cannot write the copy", &e))?;
    std::fs::rename(&partial, &out).map_err(|e| Error::io("cannot rename the copy", &e))?;
    outln!("received {} words, saved to {}", words.len(), out.display());
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
