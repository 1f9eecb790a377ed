//! `perf-client`: goodput, delay, loss and jitter of a UDP echo path,
//! second by second, like a small iperf.
//!
//! # What you will learn
//!
//! * **Goodput is bounded by the round trip.** With one datagram in flight
//!   (stop-and-wait, the original's method) the client moves `SIZE / RTT`
//!   bytes per second however fast the link is. `--window N` keeps N in
//!   flight and moves up to N times as much, until the CPU or the socket
//!   buffers give out. This is why TCP has a window.
//! * **Goodput is not throughput.** The figure counts echoed *payload*
//!   bytes (/1000 for kB/s, as the original; ×8/10⁶ for Mbit/s, the unit
//!   iperf reports). On the wire each datagram also carries 8 bytes of UDP
//!   header, 20 of IPv4 and, on a Linux loopback, 14 of dummy Ethernet: with
//!   SIZE 2 a 44-byte frame carries 2 bytes of payload (4.5 %). And every
//!   payload byte crosses the path twice, out and back.
//! * **"Average delay" is half the RTT**, as the original computed it. That
//!   is the one-way delay only on a symmetric path. A queue forms at the first
//!   bottleneck: through `link-emulator --rate 1000` with `--window 16`, one
//!   measurement put 118.6 ms on the way out and 9.2 ms on the way back, while
//!   RTT/2 said 62.5 ms. One-way delay needs synchronised clocks (RFC 7679).
//! * **Jitter** is RFC 3550's estimator (`J += (|D| − J) / 16`) applied here
//!   to the difference `D` of consecutive *RTTs*; RFC 3550 applies it to
//!   one-way transit times, so this mixes both directions ([`Jitter`]). Each
//!   row shows the running estimate; the summary shows the mean `|D|` over
//!   the whole run.
//!
//! # The original
//!
//! `client.py` of Assignment 3, Part 2 Q2: one thread, stop-and-wait. It
//! looped until DURATION rows were printed: build a random payload, `sendto`,
//! note the time, block in `recvfrom(1024)` (no timeout: the first lost
//! datagram froze it for good), add the RTT; once a second had passed, print
//! the second, `packets × SIZE / 1000` and half the average RTT. Then it
//! plotted both series with matplotlib. [`measure`] is that loop:
//!
//! | original (Python socket API) | here | what changed, and why |
//! |---|---|---|
//! | `sys.argv[1:3]` | [`Args`] | range-checked (exit 2); `--window`, `--timeout`, `--csv`, `--out-dir` |
//! | `socket(AF_INET, SOCK_DGRAM)` | [`net::udp_client_socket`] in [`run`] | then [`UdpSocket::connect`]: the kernel drops other senders' datagrams and passes ICMP errors on |
//! | `random.choices(...)` per datagram | `payload` in [`measure`] | a sequence number, then a filler drawn once: each echo is matched to its own send time |
//! | `sendto(msg, (ip, port))` | [`UdpSocket::send`] | up to `--window` in flight, not one |
//! | `recvfrom(1024)` | [`UdpSocket::recv`] | 65,508-byte buffer; a read timeout of one tick, so the timeout rule always runs |
//! | `if now - start >= 1: print(...)` | `on_row` in [`measure`] | goodput in kB/s and Mbit/s, RTT/2, sent/received/lost, jitter; `--csv` |
//! | `plt.savefig("throput_graph.png")` | [`Report::write_graphs`] | SVG, no matplotlib needed: `throughput_graph.svg`, `average_delay_graph.svg` |
//!
//! # The protocol
//!
//! The server echoes each datagram. The client fills a window, then sends a
//! new datagram for each one settled (echoed, or timed out):
//!
//! ```text
//!  perf-client (--window 3)                         perf-server
//!      |--- #0 ------------------------------------------>|
//!      |--- #1 ------------------------------------------>|
//!      |--- #2 ------------------------------------------>|   3 in flight: wait
//!      |<------------------------------------------ #0 ---|   rtt(#0) = now - sent(#0)
//!      |--- #3 ------------------------------------------>|   a slot is free: send
//!      |--- #4 -----------------------X (lost)            |
//!      :  sent(#4) + TIMEOUT: #4 lost, its slot is free   :
//! ```
//!
//! Every datagram is SIZE bytes: the sequence number, big-endian, cut to
//! `min(SIZE, 8)` bytes, then the filler. A cut number repeats (with SIZE 2,
//! #65536 is #0 again); that is harmless while `--window` is below the number
//! of values (checked), because an echo only matches datagrams in flight.
//!
//! # Run it
//!
//! ```text
//! cargo run --release --bin perf-server                    # terminal 1
//! cargo run --release --bin perf-client -- 5 2             # 5 s, 2-byte payloads
//! cargo run --release --bin perf-client -- 5 1024 --window 16 --csv > perf.csv
//! ```
//!
//! # On the wire
//!
//! `tshark -i lo -f "udp port 5048"` shows request/echo pairs of SIZE-byte
//! datagrams; with a window, several requests leave before the first echo.
//! Capturing slows the path: capture a short run only.
//!
//! # Things that go wrong
//!
//! * **Figures that change from run to run** by a factor of two: the
//!   scheduler put client and server on one CPU in one run and on two in the
//!   next. Pin both with `taskset -c 0`, and use `--release`.
//! * **A lost column that is not zero with a large window**: the socket
//!   buffers overflowed and the kernel dropped datagrams.
//! * **No server**: every datagram times out; the run still ends with its
//!   summary and graphs, and exits 1. The socket is connected, so on Linux
//!   and Windows the ICMP port unreachable reaches it ([`icmp_note`](crate::ping::icmp_note)), unless
//!   a firewall drops it or the host rate-limits it.

use crate::cli::{self, Command, Endpoint, Matches, Side};
use crate::error::{is_timeout, Error, Result};
use crate::ping::{is_icmp_refusal, Counts, Echo, Ledger, TICK};
use crate::rng::Rng;
use crate::stats::Jitter;
use crate::svg::Chart;
use crate::{clock, net, outln};
use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The original's loop, with a window: send while there is room, else wait
/// for an echo; close a row each second. Calls `on_row` per second.
///
/// # Errors
///
/// A failed `connect`, or a send or receive error other than an ICMP notice.
pub fn measure(
    socket: &UdpSocket,
    server: SocketAddr,
    o: &Args,
    on_row: &mut dyn FnMut(&Row),
) -> Result<Report> {
    // Hardening: connect, so only the server's datagrams reach us and ICMP errors do too.
    let connected = socket.connect(server);
    connected.map_err(|e| Error::io(format!("cannot connect the UDP socket to {server}"), &e))?;
    // Hardening: a read timeout of one tick, so a lost echo cannot freeze the run.
    let tick = socket.set_read_timeout(Some(TICK.min(o.timeout)));
    tick.map_err(|e| Error::io("cannot set the receive timeout", &e))?;
    // Each datagram: its sequence number cut to `tag` bytes, then a filler drawn once.
    let (tag, mask) = (o.size.min(8), tag_mask(o.size));
    let mut payload = Rng::from_time().upper_alnum(o.size);
    // Room for one echo, plus one byte to notice a datagram that is too long.
    let mut reply = vec![0u8; o.size + 1];
    let (mut ledger, mut jitter) = (Ledger::new(o.timeout), Jitter::default());
    let mut n = Counts::default();
    let start = Instant::now();
    let second = |k: u64| start + Duration::from_secs(k);
    let (mut rows, mut row) = (Vec::new(), Row::new(1));
    let end = loop {
        let now = Instant::now();
        // "A second has passed": print its row (the last row also waits for the stragglers).
        while row.second < o.duration && now >= second(row.second) {
            row.jitter_ms = jitter.value;
            on_row(&row);
            let next = Row::new(row.second + 1);
            rows.push(std::mem::replace(&mut row, next));
        }
        // The one timeout rule: a datagram not echoed TIMEOUT after its send is lost.
        ledger.expire(now, |_| row.lost += 1);
        let sending = now < second(o.duration);
        if !sending && ledger.unsettled() == 0 {
            break now;
        }
        if sending && ledger.unsettled() < o.window as u64 {
            let seq = ledger.sent(Instant::now());
            payload[..tag].copy_from_slice(&seq.to_be_bytes()[8 - tag..]);
            row.sent += 1;
            n.sent += 1;
            for _ in 0..2 {
                match socket.send(&payload) {
                    // An ICMP error about an earlier datagram is reported (and cleared) by
                    // this send, which did not leave: count the notice and try once more
                    // (a datagram not sent after all times out as lost).
                    Err(e) if is_icmp_refusal(&e) => n.refused += 1,
                    Err(e) => return Err(Error::io(format!("cannot send to {server}"), &e)),
                    Ok(_) => break,
                }
            }
            continue;
        }
        let got = socket.recv(&mut reply);
        let at = Instant::now();
        match got {
            // An echo of ours: SIZE bytes, the filler unchanged; its tag says which datagram.
            Ok(len) if len == o.size && reply[tag..len] == payload[tag..] => {
                let number = reply[..tag].iter().fold(0, |n, &b| n << 8 | u64::from(b));
                // Position in the window; the subtraction wraps as the cut numbers do.
                let offset = number.wrapping_sub(ledger.oldest()) & mask;
                // An offset past the window is a datagram settled and forgotten already.
                let echo = match offset < ledger.unsettled() {
                    true => ledger.echo(ledger.oldest() + offset, at),
                    false => Echo::Forgotten,
                };
                match echo {
                    Echo::InTime(rtt) => {
                        row.received += 1;
                        n.received += 1;
                        row.bytes += len as u64;
                        row.rtt_total += rtt;
                        jitter.update(clock::ms(rtt));
                    }
                    // Late, and it settles the datagram: lost (the arrival time decides).
                    Echo::Late(_, true) => {
                        row.lost += 1;
                        n.late += 1;
                    }
                    Echo::Late(..) | Echo::Forgotten => n.late += 1,
                    Echo::Duplicate => n.duplicates += 1,
                }
            }
            Ok(_) => n.malformed += 1,
            Err(e) if is_timeout(&e) => {}
            Err(e) if is_icmp_refusal(&e) => n.refused += 1,
            Err(e) => return Err(Error::io(format!("cannot receive from {server}"), &e)),
        }
    };
    row.jitter_ms = jitter.value;
    row.span = end.saturating_duration_since(second(row.second - 1));
    on_row(&row);
    rows.push(row);
    Ok(Report { server, args: o.clone(), rows, n, jitter_ms: jitter.whole_run() })
}

/// The binary: [`run_with`], then the verdict. With `--csv` the rows alone
/// go to stdout, so it stays pure CSV; everything else goes to stderr.
///
/// # Errors
///
/// Setup failures; after the summary, "no echo" when none came back (exit 1).
pub fn run(args: Args) -> Result<()> {
    let csv = args.csv;
    let say = |line: &str| match csv {
        true => drop(writeln!(std::io::stderr(), "{line}")),
        false => outln!("{line}"),
    };
    run_with(&args, &|row| outln!("{row}"), &say)?.verdict(args.server.port)
}

/// Everything `perf-client` does but the verdict: the header and a row per
/// second (text or `--csv`) through `rows`, then the graphs and the summary
/// through `say`. The tour runs this too.
///
/// # Errors
///
/// Setup failures, a failed send or receive, or graphs that cannot be written.
pub fn run_with(args: &Args, rows: &dyn Fn(&str), say: &dyn Fn(&str)) -> Result<Report> {
    let (o, csv) = (args, args.csv);
    std::fs::create_dir_all(&args.out_dir) // fail now rather than after the run
        .map_err(|e| Error::io(format!("cannot create {}", args.out_dir.display()), &e))?;
    let (socket, server) = net::udp_client_socket(&args.server.host, args.server.port)?;
    if csv {
        rows(CSV_HEADER);
    } else {
        let (size, secs, window, t) = (o.size, o.duration, o.window, clock::secs_text(o.timeout));
        let head = format!("perf-client: {size}-byte datagrams to {server} for {secs} s");
        rows(&format!("{head}, window {window}, timeout {t}"));
        rows(TEXT_HEADER);
    }
    let report =
        measure(&socket, server, o, &mut |row| rows(&if csv { row.csv() } else { row.text() }))?;
    let written = report.write_graphs(&args.out_dir);
    if let Ok(paths) = &written {
        let (a, b) = (crate::paths::shown(&paths[0]), crate::paths::shown(&paths[1]));
        // One line where it fits 100 columns; a long --out-dir gets a line per graph.
        let sep = if a.len() + b.len() > 88 { "\n        " } else { " " };
        say(&format!("graphs: {a},{sep}{b}"));
    }
    for line in report.notes().iter().chain(&report.summary()) {
        say(line);
    }
    written.map(|_| report)
}

/// `perf-client`'s command line: where to, what a run does, where its output goes.
#[derive(Debug, Clone)]
pub struct Args {
    /// The server (`--host`, `--port`).
    pub server: Endpoint,
    /// Seconds to send for, 1 to [`MAX_DURATION`] (one row each).
    pub duration: u64,
    /// Bytes per datagram, 1 to 65,507.
    pub size: usize,
    /// Datagrams in flight at most, 1 to [`MAX_WINDOW`] (1 = stop-and-wait).
    pub window: usize,
    /// How long an echo may take before its datagram is lost.
    pub timeout: Duration,
    /// Where the two graphs go.
    pub out_dir: PathBuf,
    /// Rows as CSV on stdout.
    pub csv: bool,
}

/// The longest run, in seconds.
pub const MAX_DURATION: u64 = 3600;
/// The largest `--window`.
pub const MAX_WINDOW: usize = 65_536;
/// The header of `--csv` output.
pub const CSV_HEADER: &str = "second,throughput_kBps,avg_delay_ms,sent,received,lost,jitter_ms";
/// The two graphs, named as the original named its PNGs.
pub const GRAPH_FILES: [&str; 2] = ["throughput_graph.svg", "average_delay_graph.svg"];

impl cli::Args for Args {
    fn command() -> Command {
        Command::new(
            "perf-client",
            "goodput, RTT/2, loss and jitter against perf-server, per second",
        )
        .positional("DURATION", "5", "seconds to run (one row per second)")
        .positional("SIZE", "2", "payload bytes per datagram, 1 to 65507")
        .host_port(Side::Client, "localhost", "5048")
        .flag("window", "N", "1", "datagrams in flight (1 = stop-and-wait, as the original)")
        .flag(
            "timeout",
            "TIME",
            "1",
            "wait this long for an echo, then count it lost (bare: seconds)",
        )
        .flag("out-dir", "DIR", ".", "where throughput_graph.svg and average_delay_graph.svg go")
        .switch("csv", "rows as CSV on stdout (everything else on stderr)")
        .example("perf-client 3 1024 --window 16 --out-dir graphs")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        let a = Args {
            duration: m.number("DURATION", 1, MAX_DURATION)?,
            size: m.number("SIZE", 1, net::MAX_UDP_PAYLOAD)?,
            window: m.number("window", 1, MAX_WINDOW)?,
            timeout: m.timeout("timeout")?,
            server: Endpoint::from_matches(m, Side::Client)?,
            out_dir: PathBuf::from(m.value("out-dir")),
            csv: m.is_set("csv"),
        };
        let (w, s, values) = (a.window, a.size, tag_mask(a.size).saturating_add(1));
        if w as u64 > values {
            // Only SIZE 1 gets here (256 values).
            let why = format!(
                "--window {w} is too large for SIZE {s}: {s} byte(s) tell only {values} apart"
            );
            return Err(m.bad(why));
        }
        Ok(a)
    }
}

/// The bits of a sequence number that a payload of `size` bytes carries (its
/// first `min(size, 8)` bytes): a number is cut to `seq & tag_mask(size)`.
fn tag_mask(size: usize) -> u64 {
    u64::MAX >> (64 - 8 * size.min(8))
}

/// One second of the run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// 1 for the first second, and so on.
    pub second: u64,
    /// Datagrams sent during this second.
    pub sent: u64,
    /// Echoes back in time and unchanged during this second.
    pub received: u64,
    /// Datagrams declared lost during this second.
    pub lost: u64,
    /// Payload bytes of those echoes.
    pub bytes: u64,
    /// Sum of their round-trip times.
    pub rtt_total: Duration,
    /// The RFC 3550 jitter estimate (on RTTs) at the end of the second, in ms.
    pub jitter_ms: f64,
    /// How long the row really lasted: one second, except the last row,
    /// which also waits for the echoes still in flight when sending stopped.
    pub span: Duration,
}

impl Row {
    fn new(second: u64) -> Row {
        Row { second, span: Duration::from_secs(1), ..Row::default() }
    }

    /// Goodput in kB/s: echoed payload bytes / 1000 (as the original) per
    /// second of the row's real length.
    pub fn goodput_kbps(&self) -> f64 {
        self.bytes as f64 / 1000.0 / self.span.as_secs_f64().max(1e-9)
    }

    /// Half the average RTT in ms, the original's "average delay" (the
    /// one-way delay only on a symmetric path); `None` without an echo.
    pub fn avg_delay_ms(&self) -> Option<f64> {
        let n = self.received as f64;
        Some(clock::ms(self.rtt_total) / n / 2.0).filter(|_| n > 0.0)
    }

    /// The row under [`CSV_HEADER`] (an empty delay when nothing came back).
    pub fn csv(&self) -> String {
        let delay = self.avg_delay_ms().map_or(String::new(), |d| format!("{d:.6}"));
        let (s, kb, j) = (self.second, self.goodput_kbps(), self.jitter_ms);
        format!("{s},{kb:.3},{delay},{},{},{},{j:.6}", self.sent, self.received, self.lost)
    }

    /// The row under [`TEXT_HEADER`] (`-` for the delay when nothing came back).
    pub fn text(&self) -> String {
        let d = self.avg_delay_ms().map_or("-".to_string(), |d| format!("{d:.4}"));
        let (kb, j) = (self.goodput_kbps(), self.jitter_ms);
        let (s, n, r, l, mb) =
            (self.second, self.sent, self.received, self.lost, kb * 8.0 / 1000.0);
        format!("{s:>6}  {kb:>12.3}  {mb:>8.3}  {d:>10}  {n:>8}  {r:>8}  {l:>6}  {j:>9.4}")
    }
}

/// The human-readable table's header; [`Row::text`] lines up under it.
pub const TEXT_HEADER: &str =
    "second  goodput_kB/s    Mbit/s    RTT/2_ms      sent  received    lost  jitter_ms";

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Where the datagrams went.
    pub server: SocketAddr,
    /// The command line of the run.
    pub args: Args,
    /// One row per second.
    pub rows: Vec<Row>,
    /// What did not count.
    pub n: Counts,
    /// Jitter over the whole run: the mean `|D|` of consecutive RTTs, in ms.
    pub jitter_ms: f64,
}

impl Report {
    /// The whole run as one row: the sums of the rows, over the run's whole
    /// length (the duration, plus the wait for the last echoes).
    pub fn total(&self) -> Row {
        let mut t = Row::default();
        for r in &self.rows {
            t.sent += r.sent;
            t.received += r.received;
            t.lost += r.lost;
            t.bytes += r.bytes;
            t.rtt_total += r.rtt_total;
            t.span += r.span;
        }
        t
    }

    /// Round trips per second over the whole run.
    pub fn round_trips_per_sec(&self) -> f64 {
        let t = self.total();
        t.received as f64 / t.span.as_secs_f64().max(1e-9)
    }

    /// Lines about datagrams that did not count (only those that apply).
    pub fn notes(&self) -> Vec<String> {
        let n = &self.n;
        let kinds = [
            (n.late + n.duplicates, "late or duplicate echoes ignored", ""),
            (n.malformed, "datagrams that were no echo of ours ignored", ""),
        ];
        n.notes(&kinds, true)
    }

    /// The closing lines, each under 100 columns.
    pub fn summary(&self) -> Vec<String> {
        let (o, t) = (&self.args, self.total());
        let (sent, lost, secs, kbps) = (t.sent, t.lost, t.span.as_secs_f64(), t.goodput_kbps());
        let delay = t.avg_delay_ms().map_or("-".to_string(), |d| format!("{d:.4} ms"));
        vec![
            format!("--- {} perf statistics: {} s, {}-byte payloads, window {} ---", self.server, o.duration, o.size, o.window),
            format!(
                "{sent} sent, {} received, {lost} lost ({:.3}%), {:.0} round trips/s, {secs:.3} s in all",
                t.received,
                lost as f64 * 100.0 / sent.max(1) as f64,
                self.round_trips_per_sec()
            ),
            format!("goodput {kbps:.3} kB/s = {:.3} Mbit/s (echoed payload only)", kbps * 8.0 / 1000.0),
            format!("RTT/2 {delay} (one-way delay only on a symmetric path), jitter {:.4} ms", self.jitter_ms),
        ]
    }

    /// `Ok` when an echo came back; else the error saying what did arrive,
    /// asking "is perf-server running?" only when nothing did.
    ///
    /// # Errors
    ///
    /// `no echo from ADDR` (exit 1).
    pub fn verdict(&self, port: u16) -> Result<()> {
        let n = &self.n;
        let arrived = [
            (n.late + n.duplicates, "late echoes", "try a longer --timeout"),
            (n.malformed, "datagrams that are no echo of ours", "is that an echo server?"),
        ];
        let head = format!("no echo from {}", self.server);
        n.verdict(head, ("perf-server", port), &arrived, "nothing came back".to_string())
    }

    fn chart(&self, what: &str, unit: &str, value: fn(&Row) -> Option<f64>) -> Chart {
        let o = &self.args;
        let title =
            format!("{what} to {} ({}-byte payloads, window {})", self.server, o.size, o.window);
        let mut chart = Chart::new(&title, "time (s)", &format!("{what} ({unit})"))
            .whole_numbers_on_x()
            .missing_label("no echo that second");
        for row in &self.rows {
            chart.point(row.second as f64, value(row).unwrap_or(f64::NAN)); // NaN: missing
        }
        chart
    }

    /// Writes [`GRAPH_FILES`] (goodput, then RTT/2 per second) into `dir`.
    ///
    /// # Errors
    ///
    /// `cannot write PATH: WHY`.
    pub fn write_graphs(&self, dir: &Path) -> Result<[PathBuf; 2]> {
        let paths = GRAPH_FILES.map(|f| dir.join(f));
        self.chart("goodput", "kB/s", |r| Some(r.goodput_kbps())).write(&paths[0])?;
        self.chart("RTT/2", "ms", Row::avg_delay_ms).write(&paths[1])?;
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_print_as_csv_and_text() {
        let mut row = Row::new(2);
        (row.sent, row.received, row.lost, row.bytes) = (10, 8, 2, 16);
        (row.rtt_total, row.jitter_ms) = (Duration::from_micros(160), 0.001);
        assert_eq!(row.csv(), "2,0.016,0.010000,10,8,2,0.001000");
        assert_eq!(row.text().len(), TEXT_HEADER.len());
        assert!(TEXT_HEADER.len() <= 100);
        let empty = Row::new(3);
        assert_eq!(
            (empty.avg_delay_ms(), empty.csv()),
            (None, "3,0.000,,0,0,0,0.000000".to_string())
        );
    }

    #[test]
    fn sequence_numbers_wrap_with_the_payload_size() {
        let tag = |seq: u64, size| seq & tag_mask(size);
        assert_eq!((tag(255, 1), tag(256, 1), tag(3u64.wrapping_sub(254), 1)), (255, 0, 5));
        assert_eq!(tag(u64::MAX, 20), u64::MAX);
        assert_eq!((tag_mask(1) + 1, tag_mask(8)), (256, u64::MAX));
    }
}
