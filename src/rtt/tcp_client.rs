//! `tcp-rtt-client`: the TCP uppercase client, timed in two parts (Experiment 4, Task 3).
//!
//! The task asks for the time the *connection request* was sent and the time
//! the reply came. Between the two lie the handshake (inside `connect`) and
//! the request/reply, which are different things, so this client reads the
//! clocks at three points and reports each part.
//!
//! # The original
//!
//! The Task 3 client of Experiment 4 (`TCPClient.py` with two clock readings):
//!
//! | original | here | what changed, and why |
//! |---|---|---|
//! | `socket`, `connect(...)` | [`connect`] in [`measure`] | timed: the original started its clock after connecting, so the handshake was never in the figure |
//! | `input(...)` | [`crate::uppercase::ask_sentence`] | before connecting |
//! | `datetime.now()`, `send` | [`Stamp::now`], `write_all` + `shutdown(Write)` in [`exchange`] | the monotonic clock times; the wall clock only says when |
//! | `recv(1024)`, `datetime.now()` | `read` to end of stream in [`exchange`] | the whole reply, not the first 1,024 bytes |
//! | `close()` | the stream is dropped | |

use super::Tally;
use crate::cli::{self, Command, Matches};
use crate::clock::{ms, Stamp};
use crate::error::Result;
use crate::output::printable;
use crate::uppercase::tcp_client::{connect, exchange};
use crate::uppercase::{ask_sentence, ClientArgs};
use std::time::Duration;

/// One timed connection: connect, send, receive.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Just before `connect` (the SYN is sent inside it).
    pub connect_sent: Stamp,
    /// When `connect` returned (the SYN-ACK has arrived).
    pub connected: Stamp,
    /// When the whole reply had been read (the server closed).
    pub reply_received: Stamp,
    /// The reply's bytes.
    pub reply: Vec<u8>,
}

impl Sample {
    /// The handshake: SYN out, SYN-ACK back.
    pub fn connect_time(&self) -> Duration {
        self.connected.since(&self.connect_sent)
    }

    /// Request out, reply and the server's FIN back.
    pub fn request_reply_time(&self) -> Duration {
        self.reply_received.since(&self.connected)
    }

    /// From the connection request to the end of the reply.
    pub fn total(&self) -> Duration {
        self.reply_received.since(&self.connect_sent)
    }
}

/// The Task 3 client: ask, then `--count` timed connections.
///
/// # Errors
///
/// The first failed connection ends the run with its error: unlike a lost
/// UDP datagram, a failed TCP connection is always reported by the system.
pub fn run(args: Args) -> Result<()> {
    let args = args.0;
    let sentence = match ask_sentence(args.sentence.as_deref())? {
        Some(sentence) => sentence,
        None => return Ok(()),
    };
    let mut tallies = [Tally::default(); 3];
    for i in 1..=args.count {
        if args.count > 1 {
            crate::outln!("connection {i} of {}", args.count);
        }
        let s = measure(&args.host, args.port, &sentence, args.timeout)?;
        crate::outln!("connection request sent at {}", s.connect_sent.utc());
        crate::outln!("reply received at          {}", s.reply_received.utc());
        crate::outln!("From server: {}", printable(&s.reply));
        let parts = [s.connect_time(), s.request_reply_time(), s.total()];
        crate::outln!(
            "RTT: connect (handshake) {:.3} ms + request/reply {:.3} ms = total {:.3} ms",
            ms(parts[0]),
            ms(parts[1]),
            ms(parts[2])
        );
        for (tally, part) in tallies.iter_mut().zip(parts) {
            tally.add(part);
        }
    }
    if args.count > 1 {
        crate::outln!("--- {}:{}: {} connections ---", args.host, args.port, args.count);
        for (label, tally) in
            ["connect      ", "request/reply", "total        "].iter().zip(tallies)
        {
            crate::outln!("{label} {}", tally.line().unwrap_or_default());
        }
    }
    Ok(())
}

/// Connects, sends `sentence` and times both steps.
///
/// # Errors
///
/// As [`crate::uppercase::tcp_client::connect`] and
/// [`crate::uppercase::tcp_client::exchange`].
pub fn measure(host: &str, port: u16, sentence: &[u8], timeout: Duration) -> Result<Sample> {
    let connect_sent = Stamp::now();
    let stream = connect(host, port, timeout)?;
    let connected = Stamp::now();
    let reply = exchange(stream, sentence)?;
    let reply_received = Stamp::now();
    Ok(Sample { connect_sent, connected, reply_received, reply })
}

/// The command line of `tcp-rtt-client`.
#[derive(Debug, Clone)]
pub struct Args(pub ClientArgs);

impl cli::Args for Args {
    fn command() -> Command {
        crate::uppercase::client_command(
            "tcp-rtt-client",
            "time connect and request/reply with tcp-upper-server",
            "12000",
            "5",
            true,
        )
        .example("tcp-rtt-client -c 5 hello")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        ClientArgs::from_matches(m).map(Args)
    }
}
