//! One server for IPv4 and IPv6 clients: `dual-stack-server` and `dual-stack-client`
//! (Assignment 3, Part 3).
//!
//! # What you will learn
//!
//! * An IPv6 socket bound to the wildcard address `[::]` can accept IPv4 clients
//!   as well. Such a client shows up with an **IPv4-mapped IPv6 address**:
//!   `127.0.0.1` becomes `::ffff:127.0.0.1`, that is 80 zero bits, 16 one bits,
//!   then the 32 bits of the IPv4 address. The mapping exists only inside the
//!   socket API, never on the wire.
//! * Whether `[::]` takes IPv4 too is the socket option `IPV6_V6ONLY`. Its
//!   *default* differs: Linux reads it from `/proc/sys/net/ipv6/bindv6only`
//!   (normally `0`, dual-stack); Windows defaults to IPv6-only. A program that
//!   sets the option before `bind` gets what it asks for either way.
//! * A client chooses the family when it resolves the name: `localhost` asked
//!   for IPv6 on a machine whose `/etc/hosts` lists it only as `127.0.0.1` has
//!   no answer, and `::1` is the way to say "this machine, over IPv6".
//! * TCP is a byte stream: an echo of 100,000 bytes does not come back in one
//!   `recv`. The client reads the echo up to its newline, however many reads
//!   that takes.
//!
//! # The original
//!
//! `server.py` of Assignment 3, Part 3 asked for a port, made an `AF_INET6`
//! socket, turned `IPV6_V6ONLY` off, bound it to every address, listened, and
//! served one client at a time, sending back each `recv(1024)`. Setting the
//! option to 0 before `bind` overrode the system's default, so it served IPv4
//! clients on Windows and on Linux with `bindv6only=1` too; it failed only
//! where IPv6 was missing (`socket(AF_INET6)` fails) or on systems that never
//! give IPv4 to an IPv6 socket (OpenBSD). `client.py` asked for the family,
//! host and port, resolved the name for that family, opened a throw-away
//! connection to try the address, then opened the real one and, for each line
//! typed, did one `send` and one `recv(1024)` until the user typed `end`.
//!
//! | original call | here | what changed, and why |
//! |---|---|---|
//! | `input("Port number:")` | [`ask_until`] in [`server::run`] | the prompt shows its default (4567) and asks again after a wrong answer; `--port` |
//! | `socket(AF_INET6, SOCK_STREAM)`, `bind(("", port))`, `listen(3)` | `TcpListener::bind` in [`server::bind`] | std binds and listens in one call |
//! | `setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0)` | (none): [`server::bind`] also binds `0.0.0.0` where `[::]` is IPv6-only | std cannot set this option (it needs `setsockopt` before `bind`: `unsafe` code or a crate); two sockets give IPv4 clients the same service, seen as plain IPv4 |
//! | `accept()`, one client at a time | [`serve_tcp`](crate::server::serve_tcp) in [`server::serve`] | the accept loop of [`uppercase`](crate::uppercase), made reusable: a thread each, at most `--max-clients`, each for at most `--max-time` |
//! | `recv(1024)`, `if not data: break`, `send(data)` | `read`, `Ok(0)`, `write_all` in [`server::echo_client`] | 64 KiB reads; `write_all` because one `send` may take only part |
//! | `input()` × 3 (family, host, port) | [`ask_until`] in [`client::run_from`] | also given as `--family 4\|6 HOST PORT`; a wrong answer is asked again |
//! | `getaddrinfo(host, port, family)`, test `connect`, `close` | [`net::connect_tcp`](crate::net::connect_tcp) | resolves for the family only; tries each address once, no throw-away connection |
//! | `socket(family)`, `connect(addr)` | [`net::connect_tcp`](crate::net::connect_tcp) | a connect timeout; the client says which address it reached |
//! | `input()`, `send(line)` | `write_all(line + "\n")` in [`client::run_from`] | the newline goes too, so the echo's end can be found |
//! | `recv(1024)`, `print(data.decode())` | `read_until(b'\n')` | the whole echoed line, however many reads it takes, ending in `\n` or `\r\n`; bytes that are not UTF-8 are shown escaped, never a crash |
//! | `close()` | `shutdown(Write)` in [`client::run_from`] | `end`, or the end of input (the original stopped with `EOFError`) |
//!
//! # The protocol
//!
//! A plain TCP echo: every byte the client sends comes back unchanged.
//!
//! ```text
//!  dual-stack-client                               dual-stack-server ([::]:4567)
//!        |  getaddrinfo(HOST, family = AF_INET or AF_INET6)        |
//!        |---- SYN (to 127.0.0.1 or ::1) ------------------------->|  accept():
//!        |<--- SYN, ACK -------------------------------------------|  peer is
//!        |---- ACK ----------------------------------------------->|  ::ffff:127.0.0.1
//!        |---- "hello\n" (6 bytes) ------------------------------->|  or ::1
//!        |<--- "hello\n" (maybe in several pieces) ----------------|
//!        |   ... one exchange per line typed ...                   |
//!        |---- FIN  (the user typed `end`, or input ended) ------->|  read() = 0
//!        |<--- FIN ------------------------------------------------|  close
//! ```
//!
//! # Run it
//!
//! ```text
//! terminal 1:  cargo run --bin dual-stack-server            (asks "Port number [4567]: ")
//! terminal 2:  cargo run --bin dual-stack-client            (asks family, host, port)
//!              cargo run --bin dual-stack-client -- --family 4 127.0.0.1 4567
//!              cargo run --bin dual-stack-client -- --family 6 ::1 4567
//! ```
//!
//! The server logs each client as `connection from [::ffff:127.0.0.1]:50312
//! (IPv4, mapped into IPv6)` or
//! `connection from [::1]:50314 (IPv6)`.
//!
//! # On the wire
//!
//! `tshark -i lo -f "tcp port 4567"`. The IPv4 client's packets are ordinary
//! IPv4 packets, `127.0.0.1 → 127.0.0.1`; the IPv6 client's are `::1 → ::1`,
//! and their SYN announces a smaller MSS (65,476 rather than 65,495 on the
//! loopback's 65,536-byte MTU): the IPv6 header is 40 bytes, not 20 (IPv4's
//! figure is one byte short of 65,536 − 40 because its 16-bit total-length
//! field caps a packet at 65,535 bytes). See `docs/wireshark.md`, section 8.
//!
//! # Things that go wrong
//!
//! * **`cannot resolve 'localhost': it has no IPv6 address on this system`**:
//!   `/etc/hosts` lists `localhost` only as `127.0.0.1`. Use `::1`.
//! * **`port 4567 is already in use`**: `image-server` has the same default
//!   port, and `[::]` on a dual-stack system also covers `127.0.0.1:4567`.
//! * **IPv4 clients refused** where `[::]` is IPv6-only: the server listens on
//!   `0.0.0.0` as well and its start-up lines say so. With `--host ::1` it
//!   serves IPv6 only.
//! * **No IPv6 at all** (a container without `::1`): the server falls back to
//!   IPv4 and says so; `--family 6` clients then cannot connect.
//! * **A client dropped** after 30 s of silence (`--idle-timeout`) or 60 s in
//!   all (`--max-time`): so a forgotten terminal cannot hold a thread forever.
//!   For a long interactive session start the server with `--max-time 1h`.

use crate::error::{Error, Result};
use crate::{outln, output::preview};
use std::io::BufRead;

pub mod client;
pub mod server;

/// The port both programs use when the user presses Enter at `Port number [4567]: `
/// (the value the original's instructions used).
pub const DEFAULT_PORT: u16 = 4567;

/// The value given on the command line, or else the answer to `question`,
/// as the original's `input()` but patient: a blank answer is `default`, a
/// wrong one is asked again. The end of input ends the program quietly.
///
/// ```
/// use socket_labs::dual_stack::ask_until;
/// let mut input = &b"port?\n\n"[..];
/// let parse = |a: &str| a.parse::<u16>().ok();
/// assert_eq!(ask_until(None, &mut input, "Port number [4567]: ", "4567", parse).unwrap(), 4567);
/// assert_eq!(ask_until(Some(80), &mut input, "Port number [4567]: ", "4567", parse).unwrap(), 80);
/// let end = ask_until(None, &mut input, "? ", "1", parse).unwrap_err();
/// assert_eq!(end.exit_code(), 0); // no more input: nothing to do, nothing went wrong
/// ```
///
/// # Errors
///
/// `cannot read from standard input: ...`, input that is not UTF-8, and at
/// the end of input [`Error::Exit`]`(0)`: exit 0, and no `error:` line.
pub fn ask_until<T>(
    given: Option<T>,
    input: &mut impl BufRead,
    question: &str,
    default: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T> {
    if let Some(value) = given {
        return Ok(value);
    }
    while let Some(answer) = crate::prompt::ask_from(question, input)? {
        let answer = Some(answer.trim()).filter(|a| !a.is_empty()).unwrap_or(default);
        match parse(answer) {
            Some(value) => return Ok(value),
            None => outln!("{} is not an answer here; try again", preview(answer.as_bytes(), 40)),
        }
    }
    Err(Error::Exit(0))
}

/// The port given, or else `Port number [4567]: `, asked until the answer is
/// a port from `lowest` up.
///
/// # Errors
///
/// As [`ask_until`].
pub fn ask_port(given: Option<u16>, input: &mut impl BufRead, lowest: u16) -> Result<u16> {
    let (question, default) = (format!("Port number [{DEFAULT_PORT}]: "), DEFAULT_PORT.to_string());
    let parse = |a: &str| a.parse::<u16>().ok().filter(|p| *p >= lowest);
    ask_until(given, input, &question, &default, parse)
}
