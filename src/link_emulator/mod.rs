//! # A bad network on your desk: `link-emulator`
//!
//! # What you will learn
//!
//! Loopback is too good to learn from: a ping comes back in a few dozen
//! microseconds and nothing is ever lost, so RTT, loss, jitter and throughput
//! stay words on a slide. Put this relay between a client and a server and it
//! does to their traffic what a long, busy, lossy path would do. Then the
//! RTT that `ping-client` prints grows by twice the delay; a loss of 30 % per
//! direction loses about half the echoes (each must survive two crossings:
//! 1 − 0.7² = 51 %); stop-and-wait `perf-client` through a 10 ms link moves
//! one datagram per 20 ms, while `--window 16` moves sixteen times as much;
//! and a rate limit builds a queue you can watch. The lab in
//! `docs/link-emulator.md` walks through those predictions and measurements.
//!
//! # The original
//!
//! None: this is not an exercise of the original labs but the instrument that
//! makes their questions visible, so there is no call map. Its model is Linux
//! `netem` (`tc qdisc ... netem delay 20ms loss 10%`), which works inside the
//! kernel on a network interface, needs root and is missing on many lab
//! machines. This works in user space on sockets. Differences a student may
//! notice: the emulator is a separate hop with its own ports (the server sees
//! the emulator's address, not the client's); in TCP mode the client's
//! handshake is with the emulator, so connect times stay local; `--rate`
//! counts UDP payload bytes only (no IP, UDP or Ethernet headers); jitter is
//! uniform over ± JITTER, like netem without a distribution table, but unlike
//! netem it never reorders.
//!
//! The parts, in reading order:
//!
//! * [`impairment`]: the settings, and the seeded dice. Each direction of each
//!   client has its own generator, derived from `--seed`, the client's number
//!   (in order of arrival) and the direction, and rolled once per datagram in
//!   arrival order. So the same seed gives the same decisions, whatever the
//!   other direction or the other clients do in between.
//! * [`link`]: the timing. With `--rate`, the datagrams of a direction share
//!   one wire and queue for it, as on a real bottleneck (at most
//!   [`QUEUE_LIMIT`] of waiting; beyond that, datagrams are dropped as a
//!   router with a full buffer drops them). Jitter never reorders a client's
//!   datagrams by itself; only `--reorder` does.
//! * [`scheduler`]: the timer thread. A delayed datagram is filed in a queue
//!   ordered by release time, and one thread sends each when it is due, so a
//!   delayed datagram never delays the ones behind it.
//! * [`udp`]: UDP mode. A *flow* per client source address, each with an
//!   upstream socket of its own, so fifty clients at once stay apart.
//! * [`tcp`]: TCP mode. A byte-stream relay with delay, jitter and rate only.
//!
//! # The protocol
//!
//! ```text
//!  ping-client            link-emulator                      ping-server
//!      |                  --listen :6065 --to :5065              |
//!      |--- "A7K" ------->| lose it? (--loss)                    |
//!      |                  | a second copy? (--duplicate)         |
//!      |                  | hold it back? (--reorder)            |
//!      |                  | wait for the wire (--rate)           |
//!      |                  | ... --delay ± --jitter later:        |
//!      |                  |---------- "A7K" -------------------->|
//!      |                  |<--------- "A7K" ---------------------|
//!      |                  | the same questions, on their own     |
//!      |<-- "A7K" --------| dice, for the way back               |
//!      |                  |                                      |
//!   RTT = loopback RTT + 2 × delay;  echo lost with chance 1 − (1 − p)²
//! ```
//!
//! Both directions get the same settings, but that does not make the path
//! symmetric: under `--rate`, a queue forms only where the traffic first
//! meets the rate, so half the RTT is not the one-way delay in either
//! direction. Never read a queue as split "each way"; `--verbose` shows
//! each direction's own wait (question 10 of the handout).
//!
//! # Run it
//!
//! ```text
//! terminal 1:  cargo run --bin ping-server -- --port 5065
//! terminal 2:  cargo run --bin link-emulator -- --listen 127.0.0.1:6065 \
//!                  --to 127.0.0.1:5065 --delay 20 --loss 10 --seed 1
//! terminal 3:  cargo run --bin ping-client -- --port 6065 20 0.2
//! ```
//!
//! Durations take a unit (`--delay 20ms`, `--duration 2m`); a bare number is
//! milliseconds for `--delay` and `--jitter`, seconds for the others. The
//! emulator prints `link-emulator listening on ADDR`, one line per new client,
//! and at the end of `--duration` a summary per direction (received,
//! forwarded, dropped, duplicated, reordered, then bytes and what is still in
//! flight). With `--verbose` it also prints the fate of every datagram, so you
//! can see *why* message 7 was lost.
//!
//! What it holds, whatever the clients do: at most `--max-clients` flows or
//! connections (256; a full UDP table evicts the least recently used flow with
//! nothing in flight); per direction, at most [`MAX_QUEUED`] datagrams and
//! [`MEMORY_LIMIT`] bytes waiting, each datagram counted with
//! [`DATAGRAM_OVERHEAD`] bytes on top of its payload; in TCP mode, at most
//! [`tcp::PIPE_LIMIT`] bytes per direction of each connection.
//!
//! # On the wire
//!
//! `tshark -i lo -f "udp port 6065 or udp port 5065"` shows each datagram
//! twice: client → emulator, then (delay ms later) emulator → server, from a
//! different source port (the flow's upstream socket). A datagram lost by the
//! emulator appears only in the first leg. One run of the example above
//! (20 messages, `--seed 1`) gave 73 packets: 20 from the client, 18 forwarded
//! to the server, 18 echoes, 17 forwarded back, the emulator's own counts to
//! the packet.
//!
//! In TCP mode the capture shows two connections, the client's with the
//! emulator and the emulator's with the server, and only the bytes between
//! them are delayed (`docs/wireshark.md`, section 10). The packet count of
//! such a capture is not fixed: whether the server acknowledges the request
//! in a segment of its own, or in the reply that follows 2 × 20 ms later, is
//! a race between the receiver's delayed-ACK timer and the reply, so one run
//! shows 21 packets and the next 20.
//!
//! # Things that go wrong
//!
//! * **No effect at all**: the client still talks to the server's port. Point
//!   it at the emulator's `--listen` port.
//! * **More loss than asked for** with a burst such as `ping-client 1000 0`:
//!   the kernel's socket buffers overflowed before the emulator saw the
//!   datagrams. Pace the client (`1000 0.001`).
//! * **Everything lost, counted as `refused`**: the server behind `--to` is not
//!   running; its kernel answers each forwarded datagram with an ICMP
//!   port-unreachable, which the flow's socket reports.
//! * **`N overflowed`** with `--rate`: more was offered than the rate carries,
//!   and datagrams that would have waited over a second were dropped, as a
//!   router with a full buffer does.
//! * **No summary after Ctrl-C**: std cannot catch the signal without unsafe
//!   code. Use `--duration`; the running totals also appear every 10 s.
//! * **`--loss` refused with `--tcp`**: a TCP relay cannot lose bytes without
//!   breaking the stream; TCP mode offers delay, jitter and rate only.
//! * **`--to` refused as the emulator's own address**: `--listen 0.0.0.0:6065
//!   --to 127.0.0.1:6065` would relay every datagram to itself.
//! * **TCP connect times stay local**: the client's handshake is with the
//!   emulator. Trust the request/reply figures, not the connect.

use crate::cli::{self, Command, Matches};
use crate::error::{Error, Result};
use crate::net::{self, Family};
use crate::outln;
use crate::output::Log;
use crate::rng::Rng;
use std::fmt;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub mod impairment;
pub mod link;
pub mod scheduler;
pub mod tcp;
pub mod udp;

pub use impairment::{Decider, Direction, Fate, Impairments};
pub use link::{Totals, DATAGRAM_OVERHEAD, MAX_QUEUED, MEMORY_LIMIT, QUEUE_LIMIT};

/// How often an open-ended run prints its running totals (when they changed).
const TOTALS_EVERY: Duration = Duration::from_secs(10);

/// What `link-emulator` was asked to do.
#[derive(Debug, Clone)]
pub struct Args {
    /// Where clients send or connect: host and port (0 = any free port).
    pub listen: (String, u16),
    /// The real server: host and port.
    pub to: (String, u16),
    /// Relay TCP connections instead of UDP datagrams.
    pub tcp: bool,
    /// The link and the limits.
    pub settings: Settings,
    /// Stop after this long and print the summary; `None` runs until killed.
    pub duration: Option<Duration>,
}

impl cli::Args for Args {
    fn command() -> Command {
        Command::new(
            "link-emulator",
            "a bad network on your desk: relays UDP datagrams or TCP connections to a \
             server, adding delay, jitter, loss, duplication, reordering and a rate limit",
        )
        .option("listen", "ADDR", "where clients send or connect, HOST:PORT [required]")
        .option("to", "ADDR", "the real server, HOST:PORT [required]")
        .switch("udp", "relay UDP datagrams (the default)")
        .switch("tcp", "relay TCP connections (delay, jitter and rate only)")
        .flag("delay", "DURATION", "0", "one-way delay, each direction (bare number: ms)")
        .flag("jitter", "DURATION", "0", "each delay varies within ± this (bare number: ms)")
        .flag("loss", "PCT", "0", "chance that a datagram is lost, per direction, in %")
        .flag("duplicate", "PCT", "0", "chance that a datagram arrives twice, in %")
        .flag("reorder", "PCT", "0", "chance that a datagram is overtaken by the next, in %")
        .option("rate", "KBIT", "link rate per direction in kbit/s of payload [default: none]")
        .option("seed", "N", "seed for every random decision [default: from the clock]")
        .option("duration", "DURATION", "stop after this, print the summary (bare number: s)")
        .flag("idle-timeout", "DURATION", "30s", "forget a client silent this long (bare: s)")
        .flag("max-clients", "N", "256", "relay at most N clients (UDP) or connections at once")
        .switch("verbose", "print the fate of every datagram")
        .example("link-emulator --listen 127.0.0.1:6065 --to 127.0.0.1:5065 --delay 20 --loss 10")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        let address = |name: &str| match m.get(name) {
            Some(text) => split_host_port(text).map_err(|e| m.bad(e.to_string())),
            None => Err(m.bad(format!("--{name} HOST:PORT is required"))),
        };
        let (listen, to) = (address("listen")?, address("to")?);
        let tcp = m.is_set("tcp");
        if tcp && m.is_set("udp") {
            return Err(m.bad("choose one of --udp and --tcp".to_string()));
        }
        let given = |name: &str| m.get(name).is_some();
        let link = Impairments {
            delay: m.duration("delay", cli::Unit::Millis)?,
            jitter: m.duration("jitter", cli::Unit::Millis)?,
            loss: m.float("loss", 0.0, 100.0)?,
            duplicate: m.float("duplicate", 0.0, 100.0)?,
            reorder: m.float("reorder", 0.0, 100.0)?,
            rate_kbit: match given("rate") {
                true => {
                    Some(m.float("rate", impairment::MIN_RATE_KBIT, impairment::MAX_RATE_KBIT)?)
                }
                false => None,
            },
        };
        link.validate().map_err(|e| m.bad(e.to_string()))?;
        if tcp && link.has_datagram_only() {
            return Err(m.bad(TCP_ONLY.to_string()));
        }
        let idle = m.timeout("idle-timeout")?;
        if idle < Duration::from_millis(10) {
            return Err(m.bad("--idle-timeout must be at least 10ms".to_string()));
        }
        let settings = Settings {
            link,
            // A short seed is easy to type again.
            seed: match given("seed") {
                true => m.number("seed", 0, u64::MAX)?,
                false => Rng::from_time().below(1_000_000),
            },
            idle,
            max_clients: m.number("max-clients", 1, 10_000)?,
            verbose: m.is_set("verbose"),
        };
        let duration = match given("duration") {
            true => Some(m.seconds("duration")?),
            false => None,
        };
        Ok(Args { listen, to, tcp, settings, duration })
    }
}

const TCP_ONLY: &str = "--loss, --duplicate and --reorder apply to --udp only: \
                        TCP repairs loss itself and delivers bytes once, in order";

/// Binds, says where, relays, and at the end of `--duration` prints the summary.
///
/// # Errors
///
/// As [`bind`] and [`Bound::start`].
pub fn run(args: Args) -> Result<()> {
    // Bind, say where, and only then start relaying, so the `listening on`
    // line is always the first.
    let bound = bind(&args)?;
    net::announce("link-emulator", bound.local);
    outln!("{}", bound.banner());
    let emulator = bound.start(Log::stdout())?;
    if let Some(duration) = args.duration {
        // The run length the user asked for, not a synchronisation.
        std::thread::sleep(duration);
        outln!("{}", emulator.report());
        return Ok(());
    }
    // std cannot catch Ctrl-C without unsafe code or a dependency, so an
    // open-ended run shows its totals as it goes instead of at the end.
    let mut last = emulator.report().ways;
    loop {
        std::thread::sleep(TOTALS_EVERY);
        let report = emulator.report();
        if report.ways != last {
            last = report.ways;
            outln!("{}", report.block("totals"));
        }
    }
}

/// A listening socket, not yet relaying, and where it relays to.
pub struct Bound {
    socket: Socket,
    local: SocketAddr,
    server: SocketAddr,
    settings: Settings,
}

enum Socket {
    Udp(UdpSocket),
    Tcp(TcpListener),
}

/// Resolves `--to`, binds `--listen` and checks that the two differ.
///
/// # Errors
///
/// `cannot resolve ...`, `cannot listen on ADDR: port P is already in use`,
/// or a usage error when `--to` is the emulator's own address.
pub fn bind(args: &Args) -> Result<Bound> {
    let server = net::resolve(&args.to.0, args.to.1, Family::Any)?[0];
    let (host, port) = (&args.listen.0, args.listen.1);
    // A loop to itself is a mistake on the command line: say so before binding,
    // whether or not the port is free (port 0 is checked once it is bound).
    if port != 0 {
        check_target(net::resolve(host, port, Family::Any)?[0], server)?;
    }
    // The floor's hint names --port; this program's port is in --listen.
    let hint = |e: Error| match e {
        Error::Failed { hint: Some(_), .. } => e.hint("pick another port in --listen"),
        e => e,
    };
    let socket = match args.tcp {
        true => Socket::Tcp(net::bind_tcp(host, port).map_err(hint)?),
        false => Socket::Udp(net::bind_udp(host, port).map_err(hint)?),
    };
    let local = net::local_addr_of(match &socket {
        Socket::Tcp(listener) => listener.local_addr(),
        Socket::Udp(socket) => socket.local_addr(),
    })?;
    check_target(local, server)?;
    Ok(Bound { socket, local, server, settings: args.settings })
}

impl Bound {
    /// The address clients should use in place of the server's.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Two lines: what is relayed where, with the seed; what the link does.
    pub fn banner(&self) -> String {
        let mode = if matches!(self.socket, Socket::Tcp(_)) { "tcp" } else { "udp" };
        format!(
            "relaying {mode} {} -> {}, seed {}\neach direction: {}",
            self.local, self.server, self.settings.seed, self.settings.link
        )
    }

    /// Starts relaying, with per-client lines going to `log`.
    ///
    /// # Errors
    ///
    /// As [`start_udp`] and [`start_tcp`].
    pub fn start(self, log: Log) -> Result<Emulator> {
        match self.socket {
            Socket::Udp(socket) => start_udp(socket, self.server, self.settings, log),
            Socket::Tcp(listener) => start_tcp(listener, self.server, self.settings, log),
        }
    }
}

/// Everything the emulator needs to know besides its sockets.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// What the link does to traffic (the same in both directions).
    pub link: Impairments,
    /// The seed all random decisions derive from.
    pub seed: u64,
    /// A client (UDP) or connection (TCP) silent this long is forgotten.
    pub idle: Duration,
    /// The most clients (UDP flows) or connections (TCP) relayed at once.
    pub max_clients: usize,
    /// Log the fate of every datagram.
    pub verbose: bool,
}

impl Settings {
    /// A perfect link, seed 1, idle limit 30 s, 256 clients, quiet.
    pub fn new(link: Impairments) -> Settings {
        Settings {
            link,
            seed: 1,
            idle: net::SERVER_READ_TIMEOUT,
            max_clients: crate::server::MAX_CLIENTS,
            verbose: false,
        }
    }
}

/// A running emulator; its threads run for as long as the process does.
pub struct Emulator {
    relay: Relay,
    local: SocketAddr,
}

enum Relay {
    Udp(Arc<udp::Relay>),
    Tcp(Arc<tcp::Relay>),
}

impl Emulator {
    /// The address clients should use in place of the server's.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// What has happened so far, per direction.
    pub fn report(&self) -> Report {
        match &self.relay {
            Relay::Udp(relay) => relay.report(),
            Relay::Tcp(relay) => relay.report(),
        }
    }
}

/// Starts a UDP emulator on an already bound socket, relaying to `server`.
///
/// # Errors
///
/// A usage error when the settings are out of range, `server` has port 0, or
/// it is the emulator's own address (it would relay to itself forever); a run-time error
/// when a thread cannot be started.
pub fn start_udp(
    socket: UdpSocket,
    server: SocketAddr,
    settings: Settings,
    log: Log,
) -> Result<Emulator> {
    settings.link.validate()?;
    let local = net::local_addr_of(socket.local_addr())?;
    check_target(local, server)?;
    let relay = udp::Relay::start(socket, server, settings, log)?;
    Ok(Emulator { relay: Relay::Udp(relay), local })
}

/// Starts a TCP emulator on an already bound listener, relaying to `server`.
///
/// # Errors
///
/// As [`start_udp`]; also a usage error when loss, duplication or reordering
/// is asked for (TCP repairs loss itself and never reorders its bytes).
pub fn start_tcp(
    listener: TcpListener,
    server: SocketAddr,
    settings: Settings,
    log: Log,
) -> Result<Emulator> {
    settings.link.validate()?;
    if settings.link.has_datagram_only() {
        return Err(Error::usage(TCP_ONLY));
    }
    let local = net::local_addr_of(listener.local_addr())?;
    check_target(local, server)?;
    let relay = tcp::Relay::start(listener, server, settings, log)?;
    Ok(Emulator { relay: Relay::Tcp(relay), local })
}

/// Checks that `server` is an address a datagram can go to, and not the
/// emulator's own `local` address, which would make it relay to itself.
/// "Own" includes any address the listening socket answers on: with
/// `--listen 0.0.0.0:6065` (or `[::]:6065`), `127.0.0.1:6065` and every other
/// address of this machine on port 6065 come back to the emulator.
///
/// # Errors
///
/// A usage error saying which of the two is wrong.
pub fn check_target(local: SocketAddr, server: SocketAddr) -> Result<()> {
    if server.port() == 0 {
        return Err(Error::usage(format!(
            "--to {server}: port 0 is not a server's port; give the port the server listens on"
        )));
    }
    // An IPv6 wildcard also receives IPv4 (dual stack); an IPv4 one does not receive IPv6.
    let reaches = local.ip().is_unspecified() && (local.is_ipv6() || server.is_ipv4());
    // An address this machine has is one a socket can bind to.
    let is_ours = |ip| ip == local.ip() || UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok();
    if server.port() == local.port()
        && (server.ip() == local.ip() || reaches && is_ours(server.ip()))
    {
        return Err(Error::usage(format!(
            "--to {server} is the emulator's own address ({local}): it would relay to itself"
        )));
    }
    Ok(())
}

/// What an emulator has done so far: the summary it prints at the end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report {
    /// UDP mode (else TCP).
    pub udp: bool,
    /// Time since the emulator started.
    pub elapsed: Duration,
    /// Clients seen (UDP: source addresses; TCP: connections accepted).
    pub clients: u64,
    /// TCP: connections closed at once because the server could not be reached.
    pub refused_connections: u64,
    /// Counters per direction, indexed by [`Direction::index`].
    pub ways: [Totals; 2],
}

impl Report {
    /// The counters of one direction.
    pub fn way(&self, direction: Direction) -> Totals {
        self.ways[direction.index()]
    }

    /// The report under the heading `--- link-emulator TITLE: ... ---`, each
    /// direction on two lines (none wider than 100 columns in a lab run).
    pub fn block(&self, title: &str) -> String {
        let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut text = format!(
            "--- link-emulator {title}: {}, {:.1} s, ",
            if self.udp { "udp" } else { "tcp" },
            self.elapsed.as_secs_f64()
        );
        if self.udp {
            text += &plural(self.clients, "client");
        } else {
            text += &plural(self.clients, "connection");
            if self.refused_connections > 0 {
                text += &format!(" ({} server unreachable)", self.refused_connections);
            }
            text += "; TCP counts chunks";
        }
        text += " ---";
        for d in Direction::BOTH {
            text += &format!("\n{}: {}", d.label(), self.way(d));
        }
        text
    }
}

impl fmt::Display for Report {
    /// The summary block: a heading, then two lines per direction.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.block("summary"))
    }
}

/// Locks a mutex, going on with the data if another thread panicked while
/// holding it: every structure guarded here stays consistent between calls.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Splits `HOST:PORT` (`127.0.0.1:6065`, `localhost:5065`, `[::1]:5065`) into
/// its host and port.
///
/// ```
/// use socket_labs::link_emulator::split_host_port;
/// assert_eq!(split_host_port("127.0.0.1:80").unwrap(), ("127.0.0.1".to_string(), 80));
/// assert_eq!(split_host_port("[::1]:0").unwrap(), ("::1".to_string(), 0));
/// assert!(split_host_port("localhost").is_err());
/// ```
///
/// # Errors
///
/// A usage error when the port is missing or not a number from 0 to 65535.
pub fn split_host_port(text: &str) -> Result<(String, u16)> {
    let bad = || {
        Error::usage(format!(
            "'{text}' is not HOST:PORT (for example 127.0.0.1:5065 or [::1]:5065)"
        ))
    };
    let at = text.rfind(':').ok_or_else(bad)?;
    let (host, port) = (&text[..at], &text[at + 1..]);
    let port: u16 = port.parse().map_err(|_| bad())?;
    let host = if host.starts_with('[') && host.ends_with(']') {
        &host[1..host.len() - 1]
    } else if host.contains(':') {
        return Err(bad()); // a bare IPv6 address needs brackets before the port
    } else {
        host
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn host_port_forms() {
        assert_eq!(split_host_port("localhost:5065").unwrap(), ("localhost".to_string(), 5065));
        assert_eq!(split_host_port("[::1]:7").unwrap(), ("::1".to_string(), 7));
        for bad in ["", ":80", "host:", "host:99999", "::1:80", "[::1]", "a:b"] {
            let err = split_host_port(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn relaying_to_itself_and_datagram_flags_on_tcp_are_refused() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let own = socket.local_addr().unwrap();
        let err =
            start_udp(socket, own, Settings::new(Impairments::none()), Log::quiet()).err().unwrap();
        assert!(err.to_string().contains("relay to itself"), "{err}");
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let err = start_udp(
            socket,
            "127.0.0.1:0".parse().unwrap(),
            Settings::new(Impairments::none()),
            Log::quiet(),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("port 0"), "{err}");

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let lossy = Impairments { loss: 1.0, ..Impairments::none() };
        let err =
            start_tcp(listener, "127.0.0.1:9".parse().unwrap(), Settings::new(lossy), Log::quiet())
                .err()
                .unwrap();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--udp only"), "{err}");
    }

    #[test]
    fn an_in_process_udp_emulator_delays_both_ways() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let server_addr = server.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            while let Ok((n, peer)) = server.recv_from(&mut buf) {
                let _ = server.send_to(&buf[..n], peer);
            }
        });
        let link = Impairments { delay: Duration::from_millis(5), ..Impairments::none() };
        let emulator = start_udp(
            UdpSocket::bind("127.0.0.1:0").unwrap(),
            server_addr,
            Settings::new(link),
            Log::quiet(),
        )
        .unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let sent = std::time::Instant::now();
        client.send_to(b"hello", emulator.local_addr()).unwrap();
        let mut buf = [0u8; 64];
        let (n, from) = client.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"hello");
        assert_eq!(from, emulator.local_addr());
        assert!(sent.elapsed() >= Duration::from_millis(10));
        // The timer thread counts a datagram just after sending it: give it a moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        let mut report = emulator.report();
        while report.way(Direction::ToClient).bytes < 5 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
            report = emulator.report();
        }
        assert_eq!(report.clients, 1);
        assert_eq!(report.way(Direction::ToServer).forwarded, 1);
        assert_eq!(report.way(Direction::ToClient).bytes, 5);
        assert!(report.to_string().contains("udp"));
        assert!(report.block("totals").starts_with("--- link-emulator totals: udp"));
        let widest = report.to_string().lines().map(|l| l.chars().count()).max();
        assert!(widest < Some(100), "{report}");
    }
}
