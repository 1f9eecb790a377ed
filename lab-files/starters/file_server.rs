//! Starter: write `file-server` yourself (Assignment 3, Part 1).
//!
//! Serve the words of the files in one folder over the framed wire (see
//! `file_client.rs`): on `N` name, split the file on single spaces (empty words
//! included, as Python's `split(" ")`) and send `D` word 0; answer each `W`
//! index with `D` that word, or `E` past the last one. A name that is not a plain
//! file name gets `F` "400 Bad-File-Name"; a missing file `F` "404 File-not-Found".
//! Fill in each `todo!()` in order; the answer is `socket_labs::file_transfer::server`.
//!
//! Check it:
//! `cargo run --bin lab-check -- file server -- cargo run -q --example file_server -- --port {port} --dir {dir}`
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
use socket_labs::outln;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;

fn send_frame(stream: &mut TcpStream, tag: u8, payload: &[u8]) -> io::Result<()> {
    let mut frame = vec![tag];
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(payload);
    todo!("send the whole frame: stream.write_all(&frame) — see socket_labs::framing")
}

fn read_frame(stream: &mut TcpStream) -> io::Result<(u8, Vec<u8>)> {
    let mut head = [0u8; 5];
    todo!(
        "read exactly the 5 header bytes: stream.read_exact(&mut head)? — see socket_labs::framing"
    );
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if len > 16 << 20 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "frame over 16 MiB"));
    }
    let mut payload = vec![0u8; len];
    todo!("read exactly len payload bytes: stream.read_exact(&mut payload)? — see socket_labs::framing");
    Ok((head[0], payload))
}

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
    let m = Command::new("file_server", "starter: hand out files word by word")
        .flag("host", "HOST", "127.0.0.1", "address to listen on")
        .flag("port", "PORT", "5678", "TCP port (0 = any free port)")
        .flag("dir", "DIR", "lab-files/server_folder", "folder whose files are served")
        .parse_env()?;
    let addr = format!("{}:{}", m.value("host"), m.parse::<u16>("port")?);
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
