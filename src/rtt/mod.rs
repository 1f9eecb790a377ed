//! Experiment 4, Tasks 1 to 4: measuring the round-trip time an application sees.
//!
//! # What you will learn
//!
//! * The **application-level RTT** is the time from just before the request is
//!   handed to the socket until just after the whole reply is read: both
//!   trips, both kernels, and the server's own work.
//! * Over TCP a fresh connection first does the **handshake** inside
//!   `connect`; `tcp-rtt-client` times it apart from the request/reply. On a
//!   real network that is one extra round trip. On loopback the handshake is
//!   handled by the kernels alone and is only part of TCP's extra time; the
//!   rest is per-connection work: accept, a new server thread, the FINs and
//!   the close. On a kept-open connection a TCP request/reply costs about what
//!   a UDP one does (`rtt-compare` measures all of these).
//! * A duration is measured with a **monotonic** clock ([`std::time::Instant`]);
//!   the wall clock is only for printing *when* ([`crate::clock`]).
//! * Repeated UDP requests need **matching**: a late reply to request 1 must not
//!   be taken for the reply to request 2 ([`udp_client::run`] numbers them).
//!
//! # The original
//!
//! Task 1 timed `UDPClient.py` and Task 3 timed `TCPClient.py`; the call maps
//! are in [`udp_client`] and [`tcp_client`]. What changed:
//!
//! * The UDP version printed send and receive times to the second; here they
//!   carry microseconds, in UTC, and the RTT has three decimals in ms.
//! * The TCP version started its clock *after* connecting, so the handshake was
//!   never in the figure. Here the connect is timed on its own.
//! * Both used the wall clock (`time.time()`, `datetime.now()`) for durations,
//!   which can jump; here durations come from the monotonic clock.
//! * `--count N` repeats the exchange and prints min/avg/max.
//!
//! # The protocol
//!
//! ```text
//!   UDP (udp-rtt-client)                TCP (tcp-rtt-client)
//!   client            server            client                 server
//!   t0 |--- request --->|               t0 |------ SYN -------->|
//!      |<--- reply -----|                  |<---- SYN-ACK ------|
//!   t1 |                                t1 |------ ACK -------->|   connect = t1 - t0
//!   RTT = t1 - t0                          |--- request, FIN -->|
//!                                          |<-- reply, FIN -----|
//!   with --count, request N is          t2 |                        request/reply = t2 - t1
//!   "N sentence"; its reply "N SENTENCE"                            total = t2 - t0
//! ```
//!
//! # Run it
//!
//! ```text
//! cargo run --bin udp-upper-server -- --port 25000      # terminal 1
//! cargo run --bin udp-rtt-client -- -c 5 hello          # terminal 2
//! cargo run --bin tcp-upper-server                      # terminal 1
//! cargo run --bin tcp-rtt-client -- -c 5 hello          # terminal 2
//! cargo run --bin rtt-compare                           # starts its own servers
//! ```
//!
//! # On the wire
//!
//! In `tshark -i lo -f "tcp port 12000"` the SYN and SYN-ACK bracket the
//! connect time the client prints; the data segment and the reply bracket the
//! request/reply time. The wire shows less time than the client prints: the
//! difference is the time spent in the program and the kernel, which is what
//! an application-level RTT includes (`docs/wireshark.md`, section 3).
//!
//! # Things that go wrong
//!
//! * **Noisy figures.** On a shared machine one sample can be ten times the
//!   typical value: the program waited for a CPU. Use `--count` and quote the
//!   minimum or the median, not one run. Whether client and server run on the
//!   same CPU changes loopback figures several times over; `taskset -c 0`
//!   pins both to one.
//! * **The first exchange is the slowest**: first use of the resolver, the
//!   server's first thread, cold caches.
//! * **`request N: lost`** with `--count`: no matching reply within
//!   `--timeout`; the run goes on. A reply that comes later is reported as
//!   `late reply to request N`, and a second reply as a duplicate, never
//!   credited to another request. The client exits 1 only when nothing came back.
//! * **A debug build is slower** than a release build: do not compare figures
//!   from different builds.

pub mod compare;
pub mod tcp_client;
pub mod udp_client;

use crate::stats::Running;

/// The `min/avg/max` line of RTTs given in milliseconds ([`Running`] keeps
/// memory the same for any `--count`).
///
/// ```
/// use socket_labs::{rtt::min_avg_max, stats::Running};
/// let mut rtts = Running::default();
/// rtts.add(0.1);
/// rtts.add(0.3);
/// assert_eq!(min_avg_max(&rtts), "min/avg/max = 0.100/0.200/0.300 ms");
/// ```
pub fn min_avg_max(rtts: &Running) -> String {
    format!("min/avg/max = {:.3}/{:.3}/{:.3} ms", rtts.min, rtts.mean, rtts.max)
}
