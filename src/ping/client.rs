//! `ping-client`: measure round-trip time and loss with UDP datagrams.
//!
//! # What this exercise teaches
//!
//! UDP gives no guarantee at all: a datagram may arrive, arrive twice, arrive
//! late, arrive out of order, or vanish, and nobody tells the sender. A program
//! that measures a network over UDP must therefore do the bookkeeping itself:
//!
//! * **Matching.** Every message carries a payload no other message of the run
//!   has (SIZE random characters from `A-Z0-9`). When an echo comes back, its
//!   payload says *which* message it answers, so the RTT is computed against the
//!   right send time even when replies overtake one another.
//! * **Timeouts.** A message whose echo has not come back within `--timeout`
//!   seconds (default 1) is declared lost. A lost datagram therefore costs one
//!   timeout, never the whole run.
//! * **Late and duplicate replies.** An echo that arrives after its message was
//!   declared lost is reported as *late* and still counts as a loss; a second
//!   echo of the same message is a *duplicate* and counts for nothing. No reply
//!   is ever counted twice.
//! * **Two threads.** As in the original, one thread sends and the other
//!   receives, so a slow reply never delays the next message: the program
//!   keeps sending every INTERVAL seconds whatever the network does.
//!
//! # The protocol
//!
//! There is no protocol beyond "send bytes, get the same bytes back"; all the
//! intelligence is in the client. One run of `ping-client 3 1 3`, where the
//! second message is lost:
//!
//! ```text
//!   ping-client                                            ping-server
//!   sender thread          receiver thread                      |
//!       |                        |                              |
//!   t1  |-- "9L8" -------------------------------------------->|  message: 9L8 from ...
//!       |-- (1, t1) ------------>|  (a channel: "message 1      |
//!       |                        |   left at t1")               |
//!       |                        |<------------------- "9L8" ---|
//!       |                        |  "9L8" is message 1:         |
//!       |                        |  rtt = now - t1              |
//!       :   INTERVAL             :                              :
//!   t2  |-- "BID" ---------------------------X  (lost)          |
//!       |-- (2, t2) ------------>|                              |
//!       :   INTERVAL             :                              :
//!   t3  |-- "GXL" -------------------------------------------->|  message: GXL from ...
//!       |-- (3, t3) ------------>|<------------------- "GXL" ---|
//!       |   (done: the channel   |  message 3: rtt = now - t3   |
//!       |    closes)             |                              |
//!       |                   t2 + TIMEOUT passes:                |
//!       |                        |  "message 2 lost"            |
//!       |                        |  every message settled: end  |
//! ```
//!
//! The receiver learns what was sent through a channel: the sender posts
//! `(message number, send time)` just before the datagram leaves, so by the
//! time any echo can arrive the receiver already knows when its message left.
//! The receiver waits for datagrams with a read timeout that ends at the next
//! deadline, so it can declare losses on time even when nothing arrives.
//!
//! # How the original did it, and what changed
//!
//! The original client took COUNT, INTERVAL and SIZE from the command line,
//! built random `A-Z0-9` payloads of SIZE characters, and ran a sending thread
//! and a receiving thread; it printed each message sent and received, a loss
//! percentage and the RTT of each message. (The lab report's listing of this
//! client is, by mistake, a copy of the file-transfer client, so only its
//! description and output are known.) Its server slept one second before every
//! echo, which is why the RTTs in the report are over a second on a loopback
//! path where a round trip takes a few microseconds.
//!
//! This version keeps the shape (two threads, same arguments, same kind of
//! payload) and adds what a measurement needs:
//!
//! * payloads are guaranteed distinct, so matching by payload is exact; a run
//!   that asks for more messages than SIZE characters can tell apart
//!   (36^SIZE: 36 for SIZE 1, 1,296 for SIZE 2) is refused up front, with a
//!   message saying how large SIZE must be;
//! * every receive has a timeout, and losses, late replies and duplicates are
//!   counted separately;
//! * replies from any address other than the server's are ignored;
//! * RTTs are measured with the monotonic clock ([`Instant`]), so a clock
//!   adjustment during the run cannot make one negative;
//! * the run ends with the three statistics lines of `ping` from iputils,
//!   including `mdev`, and can draw the RTT of each message as an SVG chart
//!   (`--plot FILE.svg`, lost messages as red crosses).
//!
//! # Run it
//!
//! ```text
//! cargo run --bin ping-server                      # terminal 1
//! cargo run --bin ping-client -- 10 0.2 8 --plot rtt.svg   # terminal 2
//! ```
//!
//! Try `ping-server --delay 0.5` with `ping-client 6 0.2`: the echoes queue
//! behind the server's pause and the later ones arrive after the timeout.
//!
//! # On the wire
//!
//! `tshark -i lo -f "udp port 5065"` shows one datagram per message and one per
//! echo, each with SIZE bytes of UDP payload (a Linux loopback frame adds 14
//! bytes of dummy Ethernet header, 20 of IPv4 header and 8 of UDP header, so
//! `ping-client 6 1 3` shows twelve frames of 45 bytes). A lost message shows
//! as a request with no answer; nothing else on the wire tells the client.
//! A captured run of each case (12 packets for the defaults, 14 with a slow
//! server, 12 with no server) is in `docs/wireshark.md`, section 6.
//!
//! # Things that go wrong
//!
//! * **100% loss and exit status 1**: nothing answered. The server is not
//!   running, runs on another `--port`, or was started with `--host` on an
//!   address the client does not use. UDP gives no error for any of these; the
//!   kernel's ICMP port-unreachable never reaches this client's socket.
//! * **`COUNT 40 is more than the 36 distinct payloads of SIZE 1`**: every
//!   message needs a payload of its own, so its echo can be told apart. Use a
//!   larger SIZE.
//! * **Every echo late**: the server was started with `--delay` longer than
//!   `--timeout`. Late echoes are reported and counted as lost, by design.
//! * **RTTs that jump now and then** on a busy machine: the client or the server
//!   waited for a CPU. Look at the minimum and at `mdev`, not at one message.
//! * **`port 5065 is already in use`** from the server: another ping-server
//!   runs already (yours or a neighbour's). Use `--port 0` and give the client
//!   the port from the `listening on` line.

use super::{secs, show};
use crate::error::{is_timeout, Error, Result};
use crate::output::Log;
use crate::rng::Rng;
use crate::stats::Summary;
use crate::svg::Chart;
use std::collections::{HashMap, VecDeque};
use std::net::{SocketAddr, UdpSocket};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

/// What a run should do: the three positional arguments and `--timeout`.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many messages to send (at least 1).
    pub count: usize,
    /// The pause between the start of one message and the next.
    pub interval: Duration,
    /// Payload length in characters, 1 to 65,507 (the largest UDP payload over IPv4).
    pub size: usize,
    /// How long to wait for each echo before declaring the message lost.
    pub timeout: Duration,
}

impl Options {
    /// Says what is wrong with these options, in words for a usage error.
    ///
    /// # Errors
    ///
    /// A sentence naming the argument: a zero COUNT, a SIZE out of range, a
    /// zero timeout, or a COUNT larger than the number of distinct payloads of
    /// SIZE characters.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.count == 0 {
            return Err("COUNT must be at least 1".to_string());
        }
        if self.size == 0 || self.size > crate::net::MAX_UDP_PAYLOAD {
            return Err(format!(
                "SIZE must be from 1 to {} bytes, not {}",
                crate::net::MAX_UDP_PAYLOAD,
                self.size
            ));
        }
        if self.timeout.is_zero() {
            return Err("--timeout must be more than 0 seconds".to_string());
        }
        let possible = distinct_payloads(self.size);
        if self.count as u64 > possible {
            let needed = (1..).find(|&s| distinct_payloads(s) >= self.count as u64);
            return Err(format!(
                "COUNT {} is more than the {} distinct payloads of SIZE {}: \
                 each message needs its own payload so its echo can be recognised; \
                 use SIZE {} or more",
                self.count,
                possible,
                self.size,
                needed.unwrap_or(13)
            ));
        }
        Ok(())
    }
}

/// How many different payloads of `size` characters from `A-Z0-9` exist:
/// 36^size, capped at `u64::MAX`.
///
/// ```
/// use socket_labs::ping::client::distinct_payloads;
/// assert_eq!(distinct_payloads(1), 36);
/// assert_eq!(distinct_payloads(3), 46_656);
/// assert_eq!(distinct_payloads(100), u64::MAX);
/// ```
pub fn distinct_payloads(size: usize) -> u64 {
    let mut n: u64 = 1;
    for _ in 0..size {
        n = match n.checked_mul(36) {
            Some(m) => m,
            None => return u64::MAX,
        };
    }
    n
}

/// Runs one ping session: sends `options.count` messages to `server` from
/// `socket`, one every `options.interval`, and waits for their echoes, writing
/// one line per event to `log`. Returns when every message has its echo or
/// has timed out; the caller prints [`Report::notes`] and [`Report::statistics`].
///
/// `socket` must be unconnected and able to reach `server` (see
/// [`udp_client_socket`](crate::net::udp_client_socket)); its read timeout is
/// changed.
///
/// # Errors
///
/// Invalid options (see [`Options::check`]), or a receive error other than a
/// timeout that is not a notice about an earlier datagram.
pub fn run(socket: &UdpSocket, server: SocketAddr, options: &Options, log: &Log) -> Result<Report> {
    options.check().map_err(Error::usage)?;
    let index = make_payloads(options.count, options.size, &mut Rng::from_time());
    let payloads = in_order(&index);
    log.line(format_args!(
        "PING {server}: {} messages of {} bytes, one every {}, timeout {}",
        options.count,
        options.size,
        secs(options.interval),
        secs(options.timeout)
    ));

    let started = Instant::now();
    let (sent_tx, sent_rx) = mpsc::channel();
    let tally = std::thread::scope(|scope| {
        let sender =
            scope.spawn(|| send_all(socket, server, &payloads, options, started, sent_tx, log));
        let receiver = Receiving {
            socket,
            server,
            index: &index,
            timeout: options.timeout,
            log,
        };
        let tally = receiver.receive_all(sent_rx);
        // The sender ends on its own after its last message; a panic there is a bug.
        let _ = sender.join();
        tally
    })?;

    Ok(Report {
        server,
        fates: tally.fates,
        duplicates: tally.duplicates,
        strays: tally.strays,
        elapsed: tally.finished.duration_since(started),
        timeout: options.timeout,
    })
}

/// `count` different payloads of `size` random characters, each mapped to its
/// message index (0-based). Drawing again when a payload is already taken
/// keeps them distinct; [`Options::check`] made sure there are enough.
fn make_payloads(count: usize, size: usize, rng: &mut Rng) -> HashMap<Vec<u8>, usize> {
    let mut index = HashMap::with_capacity(count);
    while index.len() < count {
        let next = index.len();
        index.entry(rng.upper_alnum(size)).or_insert(next);
    }
    index
}

/// The payloads in message order, borrowed from the index.
fn in_order(index: &HashMap<Vec<u8>, usize>) -> Vec<&[u8]> {
    let mut list: Vec<&[u8]> = vec![&[]; index.len()];
    for (payload, &i) in index {
        list[i] = payload;
    }
    list
}

/// The sender thread: one message every `interval`, on a fixed schedule
/// (message `i` leaves at `started + i × interval`, so a slow print never makes
/// the schedule drift).
///
/// Before each datagram leaves, the receiver is told its number and send time.
/// Dropping `sent` at the end tells the receiver that nothing more will come.
fn send_all(
    socket: &UdpSocket,
    server: SocketAddr,
    payloads: &[&[u8]],
    options: &Options,
    started: Instant,
    sent: Sender<(usize, Instant)>,
    log: &Log,
) {
    for (i, payload) in payloads.iter().enumerate() {
        let due = started + options.interval.mul_f64(i as f64);
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        // Print first: the echo may be back before the next line of code runs,
        // and "received" must never appear above "sent".
        log.line(format_args!("message {} sent: {}", i + 1, show(payload)));
        let at = Instant::now();
        if sent.send((i, at)).is_err() {
            return; // the receiver stopped (it failed); nothing left to do
        }
        if let Err(e) = socket.send_to(payload, server) {
            // The message counts as sent and will time out as lost, as with ping.
            log.line(format_args!(
                "message {} could not be sent: {}",
                i + 1,
                crate::error::describe(&e)
            ));
        }
    }
}

/// What the receiver thread counted.
struct Tally {
    fates: Vec<Fate>,
    duplicates: usize,
    strays: usize,
    finished: Instant,
}

/// The receiver thread's view of the run.
struct Receiving<'a> {
    socket: &'a UdpSocket,
    server: SocketAddr,
    index: &'a HashMap<Vec<u8>, usize>,
    timeout: Duration,
    log: &'a Log,
}

/// While nothing is in flight, wake up this often to hear from the sender.
const IDLE_WAIT: Duration = Duration::from_millis(50);

impl<'a> Receiving<'a> {
    /// The receiver thread: settles every message, then returns the tally.
    fn receive_all(&self, sent: Receiver<(usize, Instant)>) -> Result<Tally> {
        let count = self.index.len();
        let mut tally = Tally {
            fates: vec![Fate::Waiting; count],
            duplicates: 0,
            strays: 0,
            finished: Instant::now(),
        };
        let mut sent_at: Vec<Option<Instant>> = vec![None; count];
        // Messages in the order they were sent, which is also the order of
        // their deadlines (every message gets the same timeout).
        let mut in_flight: VecDeque<usize> = VecDeque::new();
        let mut sender_done = false;
        let mut buf = vec![0u8; crate::server::MAX_DATAGRAM];

        loop {
            // 1. Learn what the sender has sent since we last looked.
            loop {
                match sent.try_recv() {
                    Ok((i, at)) => {
                        sent_at[i] = Some(at);
                        in_flight.push_back(i);
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        sender_done = true;
                        break;
                    }
                }
            }

            // 2. Declare lost every message whose deadline has passed.
            let now = Instant::now();
            while let Some(&i) = in_flight.front() {
                let deadline = sent_at[i].map(|t| t + self.timeout);
                if deadline.map_or(false, |d| d > now) {
                    break;
                }
                in_flight.pop_front();
                if tally.fates[i] == Fate::Waiting {
                    tally.fates[i] = Fate::Lost;
                    self.log.line(format_args!("message {} lost", i + 1));
                }
            }

            // 3. Finished when the sender is done and every message is settled.
            let settled = tally.fates.iter().all(|f| *f != Fate::Waiting);
            if sender_done && settled {
                tally.finished = now;
                return Ok(tally);
            }

            // 4. Wait for a datagram, but not past the next deadline.
            let wait = match in_flight.iter().find(|&&i| tally.fates[i] == Fate::Waiting) {
                Some(&i) => sent_at[i].map_or(IDLE_WAIT, |t| {
                    (t + self.timeout).saturating_duration_since(now)
                }),
                None => IDLE_WAIT,
            };
            // A zero timeout means "block forever" to the OS, and std refuses it.
            let wait = wait.max(Duration::from_millis(1));
            self.socket
                .set_read_timeout(Some(wait))
                .map_err(|e| Error::io("cannot set the receive timeout", &e))?;
            match self.socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    let arrived = Instant::now();
                    // The datagram may answer a message announced after step 1.
                    while let Ok((i, at)) = sent.try_recv() {
                        sent_at[i] = Some(at);
                        in_flight.push_back(i);
                    }
                    self.settle(&buf[..n], from, arrived, &sent_at, &mut tally);
                }
                Err(e) if is_timeout(&e) => {}
                // Windows reports an ICMP "port unreachable" for an earlier
                // datagram on the next receive; the message still just times out.
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionRefused
                    ) => {}
                Err(e) => return Err(Error::io("cannot receive", &e)),
            }
        }
    }

    /// Decides what one datagram is: an echo in time, a late or duplicate
    /// echo, or a stray.
    fn settle(
        &self,
        payload: &[u8],
        from: SocketAddr,
        arrived: Instant,
        sent_at: &[Option<Instant>],
        tally: &mut Tally,
    ) {
        if from != self.server {
            tally.strays += 1;
            self.log.line(format_args!(
                "ignored a datagram from {from}: not the server"
            ));
            return;
        }
        let (i, sent) = match self
            .index
            .get(payload)
            .and_then(|&i| Some((i, sent_at[i]?)))
        {
            Some(found) => found,
            None => {
                tally.strays += 1;
                self.log.line(format_args!(
                    "ignored a reply that matches no message: {}",
                    show(payload)
                ));
                return;
            }
        };
        let rtt = arrived.duration_since(sent);
        let n = i + 1;
        let shown = show(payload);
        let ms = crate::clock::ms(rtt);
        match tally.fates[i] {
            Fate::Waiting if rtt <= self.timeout => {
                tally.fates[i] = Fate::Received(rtt);
                self.log
                    .line(format_args!("message {n} received: {shown} rtt={ms:.3} ms"));
            }
            Fate::Waiting | Fate::Lost => {
                // Too late, whether or not step 2 has declared it lost yet:
                // the arrival time decides, not how busy this thread was.
                if tally.fates[i] == Fate::Waiting {
                    self.log.line(format_args!("message {n} lost"));
                }
                tally.fates[i] = Fate::Late(rtt);
                self.log.line(format_args!(
                    "message {n} late: {shown} rtt={ms:.3} ms (after the {} timeout; not counted)",
                    secs(self.timeout)
                ));
            }
            Fate::Received(_) | Fate::Late(_) => {
                tally.duplicates += 1;
                self.log
                    .line(format_args!("message {n} duplicate: {shown} (ignored)"));
            }
        }
    }
}

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fate {
    /// Not settled yet (only seen while the run is going on).
    Waiting,
    /// Its echo came back within the timeout, after this round-trip time.
    Received(Duration),
    /// No echo within the timeout.
    Lost,
    /// Declared lost, and then an echo came after all, this long after the send.
    Late(Duration),
}

/// The outcome of a run: one [`Fate`] per message, plus the replies that did
/// not count.
#[derive(Debug, Clone)]
pub struct Report {
    /// Where the messages went.
    pub server: SocketAddr,
    /// What happened to message 1, 2, ... (index 0 is message 1).
    pub fates: Vec<Fate>,
    /// Second and later echoes of a message (ignored).
    pub duplicates: usize,
    /// Datagrams from another address, or with a payload no message of this
    /// run had (ignored).
    pub strays: usize,
    /// From the first send until every message was settled.
    pub elapsed: Duration,
    /// The timeout the run used (for the messages at the end).
    pub timeout: Duration,
}

impl Report {
    /// How many messages were sent.
    pub fn sent(&self) -> usize {
        self.fates.len()
    }

    /// How many echoes came back in time (each message counted once).
    pub fn received(&self) -> usize {
        self.fates
            .iter()
            .filter(|f| matches!(f, Fate::Received(_)))
            .count()
    }

    /// How many echoes came back after their message was declared lost.
    pub fn late(&self) -> usize {
        self.fates
            .iter()
            .filter(|f| matches!(f, Fate::Late(_)))
            .count()
    }

    /// The share of messages without an echo in time, in percent.
    pub fn loss_percent(&self) -> f64 {
        if self.fates.is_empty() {
            return 0.0;
        }
        let lost = self.sent() - self.received();
        lost as f64 * 100.0 / self.sent() as f64
    }

    /// The RTTs of the messages that came back in time, in milliseconds.
    pub fn rtts_ms(&self) -> Vec<f64> {
        self.fates
            .iter()
            .filter_map(|f| match f {
                Fate::Received(rtt) => Some(crate::clock::ms(*rtt)),
                _ => None,
            })
            .collect()
    }

    /// The closing lines, as `ping` from iputils prints them:
    ///
    /// ```text
    /// --- 127.0.0.1:5065 ping statistics ---
    /// 10 sent, 9 received, 10% loss, time 1013 ms
    /// rtt min/avg/max/mdev = 0.041/0.058/0.102/0.017 ms
    /// ```
    ///
    /// The rtt line is left out when nothing came back.
    pub fn statistics(&self) -> Vec<String> {
        let mut lines = vec![
            format!("--- {} ping statistics ---", self.server),
            format!(
                "{} sent, {} received, {}% loss, time {} ms",
                self.sent(),
                self.received(),
                percent(self.loss_percent()),
                self.elapsed.as_millis()
            ),
        ];
        if let Some(s) = Summary::of(&self.rtts_ms()) {
            lines.push(format!(
                "rtt min/avg/max/mdev = {:.3}/{:.3}/{:.3}/{:.3} ms",
                s.min, s.avg, s.max, s.mdev
            ));
        }
        lines
    }

    /// Lines about replies that did not count, printed before the statistics
    /// (only those that apply).
    pub fn notes(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.late() > 0 {
            lines.push(format!(
                "late replies: {} (after the {} timeout; counted as lost)",
                self.late(),
                secs(self.timeout)
            ));
        }
        if self.duplicates > 0 {
            lines.push(format!("duplicate replies: {} (ignored)", self.duplicates));
        }
        if self.strays > 0 {
            lines.push(format!(
                "stray datagrams: {} (not from the server, or matching no message; ignored)",
                self.strays
            ));
        }
        lines
    }

    /// The RTT of each message as a line chart; lost messages (late ones
    /// included) are red crosses on the x axis.
    pub fn chart(&self) -> Chart {
        let title = format!("RTT per message, ping {}", self.server);
        let mut chart = Chart::new(&title, "message", "RTT (ms)")
            .whole_numbers_on_x()
            .missing_label("lost");
        for (i, fate) in self.fates.iter().enumerate() {
            let x = (i + 1) as f64;
            match fate {
                Fate::Received(rtt) => chart.point(x, crate::clock::ms(*rtt)),
                _ => chart.missing(x),
            }
        }
        chart
    }
}

/// A percentage the way `ping` prints it: `0`, `50`, `16.6667`.
fn percent(p: f64) -> String {
    let text = format!("{p:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(count: usize, size: usize) -> Options {
        Options {
            count,
            interval: Duration::ZERO,
            size,
            timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn payloads_are_distinct_even_at_the_limit() {
        let index = make_payloads(36, 1, &mut Rng::seeded(3));
        assert_eq!(index.len(), 36);
        let list = in_order(&index);
        for (i, p) in list.iter().enumerate() {
            assert_eq!(index[*p], i);
            assert_eq!(p.len(), 1);
        }
    }

    #[test]
    fn too_many_messages_for_the_size_are_refused() {
        assert!(options(36, 1).check().is_ok());
        let err = options(37, 1).check().unwrap_err();
        assert!(err.contains("use SIZE 2 or more"), "{err}");
        let err = options(2000, 2).check().unwrap_err();
        assert!(err.contains("use SIZE 3 or more"), "{err}");
        assert!(options(0, 3).check().is_err());
        assert!(options(1, 0).check().is_err());
        assert!(options(1, 65_508).check().is_err());
        assert!(options(1, 65_507).check().is_ok());
        let mut o = options(1, 1);
        o.timeout = Duration::ZERO;
        assert!(o.check().is_err());
    }

    #[test]
    fn percent_prints_like_ping() {
        assert_eq!(percent(0.0), "0");
        assert_eq!(percent(50.0), "50");
        assert_eq!(percent(100.0), "100");
        assert_eq!(percent(100.0 / 6.0), "16.6667");
    }

    fn report(fates: Vec<Fate>) -> Report {
        Report {
            server: "127.0.0.1:5065".parse().unwrap(),
            fates,
            duplicates: 0,
            strays: 0,
            elapsed: Duration::from_millis(1234),
            timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn statistics_follow_iputils() {
        let r = report(vec![
            Fate::Received(Duration::from_millis(1)),
            Fate::Lost,
            Fate::Received(Duration::from_millis(3)),
            Fate::Late(Duration::from_millis(1500)),
        ]);
        assert_eq!(
            r.statistics(),
            vec![
                "--- 127.0.0.1:5065 ping statistics ---".to_string(),
                "4 sent, 2 received, 50% loss, time 1234 ms".to_string(),
                "rtt min/avg/max/mdev = 1.000/2.000/3.000/1.000 ms".to_string(),
            ]
        );
        assert_eq!(r.late(), 1);
        assert!(r.notes()[0].starts_with("late replies: 1 "));
        let none = report(vec![Fate::Lost, Fate::Lost]);
        assert_eq!(none.statistics().len(), 2);
        assert!(none.statistics()[1].contains("0 received, 100% loss"));
        assert!(none.notes().is_empty());
    }

    #[test]
    fn chart_marks_lost_messages() {
        let r = report(vec![
            Fate::Received(Duration::from_micros(50)),
            Fate::Lost,
            Fate::Late(Duration::from_secs(2)),
            Fate::Received(Duration::from_micros(70)),
        ]);
        let svg = r.chart().render();
        assert!(svg.ends_with("</svg>\n"));
        assert!(svg.contains("lost (2)"));
    }

    /// An echo thread that answers each datagram as `answer` says: a list of
    /// replies to send for the n-th datagram (0-based).
    fn echo<F>(answer: F) -> SocketAddr
    where
        F: Fn(usize, &[u8]) -> Vec<Vec<u8>> + Send + 'static,
    {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            for n in 0.. {
                let (len, from) = match socket.recv_from(&mut buf) {
                    Ok(pair) => pair,
                    Err(_) => return,
                };
                for reply in answer(n, &buf[..len]) {
                    let _ = socket.send_to(&reply, from);
                }
            }
        });
        addr
    }

    fn ping(server: SocketAddr, count: usize, timeout_ms: u64) -> Report {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let o = Options {
            count,
            interval: Duration::from_millis(5),
            size: 4,
            timeout: Duration::from_millis(timeout_ms),
        };
        run(&socket, server, &o, &Log::quiet()).unwrap()
    }

    #[test]
    fn every_echo_is_counted_once() {
        let server = echo(|_, p| vec![p.to_vec(), p.to_vec(), b"JUNK".to_vec()]);
        let r = ping(server, 5, 1000);
        assert_eq!(r.received(), 5);
        assert!(r.duplicates >= 4, "{r:?}");
        assert!(r.strays >= 4, "{r:?}");
    }

    #[test]
    fn dropped_messages_are_lost_not_waited_for_forever() {
        let server = echo(|n, p| if n % 2 == 0 { vec![p.to_vec()] } else { vec![] });
        let r = ping(server, 6, 100);
        assert_eq!(r.received(), 3);
        assert_eq!(r.loss_percent(), 50.0);
        assert_eq!(r.fates[1], Fate::Lost);
    }
}
