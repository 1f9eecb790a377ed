//! Experiment 4: the "uppercase" servers, over UDP and over TCP.
//!
//! The first socket program of most courses: a client sends a sentence, the
//! server sends it back in capitals. Written twice, once per transport, it shows
//! the two APIs side by side.
//!
//! # What you will learn
//!
//! * UDP is **datagrams**: one `send_to` is one message, delivered whole or not
//!   at all, and nothing tells the sender which. There is no connection, so a
//!   client with no server simply never hears back: it must use a timeout.
//! * TCP is a **byte stream** over a **connection**: the client connects (the
//!   three-way handshake), writes bytes, and the server reads *some* of them per
//!   `read`. Where a message ends is not marked by TCP; here the client marks it
//!   by closing its sending half (`shutdown(Write)`), and the server reads until
//!   end of stream.
//!
//! # The protocols
//!
//! ```text
//!   udp-upper-client                  udp-upper-server (port 25000)
//!        |  datagram "hello wörld"            |
//!        |----------------------------------->|  uppercase
//!        |         datagram "HELLO WÖRLD"     |
//!        |<-----------------------------------|
//!        |  (no reply within --timeout?       |
//!        |   report it: UDP gives no error)   |
//!
//!   tcp-upper-client                  tcp-upper-server (port 12000)
//!        |  SYN ----------------------------->|
//!        |<---------------------------- SYN-ACK|   connect(): one round trip
//!        |  ACK ----------------------------->|
//!        |  "hello wörld" ------------------->|
//!        |  FIN (shutdown write) ------------>|   server: read to end of stream
//!        |<-------------------- "HELLO WÖRLD" |
//!        |<---------------------------- FIN   |   server closes: reply complete
//! ```
//!
//! # How the originals did it, and what changed
//!
//! * The UDP server read at most 2,048 bytes, so a longer datagram was cut
//!   silently; and it decoded every datagram as UTF-8, so one invalid byte
//!   raised an exception that killed the server for everyone. Here the servers
//!   read up to 65,535 bytes, and invalid UTF-8 gets its ASCII letters
//!   uppercased and a log line ([`uppercase`]).
//! * The UDP client waited in `recvfrom` forever, so a lost datagram or a
//!   missing server hung it. Here it waits `--timeout` seconds and says why
//!   there is no error to report.
//! * The TCP client connected *before* asking for the sentence, so a slow typist
//!   held a server connection open; and the iterative server (one client at a
//!   time) could then serve nobody else. Here the client reads the sentence
//!   first, and the server serves each connection on its own thread with a read
//!   timeout.
//! * The TCP programs assumed one `recv(1024)` returns the whole message. TCP
//!   makes no such promise: a long sentence arrives in pieces. Here the server
//!   reads to end of stream (up to [`tcp_server::MAX_REQUEST`]) and the client
//!   reads until the server closes, so a 60,000-byte sentence comes back whole.
//!
//! # Run it
//!
//! ```text
//! cargo run --bin udp-upper-server -- --port 25000
//! cargo run --bin udp-upper-client -- --port 25000 "hello wörld"
//! cargo run --bin tcp-upper-server
//! cargo run --bin tcp-upper-client -- "hello wörld"
//! ```
//!
//! # On the wire
//!
//! `tshark -i lo -f "udp port 25000"` shows exactly two datagrams per run.
//! `tshark -i lo -f "tcp port 12000"` shows the handshake (SYN, SYN-ACK, ACK),
//! the data segment, the client's FIN, the reply, the server's FIN, and the
//! final ACKs: about ten segments to move one sentence, against UDP's two.

pub mod tcp_client;
pub mod tcp_server;
pub mod udp_client;
pub mod udp_server;

/// A sentence in capitals, and whether the input was valid UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uppercased {
    /// The uppercased bytes.
    pub bytes: Vec<u8>,
    /// False when the input was not valid UTF-8 and only ASCII letters were changed.
    pub was_utf8: bool,
}

/// Uppercases a message the way both servers do.
///
/// Valid UTF-8 gets full Unicode uppercasing (`ß` becomes `SS`, so the reply
/// can be longer than the request). Anything else gets only its ASCII letters
/// uppercased and every other byte left as it is: the server must answer
/// whatever arrives, not crash on it as the original did.
///
/// ```
/// use socket_labs::uppercase::uppercase;
/// assert_eq!(uppercase("hello wörld".as_bytes()).bytes, "HELLO WÖRLD".as_bytes());
/// let odd = uppercase(b"abc\xff");
/// assert_eq!(odd.bytes, b"ABC\xff");
/// assert!(!odd.was_utf8);
/// ```
pub fn uppercase(message: &[u8]) -> Uppercased {
    match std::str::from_utf8(message) {
        Ok(text) => Uppercased {
            bytes: text.to_uppercase().into_bytes(),
            was_utf8: true,
        },
        Err(_) => Uppercased {
            bytes: message.to_ascii_uppercase(),
            was_utf8: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_and_ascii_cases() {
        assert_eq!(uppercase(b"").bytes, b"");
        assert!(uppercase(b"").was_utf8);
        assert_eq!(uppercase("straße".as_bytes()).bytes, "STRASSE".as_bytes());
        // Half a UTF-8 character: ASCII letters only, the stray byte kept.
        let half = uppercase(b"ok \xc3");
        assert_eq!(half.bytes, b"OK \xc3");
        assert!(!half.was_utf8);
    }
}
