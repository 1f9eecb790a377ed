//! Starter: write `file-client` yourself (Assignment 3, Part 1).
//!
//! Ask the server for a file by name and fetch it word by word over the framed
//! wire: every message is `tag (1 byte) | length (u32, big-endian) | payload`.
//! Send `N` name; each `D` word is answered with `W` and the next index
//! ("1", "2", ...); `E` ends the file, `F` is a refusal (404). Join the words
//! with single spaces, keeping the empty ones: the copy must be byte-identical.
//! Fill in each `todo!()` in order; the answer is `socket_labs::file_transfer::client`.
//!
//! Check it:
//! `cargo run --bin lab-check -- file client -- cargo run -q --example file_client -- --port {port} --out-dir {dir}`
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
use socket_labs::output::write_str;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::ExitCode;

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

fn run() -> Result<()> {
    let m = Command::new("file_client", "starter: fetch a file word by word")
        .positional_opt("NAME", "file to fetch; asked for when missing")
        .flag("host", "HOST", "127.0.0.1", "server address")
        .flag("port", "PORT", "5678", "server TCP port")
        .flag("out-dir", "DIR", "lab-files/client_folder", "where the copy goes")
        .parse_env()?;
    let server = format!("{}:{}", m.value("host"), m.parse::<u16>("port")?);
    let name = match m.get("NAME") {
        Some(given) => given.to_string(),
        None => {
            write_str("file name (file_1.txt): ");
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| Error::io("cannot read the file name", &e))?;
            match line.trim() {
                "" => "file_1.txt".to_string(),
                typed => typed.to_string(),
            }
        }
    };
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
