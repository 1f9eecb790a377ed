//! # A bad network on your desk: `link-emulator`
//!
//! Loopback is too good to learn from: a ping comes back in a few dozen
//! microseconds and nothing is ever lost, so RTT, loss, jitter and throughput
//! stay words on a slide. Kernel tools such as Linux `netem` make a real
//! interface slow and lossy, but they need root and are missing on many lab
//! machines. This module is the same idea as an ordinary program: a relay that
//! sits between a client and a server and does to their traffic what a long,
//! busy, lossy path would do.
//!
//! ```text
//!  ping-client            link-emulator                      ping-server
//!      |                  --listen :6065 --to :5065              |
//!      |--- "A7K" ------->| lose it? (--loss)                    |
//!      |                  | a second copy? (--duplicate)         |
//!      |                  | hold it back? (--reorder)            |
//!      |                  | wait for the wire (--rate)           |
//!      |                  | ... --delay ± --jitter ms later:     |
//!      |                  |---------- "A7K" -------------------->|
//!      |                  |<--------- "A7K" ---------------------|
//!      |                  | the same questions, on their own     |
//!      |<-- "A7K" --------| dice, for the way back               |
//!      |                  |                                      |
//!   RTT = loopback RTT + 2 × delay;  echo lost with chance 1 − (1 − p)²
//! ```
//!
//! It is not an exercise of the original labs: it is the instrument that makes
//! the labs' questions visible. Put it in front of `ping-server` and the RTT
//! that `ping-client` prints grows by twice the delay; set a loss of 30 % and
//! about half the echoes go missing (each must survive two crossings:
//! 1 − 0.7² = 51 %); run `perf-client` through a 10 ms link and stop-and-wait
//! moves one datagram per 20 ms, while `--window 16` keeps sixteen in flight
//! and moves sixteen times as much. The lab in `docs/link-emulator.md` walks
//! through those predictions and measurements.
//!
//! ## How it works
//!
//! * [`impairment`]: the settings, and the seeded dice. Each direction of each
//!   client has its own generator, derived from `--seed`, the client's number
//!   (in order of arrival) and the direction, and rolled once per datagram in
//!   arrival order. So the same seed gives the same decisions, whatever the
//!   other direction or the other clients do in between.
//! * [`link`]: the timing. With `--rate`, the datagrams of a direction share
//!   one wire and queue for it, as on a real bottleneck (the queue holds at
//!   most [`QUEUE_LIMIT`] of waiting; beyond that, datagrams are dropped like
//!   in a router with a full buffer). Jitter never reorders a client's
//!   datagrams by itself; only `--reorder` does.
//! * [`scheduler`]: the timer thread. A delayed datagram is filed in a queue
//!   ordered by release time, and one thread sends each when it is due. The
//!   receive loop never sleeps, so a delayed datagram never delays the ones
//!   behind it beyond their own schedule (except on a rate-limited wire, where
//!   waiting for the one ahead is the point).
//! * [`udp`]: UDP mode. A *flow* per client source address, each with an
//!   upstream socket of its own, so fifty clients at once stay apart.
//! * [`tcp`]: TCP mode. A byte-stream relay with delay, jitter and rate only.
//!
//! With no delay, jitter, rate or reordering at all, datagrams are sent on
//! by the thread that received them, without the timer thread: the emulator
//! then adds only two socket hops to the path.
//!
//! ## Compared with netem
//!
//! `netem` works inside the kernel on a network interface; this works in user
//! space on sockets. Differences a student may notice: the emulator is a
//! separate hop with its own ports (the server sees the emulator's address,
//! not the client's); in TCP mode the client's handshake is with the emulator,
//! so connect times stay local; `--rate` counts UDP payload bytes only
//! (no IP, UDP or Ethernet headers); jitter is uniform over ± JITTER, like
//! netem without a distribution table, but unlike netem it never reorders.
//!
//! ## Running it
//!
//! ```text
//! terminal 1:  cargo run --bin ping-server -- --port 5065
//! terminal 2:  cargo run --bin link-emulator -- --listen 127.0.0.1:6065 --to 127.0.0.1:5065 --delay 20 --loss 10 --seed 1
//! terminal 3:  cargo run --bin ping-client -- --port 6065 20 0.2
//! ```
//!
//! The emulator prints `link-emulator listening on ADDR`, one line per new
//! client, and at the end of `--duration` a summary per direction (received,
//! forwarded, dropped, duplicated, reordered). With `--verbose` it also prints
//! the fate of every datagram, so you can see *why* message 7 was lost.
//!
//! ## On the wire
//!
//! `tshark -i lo -f "udp port 6065 or udp port 5065"` shows each datagram
//! twice: client → emulator, then (delay ms later) emulator → server, from a
//! different source port (the flow's upstream socket). A datagram lost by the
//! emulator appears only in the first leg.
//!
//! One run of the example above (20 messages, `--seed 1`) gave 73 packets:
//! 20 from the client, 18 forwarded to the server, 18 echoes, 17 forwarded
//! back, the emulator's own counts to the packet. In TCP mode the capture shows
//! two connections, the client's with the emulator and the emulator's with the
//! server, and only the bytes between them are delayed (`docs/wireshark.md`,
//! section 10).
//!
//! ## Things that go wrong
//!
//! * **No effect at all**: the client still talks to the server's port. Point
//!   it at the emulator's `--listen` port.
//! * **More loss than asked for** with a burst such as `ping-client 1000 0`:
//!   the kernel's socket buffers overflowed before the emulator saw the
//!   datagrams. Pace the client (`1000 0.001`).
//! * **Everything lost, counted as `refused`**: the server behind `--to` is not
//!   running; its kernel answers each forwarded datagram with an ICMP
//!   port-unreachable, which the flow's socket reports.
//! * **`dropped (N by a full queue)`** with `--rate`: more was offered than the
//!   rate carries, and datagrams that would have waited over a second were
//!   dropped, as a router with a full buffer does.
//! * **No summary after Ctrl-C**: std cannot catch the signal without unsafe
//!   code. Use `--duration SECS`; the running totals also appear every 10 s.
//! * **`--loss` refused with `--tcp`**: a TCP relay cannot lose bytes without
//!   breaking the stream; TCP mode offers delay, jitter and rate only.
//! * **TCP connect times stay local**: the client's handshake is with the
//!   emulator. Trust the request/reply figures, not the connect.

use crate::error::{Error, Result};
use crate::net;
use crate::output::Log;
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
pub use link::{Totals, QUEUE_LIMIT};

/// Everything the emulator needs to know besides its sockets.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// What the link does to traffic (the same in both directions).
    pub link: Impairments,
    /// The seed all random decisions derive from.
    pub seed: u64,
    /// A client (UDP) or connection (TCP) silent this long is forgotten.
    pub idle: Duration,
    /// Log the fate of every datagram.
    pub verbose: bool,
}

impl Settings {
    /// A perfect link, seed 1, idle limit 30 s, quiet.
    pub fn new(link: Impairments) -> Settings {
        Settings {
            link,
            seed: 1,
            idle: net::SERVER_READ_TIMEOUT,
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
    Ok(Emulator {
        relay: Relay::Udp(relay),
        local,
    })
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
        return Err(Error::usage(
            "--loss, --duplicate and --reorder apply to --udp only: \
             TCP repairs loss itself and delivers bytes once, in order",
        ));
    }
    let local = net::local_addr_of(listener.local_addr())?;
    check_target(local, server)?;
    let relay = tcp::Relay::start(listener, server, settings, log)?;
    Ok(Emulator {
        relay: Relay::Tcp(relay),
        local,
    })
}

/// Checks that `server` is an address a datagram can go to, and not the
/// emulator's own `local` address (which would make it relay to itself).
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
    if local == server {
        return Err(Error::usage(format!(
            "--to {server} is the emulator's own address: it would relay to itself"
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

    /// A one-line version for the periodic log of an open-ended run.
    pub fn one_line(&self) -> String {
        let way = |d: Direction| {
            let t = self.way(d);
            format!(
                "{} {} received, {} forwarded, {} dropped",
                d.label(),
                t.received,
                t.forwarded,
                t.dropped
            )
        };
        format!(
            "totals after {:.0} s: {}; {}",
            self.elapsed.as_secs_f64(),
            way(Direction::ToServer),
            way(Direction::ToClient)
        )
    }
}

impl fmt::Display for Report {
    /// The summary block: a heading, then one line per direction.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u64, word: &str| {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        write!(
            f,
            "--- link-emulator summary: {}, {:.1} s, ",
            if self.udp { "udp" } else { "tcp" },
            self.elapsed.as_secs_f64()
        )?;
        if self.udp {
            write!(f, "{}", plural(self.clients, "client"))?;
        } else {
            write!(f, "{}", plural(self.clients, "connection"))?;
            if self.refused_connections > 0 {
                write!(
                    f,
                    " ({} closed at once: server unreachable)",
                    self.refused_connections
                )?;
            }
        }
        writeln!(f, " ---")?;
        let unit = if self.udp {
            ""
        } else {
            " (TCP: chunks read/written)"
        };
        writeln!(
            f,
            "{}: {}{unit}",
            Direction::ToServer.label(),
            self.way(Direction::ToServer)
        )?;
        write!(
            f,
            "{}: {}{unit}",
            Direction::ToClient.label(),
            self.way(Direction::ToClient)
        )
    }
}

/// Locks a mutex, going on with the data if another thread panicked while
/// holding it: every structure guarded here stays consistent between calls.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        assert_eq!(
            split_host_port("localhost:5065").unwrap(),
            ("localhost".to_string(), 5065)
        );
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
        let err = start_udp(
            socket,
            own,
            Settings::new(Impairments::none()),
            Log::quiet(),
        )
        .err()
        .unwrap();
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
        let lossy = Impairments {
            loss: 1.0,
            ..Impairments::none()
        };
        let err = start_tcp(
            listener,
            "127.0.0.1:9".parse().unwrap(),
            Settings::new(lossy),
            Log::quiet(),
        )
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
        let link = Impairments {
            delay: Duration::from_millis(5),
            ..Impairments::none()
        };
        let emulator = start_udp(
            UdpSocket::bind("127.0.0.1:0").unwrap(),
            server_addr,
            Settings::new(link),
            Log::quiet(),
        )
        .unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
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
        assert!(report.one_line().starts_with("totals after"));
    }
}
