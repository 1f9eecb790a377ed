//! `rtt-compare`: UDP against TCP, measured, not guessed (Experiment 4, Task 4).
//!
//! # What you will learn
//!
//! Task 4 asks which protocol has the higher round-trip time, and why. This
//! program answers with figures, and splits TCP's time into its parts:
//!
//! * **UDP request/reply**: `send_to`, then `recv_from` of the reply.
//! * **TCP connect**: the three-way handshake, measured alone.
//! * **TCP request/reply, fresh connection**: the data's round trip on a
//!   connection made for it, as `tcp-upper-client` does: write, shut down the
//!   writing half, read until the server closes.
//! * **TCP request/reply, kept-open connection**: the same request again and
//!   again on one connection that stays open. This is TCP the protocol, with
//!   no connection to set up or tear down.
//! * **TCP total**: connect plus request/reply on the fresh connection.
//!
//! Read the rows against each other. Kept-open minus UDP is what TCP itself
//! adds to one exchange (acknowledgements, more state in both kernels). Fresh
//! minus kept-open is the *per-connection* work: the server's `accept`, the
//! thread `tcp-upper-server` starts for each client, the two FINs and the
//! teardown. Connect is the handshake. On a real network each fresh
//! connection also pays one more propagation round trip (SYN out, SYN-ACK
//! back) before any data moves; on loopback there is no propagation, and the
//! figures are mostly CPU time and scheduling.
//!
//! **Where the threads ran matters as much as the protocol.** On a 2-CPU
//! machine a round trip between two threads on the same CPU and one between
//! two CPUs can differ five-fold. On Linux the program reads which CPU each
//! thread last ran on (`/proc/thread-self/stat`, field 39) after every UDP
//! exchange and prints the split. `taskset -c 0 cargo run --bin rtt-compare`
//! keeps everything on one CPU.
//!
//! By default the program prints the figures and a question. `--explain`
//! adds an explanation built from this run's medians, so a student can be
//! asked "why?" first.
//!
//! # The original
//!
//! Task 4 was a written question: run the Task 1 (UDP) and Task 3 (TCP) RTT
//! clients, compare, explain. There was no program. The answer handed in said
//! TCP is slower because of the handshake. The figures below show the
//! handshake is only part of it.
//!
//! | what the original did | here | what changed and why |
//! |---|---|---|
//! | a few runs of each client, by hand | [`measure`], `--count` rounds | many alternating samples, min/median/p95 |
//! | `time.time()` around `sendto`/`recvfrom` and around `connect`..`recv` | [`Instant`] around exactly the calls | buffers, timeouts and names are made *before* the timed windows |
//! | fresh TCP connection only | the kept-open row of [`ROWS`] | the kept-open row separates protocol from per-connection work |
//!
//! # The protocol
//!
//! ```text
//!  client                    server          timed window
//!    |--- request ------------>|             UDP request/reply
//!    |<-- REQUEST -------------|             ...............
//!    |--- SYN ---------------->|             TCP connect
//!    |<-- SYN, ACK ------------|             ...
//!    |--- ACK ---------------->|             ...............
//!    |--- request, FIN ------->| accept,     TCP request/reply (fresh)
//!    |<-- REQUEST, FIN --------| thread      ...............
//!    |--- request ------------>|             TCP request/reply (kept open)
//!    |<-- REQUEST -------------|             ...............
//! ```
//!
//! # Run it
//!
//! ```text
//! cargo run --bin rtt-compare                     # servers started in-process
//! cargo run --bin rtt-compare -- --explain        # and why the rows differ
//! taskset -c 0 cargo run --release --bin rtt-compare -- --count 500
//! cargo run --bin rtt-compare -- --host 127.0.0.1 --udp-port 25000 --tcp-port 12000
//! ```
//!
//! # On the wire
//!
//! Per round: two UDP datagrams; a fresh connection of about ten TCP
//! segments (handshake, request, reply, two FINs and their ACKs); and two
//! segments on the kept-open connection (request, reply carrying the ACK).
//!
//! # Things that go wrong
//!
//! * **A busy machine.** Any other work on the CPUs lands in some samples;
//!   the median and min are robust to it, p95 is not. Rounds alternate the
//!   protocols so that the noise hits them alike.
//! * **`--host` servers that do not stream.** The kept-open row needs a TCP
//!   uppercase server that answers each chunk as it arrives (ours does); one
//!   that waits for the end of the stream never answers it, and the program
//!   says so.

use crate::cli::{self, Command, Matches};
use crate::clock::us;
use crate::error::{describe, is_timeout, Error, Result};
use crate::net::{self, Family};
use crate::outln;
use crate::stats::Summary;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The request sent every time: ASCII, so its uppercase reply has the same length.
const REQUEST: &[u8] = b"how long does a round trip take?";

/// Runs one comparison and prints it: the binary's whole `main`.
///
/// # Errors
///
/// Servers that cannot be started or reached, or an exchange that fails.
pub fn run(args: Args) -> Result<()> {
    let servers = match &args.host {
        Some(host) => Servers {
            udp: net::resolve(host, args.udp_port, Family::Any)?[0],
            tcp: net::resolve(host, args.tcp_port, Family::Any)?[0],
            udp_thread: None,
        },
        None => start_local_servers()?,
    };
    let whose = if args.host.is_some() { "the servers at" } else { "in-process servers on" };
    let (udp, tcp) = (servers.udp, servers.tcp);
    outln!("rtt-compare: {} rounds with {whose} {udp} (UDP) and {tcp} (TCP)", args.count);
    outln!();
    let comparison = measure(&servers, args.count, args.timeout)?;
    for line in table(&comparison) {
        outln!("{line}");
    }
    outln!();
    outln!("{}", comparison.placement.describe());
    outln!();
    if args.explain {
        for paragraph in explain(&comparison) {
            for line in crate::output::wrap(&paragraph, 96) {
                outln!("{line}");
            }
        }
    } else {
        outln!("Which rows differ, and why? Answer first; then run again with --explain.");
    }
    Ok(())
}

/// The command line of `rtt-compare`.
#[derive(Debug, Clone)]
pub struct Args {
    /// Measure servers already running there; `None` starts both in-process.
    pub host: Option<String>,
    /// `udp-upper-server`'s port, with `host`.
    pub udp_port: u16,
    /// `tcp-upper-server`'s port, with `host`.
    pub tcp_port: u16,
    /// Counted rounds (one more, uncounted, warms up).
    pub count: u32,
    /// How long any one reply may take.
    pub timeout: Duration,
    /// Print the explanation after the figures.
    pub explain: bool,
}

impl cli::Args for Args {
    fn command() -> Command {
        Command::new("rtt-compare", "measure UDP vs TCP round trips, with TCP split into its parts")
            .option(
                "host",
                "HOST",
                "measure servers already running there (default: start both in-process)",
            )
            .flag("udp-port", "PORT", "25000", "udp-upper-server's port, with --host")
            .flag("tcp-port", "PORT", "12000", "tcp-upper-server's port, with --host")
            .flag("count", "N", "50", "rounds, each one exchange of every kind")
            .short('c')
            .flag("timeout", "DURATION", "1", "reply timeout (bare number: seconds)")
            .switch("explain", "explain the figures after the table")
            .example("rtt-compare --count 200 --explain")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        Ok(Args {
            host: m.get("host").map(str::to_string),
            udp_port: m.number("udp-port", 1, 65535)?,
            tcp_port: m.number("tcp-port", 1, 65535)?,
            count: m.number("count", 1, 100_000)?,
            timeout: m.timeout("timeout")?,
            explain: m.is_set("explain"),
        })
    }
}

/// Where the two uppercase servers are.
#[derive(Debug, Clone)]
pub struct Servers {
    /// The UDP uppercase server.
    pub udp: SocketAddr,
    /// The TCP uppercase server.
    pub tcp: SocketAddr,
    /// The UDP server thread's `/proc` stat file, when it runs in-process on Linux.
    pub udp_thread: Option<PathBuf>,
}

/// Starts both uppercase servers in-process on free loopback ports, silently.
/// They are the same `serve` functions the server binaries run, and they run
/// until the process exits.
///
/// # Errors
///
/// A socket that cannot be bound or a thread the OS refuses.
pub fn start_local_servers() -> Result<Servers> {
    use crate::output::Log;
    use crate::uppercase::{tcp_server, udp_server};
    let udp = net::bind_udp("127.0.0.1", 0)?;
    let tcp = net::bind_tcp("127.0.0.1", 0)?;
    let udp_addr = net::local_addr_of(udp.local_addr())?;
    let tcp_addr = net::local_addr_of(tcp.local_addr())?;
    let (tell, told) = std::sync::mpsc::channel();
    spawn(move || {
        let _ = tell.send(thread_stat_path());
        udp_server::serve(udp, Log::quiet())
    })?;
    let options = crate::server::TcpOptions { log: Log::quiet(), ..Default::default() };
    spawn(move || tcp_server::serve(tcp, options))?;
    Ok(Servers { udp: udp_addr, tcp: tcp_addr, udp_thread: told.recv().ok().flatten() })
}

fn spawn(f: impl FnOnce() -> Result<()> + Send + 'static) -> Result<()> {
    std::thread::Builder::new()
        .spawn(f)
        .map(drop)
        .map_err(|e| Error::io("cannot start a server thread", &e))
}

/// The rows of the table, in its order: UDP request and reply; TCP `connect`
/// alone; TCP request and reply on a fresh connection, then on a kept-open
/// one; and connect plus request/reply on the fresh connection.
pub const ROWS: [&str; 5] = [
    "UDP request/reply",
    "TCP connect (handshake)",
    "TCP request/reply, fresh connection",
    "TCP request/reply, kept-open connection",
    "TCP total, fresh (connect + request)",
];

/// Every row of the table, in microseconds, and where the threads ran.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// One summary per row of [`ROWS`], in that order.
    pub rows: Vec<Summary>,
    /// UDP requests whose reply did not come in time.
    pub udp_lost: u32,
    /// Which CPUs the client and the UDP server ran on.
    pub placement: Placement,
}

/// Runs `count` rounds (after one warm-up round that is not counted), each
/// one exchange of every kind, and summarises them.
///
/// Everything a program needs besides the exchange itself (sockets, buffers,
/// timeouts) is made before the loop or between the timed windows, so the
/// windows hold only the socket calls.
///
/// # Errors
///
/// A TCP exchange that fails, or no UDP reply at all.
pub fn measure(servers: &Servers, count: u32, timeout: Duration) -> Result<Comparison> {
    let expected = REQUEST.to_ascii_uppercase();
    let mut buf = vec![0u8; net::MAX_DATAGRAM];
    let udp = net::bind_udp_for(servers.udp)?;
    udp.set_read_timeout(Some(timeout)).map_err(|e| Error::io("cannot set a timeout", &e))?;
    let mut kept = connect(servers.tcp, timeout)?;
    let mut rows: [Vec<f64>; 5] = Default::default();
    let server_stat = servers.udp_thread.clone();
    let (mut udp_lost, mut placement) = (0, Placement { server_stat, same: 0, samples: 0 });
    for round in 0..=count {
        // UDP: send_to, then recv_from until our reply (a late one from an
        // earlier round is skipped).
        let started = Instant::now();
        let udp_reply = udp.send_to(REQUEST, servers.udp).and_then(|_| loop {
            let (n, from) = udp.recv_from(&mut buf)?;
            if from == servers.udp && buf[..n] == expected[..] {
                break Ok(());
            }
        });
        let udp_time = started.elapsed();
        placement.sample();
        // TCP on a fresh connection, as tcp-upper-client: connect (the
        // handshake), then write, shut down the writing half, read to the end.
        let started = Instant::now();
        let mut fresh = connect(servers.tcp, timeout)?;
        let connect_time = started.elapsed();
        let started = Instant::now();
        let got = fresh
            .write_all(REQUEST)
            .and_then(|()| fresh.shutdown(Shutdown::Write))
            .and_then(|()| net::read_full(&mut fresh, &mut buf));
        let fresh_time = started.elapsed();
        check_reply(got.map(|n| &buf[..n]), &expected)?;
        // TCP on the kept-open connection: write, read exactly the reply.
        let started = Instant::now();
        let got =
            kept.write_all(REQUEST).and_then(|()| kept.read_exact(&mut buf[..expected.len()]));
        let kept_time = started.elapsed();
        check_reply(got.map(|()| &buf[..expected.len()]), &expected)?;
        // The first round warms up (first lookups, page faults): not counted.
        if round > 0 {
            match udp_reply {
                Ok(()) => rows[0].push(us(udp_time)),
                Err(_) => udp_lost += 1,
            }
            rows[1].push(us(connect_time));
            rows[2].push(us(fresh_time));
            rows[3].push(us(kept_time));
            rows[4].push(us(connect_time + fresh_time));
        }
    }
    // Only the UDP row can be empty: every TCP exchange either succeeded or failed the run.
    let rows = rows.iter().map(|values| Summary::of(values)).collect::<Option<_>>();
    let rows = rows.ok_or_else(|| {
        Error::failed("no UDP reply came back", format!("{count} requests lost"))
            .hint("is udp-upper-server running?")
    })?;
    Ok(Comparison { rows, udp_lost, placement })
}

/// Connects, then sets the timeouts (after the connect's timed window).
fn connect(server: SocketAddr, timeout: Duration) -> Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&server, timeout)
        .map_err(|e| net::connect_error(server, &e, "tcp-upper-server"))?;
    crate::server::set_timeouts(&stream, timeout)?;
    Ok(stream)
}

/// A TCP reply must be the request in capitals; a timeout on the kept-open
/// connection means the server waits for the end of the stream.
fn check_reply(got: std::io::Result<&[u8]>, expected: &[u8]) -> Result<()> {
    match got {
        Ok(reply) if reply == expected => Ok(()),
        Ok(reply) => Err(Error::failed("unexpected TCP reply", crate::output::preview(reply, 60))),
        Err(e) if is_timeout(&e) => Err(Error::failed("no TCP reply", describe(&e))
            .hint("the TCP server must answer each chunk as it arrives, as tcp-upper-server does")),
        Err(e) => Err(Error::io("TCP exchange failed", &e)),
    }
}

/// Which CPU the client thread and the UDP server thread were on after each
/// UDP exchange (Linux only: other systems do not say).
#[derive(Debug, Clone)]
pub struct Placement {
    server_stat: Option<PathBuf>,
    /// Samples where both were on the same CPU.
    pub same: u32,
    /// Samples taken.
    pub samples: u32,
}

impl Placement {
    fn sample(&mut self) {
        let client = last_cpu(&PathBuf::from("/proc/thread-self/stat"));
        if let (Some(c), Some(s)) = (client, self.server_stat.as_ref().and_then(last_cpu)) {
            self.same += u32::from(c == s);
            self.samples += 1;
        }
    }

    /// One line: where the threads ran.
    pub fn describe(&self) -> String {
        let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
        match self.samples {
            0 => format!(
                "Where it ran ({cpus} CPUs): not known here (only Linux says which CPU a \
                 thread used)."
            ),
            n => format!(
                "Where it ran ({cpus} CPUs): client and UDP server on the same CPU in {} of \
                 {n} UDP rounds.",
                self.same
            ),
        }
    }
}

/// The `/proc` stat file of the calling thread, to read from another thread.
fn thread_stat_path() -> Option<PathBuf> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    Some(PathBuf::from("/proc").join(link).join("stat"))
}

/// Field 39 of a `/proc/.../stat` file: the CPU the thread last ran on.
fn last_cpu(stat: &PathBuf) -> Option<usize> {
    let text = std::fs::read_to_string(stat).ok()?;
    // The command name (field 2) may hold spaces; count fields after its ')'.
    let rest = &text[text.rfind(')')? + 1..];
    rest.split_whitespace().nth(39 - 3)?.parse().ok()
}

/// The table, one line per row, figures in microseconds.
pub fn table(c: &Comparison) -> Vec<String> {
    let mut lines =
        vec![format!("{:<38} {:>9} {:>9} {:>9}   (microseconds)", "", "min", "median", "p95")];
    for (label, s) in ROWS.iter().zip(&c.rows) {
        lines.push(format!("{label:<38} {:>9.1} {:>9.1} {:>9.1}", s.min, s.median, s.p95));
    }
    if c.udp_lost > 0 {
        lines.push(format!(
            "({} UDP requests got no reply in time and are not in the table)",
            c.udp_lost
        ));
    }
    lines
}

/// The explanation, every comparison in it chosen by this run's medians.
pub fn explain(c: &Comparison) -> Vec<String> {
    let median = |row: usize| c.rows[row].median;
    let (udp, connect, fresh, kept, total) =
        (median(0), median(1), median(2), median(3), median(4));
    let times = |a: f64, b: f64| a / b.max(f64::MIN_POSITIVE);
    let extra = (total - udp).max(0.0);
    vec![
        if total > udp * 1.2 {
            format!(
                "TCP on a fresh connection has the higher RTT: {total:.1} us against UDP's \
             {udp:.1} us (medians), {:.1} times as long.",
                times(total, udp)
            )
        } else {
            format!(
                "On this run a fresh TCP exchange ({total:.1} us) was not clearly slower than \
             UDP ({udp:.1} us): on loopback the gap can drown in scheduling noise."
            )
        },
        format!(
        "Of the {extra:.1} us TCP took beyond UDP, the handshake (connect) was {connect:.1} us, \
         {:.0}%. On loopback it is handled inside the kernels; the server program does \
         not even run for it, which is why it can be cheaper than a UDP round trip.",
        100.0 * connect / extra.max(f64::MIN_POSITIVE)
    ),
        format!(
            "On a kept-open connection the same request took {kept:.1} us, {}: that is TCP \
         itself. The fresh connection's request took {fresh:.1} us; the {:.1} us between \
         the two is per-connection work, not the protocol: the server's accept, the thread \
         tcp-upper-server starts for each client, the two FINs and the teardown.",
            if kept > udp * 1.5 {
                format!("{:.1} times UDP's", times(kept, udp))
            } else {
                "close to UDP's".to_string()
            },
            (fresh - kept).max(0.0)
        ),
        "On a real network every round trip also carries the propagation delay, and a \
         fresh connection needs one more before any data moves: about two RTTs for TCP \
         against one for UDP, while a kept-open connection needs one, like UDP. \
         Congestion control plays no part for one small message: it fits in TCP's initial \
         window (ten segments, RFC 6928)."
            .to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comparison(udp: f64, connect: f64, fresh: f64, kept: f64) -> Comparison {
        let s = |v: f64| Summary::of(&[v]).unwrap();
        Comparison {
            rows: vec![s(udp), s(connect), s(fresh), s(kept), s(connect + fresh)],
            udp_lost: 0,
            placement: Placement { server_stat: None, same: 0, samples: 0 },
        }
    }

    #[test]
    fn explanation_follows_the_figures() {
        let slow = explain(&comparison(20.0, 10.0, 50.0, 24.0)).join(" ");
        assert!(slow.contains("has the higher RTT: 60.0 us"), "{slow}");
        assert!(slow.contains("3.0 times as long"), "{slow}");
        assert!(slow.contains("handshake (connect) was 10.0 us, 25%"), "{slow}");
        assert!(slow.contains("close to UDP's"), "{slow}");
        assert!(slow.contains("the 26.0 us between"), "{slow}");
        let close = explain(&comparison(50.0, 5.0, 50.0, 90.0)).join(" ");
        assert!(close.contains("was not clearly slower"), "{close}");
        assert!(close.contains("1.8 times UDP's"), "{close}");
    }

    #[test]
    fn table_has_five_rows_within_100_columns() {
        let mut c = comparison(20.0, 25.0, 30.0, 21.0);
        assert_eq!(table(&c).len(), 6);
        c.udp_lost = 2;
        let lines = table(&c);
        assert!(lines.last().unwrap().contains("2 UDP requests got no reply"));
        assert!(lines.iter().all(|l| l.chars().count() <= 100), "{lines:?}");
    }

    #[test]
    fn last_cpu_reads_field_39() {
        if let Some(path) = thread_stat_path() {
            let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
            assert!(last_cpu(&path).unwrap() < cpus.max(64));
        }
    }
}
