//! `tcp-rtt-client`: the TCP uppercase client, timed in two parts (Experiment 4, Task 3).
//!
//! The task asks for the time the *connection request* was sent and the time
//! the reply came. Between the two lie two round trips, and they are different
//! things: the handshake (inside `connect`) and the request/reply. This client
//! reads both clocks at three points and reports each part.

use super::min_avg_max;
use crate::clock::{ms, Stamp};
use crate::error::{Error, Result};
use crate::output::printable;
use crate::uppercase::tcp_client::{connect, exchange};
use std::time::Duration;

/// A function that picks one part of a sample (connect, request/reply, total).
type Part = fn(&Sample) -> Duration;

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
    Ok(Sample {
        connect_sent,
        connected,
        reply_received,
        reply,
    })
}

/// Measures `count` connections, printing each and, for more than one, a
/// min/avg/max line per part.
///
/// # Errors
///
/// The first failed connection ends the run with its error: unlike a lost UDP
/// datagram, a failed TCP connection is always reported by the system.
pub fn run(host: &str, port: u16, sentence: &[u8], count: u32, timeout: Duration) -> Result<()> {
    let mut samples = Vec::new();
    for i in 1..=count {
        if count > 1 {
            crate::outln!("connection {i} of {count}");
        }
        let sample = measure(host, port, sentence, timeout)?;
        print_sample(&sample);
        samples.push(sample);
    }
    if count > 1 {
        crate::outln!("--- {host}:{port}: {count} connections ---");
        let parts: [(&str, Part); 3] = [
            ("connect      ", Sample::connect_time),
            ("request/reply", Sample::request_reply_time),
            ("total        ", Sample::total),
        ];
        for (label, part) in parts {
            let values: Vec<Duration> = samples.iter().map(part).collect();
            let line = min_avg_max(&values)
                .ok_or_else(|| Error::failed("no samples", "nothing was measured"))?;
            crate::outln!("{label} {line}");
        }
    }
    Ok(())
}

fn print_sample(s: &Sample) {
    crate::outln!("connection request sent at {}", s.connect_sent.utc());
    crate::outln!("reply received at          {}", s.reply_received.utc());
    crate::outln!("From server: {}", printable(&s.reply));
    crate::outln!(
        "RTT: connect (handshake) {:.3} ms + request/reply {:.3} ms = total {:.3} ms",
        ms(s.connect_time()),
        ms(s.request_reply_time()),
        ms(s.total())
    );
}
