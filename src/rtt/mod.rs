//! Experiment 4, Tasks 1 to 4: measuring the round-trip time an application sees.
//!
//! # What you will learn
//!
//! * The **application-level RTT** is the time from just before the request is
//!   handed to the socket until just after the whole reply is read: it includes
//!   the network both ways, both kernels, and the server's own work.
//! * Over TCP a fresh connection costs **one extra round trip** before any data
//!   moves: the handshake. `tcp-rtt-client` times it separately from the
//!   request/reply, and `rtt-compare` puts the figures side by side with UDP's.
//! * A duration is measured with a **monotonic** clock ([`std::time::Instant`]);
//!   the wall clock is only for printing *when* ([`crate::clock`]).
//!
//! # The measurements
//!
//! ```text
//!   UDP (udp-rtt-client)                TCP (tcp-rtt-client)
//!   client            server            client                 server
//!   t0 |--- request --->|               t0 |------ SYN -------->|
//!      |<--- reply -----|                  |<---- SYN-ACK ------|
//!   t1 |                                t1 |------ ACK -------->|   connect = t1 - t0
//!   RTT = t1 - t0                          |--- request, FIN -->|
//!                                          |<-- reply, FIN -----|
//!                                       t2 |                        request/reply = t2 - t1
//!                                                                   total = t2 - t0
//! ```
//!
//! # How the originals did it, and what changed
//!
//! * The UDP version printed send and receive times to the second, so on a
//!   LAN both were the same; here they carry microseconds, in UTC, and the RTT
//!   is in milliseconds with three decimals.
//! * The TCP version started its clock *after* connecting, so the handshake,
//!   which is exactly where TCP differs from UDP, was never in the figure. Here
//!   the connect is timed on its own.
//! * Both used the wall clock (`time.time()`, `datetime.now()`) for durations,
//!   which can jump; here durations come from the monotonic clock.
//! * One sample says little on a shared machine; `--count N` repeats the
//!   exchange and prints min/avg/max, and `rtt-compare` prints medians and p95.
//! * The lab's written answer to Task 4 blamed TCP's congestion control for its
//!   higher RTT. `rtt-compare` shows where the time really goes (see
//!   [`compare`]): one small message never waits for congestion control.
//!
//! # Run it
//!
//! ```text
//! cargo run --bin udp-upper-server -- --port 25000      # terminal 1
//! cargo run --bin udp-rtt-client -- --count 5 hello     # terminal 2
//! cargo run --bin tcp-upper-server                      # terminal 1
//! cargo run --bin tcp-rtt-client -- --count 5 hello     # terminal 2
//! cargo run --bin rtt-compare                           # starts its own servers
//! ```
//!
//! # On the wire
//!
//! In `tshark -i lo -f "tcp port 12000"` the SYN and SYN-ACK timestamps bracket
//! the connect time the client prints; the data segment and the reply bracket
//! the request/reply time.

pub mod compare;
pub mod tcp_client;
pub mod udp_client;

use crate::clock::ms;
use crate::stats::Summary;
use std::time::Duration;

/// Formats the `min/avg/max` line of a repeated measurement, in milliseconds.
///
/// ```
/// use std::time::Duration;
/// use socket_labs::rtt::min_avg_max;
/// let line = min_avg_max(&[Duration::from_micros(100), Duration::from_micros(300)]);
/// assert_eq!(line.as_deref(), Some("min/avg/max = 0.100/0.200/0.300 ms"));
/// assert_eq!(min_avg_max(&[]), None);
/// ```
pub fn min_avg_max(samples: &[Duration]) -> Option<String> {
    let ms_values: Vec<f64> = samples.iter().map(|d| ms(*d)).collect();
    Summary::of(&ms_values)
        .map(|s| format!("min/avg/max = {:.3}/{:.3}/{:.3} ms", s.min, s.avg, s.max))
}
