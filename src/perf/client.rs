//! `perf-client`: throughput, delay, loss and jitter of a UDP echo path,
//! second by second, like a small iperf.
//!
//! # What this exercise teaches
//!
//! * **Throughput is bounded by the round trip.** With one datagram in flight
//!   (stop-and-wait, the original's method) the client sends, waits for the
//!   echo, and only then sends again, so it moves `SIZE / RTT` bytes per
//!   second however fast the link is. `--window N` keeps N datagrams in flight
//!   and moves up to N times as much, until the CPU or the socket buffers
//!   become the limit. This is why TCP has a window.
//! * **Measuring needs bookkeeping.** Each datagram carries a sequence number,
//!   so each echo is matched to its own send time; an echo that does not come
//!   back within `--timeout` is counted as lost, so one lost datagram costs
//!   one timeout and never stops the run.
//! * **Jitter.** Besides the average delay, each second reports the RFC 3550
//!   jitter: the running average of how much one RTT differs from the
//!   previous one, smoothed with a gain of 1/16 ([`Jitter`]).
//!
//! # The protocol
//!
//! The server echoes each datagram. The client fills a window, then sends one
//! new datagram for each one that is settled (echoed, or timed out):
//!
//! ```text
//!  perf-client (--window 3)                         perf-server
//!      |--- #0 ------------------------------------------>|
//!      |--- #1 ------------------------------------------>|
//!      |--- #2 ------------------------------------------>|   3 in flight: wait
//!      |<------------------------------------------ #0 ---|   rtt(#0) = now - sent(#0)
//!      |--- #3 ------------------------------------------>|   a slot is free: send
//!      |<------------------------------------------ #1 ---|
//!      |--- #4 -----------------------X (lost)            |
//!      |<------------------------------------------ #2 ---|
//!      |--- #5 ------------------------------------------>|
//!      :  ...                                             :
//!      |  sent(#4) + TIMEOUT passes: #4 lost, slot freed  |
//! ```
//!
//! The window slides like TCP's: it moves past a datagram only when that
//! datagram is settled, so one loss holds the window back for at most one
//! timeout. With `--window 1` the picture is the original stop-and-wait.
//!
//! Every datagram is exactly SIZE bytes. The first bytes carry the sequence
//! number, big-endian, cut to the payload's size (one byte for SIZE 1, eight
//! bytes from SIZE 8 on); the rest is a filler of random `A-Z0-9` characters
//! chosen once per run, which the echo must bring back unchanged:
//!
//! ```text
//!  byte  0                 min(SIZE,8)                        SIZE
//!        +-------------------+----------------------------------+
//!        | sequence number   | filler: A-Z0-9, same every time  |
//!        | (low bytes, BE)   |                                  |
//!        +-------------------+----------------------------------+
//! ```
//!
//! A cut sequence number repeats: with SIZE 2 the datagram after #65535 is
//! #0 again. That is harmless while the window is smaller than the number of
//! values (checked: `--window` may be at most 256^SIZE), because an echo only
//! matches datagrams in flight. It can fool the client only when an echo
//! arrives after its own timeout and just when a datagram with the same cut
//! number is in flight; use a SIZE of 8 or more to rule that out.
//!
//! # How the original did it, and what changed
//!
//! The original sent a random payload, then blocked in `recvfrom` with no
//! timeout: the first lost datagram froze it for good. It added up RTTs, and
//! whenever a second had passed it printed the second, the kilobytes echoed
//! (`packets × SIZE / 1000`) and half the average RTT as the one-way delay,
//! then plotted both with matplotlib. It read replies into a 1024-byte buffer,
//! and its server read 1024 bytes too, so payloads above that came back cut.
//!
//! This version:
//!
//! * waits for each echo at most `--timeout` seconds (default 1) and reports
//!   loss; a killed server costs at most one timeout per datagram in flight,
//!   and the run still ends with its summary and graphs;
//! * counts only bytes that really came back, matched to their datagram, in
//!   time and unchanged; late, duplicate and foreign datagrams are counted
//!   apart and ignored;
//! * adds `--window N`, the sent / received / lost counts and the jitter;
//! * writes the two graphs as SVG ([`crate::svg`]): `throughput_graph.svg` and
//!   `average_delay_graph.svg` in `--out-dir`, and can print CSV (`--csv`);
//! * handles payloads from 1 to 65,507 bytes (the largest a UDP datagram over
//!   IPv4 can carry) and refuses 0, which could not carry a sequence number;
//! * uses a *connected* UDP socket. `connect` on a UDP socket sends nothing: it
//!   fixes the destination for `send`, makes the kernel drop datagrams from
//!   any other address, and lets ICMP errors through, so a closed server port
//!   shows up as "connection refused" on the next receive (counted as
//!   "port unreachable" notices). It also saves the kernel an address lookup
//!   per datagram.
//!
//! The per-datagram path allocates nothing and prints nothing: the payload is
//! written into one buffer, the echo read into another, and the statistics are
//! a few additions. A line is printed once per second.
//!
//! # Run it
//!
//! ```text
//! cargo run --release --bin perf-server                    # terminal 1
//! cargo run --release --bin perf-client -- 5 2             # terminal 2: 5 s, 2-byte payloads
//! cargo run --release --bin perf-client -- 5 1024 --window 16 --csv > perf.csv
//! ```
//!
//! # On the wire
//!
//! `tshark -i lo -f "udp port 5048"` shows request/echo pairs of SIZE-byte
//! datagrams; with a window, several requests leave before the first echo.
//! Capturing slows the path down; capture a short run only.
//! A one-second stop-and-wait run of 2-byte payloads captured 291,306 packets,
//! exactly two per round trip (`docs/wireshark.md`, section 7).
//!
//! # Things that go wrong
//!
//! * **Figures that change from run to run**, sometimes by a factor of two:
//!   the scheduler placed the client and the server on the same CPU in one run
//!   and on two in another. Pin both with `taskset -c 0` to compare runs, and
//!   use `--release` for anything you quote.
//! * **`--window 300 is too large for SIZE 1`**: the sequence number must tell
//!   every datagram in flight apart, and one byte holds only 256 values. Use a
//!   larger SIZE.
//! * **A lost column that is not zero with a large window**: the socket buffers
//!   overflowed and the kernel dropped datagrams. The window has outgrown what
//!   the path (here, two processes and their buffers) can hold.
//! * **No server**: every datagram times out; the client prints
//!   `port unreachable notices` (its socket is connected, so the ICMP reaches
//!   it), the summary and the graphs, and exits 1.
//! * **Graphs not where you expect**: they go to `--out-dir`, `.` by default,
//!   relative to where you ran the client.

use crate::error::{describe, Error, Result};
use crate::rng::Rng;
use crate::stats::Jitter;
use crate::svg::Chart;
use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The header of `--csv` output (SPEC section 4).
pub const CSV_HEADER: &str = "second,throughput_kBps,avg_delay_ms,sent,received,lost,jitter_ms";

/// The header of the human-readable table; [`Row::text`] lines up under it.
pub const TEXT_HEADER: &str =
    "second  throughput_kB/s  avg_delay_ms      sent  received    lost  jitter_ms";

/// The file names of the two graphs, as the original called them (in SVG).
pub const GRAPH_FILES: [&str; 2] = ["throughput_graph.svg", "average_delay_graph.svg"];

/// The largest window accepted at all (the in-flight list is allocated up front).
pub const MAX_WINDOW: usize = 65_536;

/// How often the loop wakes up when nothing arrives, to close a second or
/// declare a datagram lost on time.
const TICK: Duration = Duration::from_millis(10);

/// What a run should do.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many seconds to send for (one row per second).
    pub duration: u64,
    /// Bytes per datagram, 1 to 65,507.
    pub size: usize,
    /// Datagrams in flight at most (1 = stop-and-wait).
    pub window: usize,
    /// How long to wait for an echo before the datagram counts as lost.
    pub timeout: Duration,
}

impl Options {
    /// Says what is wrong with these options, in words for a usage error.
    ///
    /// # Errors
    ///
    /// A sentence naming the argument that is out of range.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.duration == 0 {
            return Err("DURATION must be at least 1 second".to_string());
        }
        if self.size == 0 {
            return Err(
                "SIZE must be at least 1 byte: each datagram carries its sequence number"
                    .to_string(),
            );
        }
        if self.size > crate::net::MAX_UDP_PAYLOAD {
            return Err(format!(
                "SIZE must be at most {} bytes, the largest UDP payload over IPv4, not {}",
                crate::net::MAX_UDP_PAYLOAD,
                self.size
            ));
        }
        if self.window == 0 || self.window > MAX_WINDOW {
            return Err(format!(
                "--window must be from 1 to {MAX_WINDOW}, not {}",
                self.window
            ));
        }
        if self.window as u64 > tag_values(self.size) {
            return Err(format!(
                "--window {} is too large for SIZE {}: {} byte(s) tell only {} datagrams in flight apart",
                self.window,
                self.size,
                self.size,
                tag_values(self.size)
            ));
        }
        if self.timeout < Duration::from_millis(1) {
            return Err("--timeout must be at least 0.001 seconds".to_string());
        }
        Ok(())
    }
}

/// How many different sequence numbers a payload of `size` bytes can carry.
fn tag_values(size: usize) -> u64 {
    match tag_len(size) {
        8 => u64::MAX,
        n => 1u64 << (8 * n),
    }
}

/// How many leading payload bytes carry the sequence number.
fn tag_len(size: usize) -> usize {
    size.min(8)
}

/// One second of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1 for the first second, and so on.
    pub second: u64,
    /// Datagrams sent during this second.
    pub sent: u64,
    /// Echoes that came back during this second, in time and unchanged.
    pub received: u64,
    /// Datagrams declared lost during this second.
    pub lost: u64,
    /// Payload bytes of those echoes.
    pub bytes: u64,
    /// Sum of their round-trip times.
    pub rtt_total: Duration,
    /// The RFC 3550 jitter estimate at the end of the second, in ms.
    pub jitter_ms: f64,
    /// How long the interval really lasted: one second, except the last row,
    /// which also waits for the echoes still in flight when sending stopped.
    pub span: Duration,
}

impl Row {
    fn new(second: u64) -> Row {
        Row {
            second,
            sent: 0,
            received: 0,
            lost: 0,
            bytes: 0,
            rtt_total: Duration::ZERO,
            jitter_ms: 0.0,
            span: Duration::from_secs(1),
        }
    }

    /// Echoed kilobytes per second in this interval (bytes / 1000, as the
    /// original, divided by the interval's real length: one second for every
    /// row but the last, whose echoes of the final datagrams in flight arrive
    /// after sending stopped and must not be counted as if they fit in 1 s).
    pub fn throughput_kbps(&self) -> f64 {
        self.bytes as f64 / 1000.0 / self.span.as_secs_f64().max(1e-9)
    }

    /// Half the average RTT, in ms, as the original's "average delay";
    /// `None` when nothing came back this second.
    pub fn avg_delay_ms(&self) -> Option<f64> {
        if self.received == 0 {
            None
        } else {
            Some(crate::clock::ms(self.rtt_total) / self.received as f64 / 2.0)
        }
    }

    /// The row as a CSV line under [`CSV_HEADER`] (an empty delay when nothing came back).
    pub fn csv(&self) -> String {
        let delay = self
            .avg_delay_ms()
            .map_or(String::new(), |d| format!("{d:.6}"));
        format!(
            "{},{:.3},{},{},{},{},{:.6}",
            self.second,
            self.throughput_kbps(),
            delay,
            self.sent,
            self.received,
            self.lost,
            self.jitter_ms
        )
    }

    /// The row lined up under [`TEXT_HEADER`] (`-` for a delay when nothing came back).
    pub fn text(&self) -> String {
        let delay = self
            .avg_delay_ms()
            .map_or("-".to_string(), |d| format!("{d:.4}"));
        format!(
            "{:>6}  {:>15.3}  {:>12}  {:>8}  {:>8}  {:>6}  {:>9.4}",
            self.second,
            self.throughput_kbps(),
            delay,
            self.sent,
            self.received,
            self.lost,
            self.jitter_ms
        )
    }
}

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Where the datagrams went.
    pub server: SocketAddr,
    /// The options of the run.
    pub options: Options,
    /// One row per second.
    pub rows: Vec<Row>,
    /// Echoes of datagrams already settled: late (after their timeout) or duplicates.
    pub late_or_duplicate: u64,
    /// Datagrams of the wrong size or content (not an echo of ours).
    pub foreign: u64,
    /// ICMP "port unreachable" notices (nothing listening at the server's port).
    pub unreachable: u64,
    /// The final RFC 3550 jitter estimate, in ms.
    pub jitter_ms: f64,
}

impl Report {
    fn total(&self, field: fn(&Row) -> u64) -> u64 {
        self.rows.iter().map(field).sum()
    }

    /// Datagrams sent.
    pub fn sent(&self) -> u64 {
        self.total(|r| r.sent)
    }

    /// Echoes received in time.
    pub fn received(&self) -> u64 {
        self.total(|r| r.received)
    }

    /// Datagrams lost (no echo within the timeout).
    pub fn lost(&self) -> u64 {
        self.total(|r| r.lost)
    }

    /// Payload bytes that came back.
    pub fn bytes(&self) -> u64 {
        self.total(|r| r.bytes)
    }

    /// How long the run really took: the duration, plus the wait for the
    /// echoes still in flight when sending stopped.
    pub fn elapsed(&self) -> Duration {
        self.rows.iter().map(|r| r.span).sum()
    }

    /// Round trips per second over the whole run (its real length).
    pub fn round_trips_per_sec(&self) -> f64 {
        self.received() as f64 / self.elapsed().as_secs_f64().max(1e-9)
    }

    /// Lines about datagrams that did not count (only those that apply).
    pub fn notes(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.late_or_duplicate > 0 {
            lines.push(format!(
                "late or duplicate echoes ignored: {}",
                self.late_or_duplicate
            ));
        }
        if self.foreign > 0 {
            lines.push(format!(
                "datagrams that were not an echo of ours ignored: {}",
                self.foreign
            ));
        }
        if self.unreachable > 0 {
            lines.push(format!(
                "port unreachable notices: {} (nothing was listening on {} for a while)",
                self.unreachable, self.server
            ));
        }
        lines
    }

    /// The one-line summary that ends a run.
    pub fn summary(&self) -> String {
        let sent = self.sent();
        let loss = if sent == 0 {
            0.0
        } else {
            self.lost() as f64 * 100.0 / sent as f64
        };
        let rtt_total: Duration = self.rows.iter().map(|r| r.rtt_total).sum();
        let delay = match self.received() {
            0 => "-".to_string(),
            n => format!("{:.4} ms", crate::clock::ms(rtt_total) / n as f64 / 2.0),
        };
        format!(
            "summary: {} s to {}, {}-byte payloads, window {}: {} sent, {} received, {} lost ({:.3}%), \
             {:.3} kB/s, {:.0} round trips/s, avg delay {}, jitter {:.4} ms, {:.3} s in all",
            self.options.duration,
            self.server,
            self.options.size,
            self.options.window,
            sent,
            self.received(),
            self.lost(),
            loss,
            self.bytes() as f64 / 1000.0 / self.elapsed().as_secs_f64().max(1e-9),
            self.round_trips_per_sec(),
            delay,
            self.jitter_ms,
            self.elapsed().as_secs_f64()
        )
    }

    /// Throughput per second; a second is never "missing" here, since nothing
    /// coming back is a throughput of 0.
    pub fn throughput_chart(&self) -> Chart {
        let mut chart = Chart::new(
            &format!(
                "Throughput to {} ({}-byte payloads, window {})",
                self.server, self.options.size, self.options.window
            ),
            "time (s)",
            "throughput (kB/s)",
        )
        .whole_numbers_on_x();
        for row in &self.rows {
            chart.point(row.second as f64, row.throughput_kbps());
        }
        chart
    }

    /// Average one-way delay per second; a second with no echo at all has no
    /// delay and is marked with a red cross.
    pub fn delay_chart(&self) -> Chart {
        let mut chart = Chart::new(
            &format!(
                "Average delay (RTT/2) to {} ({}-byte payloads, window {})",
                self.server, self.options.size, self.options.window
            ),
            "time (s)",
            "average delay (ms)",
        )
        .whole_numbers_on_x()
        .missing_label("no echo that second");
        for row in &self.rows {
            match row.avg_delay_ms() {
                Some(d) => chart.point(row.second as f64, d),
                None => chart.missing(row.second as f64),
            }
        }
        chart
    }

    /// Writes [`GRAPH_FILES`] into `dir` and returns their paths.
    ///
    /// # Errors
    ///
    /// `cannot write PATH: WHY`.
    pub fn write_graphs(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let paths: Vec<PathBuf> = GRAPH_FILES.iter().map(|f| dir.join(f)).collect();
        self.throughput_chart().write(&paths[0])?;
        self.delay_chart().write(&paths[1])?;
        Ok(paths)
    }
}

/// One datagram in flight.
#[derive(Debug, Clone, Copy)]
struct Flight {
    sent_at: Instant,
    settled: bool,
}

/// Runs the measurement: connects `socket` to `server`, keeps up to
/// `options.window` datagrams in flight for `options.duration` seconds, then
/// waits (at most one timeout) for the last echoes. Calls `on_row` at the end
/// of every second.
///
/// # Errors
///
/// Invalid options, a failed `connect`, or a send or receive error other than
/// an ICMP notice (for example "network unreachable" for a remote server).
pub fn run(
    socket: &UdpSocket,
    server: SocketAddr,
    options: &Options,
    on_row: &mut dyn FnMut(&Row),
) -> Result<Report> {
    options.check().map_err(Error::usage)?;
    socket
        .connect(server)
        .map_err(|e| Error::io(format!("cannot connect the UDP socket to {server}"), &e))?;
    socket
        .set_read_timeout(Some(TICK.min(options.timeout)))
        .map_err(|e| Error::io("cannot set the receive timeout", &e))?;

    let mut probe = Probe::new(options);
    let start = Instant::now();
    let end = start + Duration::from_secs(options.duration);
    let mut next_second = start + Duration::from_secs(1);
    let mut row = Row::new(1);
    let mut rows = Vec::with_capacity(options.duration as usize);
    let mut now = start;

    loop {
        // Close every second that is over, except the last one: the echoes of
        // the datagrams still in flight at the end are counted in it.
        while row.second < options.duration && now >= next_second {
            row.jitter_ms = probe.jitter.value();
            on_row(&row);
            let next = Row::new(row.second + 1);
            rows.push(std::mem::replace(&mut row, next));
            next_second += Duration::from_secs(1);
        }
        probe.settle_front(now, &mut row);

        let sending = now < end;
        if !sending && probe.in_flight.is_empty() {
            break;
        }
        if sending && probe.in_flight.len() < options.window {
            now = probe.send(socket, server)?;
            row.sent += 1;
            continue;
        }
        // The window is full (or the run is over): wait for an echo.
        match socket.recv(&mut probe.reply) {
            Ok(len) => {
                now = Instant::now();
                probe.on_reply(len, now, &mut row);
            }
            Err(e) if crate::error::is_timeout(&e) => now = Instant::now(),
            Err(e) if is_unreachable(&e) => {
                probe.unreachable += 1;
                now = Instant::now();
            }
            Err(e) => return Err(Error::io(format!("cannot receive from {server}"), &e)),
        }
    }
    row.jitter_ms = probe.jitter.value();
    // The last row runs from its second's start to the last echo (or timeout).
    row.span = now.saturating_duration_since(next_second - Duration::from_secs(1));
    on_row(&row);
    rows.push(row);

    Ok(Report {
        server,
        options: options.clone(),
        rows,
        late_or_duplicate: probe.late_or_duplicate,
        foreign: probe.foreign,
        unreachable: probe.unreachable,
        jitter_ms: probe.jitter.value(),
    })
}

/// An ICMP error about an earlier datagram, reported on a connected socket:
/// "port unreachable" is `ConnectionRefused` on Unix, `ConnectionReset` on Windows.
fn is_unreachable(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset
    )
}

/// The state of the measurement, between two datagrams.
struct Probe {
    size: usize,
    timeout: Duration,
    /// The next datagram to send: sequence number, then the filler.
    payload: Vec<u8>,
    /// Room for one echo, plus one byte to notice a datagram that is too long.
    reply: Vec<u8>,
    /// Sequence number of `in_flight[0]`; the others follow in order.
    base: u64,
    in_flight: VecDeque<Flight>,
    jitter: Jitter,
    late_or_duplicate: u64,
    foreign: u64,
    unreachable: u64,
}

impl Probe {
    fn new(options: &Options) -> Probe {
        Probe {
            size: options.size,
            timeout: options.timeout,
            payload: Rng::from_time().upper_alnum(options.size),
            reply: vec![0u8; options.size + 1],
            base: 0,
            in_flight: VecDeque::with_capacity(options.window),
            jitter: Jitter::new(),
            late_or_duplicate: 0,
            foreign: 0,
            unreachable: 0,
        }
    }

    /// The sequence number `seq` cut to the bytes the payload has for it.
    fn tag(&self, seq: u64) -> u64 {
        match tag_len(self.size) {
            8 => seq,
            n => seq & ((1u64 << (8 * n)) - 1),
        }
    }

    /// Sends the next datagram and returns the time it left.
    fn send(&mut self, socket: &UdpSocket, server: SocketAddr) -> Result<Instant> {
        let seq = self.base + self.in_flight.len() as u64;
        let n = tag_len(self.size);
        self.payload[..n].copy_from_slice(&seq.to_be_bytes()[8 - n..]);
        let sent_at = Instant::now();
        let mut result = socket.send(&self.payload);
        if let Err(e) = &result {
            if is_unreachable(e) {
                // The error is a notice about an earlier datagram, and reporting
                // it cleared it; this datagram was not sent yet, so send it now.
                self.unreachable += 1;
                result = socket.send(&self.payload);
            }
        }
        match result {
            // If it fails again it is counted as sent and will time out as lost.
            Ok(_) => {}
            Err(e) if is_unreachable(&e) => self.unreachable += 1,
            Err(e) => {
                return Err(Error::failed(
                    format!("cannot send to {server}"),
                    describe(&e),
                ))
            }
        }
        self.in_flight.push_back(Flight {
            sent_at,
            settled: false,
        });
        Ok(sent_at)
    }

    /// Checks an echo of `len` bytes (now in `self.reply`) and counts it.
    fn on_reply(&mut self, len: usize, at: Instant, row: &mut Row) {
        let n = tag_len(self.size);
        if len != self.size || self.reply[n..len] != self.payload[n..] {
            self.foreign += 1;
            return;
        }
        let mut tag_bytes = [0u8; 8];
        tag_bytes[8 - n..].copy_from_slice(&self.reply[..n]);
        let tag = u64::from_be_bytes(tag_bytes);
        // Position in the window; the subtraction wraps like the cut numbers do.
        let offset = usize::try_from(self.tag(tag.wrapping_sub(self.base))).ok();
        let timeout = self.timeout;
        let flight = match offset.and_then(|o| self.in_flight.get_mut(o)) {
            Some(f) if !f.settled => f,
            _ => {
                // Settled already, or before the window: late or duplicate.
                self.late_or_duplicate += 1;
                return;
            }
        };
        flight.settled = true;
        let rtt = at.saturating_duration_since(flight.sent_at);
        if rtt > timeout {
            // It came after its deadline, before the loop got round to
            // declaring it lost: the arrival time decides.
            row.lost += 1;
            self.late_or_duplicate += 1;
        } else {
            row.received += 1;
            row.bytes += len as u64;
            row.rtt_total += rtt;
            self.jitter.update(crate::clock::ms(rtt));
        }
        self.settle_front(at, row);
    }

    /// Slides the window past settled datagrams and past those whose timeout
    /// has expired (which are lost).
    fn settle_front(&mut self, now: Instant, row: &mut Row) {
        while let Some(front) = self.in_flight.front() {
            if !front.settled {
                if now.saturating_duration_since(front.sent_at) < self.timeout {
                    return;
                }
                row.lost += 1;
            }
            self.in_flight.pop_front();
            self.base += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    fn options(duration: u64, size: usize, window: usize) -> Options {
        Options {
            duration,
            size,
            window,
            timeout: Duration::from_millis(100),
        }
    }

    #[test]
    fn options_are_checked() {
        assert!(options(1, 2, 1).check().is_ok());
        assert!(options(0, 2, 1).check().unwrap_err().contains("DURATION"));
        assert!(options(1, 0, 1).check().unwrap_err().contains("SIZE"));
        assert!(options(1, 65_508, 1).check().is_err());
        assert!(options(1, 65_507, 1).check().is_ok());
        assert!(options(1, 2, 0).check().is_err());
        assert!(options(1, 1, 256).check().is_ok());
        assert!(options(1, 1, 257)
            .check()
            .unwrap_err()
            .contains("too large"));
        assert!(options(1, 8, MAX_WINDOW + 1).check().is_err());
        let mut o = options(1, 2, 1);
        o.timeout = Duration::ZERO;
        assert!(o.check().is_err());
    }

    #[test]
    fn rows_print_as_csv_and_text() {
        let row = Row {
            second: 2,
            sent: 10,
            received: 8,
            lost: 2,
            bytes: 16,
            rtt_total: Duration::from_micros(160),
            jitter_ms: 0.001,
            span: Duration::from_secs(1),
        };
        assert_eq!(row.csv(), "2,0.016,0.010000,10,8,2,0.001000");
        assert_eq!(row.csv().split(',').count(), CSV_HEADER.split(',').count());
        assert_eq!(row.text().len(), TEXT_HEADER.len());
        let empty = Row::new(3);
        assert_eq!(empty.avg_delay_ms(), None);
        assert_eq!(empty.csv(), "3,0.000,,0,0,0,0.000000");
        assert!(empty.text().contains(" - "));
    }

    #[test]
    fn sequence_numbers_wrap_with_the_payload_size() {
        let p = Probe::new(&options(1, 1, 4));
        assert_eq!(p.tag(255), 255);
        assert_eq!(p.tag(256), 0);
        assert_eq!(p.tag(3u64.wrapping_sub(254)), 5);
        let p = Probe::new(&options(1, 20, 4));
        assert_eq!(p.tag(u64::MAX), u64::MAX);
    }

    /// An echo thread; while `drop_all` is set it answers nothing, and every
    /// third datagram is answered twice.
    fn echo(drop_all: Arc<AtomicBool>) -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 70_000];
            let mut n = 0u64;
            while let Ok((len, from)) = socket.recv_from(&mut buf) {
                n += 1;
                if drop_all.load(Ordering::SeqCst) {
                    continue;
                }
                let _ = socket.send_to(&buf[..len], from);
                if n % 3 == 0 {
                    let _ = socket.send_to(&buf[..len], from);
                }
                let _ = socket.send_to(b"?", from); // foreign: wrong size
            }
        });
        addr
    }

    #[test]
    fn counts_add_up_and_duplicates_do_not_count() {
        let server = echo(Arc::new(AtomicBool::new(false)));
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut seen = 0;
        let report = run(&socket, server, &options(1, 3, 4), &mut |_| seen += 1).unwrap();
        assert_eq!(seen, 1);
        assert_eq!(report.rows.len(), 1);
        assert!(report.received() > 0);
        assert_eq!(report.sent(), report.received() + report.lost());
        assert_eq!(report.bytes(), report.received() * 3);
        assert!(report.late_or_duplicate > 0);
        assert!(report.foreign > 0);
    }

    #[test]
    fn a_silent_server_costs_one_timeout_per_datagram() {
        let server = echo(Arc::new(AtomicBool::new(true)));
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let started = Instant::now();
        let report = run(&socket, server, &options(1, 2, 2), &mut |_| {}).unwrap();
        // Sends two, waits 100 ms for them, two more, ... for one second; the
        // last pair is sent before the second is over and timed out after it.
        assert!(started.elapsed() >= Duration::from_millis(1000));
        assert_eq!(report.received(), 0);
        assert_eq!(report.sent(), report.lost());
        assert!(report.sent() >= 2 && report.sent() <= 2 * 11, "{report:?}");
        assert_eq!(report.rows[0].avg_delay_ms(), None);
        assert!(report.delay_chart().render().contains("no data"));
    }
}
