//! `ping-client`: round-trip time and loss with UDP datagrams.
//!
//! # What you will learn
//!
//! UDP promises nothing: a datagram may arrive, arrive twice, arrive late or
//! vanish, and nobody tells the sender. A program that measures a path over
//! UDP must keep the books itself:
//!
//! * **Matching.** Each message's payload says which message it is, so an
//!   echo is timed against its own send time even when echoes overtake one
//!   another, and a stray datagram is told apart from an echo.
//! * **One timeout rule.** A message whose echo is not back within
//!   `--timeout` (1 s) of its send is lost. So a lost datagram costs one
//!   timeout, never the run.
//! * **Late and duplicate echoes.** An echo after the timeout is *late* and
//!   the message stays lost; a second echo is a *duplicate* and counts for
//!   nothing. This is the threshold definition of loss of RFC 7680 and
//!   RFC 2681. iputils `ping` differs: it counts a late reply as received
//!   (its `-W` only decides how long it waits at the end).
//! * **Two threads**, as in the original: the sender keeps its schedule
//!   whatever the echoes do; the receiver does the books.
//!
//! # The original
//!
//! `client.py` of Assignment 3, Part 2 Q1. The lab report printed, by
//! mistake, another client in its place, so we know the original from its
//! description and output: it took COUNT, INTERVAL and SIZE on the command
//! line, built random `A-Z0-9` payloads, sent them from one thread and
//! received them in another, and printed each message, a loss percentage and
//! each RTT. [`ping`] lays out the same flow:
//!
//! | original (Python socket API) | here | what changed, and why |
//! |---|---|---|
//! | `sys.argv[1:4]` | [`Args`] | range-checked (exit 2, never a crash); `-c`, `-i`, `-s`, `-W` as ping users type them |
//! | `socket(AF_INET, SOCK_DGRAM)` | [`net::udp_client_socket`] in [`run`] | binds the wildcard of the server's family, so `::1` works too |
//! | `random.choices(A-Z0-9, k=SIZE)` | `Payloads::write` | distinct per message: message *n*, disguised (see below); made one at a time, never all up front |
//! | sender thread: `sendto(msg, addr)`, `sleep(INTERVAL)` | the `scope.spawn` in [`ping`], [`UdpSocket::send_to`] | a fixed schedule (message *n* leaves at *n* × INTERVAL), so slow printing never drifts it |
//! | receiver thread: `recvfrom(1024)` | [`UdpSocket::recv_from`] in [`ping`] | 65,535 bytes; a read timeout (a tick) so a loss cannot block it forever; only the server's address counts |
//! | loss % and RTT per message | [`Report::statistics`] | iputils' three lines, with `mdev`; `--plot FILE.svg` draws the RTTs |
//!
//! Each payload is the message number in disguise: *n* is shuffled (twice) by a
//! multiplication that is a one-to-one mapping (modulo 36^SIZE, by a number
//! with no factor in common with 36) and written in the 36 characters
//! `A-Z0-9`; beyond 12 characters a filler drawn once per run follows. It
//! looks as random as the original's, no two messages of a run share one,
//! and the receiver reads the number back from the echo: no table of
//! payloads, so memory does not grow with COUNT (`ping-client 20000000 0 13`
//! once built 2.8 GB of payloads before its first send).
//!
//! # The protocol
//!
//! `ping-client 3 1 3`, where the second message is lost:
//!
//! ```text
//!   sender thread        receiver thread                       ping-server
//!   t1 |-- (1, t1) -------->|                                       |
//!      |-- "9L8" ---------------------------------------------------->|
//!      |                    |<------------------------------ "9L8" ---|
//!      |                    |  "9L8" is message 1: rtt = now - t1     |
//!   t2 |-- (2, t2) -------->|                                       |
//!      |-- "BID" ------------------------X  (lost)                    |
//!   t3 |-- (3, t3) -------->|                                       |
//!      |-- "GXL" ---------------------------------------------------->|
//!      |  (done)            |<------------------------------ "GXL" ---|
//!      |                 t2 + TIMEOUT: "message 2 lost"; all settled: end
//! ```
//!
//! The sender posts `(message, send time)` on a channel *before* the datagram
//! leaves, so the receiver always knows a message before its echo can arrive.
//!
//! # Run it
//!
//! ```text
//! cargo run --bin ping-server                                # terminal 1
//! cargo run --bin ping-client -- 10 0.2 8 --plot rtt.svg     # terminal 2
//! cargo run --bin ping-client -- -c 10 -i 200ms -s 8         # the same, ping's way
//! ```
//!
//! A flag wins over its positional: `ping-client 5 -c 7` sends 7 messages.
//!
//! # On the wire
//!
//! One datagram per message and one per echo, each with SIZE bytes of
//! payload; a Linux loopback frame adds 14 (dummy Ethernet) + 20 (IPv4) + 8
//! (UDP) bytes, so `ping-client 6 1 3` shows twelve 45-byte frames. A lost
//! message is a request with no answer: nothing on the wire tells the client.
//!
//! # Things that go wrong
//!
//! * **100% loss, exit 1, "is ping-server running?"**: nothing at all came
//!   back. The server is down, on another port, or bound to an address the
//!   client does not use. What the client hears about it depends on the OS:
//!   see [`icmp_note`](super::icmp_note). Firewalls drop ICMP, and hosts rate-limit it, so
//!   silence is never proof.
//! * **"replies came from another address"**: a server bound to a wildcard
//!   address may answer from another local address than the one you sent to;
//!   such a datagram is not an echo of yours (a socket cannot tell). Use the
//!   address it answers from.
//! * **Every echo late**: the server's `--delay` is longer than `--timeout`.
//! * **`COUNT 40 is more than the 36 distinct payloads of SIZE 1`**: each
//!   message needs a payload of its own. Use a larger SIZE.
//! * **A run that pauses** with `INTERVAL 0` and heavy loss: at most 65,536
//!   messages may be unsettled ([`WINDOW`]); the sender then waits for the
//!   oldest to be settled, as `ping -f` waits for replies.

use super::{is_icmp_refusal, Counts, Echo, Ledger, HISTORY, TICK};
use crate::cli::{self, Command, Endpoint, Matches, Side};
use crate::error::{is_timeout, Error, Result};
use crate::files::PartFile;
use crate::output::preview;
use crate::rng::Rng;
use crate::stats::Running;
use crate::svg::Chart;
use crate::{clock, net, outln};
use std::fmt::Arguments;
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The original's flow: a sender thread and a receiver (this thread), until
/// every message is settled. `say` prints one line; with `--plot` the report
/// keeps each RTT for [`Report::chart`].
///
/// # Errors
///
/// A receive error other than a timeout or an ICMP notice.
pub fn ping(
    socket: &UdpSocket,
    server: SocketAddr,
    o: &Args,
    say: &(dyn Fn(Arguments) + Sync),
) -> Result<Report> {
    let payloads = &Payloads::new(o.size, &mut Rng::from_time());
    let (every, timeout) = (clock::secs_text(o.interval), clock::secs_text(o.timeout));
    let what =
        format!("{} messages of {} bytes, every {every}, timeout {timeout}", o.count, o.size);
    say(format_args!("PING {server}: {what}"));
    // Hardening: a read timeout of one tick, so the timeout rule runs when nothing arrives.
    let tick = socket.set_read_timeout(Some(TICK.min(o.timeout)));
    tick.map_err(|e| Error::io("cannot set the receive timeout", &e))?;
    let (sent_tx, sent_rx) = mpsc::channel::<Instant>();
    // Hardening: the sender takes a credit per message and the receiver gives one back
    // per settled message, so at most WINDOW are unsettled: memory O(window), not O(COUNT).
    let window = WINDOW.min(o.count as usize);
    let (credit_tx, credit_rx) = mpsc::sync_channel::<()>(window);
    for _ in 0..window {
        let _ = credit_tx.send(());
    }
    let start = Instant::now();
    let rtts = o.plot.is_some().then(|| vec![None; o.count as usize]);
    let (n, rtt, timeout) = (Counts::default(), Running::default(), o.timeout);
    let mut report = Report { server, timeout, elapsed: Duration::ZERO, n, rtt, rtts };
    let mut ledger = Ledger::new(timeout);
    std::thread::scope(|scope| {
        // The sender thread.
        scope.spawn(move || {
            let mut payload = Vec::with_capacity(o.size);
            for n in 0..o.count {
                if credit_rx.recv().is_err() {
                    return; // the receiver stopped
                }
                let due = start + o.interval.mul_f64(n as f64);
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
                payloads.write(n, &mut payload);
                say(format_args!("message {} sent: {}", n + 1, shown(&payload)));
                // Posted before the datagram leaves: the receiver knows it before its echo.
                if sent_tx.send(Instant::now()).is_err() {
                    return;
                }
                if let Err(e) = socket.send_to(&payload, server) {
                    let why = crate::error::describe(&e);
                    say(format_args!("message {} could not be sent: {why}", n + 1));
                }
            }
        });

        // The receiver: one loop, one timeout rule.
        let mut buf = vec![0u8; net::MAX_DATAGRAM];
        loop {
            let got = socket.recv_from(&mut buf);
            let at = Instant::now();
            // Every message posted so far is known, so is any whose echo just came.
            for sent_at in sent_rx.try_iter() {
                ledger.sent(sent_at);
            }
            // An echo from the server: which message (numbered from 1 on screen), and its fate.
            let (len, from) = got.as_ref().map_or((0, server), |&pair| pair);
            let (n, payload) = (&mut report.n, &buf[..len]);
            let number = payloads.number(payload).filter(|_| got.is_ok() && from == server);
            let echo = number.filter(|&i| i < ledger.count()).map(|i| (i + 1, ledger.echo(i, at)));
            match (got, echo) {
                (Ok((_, from)), _) if from != server => {
                    n.foreign += 1;
                    say(format_args!("ignored a datagram from {from}: not the server"));
                }
                (Ok(_), None) => {
                    n.malformed += 1;
                    let p = preview(payload, 32);
                    say(format_args!("ignored a reply that matches no message: {p}"));
                }
                (_, Some((m, Echo::InTime(rtt)))) => {
                    let ms = clock::ms(rtt);
                    n.received += 1;
                    report.rtt.add(ms);
                    if let Some(rtts) = report.rtts.as_mut() {
                        rtts[m as usize - 1] = Some(ms);
                    }
                    say(format_args!("message {m} received: {} rtt={ms:.3} ms", shown(payload)));
                }
                (_, Some((m, Echo::Duplicate))) => {
                    n.duplicates += 1;
                    say(format_args!("message {m} duplicate (ignored)"));
                }
                (_, Some((m, Echo::Late(rtt, settles)))) => {
                    if settles {
                        say(format_args!("message {m} lost"));
                    }
                    n.late += 1;
                    let (ms, t) = (clock::ms(rtt), clock::secs_text(o.timeout));
                    say(format_args!(
                        "message {m} late: rtt={ms:.3} ms (after {t}; counted as lost)"
                    ));
                }
                (_, Some((m, Echo::Forgotten))) => {
                    n.late += 1; // forgotten long ago: late, whatever it was
                    say(format_args!("message {m} late: older than {HISTORY} messages"));
                }
                (Err(e), _) if is_timeout(&e) => {}
                // Windows: an unconnected socket hears of an ICMP port unreachable this way.
                (Err(e), _) if is_icmp_refusal(&e) => n.refused += 1,
                (Err(e), _) => return Err(Error::io("cannot receive", &e)),
            }
            let settled = ledger.oldest();
            ledger.expire(Instant::now(), |i| say(format_args!("message {} lost", i + 1)));
            // Each message settled gives the sender a credit back.
            for _ in settled..ledger.oldest() {
                let _ = credit_tx.try_send(());
            }
            if ledger.count() == o.count && ledger.unsettled() == 0 {
                break;
            }
        }
        report.n.sent = ledger.count();
        report.elapsed = start.elapsed();
        Ok(report)
    })
}

/// The binary: [`run_with`], then the verdict.
///
/// # Errors
///
/// Setup failures; and, after the statistics are printed, "no reply" when
/// no echo came back in time (exit 1), with what did arrive.
pub fn run(args: Args) -> Result<()> {
    run_with(&args, &|line| outln!("{line}"))?.verdict(args.server.port)
}

/// Everything `ping-client` does but the verdict, printed through `say`: the
/// run, the chart, the notes and the statistics. The tour runs this too.
///
/// # Errors
///
/// Setup failures, a failed receive, or a chart that cannot be written.
pub fn run_with(args: &Args, say: &(dyn Fn(Arguments) + Sync)) -> Result<Report> {
    // Hardening: the chart's temporary file first, so a bad folder fails before the run.
    let part = args.plot.as_deref().map(PartFile::create).transpose()?;
    let (socket, server) = net::udp_client_socket(&args.server.host, args.server.port)?;
    let report = ping(&socket, server, args, say)?;
    let plotted = part.zip(args.plot.as_ref()).map_or(Ok(()), |(part, path)| {
        let saved = report.chart().save(part, path);
        saved.map(|()| say(format_args!("RTT chart written to {}", path.display())))
    });
    for line in report.notes().iter().chain(&report.statistics()) {
        say(format_args!("{line}"));
    }
    plotted.map(|()| report)
}

/// The largest COUNT accepted.
pub const MAX_COUNT: u64 = 100_000_000;
/// The largest COUNT `--plot` draws (one point per message).
pub const MAX_PLOT: u64 = 100_000;
/// At most this many messages unsettled at once; memory is O(WINDOW).
pub const WINDOW: usize = 65_536;

/// `ping-client`'s command line: where to, and what one run does.
#[derive(Debug, Clone)]
pub struct Args {
    /// The server (`--host`, `--port`).
    pub server: Endpoint,
    /// Messages to send, 1 to [`MAX_COUNT`].
    pub count: u64,
    /// From the start of one message to the next.
    pub interval: Duration,
    /// Payload bytes, 1 to 65,507.
    pub size: usize,
    /// How long an echo may take before its message is lost.
    pub timeout: Duration,
    /// `--plot FILE.svg`.
    pub plot: Option<PathBuf>,
}

impl cli::Args for Args {
    fn command() -> Command {
        Command::new("ping-client", "UDP echo client: RTT and loss, like ping")
            .positional("COUNT", "6", "how many messages (or -c N)")
            .positional("INTERVAL", "1", "between sends (bare number: seconds)")
            .positional("SIZE", "3", "payload bytes, random A-Z0-9 (or -s)")
            .option("count", "N", "COUNT; a flag wins over its positional")
            .short('c')
            .option("interval", "TIME", "INTERVAL, as ping's -i")
            .short('i')
            .option("size", "BYTES", "SIZE, as ping's -s")
            .short('s')
            .host_port(Side::Client, "localhost", "5065")
            .flag("timeout", "TIME", "1", "per echo (bare number: seconds)")
            .short('W')
            .option("plot", "FILE.svg", "draw each RTT into an SVG chart")
            .example("ping-client -c 10 -i 200ms -s 8 --plot rtt.svg")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        let pick = |flag, positional| m.get(flag).map_or(positional, |_| flag);
        let a = Args {
            count: m.number(pick("count", "COUNT"), 1, MAX_COUNT)?,
            interval: m.seconds(pick("interval", "INTERVAL"))?,
            size: m.number(pick("size", "SIZE"), 1, net::MAX_UDP_PAYLOAD)?,
            timeout: m.timeout("timeout")?,
            plot: m.get("plot").map(PathBuf::from),
            server: Endpoint::from_matches(m, Side::Client)?,
        };
        // 36^6 is more than MAX_COUNT: SIZE 6 always has enough payloads.
        let needed = (1..6).find(|&s| Payloads::distinct(s) >= a.count).unwrap_or(6);
        let (count, size, distinct) = (a.count, a.size, Payloads::distinct(a.size));
        let why = if size < needed {
            format!("COUNT {count} is more than the {distinct} distinct payloads of SIZE {size}")
                + &format!(": use SIZE {needed} or more")
        } else if a.plot.iter().any(|p| p.extension() != Some("svg".as_ref())) {
            "--plot writes SVG: name a .svg file".to_string()
        } else if a.plot.is_some() && count > MAX_PLOT {
            format!("--plot draws at most {MAX_PLOT} messages")
        } else {
            return Ok(a);
        };
        Err(m.bad(why))
    }
}

/// Our own payload as a line shows it: at most 32 characters.
fn shown(payload: &[u8]) -> String {
    let text = String::from_utf8_lossy(&payload[..payload.len().min(32)]);
    if payload.len() > 32 {
        format!("{text}... ({} bytes)", payload.len())
    } else {
        text.into_owned()
    }
}

/// Message numbers in disguise; see the [module docs](self).
struct Payloads {
    /// 36^digits: how many different numbers `digits` characters write.
    modulus: u64,
    digits: usize,
    multiplier: u64,
    inverse: u64,
    offset: u64,
    filler: Vec<u8>,
}

const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl Payloads {
    /// How many distinct payloads of `size` characters exist (36^size, capped).
    fn distinct(size: usize) -> u64 {
        36u64.checked_pow(size as u32).unwrap_or(u64::MAX)
    }

    fn new(size: usize, rng: &mut Rng) -> Payloads {
        let digits = size.min(12); // 36^12 fits a u64
        let modulus = 36u64.pow(digits as u32);
        // Any multiplier without a factor 2 or 3 (those of 36) maps 0..modulus one-to-one.
        let multiplier = (0..).map(|_| rng.below(modulus)).find(|m| m % 2 == 1 && m % 3 != 0);
        let (multiplier, offset) = (multiplier.unwrap_or(1), rng.below(modulus));
        let (inverse, filler) = (inverse(multiplier, modulus), rng.upper_alnum(size - digits));
        Payloads { modulus, digits, multiplier, inverse, offset, filler }
    }

    /// Message `n`'s payload (0-based), written into `out`.
    fn write(&self, n: u64, out: &mut Vec<u8>) {
        // Two rounds of the one-to-one shuffle, the digits reversed between
        // them, so that consecutive messages differ in every character.
        let x = self.shuffle(self.reversed(self.shuffle(n)));
        out.clear();
        let digit = |k| ALPHABET[(x / 36u64.pow(k) % 36) as usize];
        out.extend((0..self.digits as u32).rev().map(digit));
        out.extend_from_slice(&self.filler);
    }

    /// The message number a payload carries, or `None` when it is none of ours.
    fn number(&self, payload: &[u8]) -> Option<u64> {
        if payload.get(self.digits..) != Some(&self.filler[..]) {
            return None;
        }
        let mut x = 0u64;
        for c in &payload[..self.digits] {
            x = x * 36 + ALPHABET.iter().position(|a| a == c)? as u64;
        }
        Some(self.unshuffle(self.reversed(self.unshuffle(x))))
    }

    fn shuffle(&self, x: u64) -> u64 {
        (mul_mod(x, self.multiplier, self.modulus) + self.offset) % self.modulus
    }

    fn unshuffle(&self, x: u64) -> u64 {
        mul_mod((x + self.modulus - self.offset) % self.modulus, self.inverse, self.modulus)
    }

    /// `x` with its base-36 digits in reverse order.
    fn reversed(&self, x: u64) -> u64 {
        let d = self.digits as u32;
        (0..d).map(|k| x / 36u64.pow(k) % 36 * 36u64.pow(d - 1 - k)).sum()
    }
}

fn mul_mod(a: u64, b: u64, m: u64) -> u64 {
    (u128::from(a) * u128::from(b) % u128::from(m)) as u64
}

/// `a`'s inverse modulo `m` (extended Euclid); `a` and `m` share no factor.
fn inverse(a: u64, m: u64) -> u64 {
    let (mut t, mut next_t, mut r, mut next_r) = (0i128, 1i128, i128::from(m), i128::from(a));
    while next_r != 0 {
        let q = r / next_r;
        (t, next_t) = (next_t, t - q * next_t);
        (r, next_r) = (next_r, r - q * next_r);
    }
    t.rem_euclid(i128::from(m)) as u64
}

/// The outcome of a run: counts, never one entry per message (except the
/// RTTs kept for `--plot`).
#[derive(Debug, Clone)]
pub struct Report {
    /// Where the messages went.
    pub server: SocketAddr,
    /// The run's `--timeout`.
    pub timeout: Duration,
    /// From the start until every message was settled.
    pub elapsed: Duration,
    /// What came back.
    pub n: Counts,
    /// RTTs in ms of the echoes in time: min, avg, max, mdev.
    pub rtt: Running,
    /// With `--plot`: each message's RTT in ms, `None` when lost.
    pub rtts: Option<Vec<Option<f64>>>,
}

impl Report {
    /// The closing lines, as iputils `ping` prints them (the rtt line only
    /// when something came back):
    ///
    /// ```text
    /// --- 127.0.0.1:5065 ping statistics ---
    /// 10 sent, 9 received, 10% loss, time 1013 ms
    /// rtt min/avg/max/mdev = 0.041/0.058/0.102/0.017 ms
    /// ```
    pub fn statistics(&self) -> Vec<String> {
        let (n, r) = (&self.n, &self.rtt);
        let lost = format!("{:.4}", (n.sent - n.received) as f64 * 100.0 / n.sent.max(1) as f64);
        let loss = lost.trim_end_matches('0').trim_end_matches('.');
        let time = self.elapsed.as_millis();
        let (min, avg, max, mdev) = (r.min, r.mean, r.max, r.mdev());
        let mut lines = vec![
            format!("--- {} ping statistics ---", self.server),
            format!("{} sent, {} received, {loss}% loss, time {time} ms", n.sent, n.received),
            format!("rtt min/avg/max/mdev = {min:.3}/{avg:.3}/{max:.3}/{mdev:.3} ms"),
        ];
        lines.truncate(if n.received > 0 { 3 } else { 2 });
        lines
    }

    /// Lines about datagrams that did not count, and about ICMP when
    /// nothing came back in time (printed before the statistics).
    pub fn notes(&self) -> Vec<String> {
        let (n, t) = (&self.n, clock::secs_text(self.timeout));
        let late = format!(" (after the {t} timeout; counted as lost)");
        let kinds = [
            (n.late, "late replies", late.as_str()),
            (n.duplicates, "duplicate replies", " (ignored)"),
            (n.foreign, "replies from another address", " (ignored)"),
            (n.malformed, "replies matching no message", " (ignored)"),
        ];
        n.notes(&kinds, false)
    }

    /// `Ok` when an echo came back in time; else the error that says what
    /// did arrive, and asks "is ping-server running?" only when nothing did.
    ///
    /// # Errors
    ///
    /// `no reply from ADDR` (exit 1).
    pub fn verdict(&self, port: u16) -> Result<()> {
        let n = &self.n;
        let arrived = [
            (n.late, "late replies", "try a longer --timeout"),
            (n.foreign, "replies from another address", "use the address the server answers from"),
            (n.malformed, "replies that match no message", "is that an echo server?"),
        ];
        let head = format!("no reply from {}", self.server);
        let nothing = format!("nothing within {}", clock::secs_text(self.timeout));
        n.verdict(head, ("ping-server", port), &arrived, nothing)
    }

    /// The RTT of each message as a line chart (lost ones, late included,
    /// as red crosses); empty unless the run kept the RTTs (`--plot`).
    pub fn chart(&self) -> Chart {
        let title = format!("RTT per message, ping {}", self.server);
        let chart = Chart::new(&title, "message", "RTT (ms)").whole_numbers_on_x();
        let mut chart = chart.missing_label("lost");
        for (i, rtt) in self.rtts.iter().flatten().enumerate() {
            chart.point(i as f64 + 1.0, rtt.unwrap_or(f64::NAN)); // NaN: missing
        }
        chart
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_distinct_and_read_back() {
        for size in [1, 2, 3, 12, 13, 40] {
            let p = Payloads::new(size, &mut Rng::seeded(size as u64));
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            for n in 0..36.min(p.modulus) {
                p.write(n, &mut out);
                assert_eq!(out.len(), size);
                assert!(out.iter().all(|c| ALPHABET.contains(c)), "{out:?}");
                assert_eq!(p.number(&out), Some(n));
                assert!(seen.insert(out.clone()));
            }
            let far = p.modulus - 1;
            p.write(far, &mut out);
            assert_eq!(p.number(&out), Some(far));
            assert_eq!(p.number(b"!"), None);
        }
    }

    #[test]
    fn inverse_undoes_the_multiplier() {
        for (a, m) in [(5, 36), (7, 1296), (1_000_000_007, 36u64.pow(12))] {
            assert_eq!(mul_mod(a, inverse(a, m), m), 1);
        }
    }
}
