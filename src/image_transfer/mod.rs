//! Sending a binary file over TCP: `image-server` and `image-client`
//! (Assignment 3, Part 4).
//!
//! # What you will learn
//!
//! * TCP delivers a stream of bytes, not messages: one `recv` returns whatever
//!   has arrived so far, which for a file of any size is rarely the whole file.
//!   A receiver reads in a loop until the stream ends.
//! * When the end of the stream is the end of the file, a receiver cannot tell
//!   a server that finished from one that crashed halfway. Two answers: look at
//!   the file's own end marker (a JPEG ends with `FF D9`), or **frame** the file
//!   with its length first (`--framed`).
//! * A file arriving over the network should appear under its name only when
//!   the transfer is over: write a temporary file in the same folder, then
//!   rename it (one atomic step on one file system).
//!
//! # The original
//!
//! `server.py` of Assignment 3, Part 4 made a TCP socket, bound it to
//! `127.0.0.1:4567`, listened, accepted one client, sent the whole of
//! `ServerFolder/b.jpg` with `sendall` and stopped. `client.py` connected,
//! opened `ClientFolder/a.jpg` for writing, did one `recv(100000)`, wrote what
//! came, and opened the result with an imaging library. Any image larger than
//! 100,000 bytes (the sample is 182,332), or one whose bytes had not all
//! arrived when that one `recv` returned, was cut short, and the cut file was
//! left under the final name.
//!
//! The wire stays the original's: the bytes of the file, then close. So the
//! lab's own client (with its `recv` in a loop) and server work with ours.
//!
//! | original call | here | what changed, and why |
//! |---|---|---|
//! | `socket(AF_INET, SOCK_STREAM)`, `bind(('127.0.0.1', 4567))`, `listen(1)` | [`net::bind_tcp`](crate::net::bind_tcp) in [`server::run`] | std binds and listens in one call (and sets `SO_REUSEADDR` on Unix, so a restart does not wait out `TIME_WAIT`); `--host`, `--port` |
//! | `accept()`, then `break` after one client | `listener.accept()` in [`server::serve`] with `--once`; otherwise [`serve_tcp`](crate::server::serve_tcp) | serving every client is the accept loop of [`uppercase`](crate::uppercase), made reusable: a thread each, at most `--max-clients`, each for at most `--max-time` |
//! | `open('ServerFolder/b.jpg', 'rb')`, `f.read()` | `File::open` in [`server::send_file`] | read in [`CHUNK`]s, not whole: a client costs one 64 KiB buffer, not one file |
//! | `sendall(data)` | `stream.write_all` in [`server::send_file`] | the same; `--framed` sends the length (8 bytes, big-endian) first |
//! | (process exit closes the connection) | `drop(stream)` in [`server::send_file`] | the close is the end of the file, so it is an explicit step |
//! | `socket()`, `connect(('127.0.0.1', 4567))` | [`net::connect_tcp`](crate::net::connect_tcp) in [`client::run`] | `--host`, `--port`; a connect timeout |
//! | `open('ClientFolder/a.jpg', 'wb')` | [`PartFile::create`](crate::files::PartFile::create) | a hidden temporary file, renamed into place at the end: a failed transfer leaves no file |
//! | `recv(100000)`, once | `stream.read` in a loop to the end of the stream, in [`client::run`] | the whole file, any size up to `--max-size`; `--timeout` per wait, `--max-time` for the whole |
//! | `f.write(data)`, `f.close()` | `part.write_all`, [`PartFile::commit`](crate::files::PartFile::commit) | the end marker is checked first ([`Ends`]); a missing one is a warning |
//! | `Image.open(f).show()` | [`client::show`] with `--show` | the system's viewer (`xdg-open`, `open`, `start`), no imaging library |
//! | `close()` | the stream is dropped at the end of [`client::run`] | |
//!
//! # The protocol
//!
//! One file per connection. The client sends nothing; the server sends the file
//! and closes.
//!
//! ```text
//!  image-client                                     image-server (--file b.jpg)
//!      |---- SYN ---------------------------------------->|
//!      |<--- SYN, ACK ------------------------------------|
//!      |---- ACK ---------------------------------------->|  open b.jpg
//!      |<--- (--framed only: N as 8 bytes, big-endian) ---|
//!      |<--- the file's bytes, in as many segments -------|  64 KiB read/write loop
//!      |<--- FIN -----------------------------------------|  close: end of file
//!      |  (--framed: exactly N bytes?) ends in FF D9?      |
//!      |  rename .a.jpg.part-PID-N -> a.jpg                |
//!      |---- FIN ---------------------------------------->|
//! ```
//!
//! With `--framed` on both sides, the header for the sample's 182,332 bytes
//! (`0x2c83c`) is `00 00 00 00 00 02 c8 3c`. Without it, a server killed
//! halfway looks to the client exactly like a server that finished: the
//! kernel closes the dead process's socket with an ordinary FIN. The client
//! then saves the short file and only the missing end marker gives it away;
//! with `--framed` it refuses the file (`docs/image-transfer.md` shows both).
//!
//! # Run it
//!
//! ```text
//! terminal 1:  cargo run --bin image-server               (serves lab-files/ServerFolder/b.jpg)
//! terminal 2:  cargo run --bin image-client -- --show     (saves lab-files/ClientFolder/a.jpg)
//!              cmp lab-files/ServerFolder/b.jpg lab-files/ClientFolder/a.jpg
//! ```
//!
//! # On the wire
//!
//! `tshark -i lo -f "tcp port 4567"`: after the handshake, segments of tens of
//! kilobytes of file data (the loopback's MTU is 65,536 bytes), the last one
//! usually with the server's FIN. How many depends on timing: the receive
//! window in the client's ACKs says how far ahead the sender may run, and a
//! client slower to read gets `[TCP Window Full]`, sometimes a
//! `[TCP ZeroWindow]` / `[TCP Window Update]` pair. Six captured runs of the
//! sample image gave 13 packets five times and 17 once (the handout, step 5,
//! has the commands); the framed captures in `docs/wireshark.md`, section 9,
//! had 15 and 16.
//!
//! # Things that go wrong
//!
//! * **`cannot serve lab-files/ServerFolder/b.jpg: not found`**: the server was
//!   started outside the repository root. Run it from there or give `--file`.
//! * **`warning: ... may be truncated`**: the stream ended before the image's
//!   end marker: the server was stopped mid-transfer. Use `--framed` on both
//!   sides to have such a transfer refused.
//! * **`refused the file ...: it announces 18446744073709551615 bytes`**: the
//!   client has `--framed` and the server does not, so the first 8 bytes of the
//!   JPEG were read as a length. Use `--framed` on both sides or neither.
//! * **`... larger than --max-size`**: the file is bigger than the client
//!   accepts (100 MiB by default). Nothing is saved.
//! * **`port 4567 is already in use`**: `dual-stack-server` has the same default
//!   port. Stop it or pick another `--port`.
//! * **`warning: cannot open an image viewer`** with `--show`: no desktop, or
//!   no `xdg-open`. The file is saved all the same.

pub mod client;
pub mod server;

/// The file the server sends unless told otherwise.
pub const DEFAULT_FILE: &str = "lab-files/ServerFolder/b.jpg";

/// Where the client saves the file unless told otherwise.
pub const DEFAULT_OUT: &str = "lab-files/ClientFolder/a.jpg";

/// How much each side moves per system call, and all the memory a connection
/// holds: 64 KiB, so 256 clients cost 16 MiB of buffers.
pub const CHUNK: usize = 64 * 1024;

/// How long a transfer took and its rate, for the log and the client's
/// report, with 1 MB = 1,000,000 bytes (as network figures are quoted).
///
/// ```
/// use std::time::Duration;
/// use socket_labs::image_transfer::took;
/// assert_eq!(took(3_000_000, Duration::from_millis(500)), "in 500.0 ms (6.0 MB/s)");
/// assert_eq!(took(10, Duration::ZERO), "in 0.0 ms (0.0 MB/s)");
/// ```
pub fn took(bytes: u64, elapsed: std::time::Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { bytes as f64 / secs / 1e6 } else { 0.0 };
    format!("in {:.1} ms ({rate:.1} MB/s)", secs * 1000.0)
}

/// The first and last bytes of a file seen in pieces, enough to check the
/// end marker of a JPEG (`FF D8` ... `FF D9`) or a PNG (its last chunk is
/// `IEND`, whose 4-byte type and CRC end the file).
///
/// ```
/// use socket_labs::image_transfer::Ends;
/// let mut whole = Ends::default();
/// whole.see(b"\xff\xd8\xff\xe0 JPEG body");
/// whole.see(b"\xff\xd9");
/// assert_eq!(whole.warning(), None);
/// let mut cut = Ends::default();
/// cut.see(b"\xff\xd8\xff\xe0 JPEG body, cut");
/// assert!(cut.warning().unwrap().contains("FF D9"));
/// let mut other = Ends::default();
/// other.see(b"plain text");
/// assert_eq!(other.warning(), None); // not an image: nothing to check
/// ```
#[derive(Debug, Default, Clone)]
pub struct Ends {
    head: Vec<u8>,
    tail: Vec<u8>,
}

/// The kinds of file whose end can be checked: name, first bytes, what ends
/// them (in words), last bytes.
const KINDS: [(&str, &[u8], &str, &[u8]); 2] = [
    ("JPEG", b"\xff\xd8\xff", "the end-of-image marker FF D9", b"\xff\xd9"),
    ("PNG", b"\x89PNG\r\n\x1a\n", "its IEND chunk", b"IEND\xae\x42\x60\x82"),
];

impl Ends {
    /// Notes the next piece of the file.
    pub fn see(&mut self, piece: &[u8]) {
        let room = 8usize.saturating_sub(self.head.len());
        self.head.extend(piece.iter().take(room));
        self.tail.extend_from_slice(&piece[piece.len().saturating_sub(8)..]);
        let cut = self.tail.len().saturating_sub(8);
        self.tail.drain(..cut);
    }

    /// Why the file looks cut short, or `None` when it ends as its kind should
    /// (or is of a kind this cannot check).
    pub fn warning(&self) -> Option<String> {
        let (kind, _, marker, end) =
            KINDS.iter().find(|(_, start, ..)| self.head.starts_with(start))?;
        let why = format!("it starts like a {kind} but does not end with {marker}");
        (!self.tail.ends_with(end)).then_some(why)
    }
}
