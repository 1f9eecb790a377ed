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
//! * streams the file instead of reading it whole into memory, 1 MiB at a
//!   time on both sides ([`copy_exactly`] with a [`CHUNK`]-sized buffer);
//!   see "Why not `std::io::copy`" below;
//! * opens a viewer only when asked (`--show`), with the system's own command,
//!   instead of needing an imaging library.
//!
//! # Why not `std::io::copy`
//!
//! `std::io::copy(&mut file, &mut stream)` would be the obvious one-liner, and
//! on Linux it used to hand the whole job to the kernel with `sendfile(2)`:
//! the Debian 12 toolchain (rustc 1.63) still does (`strace` shows one
//! `sendfile` call for the whole file). Newer std releases stopped doing so
//! for a file going into a socket or pipe, because pages handed over that way
//! are read by the kernel *after* the call returns, so a later change to the
//! file could leak into data already "sent" (see rust-lang/rust issue 128300).
//! They fall back to a loop of 8 KiB reads and writes instead. An explicit
//! loop with a 1 MiB buffer behaves the same on every toolchain and makes 128
//! times fewer system calls than the 8 KiB loop. Measured on a 200 MB file
//! over the loopback, it moves as fast as a C program doing the same
//! `read`/`write` loop, and about 10% slower than C with `sendfile`, which
//! saves one copy of every byte (see `docs/image-transfer.md`).
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
//! segment carries 8 bytes (the header; `tshark -x` shows `00 00 00 00 00 02
//! c8 3c` for the sample's 182,332 bytes), then segments of tens of kilobytes
//! of file data (the loopback's MTU is 65,536 bytes), the last one with the
//! server's FIN. The sample image moves in a handful of segments; the receive
//! window in the client's ACKs shows how far ahead the sender may run, and
//! Wireshark marks `[TCP Window Full]` where it had to stop and wait.
//! One transfer of the sample image took 15 packets (`docs/wireshark.md`,
//! section 9).
//!
//! # Things that go wrong
//!
//! * **`cannot serve lab-files/ServerFolder/b.jpg: not found`**: the server was
//!   started outside the repository root, where the default path means
//!   nothing. Run it from the root or give `--file`.
//! * **`cannot save to ...: the folder ... does not exist`**: the client does not
//!   create folders; make it first or choose another `--out`.
//! * **`short transfer`**: the server stopped before the announced length (it
//!   was killed, or is not an `image-server`). Nothing is saved.
//! * **`port 4567 is already in use`**: `dual-stack-server` has the same default
//!   port. Stop it or pick another `--port`.
//! * **`warning: cannot open an image viewer`** with `--show`: there is no
//!   desktop, or no `xdg-open`. The file is saved all the same.
//! * **The client waits, then fails after `--timeout`** (10 s): something
//!   accepted the connection but sends nothing, for instance another program
//!   listening on that port.

pub mod client;
pub mod server;

/// The file the server sends unless told otherwise.
pub const DEFAULT_FILE: &str = "lab-files/ServerFolder/b.jpg";

/// Where the client saves the file unless told otherwise.
pub const DEFAULT_OUT: &str = "lab-files/ClientFolder/a.jpg";

/// How much each side moves per system call: the server reads 1 MiB of the
/// file and writes it to the socket, the client reads up to 1 MiB from the
/// socket and writes it to the file. At 1 MiB a 200 MB file takes about 200
/// reads and 200 writes; `std::io::copy`'s 8 KiB buffer would take 25,000 of each.
pub const CHUNK: usize = 1 << 20;

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

/// Where [`copy_exactly`] stopped short, and how many bytes had been copied.
#[derive(Debug)]
pub enum CopyError {
    /// Reading failed; `UnexpectedEof` when the source ended early.
    Read(u64, std::io::Error),
    /// Writing failed.
    Write(u64, std::io::Error),
}

/// Copies exactly `len` bytes from `from` to `to` through `buf`, and says which
/// side failed when it cannot (the two sides get different messages: a short
/// transfer is the network's fault, a full disk is not).
///
/// ```
/// use socket_labs::image_transfer::{copy_exactly, CopyError};
/// let mut out = Vec::new();
/// let mut buf = [0u8; 4];
/// assert_eq!(copy_exactly(&mut &b"hello world"[..], &mut out, 7, &mut buf).unwrap(), 7);
/// assert_eq!(out, b"hello w");
/// match copy_exactly(&mut &b"abc"[..], &mut Vec::new(), 10, &mut buf) {
///     Err(CopyError::Read(3, e)) => assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof),
///     other => panic!("{other:?}"),
/// }
/// ```
///
/// # Errors
///
/// [`CopyError::Read`] or [`CopyError::Write`] with the count copied so far.
pub fn copy_exactly(
    from: &mut impl std::io::Read,
    to: &mut impl std::io::Write,
    len: u64,
    buf: &mut [u8],
) -> std::result::Result<u64, CopyError> {
    use std::io::ErrorKind;
    let mut copied: u64 = 0;
    while copied < len {
        // Never ask for more than is still due: the bytes after belong to no one.
        let want = buf
            .len()
            .min(usize::try_from(len - copied).unwrap_or(usize::MAX));
        let n = match from.read(&mut buf[..want]) {
            Ok(0) => return Err(CopyError::Read(copied, ErrorKind::UnexpectedEof.into())),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(copied, e)),
        };
        to.write_all(&buf[..n])
            .map_err(|e| CopyError::Write(copied, e))?;
        copied += n as u64;
    }
    Ok(copied)
}

/// A buffer of [`CHUNK`] bytes, or less when `len` is smaller (an empty file
/// needs no megabyte).
pub fn buffer_for(len: u64) -> Vec<u8> {
    vec![0u8; usize::try_from(len).map_or(CHUNK, |len| len.clamp(1, CHUNK))]
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

    /// A writer that accepts `room` bytes, then fails like a full disk.
    struct Full {
        room: usize,
    }

    impl std::io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::Other, "disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn copy_exactly_stops_at_len_and_names_the_failing_side() {
        let data: Vec<u8> = (0..=255).cycle().take(10_000).collect();
        let mut out = Vec::new();
        let mut buf = [0u8; 333];
        assert_eq!(
            copy_exactly(&mut &data[..], &mut out, 9_999, &mut buf).unwrap(),
            9_999
        );
        assert_eq!(out, &data[..9_999]);
        assert_eq!(
            copy_exactly(&mut &data[..], &mut out, 0, &mut buf).unwrap(),
            0
        );
        match copy_exactly(&mut &data[..], &mut Full { room: 1_000 }, 5_000, &mut buf) {
            Err(CopyError::Write(copied, e)) => {
                assert_eq!(copied, 999); // three full buffers went in; the fourth did not
                assert_eq!(e.to_string(), "disk full");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn buffers_are_no_larger_than_needed() {
        assert_eq!(buffer_for(0).len(), 1);
        assert_eq!(buffer_for(10).len(), 10);
        assert_eq!(buffer_for(u64::MAX).len(), CHUNK);
    }
}
