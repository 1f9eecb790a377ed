//! One server for IPv4 and IPv6 clients: `dual-stack-server` and `dual-stack-client`
//! (assignment 000, Part 3).
//!
//! # What this exercise teaches
//!
//! * An IPv6 socket bound to the wildcard address `[::]` can accept IPv4 clients
//!   as well, when the system allows it. Such a client shows up with an
//!   **IPv4-mapped IPv6 address**: `127.0.0.1` becomes `::ffff:127.0.0.1`, that is
//!   80 zero bits, 16 one bits, then the 32 bits of the IPv4 address.
//! * Whether `[::]` takes IPv4 too is decided by one socket option,
//!   `IPV6_V6ONLY`. Its default differs: Linux reads it from
//!   `/proc/sys/net/ipv6/bindv6only` (normally `0`, so dual-stack), Windows and
//!   OpenBSD make every IPv6 socket IPv6-only.
//! * A client chooses the family when it resolves the name: `localhost` asked
//!   for IPv6 on a machine whose `/etc/hosts` lists it only as `127.0.0.1` has
//!   no answer, and `::1` is the way to say "this machine, over IPv6".
//! * TCP is a byte stream: an echo of 100,000 bytes does not come back in one
//!   `recv`, and a UTF-8 character can be cut between two reads. The client
//!   reads back exactly as many bytes as it sent.
//!
//! # The protocol
//!
//! A plain TCP echo: every byte the client sends comes back unchanged; the
//! server keeps no framing of its own. The client sends each line *with* its
//! newline (`\n`), so an empty line is still one byte on the wire and the
//! exchange reads well in `nc` or Wireshark, then reads back exactly that many
//! bytes before it prints the echo.
//!
//! ```text
//!  dual-stack-client                               dual-stack-server ([::]:4567)
//!        |  getaddrinfo(HOST, family = AF_INET or AF_INET6)        |
//!        |---- SYN (to 127.0.0.1 or ::1) ------------------------->|  accept():
//!        |<--- SYN, ACK -------------------------------------------|  peer is
//!        |---- ACK ----------------------------------------------->|  ::ffff:127.0.0.1
//!        |---- "hello\n" (6 bytes) ------------------------------->|  or ::1
//!        |<--- "hello\n" (same 6 bytes, maybe in several pieces) --|
//!        |   ... one exchange per line typed ...                   |
//!        |---- FIN  (the user typed `end`, or input ended) ------->|  read() = 0
//!        |<--- FIN ------------------------------------------------|  close
//! ```
//!
//! # How the original did it, and what changed
//!
//! The original server made an `AF_INET6` socket, turned `IPV6_V6ONLY` off with
//! `setsockopt`, bound it, and served one client at a time, echoing each
//! `recv(1024)`. Its client asked for the family, host and port, resolved the
//! name for that family, opened a throw-away connection to test the address,
//! then opened the real one and, for each line typed, did one `send` and one
//! `recv(1024)`.
//!
//! This version keeps the behaviour and fixes what breaks:
//!
//! * **No `setsockopt` in std.** `TcpListener::bind("[::]:4567")` leaves
//!   `IPV6_V6ONLY` at the system default, and std offers no way to change it
//!   before `bind` (that needs `unsafe` calls to `libc` or a crate such as
//!   `socket2`, and this crate has neither). So the [`server`] *detects*
//!   the setting instead: it binds `[::]`, then tries to bind `0.0.0.0` on the
//!   same port. On a dual-stack system that second bind fails (the port is
//!   already taken for IPv4 by the `[::]` socket); where it succeeds, `[::]` is
//!   IPv6-only and the server simply serves both listeners, one accept thread
//!   each. Where IPv6 is missing altogether, it falls back to `0.0.0.0` and says so.
//! * **One client at a time** becomes one thread per client
//!   ([`crate::server::serve_tcp`]), with a read timeout, so a silent client
//!   holds nobody up.
//! * **`recv(1024)` for the echo** printed only the first kilobyte of a longer
//!   line (the rest came out with the *next* line), and `.decode()` crashed on a
//!   character cut in two. The [`client`] reads back exactly the number of
//!   bytes it sent, keeps them as bytes, and writes and reads on two threads so
//!   that even a line larger than both socket buffers cannot deadlock.
//! * The throw-away test connection is gone: the real connection tries each
//!   resolved address in turn, and reports which one it reached.
//! * `end` closes the session, as before, and so does end of input (Ctrl-D, or
//!   the end of a piped file), where the original stopped with an `EOFError`.
//!   Lines are bytes: input that is not UTF-8 is sent and echoed unchanged, and
//!   shown with the odd bytes escaped (`\xff`).
//!
//! # Running it
//!
//! ```text
//! terminal 1:  cargo run --bin dual-stack-server            (asks "Port number: ", Enter = 4567)
//! terminal 2:  cargo run --bin dual-stack-client            (asks family, host, port)
//!              cargo run --bin dual-stack-client -- --family 4 127.0.0.1 4567
//!              cargo run --bin dual-stack-client -- --family 6 ::1 4567
//! ```
//!
//! The server prints, per client, `connection from [::ffff:127.0.0.1]:50312
//! (an IPv4 client, seen as the IPv4-mapped address ::ffff:127.0.0.1)` or
//! `connection from [::1]:50314 (IPv6)`.
//!
//! # On the wire
//!
//! Capture with `tshark -i lo -f "tcp port 4567"`. The IPv4 client's packets are
//! ordinary IPv4 packets, `127.0.0.1 → 127.0.0.1`: the mapping exists only inside
//! the server's socket API, never on the wire. The IPv6 client's packets are
//! `::1 → ::1`, and their SYN announces a smaller MSS (65,476 rather than
//! 65,495 on the loopback's 65,536-byte MTU) because the IPv6 header is 40 bytes,
//! not 20 (IPv4's figure is one byte short of 65,536 − 40 because its 16-bit
//! total-length field caps a packet at 65,535 bytes). A line of 100,000 bytes leaves as a few large segments and its echo
//! comes back in pieces whose sizes have nothing to do with the line.
//! One run of the handout's two clients (IPv4 with two lines, IPv6 with one)
//! gave 22 packets, 12 over IPv4 and 10 over IPv6 (`docs/wireshark.md`,
//! section 8).
//!
//! # Things that go wrong
//!
//! * **`cannot resolve 'localhost': it has no IPv6 address on this system`**:
//!   `/etc/hosts` lists `localhost` only as `127.0.0.1`. Use `::1`.
//! * **`port 4567 is already in use`**: `image-server` has the same default
//!   port (both originals used 4567), and `[::]` on a dual-stack system also
//!   covers `127.0.0.1:4567`. Stop the other server or pick another `--port`.
//! * **IPv4 clients refused** where `[::]` is IPv6-only: the server normally
//!   notices and listens on `0.0.0.0` as well; its second start-up line says
//!   which case it found. Started with `--host ::1`, it serves IPv6 only.
//! * **No IPv6 at all** (a container without `::1`): the server falls back to
//!   IPv4 and says so; `--family 6` clients then cannot connect.
//! * **A client dropped after 30 s** of silence: the server's `--timeout`, so a
//!   forgotten terminal does not hold a thread forever.

pub mod client;
pub mod server;

/// The port both programs use when the user presses Enter at `Port number: `
/// (the value the original's instructions used).
pub const DEFAULT_PORT: u16 = 4567;
