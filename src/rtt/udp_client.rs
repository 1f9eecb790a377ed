//! `udp-rtt-client`: the UDP uppercase client, timed (Experiment 4, Task 1).
//!
//! Both clocks are read right before `send_to` and right after `recv_from`
//! returns the reply, so the RTT covers the request's trip, the server's work
//! and the reply's trip, and nothing of the client's own printing.

use super::min_avg_max;
use crate::clock::{ms, Stamp};
use crate::error::{Error, Result};
use crate::output::printable;
use crate::uppercase::udp_client::request;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// One timed request and its reply.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Just before the request was handed to the socket.
    pub sent: Stamp,
    /// Just after the reply was read.
    pub received: Stamp,
    /// The reply's bytes.
    pub reply: Vec<u8>,
}

impl Sample {
    /// The round-trip time, from the monotonic clock.
    pub fn rtt(&self) -> Duration {
        self.received.since(&self.sent)
    }
}

/// Sends `sentence` once and times the reply.
///
/// # Errors
///
/// As [`crate::uppercase::udp_client::request`]: no reply within `timeout`,
/// or a socket error.
pub fn measure(
    socket: &UdpSocket,
    server: SocketAddr,
    sentence: &[u8],
    timeout: Duration,
) -> Result<Sample> {
    let sent = Stamp::now();
    let reply = request(socket, server, sentence, timeout)?;
    let received = Stamp::now();
    Ok(Sample {
        sent,
        received,
        reply,
    })
}

/// Measures `count` exchanges, printing each and, for more than one, the
/// min/avg/max line. A lost reply is reported and the run goes on.
///
/// Returns the RTTs of the replies that came back.
///
/// # Errors
///
/// With one exchange, its error. With several, an error only when no reply
/// came back at all (the individual losses have been printed).
pub fn run(
    socket: &UdpSocket,
    server: SocketAddr,
    sentence: &[u8],
    count: u32,
    timeout: Duration,
) -> Result<Vec<Duration>> {
    let mut rtts = Vec::new();
    for i in 1..=count {
        if count > 1 {
            crate::outln!("request {i} of {count}");
        }
        match measure(socket, server, sentence, timeout) {
            Ok(sample) => {
                print_sample(&sample);
                rtts.push(sample.rtt());
            }
            Err(err) if count == 1 => return Err(err),
            Err(err) => crate::outln!("lost: {err}"),
        }
    }
    if count > 1 {
        crate::outln!("--- {server}: {count} requests, {} replies ---", rtts.len());
        match min_avg_max(&rtts) {
            Some(line) => crate::outln!("rtt {line}"),
            None => {
                return Err(Error::failed(
                    format!("no reply from {server}"),
                    format!("all {count} requests went unanswered"),
                ))
            }
        }
    }
    Ok(rtts)
}

fn print_sample(sample: &Sample) {
    crate::outln!("request sent at   {}", sample.sent.utc());
    crate::outln!("reply received at {}", sample.received.utc());
    crate::outln!("From server: {}", printable(&sample.reply));
    crate::outln!("RTT: {:.3} ms", ms(sample.rtt()));
}
