//! # socket-labs: classic socket-programming labs in plain Rust
//!
//! This crate is a course book you can run. It takes the programs of two
//! classic university networking labs, originally short Python scripts, and
//! rewrites each as one library module you can read top to bottom and one
//! binary you can run with `cargo run --bin <name>`. Everything uses the
//! standard library's blocking sockets ([`std::net`]) and plain threads, and
//! the crate has no dependencies at all, so it builds offline on a fresh lab
//! machine with Rust 1.63 or newer.
//!
//! Where the original scripts break, this edition shows the fix: framing for
//! TCP's byte stream, timeouts where a lost datagram hung the client, servers
//! that survive bad bytes, one thread per client instead of one client at a
//! time. Each module says what the original did, what changed, and why.
//!
//! ## The exercises
//!
//! Each original script is one module file, and that file's first screen
//! is the script's socket calls in the same order, with our hardening as
//! named steps in between. Each module's docs map the original's calls to
//! ours, one row per call.
//!
//! | lab part | original script | module | binary | handout |
//! |---|---|---|---|---|
//! | Experiment 4, 5.2 | `UDPServer.py` | [`uppercase::udp_server`] | `udp-upper-server` | `docs/uppercase.md` |
//! | Experiment 4, 5.1 | `UDPClient.py` | [`uppercase::udp_client`] | `udp-upper-client` | `docs/uppercase.md` |
//! | Experiment 4, Task 1 | the UDP RTT client | [`rtt::udp_client`] | `udp-rtt-client` | `docs/rtt.md` |
//! | Experiment 4, Task 2 | `TCPServer.py` | [`uppercase::tcp_server`] | `tcp-upper-server` | `docs/uppercase.md` |
//! | Experiment 4, Task 2 | `TCPClient.py` | [`uppercase::tcp_client`] | `tcp-upper-client` | `docs/uppercase.md` |
//! | Experiment 4, Task 3 | the TCP RTT client | [`rtt::tcp_client`] | `tcp-rtt-client` | `docs/rtt.md` |
//! | Experiment 4, Task 4 | (question: UDP vs TCP RTT) | [`rtt::compare`] | `rtt-compare` | `docs/rtt.md` |
//! | Experiment 4, Task 5 | (question: no server) | [`no_server`] | `no-server` | `docs/no-server.md` |
//! | Assignment 3, Part 1 | `server.py` (file by words) | [`file_transfer::server`] | `file-server` | `docs/file-transfer.md` |
//! | Assignment 3, Part 1 | `client.py` | [`file_transfer::client`] | `file-client` | `docs/file-transfer.md` |
//! | Assignment 3, Part 2 Q1 | `server.py` (UDP echo) | [`ping::server`] | `ping-server` | `docs/ping.md` |
//! | Assignment 3, Part 2 Q1 | `client.py` (RTT, loss) | [`ping::client`] | `ping-client` | `docs/ping.md` |
//! | Assignment 3, Part 2 Q2 | `server.py` (echo) | [`perf::server`] | `perf-server` | `docs/perf.md` |
//! | Assignment 3, Part 2 Q2 | `client.py` (iperf-like) | [`perf::client`] | `perf-client` | `docs/perf.md` |
//! | Assignment 3, Part 3 | `server.py` (IPv4/IPv6) | [`dual_stack::server`] | `dual-stack-server` | `docs/dual-stack.md` |
//! | Assignment 3, Part 3 | `client.py` | [`dual_stack::client`] | `dual-stack-client` | `docs/dual-stack.md` |
//! | Assignment 3, Part 4 | `server.py` (image) | [`image_transfer::server`] | `image-server` | `docs/image-transfer.md` |
//! | Assignment 3, Part 4 | `client.py` | [`image_transfer::client`] | `image-client` | `docs/image-transfer.md` |
//! | (ours) | a bad network on your desk | [`link_emulator`] | `link-emulator` | `docs/link-emulator.md` |
//! | (ours) | the guided run | [`tour`] | `tour` (`cargo run`) | `README.md` |
//! | (ours) | a grader for students' programs | [`lab_check`] | `lab-check` | `docs/grading.md` |
//!
//! Beside the code, `docs/` holds a lab handout per exercise, `docs/wireshark.md`
//! (the packets each exercise puts on the wire, checked against real captures,
//! with capture files in `lab-files/captures/` for machines where students
//! cannot capture), `docs/changes-from-originals.md` (each defect of the
//! original scripts, its fix and the test that proves it) and
//! `docs/instructor.md` (answers, with the measurements behind them).
//! **Instructors:** `docs/instructor.md` holds the answers to the handouts'
//! questions; remove it from the copy you hand out.
//!
//! **Students write the programs.** `lab-files/starters/` holds a starter per
//! program (a Cargo example: `cargo run --example udp_upper_client`) with a
//! `todo!()` at each socket call of the lesson, and [`lab_check`] grades a
//! program in any language against the reference peers, one behaviour per
//! line, as Stanford CS144's checkers do.
//!
//! ## The socket calls, in order
//!
//! Every exercise is made of these calls. UDP has no connection: a server
//! binds and answers whoever sent each datagram. TCP sets up a connection
//! first, and the server gets a new socket for each client.
//!
//! ```text
//!   UDP server                      UDP client
//!   UdpSocket::bind(addr)           UdpSocket::bind("0.0.0.0:0")
//!   loop {                          send_to(request, server) -------------.
//!     recv_from(buf) <-------------------------------------------------'  |
//!     send_to(reply, from) ----------------------------------------.       |
//!   }                               recv_from(buf) <---------------'       |
//!
//!   TCP server                      TCP client
//!   TcpListener::bind(addr)         (socket, bind and listen in one call)
//!   for stream in listener.incoming()   // accept()
//!       <---------- SYN, SYN-ACK, ACK ----- TcpStream::connect(server)
//!     read(buf)  <------------------------- write_all(request)
//!                <-------------- FIN ------ shutdown(Write)
//!     write_all(reply) ------------------>  read(buf) until 0 (end of stream)
//!     drop(stream)  ------------ FIN ----->  drop(stream)
//! ```
//!
//! | call | Rust | Python's socket API |
//! |---|---|---|
//! | create + bind (UDP) | [`UdpSocket::bind`](std::net::UdpSocket::bind) | `socket(AF_INET, SOCK_DGRAM)`, `bind` |
//! | send / receive a datagram | [`send_to`](std::net::UdpSocket::send_to), [`recv_from`](std::net::UdpSocket::recv_from) | `sendto`, `recvfrom` |
//! | create + bind + listen (TCP) | [`TcpListener::bind`](std::net::TcpListener::bind) | `socket`, `bind`, `listen` |
//! | accept | [`TcpListener::accept`](std::net::TcpListener::accept), [`incoming`](std::net::TcpListener::incoming) | `accept` |
//! | connect | [`TcpStream::connect`](std::net::TcpStream::connect) | `connect` |
//! | send / receive bytes | [`write_all`](std::io::Write::write_all), [`read`](std::io::Read::read) | `sendall`, `recv` |
//! | half-close | [`TcpStream::shutdown`](std::net::TcpStream::shutdown) | `shutdown(SHUT_WR)` |
//! | close | dropping the socket | `close` |
//! | timeouts | [`set_read_timeout`](std::net::TcpStream::set_read_timeout) | `settimeout` |
//!
//! The first exercise, [`uppercase`], writes both server loops out in full;
//! [`server`] is the same two loops made reusable for the later exercises.
//!
//! ## Reading order
//!
//! 1. [`uppercase`]: the smallest complete exchange, over UDP and over TCP:
//!    the bare loops, then the same loops hardened step by step.
//! 2. [`rtt`]: timing it, and [`rtt::compare`] for where TCP's extra time goes.
//! 3. [`no_server`]: what each transport tells a client when nobody listens.
//! 4. [`file_transfer`]: a chatty protocol over TCP, framed with [`framing`],
//!    and a server that distrusts the names it is asked for.
//! 5. [`dual_stack`]: one server for IPv4 and IPv6, and a client that asks
//!    for one address family.
//! 6. [`image_transfer`]: a binary file of any size, the end of the stream as
//!    its end, and a temporary file renamed into place only when complete.
//! 7. [`ping::client`]: a sender and a receiver thread, loss, late and
//!    duplicate replies, and iputils-style statistics ([`stats`]).
//! 8. [`perf::client`]: the iperf-like tool: goodput, delay and jitter per
//!    second, a sliding window, and graphs drawn by [`svg`].
//! 9. [`link_emulator`]: put delay, jitter, loss and a rate limit between any
//!    client and server, predict what ping and perf will show, and measure it.
//!
//! The shared pieces are worth reading once, early: [`net`] (resolving,
//! connecting, binding, with errors a person can act on), [`server`] (the
//! loops of [`uppercase`] made reusable, with a connection cap and a
//! deadline), [`files`] (saving a file so a failed transfer leaves nothing),
//! [`cli`] (flags, durations with units, range checks) and [`error`].
//!
//! ## Conventions every binary follows
//!
//! * `--help` prints the usage, every flag with its default, and an example.
//!   A bad argument prints `error: ...` and a usage line, exit code 2.
//! * A failure at run time is one line, `error: <what failed>: <why> — <hint>`,
//!   exit code 1. No panics or backtraces for network or input problems.
//! * Servers take `--host` and `--port` (`--port 0` picks a free port) and
//!   first print `<binary> listening on <address>`; then one line per event.
//! * Clients take `--host` and `--port`; where the original asked with
//!   `input()`, a missing argument is asked for the same way, and end of input
//!   ends the program cleanly.
//! * Nothing waits forever: connects, UDP replies and idle server connections
//!   all time out. TCP servers serve at most `--max-clients` connections at
//!   once, each for at most `--max-time`, and drop one idle for
//!   `--idle-timeout`.
//! * Durations take a unit (`20ms`, `1.5s`, `2m`); `--help` names the unit of
//!   a bare number. Every number is range-checked: a bad one is a usage
//!   error, never a crash.
//! * Times for people are UTC with microseconds; durations come from the
//!   monotonic clock ([`clock`]).
//! * Output piped into `head` ends the program quietly ([`output`]).
//!
//! ## Building offline
//!
//! ```text
//! cargo build --offline
//! cargo test --offline
//! ```
//!
//! With no dependencies there is nothing to download. Debian 12's packaged
//! toolchain (rustc 1.63, cargo 1.65) builds and tests the crate; CI checks it.
//!
//! ## On Windows
//!
//! Install Rust with rustup, with either the MSVC toolchain or the GNU one
//! (`x86_64-pc-windows-gnu`, which needs no Visual Studio), then use the same
//! `cargo run` and `cargo test`. Error lines name Windows' socket codes
//! ([`wsa`]), paths print with `\` ([`paths`]), and the handouts for
//! [`no_server`] and [`uppercase`] say where Windows answers differently (an
//! ICMP port-unreachable fails the next `recv_from` of even an unconnected UDP
//! socket with `WSAECONNRESET`). CI cross-builds that target and runs the tour
//! and the tests under Wine.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
pub mod clock;
pub mod dual_stack;
pub mod error;
pub mod file_transfer;
pub mod files;
pub mod framing;
pub mod image_transfer;
pub mod lab_check;
pub mod link_emulator;
pub mod net;
pub mod no_server;
pub mod output;
pub mod paths;
pub mod perf;
pub mod ping;
pub mod prompt;
pub mod rng;
pub mod rtt;
pub mod server;
pub mod stats;
pub mod svg;
pub mod tour;
pub mod uppercase;
pub mod wsa;
