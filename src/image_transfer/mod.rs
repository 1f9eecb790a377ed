//! Sending a binary file over TCP: `image-server` and `image-client`
//! (assignment 000, Part 4).
//!
//! # What this exercise teaches
//!
//! * TCP delivers a stream of bytes, not messages: one `recv` returns whatever
//!   has arrived so far, which for a file of any size is rarely the whole file.
//!   A receiver must know how much to expect and read until it has it.
//! * **Framing** by a length prefix: the server says how many bytes follow, so
//!   the client can tell a complete file from one cut short by a crash.
//! * A file arriving over the network should appear under its name only when
//!   it is complete: write to a temporary file in the same folder, check it,
//!   then rename it into place (a rename within one file system is atomic).
//! * How fast the loopback can move bytes, and what it costs to copy them
//!   through user space rather than letting the kernel send the file itself.
//!
//! # The protocol
//!
//! One file per connection. The server speaks first and closes when done; the
//! client sends nothing.
//!
//! ```text
//!  image-client                                     image-server (--file b.jpg)
//!      |---- SYN ---------------------------------------->|
//!      |<--- SYN, ACK ------------------------------------|
//!      |---- ACK ---------------------------------------->|  open b.jpg, fstat: N bytes
//!      |<--- length header: N as 8 bytes, big-endian -----|
//!      |<--- N bytes of the file, in as many segments ----|  sendfile(2) on Linux
//!      |<--- FIN -----------------------------------------|  close
//!      |  got exactly N bytes? rename a.jpg.part -> a.jpg |
//!      |---- FIN ---------------------------------------->|
//! ```
//!
//! The header, byte by byte, for a file of 262,144 bytes (`0x40000`):
//!
//! ```text
//!  offset:  0    1    2    3    4    5    6    7    8 ...
//!         +----+----+----+----+----+----+----+----+------------------------+
//!         | 00 | 00 | 00 | 00 | 00 | 04 | 00 | 00 | the 262,144 file bytes  |
//!         +----+----+----+----+----+----+----+----+------------------------+
//!          length, u64, most significant byte first
//! ```
//!
//! # How the original did it, and what changed
//!
//! The original server accepted one client, sent the whole image with
//! `sendall`, and stopped. Its client did a single `recv(100000)`, wrote what
//! came into `ClientFolder/a.jpg` and opened it with an imaging library. Any
//! image larger than 100,000 bytes, or one whose bytes did not all arrive before
//! that one `recv` returned, was silently cut short, and a half file was left
//! under the final name.
//!
//! This version:
//!
//! * sends an 8-byte length first ([`encode_header`]), so the client reads until
//!   it has exactly that many bytes, and reports a **short transfer** (exit 1)
//!   when the connection ends too early;
//! * writes into a hidden temporary file next to the target and renames it
//!   only when the length is verified, so a failed transfer leaves no file;
//! * serves every client, each on its own thread (`--once` keeps the original's
//!   single client), and checks `--file` before it starts listening;
//! * streams the file instead of reading it whole into memory: the server
//!   hands it to [`std::io::copy`], which on Linux lets the kernel send it
//!   (`sendfile(2)`), and the client reads 1 MiB at a time;
//! * opens a viewer only when asked (`--show`), with the system's own command,
//!   instead of needing an imaging library.
//!
//! # Running it
//!
//! ```text
//! terminal 1:  cargo run --bin image-server               (serves lab-files/ServerFolder/b.jpg)
//! terminal 2:  cargo run --bin image-client -- --show     (saves lab-files/ClientFolder/a.jpg)
//!              cmp lab-files/ServerFolder/b.jpg lab-files/ClientFolder/a.jpg
//! ```
//!
//! # On the wire
//!
//! `tshark -i lo -f "tcp port 4567"`: after the handshake the server's first
//! segment carries 8 bytes (the header; `tshark -x` shows it), then large
//! segments of file data, each acknowledged by the client, then the server's
//! FIN. On the loopback a segment can carry up to 65,483 bytes, so a 250 kB
//! image moves in a handful of them; the receive window in the client's ACKs
//! shows how far ahead the sender may run.

pub mod client;
pub mod server;

/// The file the server sends unless told otherwise.
pub const DEFAULT_FILE: &str = "lab-files/ServerFolder/b.jpg";

/// Where the client saves the file unless told otherwise.
pub const DEFAULT_OUT: &str = "lab-files/ClientFolder/a.jpg";

/// The length of the header: a `u64`.
pub const HEADER_LEN: usize = 8;

/// The header for a file of `len` bytes: `len` as 8 bytes, big-endian
/// ("network byte order").
///
/// ```
/// use socket_labs::image_transfer::{decode_header, encode_header};
/// assert_eq!(encode_header(0x40000), [0, 0, 0, 0, 0, 4, 0, 0]);
/// assert_eq!(decode_header(encode_header(5_000_000)), 5_000_000);
/// ```
pub fn encode_header(len: u64) -> [u8; HEADER_LEN] {
    len.to_be_bytes()
}

/// The length announced by a header; see [`encode_header`].
pub fn decode_header(header: [u8; HEADER_LEN]) -> u64 {
    u64::from_be_bytes(header)
}

/// Megabytes per second, with 1 MB = 1,000,000 bytes (as network figures
/// are quoted). A zero duration gives 0 rather than infinity.
///
/// ```
/// use std::time::Duration;
/// use socket_labs::image_transfer::mb_per_s;
/// assert_eq!(mb_per_s(3_000_000, Duration::from_millis(500)), 6.0);
/// assert_eq!(mb_per_s(10, Duration::ZERO), 0.0);
/// ```
pub fn mb_per_s(bytes: u64, elapsed: std::time::Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        bytes as f64 / secs / 1e6
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_big_endian_u64() {
        assert_eq!(encode_header(0), [0; 8]);
        assert_eq!(encode_header(1), [0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(
            encode_header(0x0102_0304_0506_0708),
            [1, 2, 3, 4, 5, 6, 7, 8]
        );
        assert_eq!(decode_header([0xff; 8]), u64::MAX);
    }
}
