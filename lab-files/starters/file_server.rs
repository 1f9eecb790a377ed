//! Starter: write `file-server` yourself (Assignment 3, Part 1).
//!
//! Serve the words of the files in one folder over the framed wire (see
//! `file_client.rs`; the frames are in `frames.rs`, shared with it): on `N` name, split the file on single spaces (empty words
//! included, as Python's `split(" ")`) and send `D` word 0; answer each `W`
//! index with `D` that word, or `E` past the last one. A name that is not a plain
//! file name gets `F` "400 Bad-File-Name"; a missing file `F` "404 File-not-Found".
//! Fill in the wire first, `frames.rs`, then each `todo!()` here in order; the
//! answer is `socket_labs::file_transfer::server`.
//!
//! Check it:
//! `cargo run --bin lab-check -- file server -- cargo run -q --example file_server -- --port {port} --dir {dir}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;

mod frames;
use frames::{read_frame, send_frame};
mod scaffold;

/// One client's conversation; any error ends this client only.
fn serve(mut stream: TcpStream, dir: PathBuf) -> io::Result<()> {
    let (tag, name) = read_frame(&mut stream)?;
    let name = String::from_utf8_lossy(&name).into_owned();
    let plain = tag == b'N'
        && !name.is_empty()
        && !name.contains(['/', '\\', '\0'])
        && name != ".."
        && name != ".";
    if !plain {
        return send_frame(&mut stream, b'F', b"400 Bad-File-Name");
    }
    let content = match std::fs::read(dir.join(&name)) {
        Ok(content) => content,
        Err(_) => return send_frame(&mut stream, b'F', b"404 File-not-Found"),
    };
    let words: Vec<&[u8]> = content.split(|b| *b == b' ').collect();
    send_frame(&mut stream, b'D', words[0])?;
    loop {
        let (tag, index) = read_frame(&mut stream)?;
        let index: usize = String::from_utf8_lossy(&index).parse().unwrap_or(usize::MAX);
        match words.get(index) {
            Some(word) if tag == b'W' => send_frame(&mut stream, b'D', word)?,
            _ => return send_frame(&mut stream, b'E', b""),
        }
    }
}

fn run() -> Result<()> {
    let cmd = Command::new("file_server", "starter: hand out files word by word").flag(
        "dir",
        "DIR",
        "lab-files/server_folder",
        "folder whose files are served",
    );
    let (m, addr) = scaffold::server(cmd, "127.0.0.1", "5678")?;
    let dir = PathBuf::from(m.value("dir"));

    let listener: TcpListener =
        todo!("bind and listen: TcpListener::bind(&addr) — see socket_labs::file_transfer::server");
    outln!("file_server listening on {addr}");
    loop {
        let (stream, peer): (TcpStream, SocketAddr) = todo!("accept a client: listener.accept(); an error costs that client only — see socket_labs::file_transfer::server");
        let dir = dir.clone();
        outln!("client {peer} connected");
        todo!("serve it on its own thread: thread::spawn(move || serve(stream, dir)) — see socket_labs::file_transfer::server");
    }
}

fn main() -> ExitCode {
    cli::main(run)
}
