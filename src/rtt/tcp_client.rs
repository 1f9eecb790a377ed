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
//! | `socket`, `connect(...)` | [`connect`] in [`run`] | timed: the original started its clock after connecting, so the handshake was never in the figure |
//! | `input(...)` | [`crate::uppercase::ask_sentence`] | before connecting |
//! | `datetime.now()`, `send` | [`Stamp::now`], `write_all` + `shutdown(Write)` in [`exchange`] | the monotonic clock times; the wall clock only says when |
//! | `recv(1024)`, `datetime.now()` | `read` to end of stream in [`exchange`] | the whole reply, not the first 1,024 bytes |
//! | `close()` | the stream is dropped | |

use crate::clock::{ms, Stamp};
use crate::error::Result;
use crate::output::printable;
use crate::stats::Running;
use crate::uppercase::tcp_client::{connect, exchange};
use crate::uppercase::{ask_sentence, ClientArgs};

/// The Task 3 client: ask, then `--count` timed connections, each read at
/// three points: before `connect` (the SYN is sent inside it), when
/// `connect` returned (the SYN-ACK has arrived), and when the whole reply
/// had been read (the server closed).
///
/// # Errors
///
/// The first failed connection ends the run with its error: unlike a lost
/// UDP datagram, a failed TCP connection is always reported by the system.
pub fn run(args: Args) -> Result<()> {
    let sentence = ask_sentence(args.sentence.as_deref())?;
    let server = &args.server;
    let mut parts_ms = [Running::default(); 3];
    for i in 1..=args.count {
        if args.count > 1 {
            crate::outln!("connection {i} of {}", args.count);
        }
        let connect_sent = Stamp::now();
        let stream = connect(&server.host, server.port, args.timeout)?;
        let connected = Stamp::now();
        let reply = exchange(stream, &sentence)?;
        let received = Stamp::now();
        crate::outln!("connection request sent at {}", connect_sent.utc());
        crate::outln!("reply received at          {}", received.utc());
        crate::outln!("From server: {}", printable(&reply));
        // The handshake; the request out and the reply and FIN back; the two together.
        let (handshake, request) = (connected.since(&connect_sent), received.since(&connected));
        let parts = [handshake, request, handshake + request].map(ms);
        let [c, r, t] = parts;
        crate::outln!(
            "RTT: connect (handshake) {c:.3} ms + request/reply {r:.3} ms = total {t:.3} ms"
        );
        for (running, part) in parts_ms.iter_mut().zip(parts) {
            running.add(part);
        }
    }
    if args.count > 1 {
        crate::outln!("--- {}:{}: {} connections ---", server.host, server.port, args.count);
        let labels = ["connect      ", "request/reply", "total        "];
        for (label, running) in labels.iter().zip(&parts_ms) {
            crate::outln!("{label} {}", super::min_avg_max(running));
        }
    }
    Ok(())
}

/// The command line of `tcp-rtt-client`.
pub type Args = ClientArgs<false, true>;
