//! Experiment 4: the "uppercase" servers and clients, over UDP and over TCP.
//!
//! The first socket program of the course: a client sends a sentence, the
//! server sends it back in capitals. Written once per transport, it shows the
//! two APIs side by side. This is also where the two server loops every later
//! exercise uses are written out bare: [`udp_server::serve`] is the UDP
//! `recv_from`/`send_to` loop and [`tcp_server::serve`] the `for stream in
//! listener.incoming()` loop with a thread per connection. [`crate::server`]
//! is those two loops made reusable.
//!
//! # What you will learn
//!
//! * UDP is **datagrams**: one `send_to` is one message, delivered whole or not
//!   at all, and nothing tells the sender which. A client that hears nothing
//!   must give up after a timeout.
//! * TCP is a **byte stream** over a **connection**: `connect` does the
//!   three-way handshake, and each `read` returns *some* bytes, not "a
//!   message". Uppercasing is a byte-stream transform, the way `tr a-z A-Z`
//!   is: the server uppercases each piece as it arrives and writes it back at
//!   once, so it never needs to know where the sentence ends
//!   ([`StreamUpper`] keeps a character split between two reads whole).
//! * The order of socket calls on each side (the figure below).
//!
//! # The original
//!
//! Experiment 4 has four scripts: `UDPServer.py` and `UDPClient.py` (sections
//! 5.1-5.2), `TCPServer.py` and `TCPClient.py` (Task 2). Tasks 1 and 3 time
//! the two clients ([`crate::rtt`]). Each module here opens with the mirror of
//! one script and has its call map:
//! [`udp_server`], [`udp_client`], [`tcp_server`], [`tcp_client`].
//!
//! The socket calls, in the order both sides make them (the background
//! figure of Experiment 4, redrawn):
//!
//! ```text
//!   UDP server              UDP client          TCP server               TCP client
//!   socket()  [1]                               socket()     [5]
//!   bind()    [1]                               bind()       [5]
//!                                               listen()     [5]
//!   recvfrom() [2] <-.      socket()  [3]       accept()     [6] <--.    socket()  [7]
//!      | blocks      |         |                   | blocks         |       |
//!      |<------------+---- sendto()   [3]          |<--- handshake -+--- connect() [7]
//!   sendto()  [2] ---+---> recvfrom() [4]       recv()       [8] <--+--- send()    [9]
//!      '-------------'     close()               send()       [8] ---+-> recv()    [10]
//!                                               close()      [8] <--+--- close()   [11]
//! ```
//!
//! | | call | Rust item here |
//! |---|---|---|
//! | 1 | `socket(AF_INET, SOCK_DGRAM)` + `bind` | [`std::net::UdpSocket::bind`] (one call), via [`crate::net::bind_udp`] |
//! | 2 | `recvfrom` / `sendto` | [`std::net::UdpSocket::recv_from`] / [`std::net::UdpSocket::send_to`] in [`udp_server::serve`] |
//! | 3 | `socket` / `sendto` | [`crate::net::bind_udp_for`] / `send_to` in [`udp_client::run`] |
//! | 4 | `recvfrom` | `recv_from` in [`udp_client::Waiter::recv_reply`] |
//! | 5 | `socket` + `bind` + `listen` | [`std::net::TcpListener::bind`] (all three), via [`crate::net::bind_tcp`] |
//! | 6 | `accept` | [`std::net::TcpListener::incoming`] in [`tcp_server::serve`] |
//! | 7 | `socket` + `connect` | [`std::net::TcpStream::connect_timeout`] in [`crate::net::connect_tcp`] |
//! | 8 | `recv` / `send` / `close` | `read` / `write_all` / drop in [`tcp_server::handle`] |
//! | 9 | `send` | `write_all` + `shutdown(Write)` in [`tcp_client::exchange`] |
//! | 10 | `recv` | `read` to end of stream in [`tcp_client::exchange`] |
//! | 11 | `close` | the stream is dropped at the end of [`tcp_client::exchange`] |
//!
//! What changed from the originals, and why:
//!
//! * The UDP server read at most 2,048 bytes, so a longer datagram was cut
//!   silently, and it decoded every datagram as UTF-8, so one invalid byte
//!   raised an exception that killed the server for everyone. Here it reads
//!   65,535 bytes and invalid UTF-8 gets its ASCII letters uppercased ([`uppercase`]).
//! * The UDP client waited in `recvfrom` forever. Here it waits `--timeout`.
//! * The TCP client connected *before* asking for the sentence, so a slow
//!   typist held the iterative server (one client at a time) for everyone.
//!   Here the client asks first, and the server gives each connection a thread.
//! * Both TCP scripts assumed one `recv(1024)` is the whole message. Our server
//!   streams instead, so it answers the original client, `nc` and ours alike.
//!
//! # The protocol
//!
//! ```text
//!   udp-upper-client                  udp-upper-server (port 25000)
//!        |  datagram "hello wörld"            |
//!        |----------------------------------->|  uppercase
//!        |         datagram "HELLO WÖRLD"     |
//!        |<-----------------------------------|
//!
//!   tcp-upper-client                  tcp-upper-server (port 12000)
//!        |  SYN / SYN-ACK / ACK  <----------->|  connect: the handshake
//!        |  "hello wörld" ------------------->|  uppercased as it arrives
//!        |  FIN (shutdown write) ------------>|
//!        |<-------------------- "HELLO WÖRLD" |
//!        |<---------------------------- FIN   |  closes after the client did
//! ```
//!
//! The original TCP client (send, one `recv(1024)`, close) gets its reply
//! without sending a FIN first: the server does not wait for one.
//!
//! # Run it
//!
//! ```text
//! cargo run --bin udp-upper-server -- --port 25000
//! cargo run --bin udp-upper-client -- --port 25000 hello wörld
//! cargo run --bin tcp-upper-server
//! cargo run --bin tcp-upper-client -- hello wörld
//! printf 'hello\n' | nc -q1 127.0.0.1 12000       # prints HELLO
//! ```
//!
//! # On the wire
//!
//! `tshark -i lo -f "udp port 25000"` shows two datagrams per run.
//! `tshark -i lo -f "tcp port 12000"` shows the handshake, the data, the
//! client's FIN, the reply, the server's FIN and the last ACKs: about ten
//! segments against UDP's two (`docs/wireshark.md` has the capture).
//!
//! **Who closes first, and TIME_WAIT.** With our client and with the
//! original client, the *client* closes first, so the client's port spends
//! 2×MSL in TIME_WAIT (RFC 9293 §3.6.1; 60 s on Linux; see
//! `ss -tan state time-wait`). The original `TCPServer.py` closed first
//! itself, so its port held TIME_WAIT entries, and restarting it at once
//! failed with "Address already in use": Python does not set `SO_REUSEADDR`.
//! Rust's [`std::net::TcpListener::bind`] sets `SO_REUSEADDR` on Unix without
//! saying so, which is why `tcp-upper-server` restarts at once.
//!
//! **The ACKs.** Linux acknowledges a request on its own, at once, while a
//! connection is in quick-ACK mode (new connections, and ones whose replies
//! come late); once replies follow requests quickly it switches to
//! "ping-pong" mode and delays the ACK (at least 40 ms, at most 200 ms on
//! Linux; RFC 1122 allows 500 ms) so the reply can carry it.
//!
//! # Things that go wrong
//!
//! * `port 25000 is already in use`: another server holds the port. Start
//!   with `--port 0` and give the client the port from the `listening on` line.
//! * `no reply ... within 1 s` from a UDP client: see [`no_reply_hint`]. The
//!   TCP client, in the same situation, gets `connection refused` at once.
//! * `--host ::1` gets no answer from a server started with its defaults,
//!   which bind `0.0.0.0` (IPv4 only). Start it with `--host ::`.
//! * A reply from another address (a server bound to `0.0.0.0` answers
//!   `127.0.0.2` from `127.0.0.1`) is not taken for the reply; the client says so.
//! * A sentence over 65,507 bytes does not fit a UDP datagram over IPv4: the
//!   client reports `message too long`. Uppercasing can make text longer
//!   (`ß` becomes `SS`): a reply that no longer fits gets a short error
//!   datagram instead ([`udp_server::answer`]).
//! * Over TCP a connection may carry at most [`tcp_server::MAX_REQUEST`] bytes
//!   and last `--max-time`; a silent one is dropped after `--idle-timeout`.

pub mod tcp_client;
pub mod tcp_server;
pub mod udp_client;
pub mod udp_server;

use crate::cli::{self, Command, Endpoint, Matches, Side};
use crate::error::Result;
use std::time::Duration;

/// What a UDP client says when nothing at all came back, true for the system
/// it runs on. Shared by every UDP client of the course.
///
/// On Linux and the BSDs an unconnected UDP socket is not told about an ICMP
/// "port unreachable" by default (the kernel matches it, but `recvfrom` has no
/// way to say which destination it concerns; Linux reports it only with
/// `IP_RECVERR`). On Windows it is reported: see
/// [`udp_client::Waiter::recv_reply`]. The words are [`crate::ping::icmp_note`]'s,
/// so ping, perf and these clients say the same thing.
pub fn no_reply_hint() -> String {
    format!("is the server running? ({})", crate::ping::icmp_note(0, false))
}

/// The sentence given on the command line, or else the one typed at the
/// original's prompt, `Input lowercase sentence: `, kept as raw bytes.
///
/// # Errors
///
/// `cannot read from standard input: ...`; and [`Error::Exit`](crate::error::Error::Exit)`(0)` at end of
/// input before an answer, which ends the program quietly with status 0.
pub fn ask_sentence(given: Option<&str>) -> Result<Vec<u8>> {
    // End of input before an answer: nothing to send, and nothing went wrong.
    crate::prompt::arg_or_ask_bytes(given, "Input lowercase sentence: ")?
        .ok_or(crate::error::Error::Exit(0))
}

/// The most exchanges `--count` allows: a run of 10 million at loopback speed
/// is minutes, and memory stays the same for any count.
pub const MAX_COUNT: u32 = 10_000_000;

/// What every uppercase client takes: where the server is, how long to wait,
/// how many exchanges (the RTT clients), and the sentence.
///
/// The four clients differ only in their names and defaults, so they share
/// this one type: `UDP` picks the transport (port 25000 and a 1 s timeout,
/// or TCP's 12000 and 5 s) and `RTT` adds `--count`/`-c`. Each client module
/// names its own: [`udp_client::Args`] is `ClientArgs<true, false>`.
#[derive(Debug, Clone)]
pub struct ClientArgs<const UDP: bool, const RTT: bool> {
    /// The server (`--host`, `--port`).
    pub server: Endpoint,
    /// How long to wait for a reply.
    pub timeout: Duration,
    /// How many exchanges (1 for the plain clients).
    pub count: u32,
    /// The sentence, or `None` to ask for it.
    pub sentence: Option<String>,
}

impl<const UDP: bool, const RTT: bool> cli::Args for ClientArgs<UDP, RTT> {
    fn command() -> Command {
        let (name, example) = match (UDP, RTT) {
            (true, false) => ("udp-upper-client", "udp-upper-client --port 25000 hello wörld"),
            (false, false) => ("tcp-upper-client", "tcp-upper-client hello wörld"),
            (true, true) => ("udp-rtt-client", "udp-rtt-client --port 25000 -c 5 hello"),
            (false, true) => ("tcp-rtt-client", "tcp-rtt-client -c 5 hello"),
        };
        let about = match (UDP, RTT) {
            (true, false) => "send a sentence to udp-upper-server and print the reply",
            (false, false) => "send a sentence to tcp-upper-server and print the reply",
            (true, true) => "time request/reply exchanges with udp-upper-server",
            (false, true) => "time connect and request/reply with tcp-upper-server",
        };
        let (port, timeout) = if UDP { ("25000", "1") } else { ("12000", "5") };
        let command = Command::new(name, about)
            .positional_rest("SENTENCE", "words to send, joined by spaces; asked for when missing")
            .host_port(Side::Client, "localhost", port)
            .flag("timeout", "DURATION", timeout, "reply timeout (bare number: seconds)")
            .example(example);
        if !RTT {
            return command;
        }
        command
            .flag("count", "N", "1", "how many exchanges (more than 1 adds min/avg/max)")
            .short('c')
    }

    fn from_matches(m: &Matches) -> Result<Self> {
        Ok(ClientArgs {
            sentence: m.get("SENTENCE").map(str::to_string),
            server: Endpoint::from_matches(m, Side::Client)?,
            timeout: m.timeout("timeout")?,
            count: if RTT { m.number("count", 1, MAX_COUNT)? } else { 1 },
        })
    }
}

/// Uppercases a whole message (one datagram); the flag says whether it was
/// valid UTF-8.
///
/// Valid UTF-8 gets full Unicode uppercasing (`ß` becomes `SS`, so the reply
/// can be longer than the request). Anything else gets only its ASCII letters
/// uppercased and every other byte left as it is: the server must answer
/// whatever arrives, not crash on it as the original did.
///
/// ```
/// use socket_labs::uppercase::uppercase;
/// assert_eq!(uppercase("hello wörld".as_bytes()), ("HELLO WÖRLD".as_bytes().to_vec(), true));
/// assert_eq!(uppercase(b"abc\xff"), (b"ABC\xff".to_vec(), false));
/// ```
pub fn uppercase(message: &[u8]) -> (Vec<u8>, bool) {
    let mut upper = StreamUpper::default();
    let mut bytes = Vec::with_capacity(message.len());
    upper.push(message, &mut bytes);
    upper.finish(&mut bytes);
    (bytes, !upper.saw_invalid)
}

/// Uppercases a byte stream piece by piece, as `tr` would.
///
/// A UTF-8 character may be split between two reads (`ö` is two bytes). The
/// incomplete tail of a piece (at most 3 bytes) is carried over to the next
/// one, so the character is uppercased whole. Invalid bytes pass through
/// unchanged, with ASCII letters around them still uppercased.
///
/// ```
/// use socket_labs::uppercase::StreamUpper;
/// let (mut upper, mut out) = (StreamUpper::default(), Vec::new());
/// upper.push(b"w\xc3", &mut out); // the first half of "ö"
/// upper.push(b"\xb6rld", &mut out);
/// upper.finish(&mut out);
/// assert_eq!(out, "WÖRLD".as_bytes());
/// assert!(!upper.saw_invalid);
/// ```
#[derive(Debug, Clone, Default)]
pub struct StreamUpper {
    carry: Vec<u8>,
    /// True once an invalid byte has been seen.
    pub saw_invalid: bool,
}

impl StreamUpper {
    /// Appends the uppercase of `piece` to `out`, keeping back an incomplete
    /// character at its end.
    pub fn push(&mut self, piece: &[u8], out: &mut Vec<u8>) {
        let joined;
        let mut rest = if self.carry.is_empty() {
            piece
        } else {
            joined = [std::mem::take(&mut self.carry).as_slice(), piece].concat();
            &joined[..]
        };
        while !rest.is_empty() {
            let (valid, bad) = match std::str::from_utf8(rest) {
                Ok(text) => (text, None),
                Err(e) => (std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or(""), Some(e)),
            };
            out.extend_from_slice(valid.to_uppercase().as_bytes());
            rest = &rest[valid.len()..];
            match bad.map(|e| e.error_len()) {
                None => break,
                // An incomplete character at the end: wait for the next piece.
                Some(None) => {
                    self.carry = rest.to_vec();
                    break;
                }
                Some(Some(len)) => {
                    self.saw_invalid = true;
                    out.extend_from_slice(&rest[..len]);
                    rest = &rest[len..];
                }
            }
        }
    }

    /// The end of the stream: a character still incomplete is invalid; its
    /// bytes go out unchanged.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.carry.is_empty() {
            self.saw_invalid = true;
            out.append(&mut self.carry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_and_ascii_cases() {
        assert_eq!(uppercase(b""), (Vec::new(), true));
        assert_eq!(uppercase("straße".as_bytes()).0, "STRASSE".as_bytes());
        assert_eq!(uppercase(b"ok \xc3"), (b"OK \xc3".to_vec(), false));
        assert_eq!(uppercase(b"a\xffb\xfe\xfec").0, b"A\xffB\xfe\xfeC");
    }

    #[test]
    fn every_split_of_a_stream_gives_the_whole_uppercase() {
        let text = "grüße, wörld: ß→SS, 日本, 😀 ok".as_bytes();
        let whole = uppercase(text).0;
        for a in 0..text.len() {
            for b in a..text.len() {
                let (mut upper, mut out) = (StreamUpper::default(), Vec::new());
                for piece in [&text[..a], &text[a..b], &text[b..]] {
                    upper.push(piece, &mut out);
                }
                upper.finish(&mut out);
                assert_eq!(out, whole, "split at {a} and {b}");
                assert!(!upper.saw_invalid);
            }
        }
    }
}
