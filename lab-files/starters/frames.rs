//! The framed wire both file starters speak, filled in once for both ends:
//! every message is `tag (1 byte) | length (u32, big-endian) | payload`.
//! The answer is `socket_labs::framing`.

use std::io::{self, Read, Write};
use std::net::TcpStream;

/// Sends one frame.
pub fn send_frame(stream: &mut TcpStream, tag: u8, payload: &[u8]) -> io::Result<()> {
    let mut frame = vec![tag];
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(payload);
    todo!("send the whole frame: stream.write_all(&frame) — see socket_labs::framing")
}

/// Reads one frame: its tag and payload.
pub fn read_frame(stream: &mut TcpStream) -> io::Result<(u8, Vec<u8>)> {
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
