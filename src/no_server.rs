//! `no-server`: what a client sees when nobody is listening (Experiment 4, Task 5).
//!
//! # What you will learn
//!
//! Task 5 asks what happens when the TCP and the UDP client run with no server.
//! Three different situations hide in that question, and this program probes
//! each on purpose, against a port where nothing listens:
//!
//! 1. **The name does not resolve.** Nothing is sent to any server at all; the
//!    failure comes from the resolver (`getaddrinfo`).
//! 2. **TCP to a port where nothing listens.** The SYN reaches the host, whose
//!    kernel answers with a RST: `connect` fails at once with "connection
//!    refused", in about one round trip.
//! 3. **UDP to a port where nothing listens.** `send_to` *succeeds*: UDP has no
//!    handshake, so the datagram is simply handed to the network. The host's
//!    kernel answers with an ICMP "port unreachable". Whether the client hears
//!    of it depends on the socket and the system:
//!    * on Linux and the BSDs, by default, an **unconnected** socket is not
//!      told, so `recv_from` just times out. The kernel does match the ICMP to
//!      the socket; the classic API has no way to say which of the socket's
//!      destinations refused, so it stays quiet unless the program asks with
//!      `IP_RECVERR` (ip(7)), a good further exercise;
//!    * a **connected** UDP socket (one that called `connect`, which sends
//!      nothing) is told: its next `recv` fails with "connection refused";
//!    * on **Windows**, where the original Experiment 4 ran, even an
//!      unconnected socket's next `recvfrom` fails, with WSAECONNRESET (10054).
//!
//! ICMP is not a reliable signal either way: firewalls often drop it, and
//! Linux rate-limits the ICMP errors it sends to other hosts (icmp(7),
//! `icmp_ratelimit`; loopback is exempt). A host that drops packets silently
//! makes TCP's `connect` retry its SYN and time out after many seconds, and
//! makes UDP look exactly like a lost datagram. That case needs a second
//! machine, so it is not probed.
//!
//! # The original
//!
//! Task 5 was a question: run `TCPClient.py` and `UDPClient.py` of Experiment
//! 4 with no server and report what happens. The answer handed in said both
//! clients get an error message. Each row of the table is one call those
//! clients made:
//!
//! | the original client's call | here | what changed and why |
//! |---|---|---|
//! | `socket.gethostbyname` inside `connect`/`sendto` | [`run_probes`] | probed apart, so a bad name is not taken for a missing server |
//! | `clientSocket.connect((name, port))` (TCP) | [`run_probes`] | timed: the refusal takes about one round trip |
//! | `sendto(message, (name, port))` (UDP) | [`run_probes`] | shown to succeed |
//! | `recvfrom(2048)` (UDP, no timeout: waits forever) | [`run_probes`] | a timeout, so the probe ends |
//! | (not in the original) `connect` on a UDP socket | [`run_probes`] | shows the ICMP does arrive |
//!
//! # The protocol
//!
//! ```text
//!   TCP client            host (no server)    UDP client            host (no server)
//!      |------ SYN ------------->|               |---- datagram -------->|
//!      |<----- RST, ACK ---------|               |<-- ICMP port unreach.-|
//!   connect(): refused                        send_to(): OK
//!                                             recv_from(): times out (Linux, unconnected)
//!                                             recv_from(): WSAECONNRESET (Windows)
//!                                             recv(): refused (connected socket)
//! ```
//!
//! # Run it
//!
//! ```text
//! cargo run --bin no-server                    # probes localhost on a free port
//! cargo run --bin no-server -- --explain       # and what each row means
//! cargo run --bin no-server -- --port 25999    # a fixed port, for a capture filter
//! cargo run --bin no-server -- --timeout 200ms # a shorter wait for the UDP receive
//! ```
//!
//! # On the wire
//!
//! With `--port 25999` and the capture filter
//! `port 25999 or (icmp and icmp[30:2] = 25999)`, a run on Linux loopback shows
//! 8 packets: SYN and RST; then a datagram and an ICMP port-unreachable for
//! each of the three UDP probes (`docs/wireshark.md`). The resolve probe sends
//! nothing, not even a DNS query: the name is refused by the C library.
//!
//! # Things that go wrong
//!
//! * **Something listens on `--port`.** Then the probes talk to it and the table
//!   shows successes. Leave `--port` out and the program picks a free port.
//! * **`--host` pointing at another machine** sends real probes there; a host
//!   behind a firewall may drop them, and the TCP row then shows a timeout
//!   after several seconds instead of a refusal.
//! * **`--name` with a real-looking name** makes the resolve probe send a DNS
//!   query; the default name is refused before any query.

use crate::cli::{self, Command, Matches};
use crate::error::{describe, is_timeout, Error, Result};
use crate::net::{self, resolve, Family};
use crate::outln;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

/// Runs the probes and prints the table: the binary's whole `main`.
///
/// # Errors
///
/// Only when `--host` itself cannot be resolved or no free port is found.
pub fn run(args: Args) -> Result<()> {
    let probes = run_probes(&args)?;
    outln!("no-server: what a client sees when nobody listens ({})", args.host);
    outln!();
    for line in table(&probes) {
        outln!("{line}");
    }
    outln!();
    if args.explain {
        for paragraph in EXPLAIN {
            for line in crate::output::wrap(paragraph, 96) {
                outln!("{line}");
            }
        }
    } else {
        outln!("Why does TCP learn at once that nobody is there, and UDP not? Answer first;");
        outln!("then run again with --explain.");
    }
    Ok(())
}

/// The command line of `no-server`.
#[derive(Debug, Clone)]
pub struct Args {
    /// Host to probe.
    pub host: String,
    /// A port where nothing listens; `None` finds a free one.
    pub port: Option<u16>,
    /// The name for the resolution probe.
    pub name: String,
    /// How long the UDP receive probes wait.
    pub timeout: Duration,
    /// Print what each row means.
    pub explain: bool,
}

impl cli::Args for Args {
    fn command() -> Command {
        Command::new(
            "no-server",
            "probe what clients see when nobody listens (TCP refused, UDP silent)",
        )
        .flag("host", "HOST", "localhost", "host to probe (the probes send traffic there)")
        .option("port", "PORT", "a port where nothing listens (default: a free one)")
        .option("name", "NAME", "name for the resolve probe (default: fails with no DNS query)")
        .flag("timeout", "DURATION", "1", "UDP receive wait (bare number: seconds)")
        .switch("explain", "explain each row after the table")
        .example("no-server --timeout 500ms --explain")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        Ok(Args {
            host: m.value("host").to_string(),
            port: m.get("port").map(|_| m.number("port", 1, 65535)).transpose()?,
            name: m.get("name").unwrap_or(UNRESOLVABLE).to_string(),
            timeout: m.timeout("timeout")?,
            explain: m.is_set("explain"),
        })
    }
}

/// A name no resolver accepts: its first label is longer than the 63 bytes DNS
/// allows, so the C library refuses it before sending any query (nothing leaves
/// the machine), and it is under the reserved `.invalid` top-level domain.
pub const UNRESOLVABLE: &str =
    "this-label-is-longer-than-the-sixty-three-bytes-that-dns-allows-in-one-label.invalid";

/// One probe and what came of it.
#[derive(Debug, Clone)]
pub struct Probe {
    /// Short name: `TCP connect`.
    pub probe: &'static str,
    /// The call the client made: `connect()`.
    pub call: String,
    /// What happened, in a few words.
    pub outcome: String,
    /// How long the call took.
    pub took: Duration,
    /// The operating system's error, or `-`.
    pub os_error: String,
}

/// Runs every probe against `--host` on `--port` (none given: a free port) and
/// returns the results in order: the calls a client makes, each timed on its own.
///
/// # Errors
///
/// Only when the host cannot be resolved or no free port can be found; each
/// probe's own failure is its result, not an error.
pub fn run_probes(args: &Args) -> Result<Vec<Probe>> {
    use io::ErrorKind::{ConnectionRefused, ConnectionReset, NotFound, TimedOut};
    let (name, timeout) = (&args.name, args.timeout);
    let ip = resolve(&args.host, 0, Family::Any)?[0].ip();
    let target = SocketAddr::new(ip, args.port.map_or_else(|| free_port(ip), Ok)?);
    let udp = || {
        net::bind_udp_for(target).map_err(|e| io::Error::new(io::ErrorKind::Other, e.to_string()))
    };
    let wait = crate::clock::secs_text(timeout);
    Ok(vec![
        // The name first: a wrong name is not a missing server.
        probe("resolve name", "getaddrinfo(NAME)", &[(NotFound, "failed: no such name")], || {
            let not_found = |e: io::Error| io::Error::new(NotFound, e.to_string());
            let addr = (name.as_str(), 0).to_socket_addrs().map_err(not_found)?.next();
            Ok(addr.map_or("no address".into(), |a| format!("resolved to {}", a.ip())))
        }),
        // TCP: the SYN is answered with a RST by the host's kernel.
        probe("TCP connect", "connect()", &[(ConnectionRefused, "refused at once (RST)")], || {
            TcpStream::connect_timeout(&target, net::CONNECT_TIMEOUT)?;
            Ok("connected: a server IS there".into())
        }),
        // UDP: send_to only hands the datagram to the network.
        probe("UDP send", "send_to()", &[], || {
            udp()?.send_to(b"hello", target)?;
            Ok("succeeded: no handshake".into())
        }),
        // An unconnected socket: is it told of the ICMP port unreachable?
        probe(
            "UDP receive",
            &format!("recv_from(), {wait}"),
            &[(TimedOut, "timed out: not told"), (ConnectionReset, "reset: ICMP reported")],
            || {
                let socket = udp()?;
                socket.set_read_timeout(Some(timeout))?;
                socket.send_to(b"hello", target)?;
                let (_, from) = socket.recv_from(&mut [0u8; 64])?;
                Ok(format!("reply from {from}"))
            },
        ),
        // A connected socket has one peer, so the kernel can report the ICMP.
        probe(
            "connected UDP",
            "connect, send, recv",
            &[
                (ConnectionRefused, "refused: ICMP reached it"),
                (ConnectionReset, "reset: ICMP reached it"),
                (TimedOut, "timed out: not told"),
            ],
            || {
                let socket = udp()?;
                socket.connect(target)?; // sends nothing: it only fixes the peer address
                socket.set_read_timeout(Some(timeout))?;
                socket.send(b"hello")?;
                socket.recv(&mut [0u8; 64])?;
                Ok("a reply: a server IS there".into())
            },
        ),
    ])
}

/// Times one probe; an error is named by `words` (by its kind) where it is
/// the one the lesson expects, or else by the OS's own words.
fn probe(
    probe: &'static str,
    call: &str,
    words: &[(io::ErrorKind, &'static str)],
    run: impl FnOnce() -> io::Result<String>,
) -> Probe {
    let started = Instant::now();
    let result = run();
    let took = started.elapsed();
    let (outcome, os_error) = match result {
        Ok(outcome) => (outcome, "-".to_string()),
        Err(e) => {
            let kind = if is_timeout(&e) { io::ErrorKind::TimedOut } else { e.kind() };
            let known = words.iter().find(|(k, _)| *k == kind).map(|(_, w)| w.to_string());
            (known.unwrap_or_else(|| format!("failed: {}", describe(&e))), os_error(&e))
        }
    };
    Probe { probe, call: call.to_string(), outcome, took, os_error }
}

/// Finds a port on `ip` where neither TCP nor UDP listens right now, by
/// binding both on port 0 and letting them go. (Another program could take it
/// in between; for a probe on one machine that race does not matter.)
///
/// # Errors
///
/// `cannot find a free port` when binding fails.
pub fn free_port(ip: IpAddr) -> Result<u16> {
    for _ in 0..20 {
        let udp = UdpSocket::bind((ip, 0)).map_err(|e| Error::io("cannot find a free port", &e))?;
        let port = net::local_addr_of(udp.local_addr())?.port();
        if std::net::TcpListener::bind((ip, port)).is_ok() {
            return Ok(port);
        }
    }
    Err(Error::failed("cannot find a free port", "every try was taken"))
}

/// The OS error's number and name, as a student would look it up:
/// `111 ECONNREFUSED` on Linux, `10054 WSAECONNRESET` on Windows; the
/// resolver's own words for a name that does not resolve.
fn os_error(err: &io::Error) -> String {
    let code = match err.raw_os_error() {
        Some(code) => code,
        // The resolver's words: "Name or service not known" (Linux), or Windows'
        // "Host not found. (os error 11001)" as "11001 Host not found.".
        None => {
            let text = err.to_string();
            let words = text.rsplit(": ").next().unwrap_or_default();
            return match words.split_once(" (os error ") {
                Some((words, code)) => format!("{} {words}", code.trim_end_matches(')')),
                None => words.to_string(),
            };
        }
    };
    let name = match (code, cfg!(windows)) {
        (111, false) => "ECONNREFUSED",
        (104, false) => "ECONNRESET",
        (11, false) => "EAGAIN (timeout)",
        (110, false) => "ETIMEDOUT",
        (10054, true) => "WSAECONNRESET",
        (10060, true) => "WSAETIMEDOUT",
        (10061, true) => "WSAECONNREFUSED",
        _ => return format!("{code} {}", describe(err)),
    };
    format!("{code} {name}")
}

/// The widest each column may be, so a row fits 100 columns.
const WIDTHS: [usize; 5] = [13, 19, 27, 8, 25];

/// Lays the probes out as a table no wider than 100 columns; a cell too long
/// for its column is cut and ends in `~`.
pub fn table(probes: &[Probe]) -> Vec<String> {
    let header = ["probe", "the client called", "what happened", "took", "OS error"];
    let mut rows = vec![header.map(String::from)];
    for p in probes {
        let took = format_took(p.took);
        rows.push([p.probe.into(), p.call.clone(), p.outcome.clone(), took, p.os_error.clone()]);
    }
    let line = |row: &[String; 5]| {
        let [w0, w1, w2, w3, _] = WIDTHS;
        let [a, b, c, d, e] = [0, 1, 2, 3, 4].map(|i| fit(&row[i], WIDTHS[i]));
        format!("{a:<w0$}  {b:<w1$}  {c:<w2$}  {d:>w3$}  {e}").trim_end().to_string()
    };
    rows.iter().map(line).collect()
}

fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    text.chars().take(width - 1).chain(Some('~')).collect()
}

/// `0.042 ms` for fast calls, `201.8 ms` or `1.000 s` for timeouts: 8 columns.
fn format_took(d: Duration) -> String {
    let ms = crate::clock::ms(d);
    if d >= Duration::from_secs(1) {
        format!("{:.3} s", d.as_secs_f64())
    } else if ms >= 100.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

/// What each row means, for `--explain`.
pub const EXPLAIN: [&str; 6] = [
    "resolve name: no address, so nothing was sent to any server. A wrong name is not \
         a missing server.",
    "TCP connect: the host's kernel answered the SYN with a RST, so connect() failed in \
         about one round trip. TCP learns at once because it asks before it sends data.",
    "UDP send: there is no handshake; send_to() only hands the datagram to the network, \
         so it succeeds whether or not anything listens.",
    "UDP receive: the host answered with an ICMP port-unreachable. On Linux and the BSDs \
         an unconnected socket is not told by default (recv_from cannot say which \
         destination refused), so it times out; on Windows the next recvfrom fails with \
         WSAECONNRESET (10054).",
    "connected UDP: after connect() the socket has one peer, so the kernel can report \
         the ICMP as 'connection refused' on the next recv.",
    "None of this is guaranteed off loopback: firewalls drop ICMP and hosts rate-limit \
         it, and then UDP cannot tell a missing server from a lost datagram.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_against_a_free_loopback_port() {
        let args = Args {
            host: "127.0.0.1".into(),
            port: None,
            name: UNRESOLVABLE.into(),
            timeout: Duration::from_millis(100),
            explain: false,
        };
        let probes = run_probes(&args).unwrap();
        assert_eq!(probes.len(), 5);
        assert!(probes[0].outcome.starts_with("failed"), "{probes:?}");
        assert!(probes[1].outcome.starts_with("refused"), "{probes:?}");
        assert!(probes[2].outcome.starts_with("succeeded"), "{probes:?}");
        if cfg!(windows) {
            // Real Windows reports WSAECONNRESET; Wine 8 never passes ICMP errors
            // to UDP sockets, so under Wine the receive times out as on Linux.
            let seen = &probes[3].outcome;
            assert!(seen.starts_with("reset") || seen.starts_with("timed out"), "{probes:?}");
        } else {
            assert!(probes[3].outcome.starts_with("timed out"), "{probes:?}");
            assert!(probes[3].took >= Duration::from_millis(100));
        }
        if cfg!(target_os = "linux") {
            assert!(probes[4].outcome.starts_with("refused"), "{probes:?}");
        }
        assert!(table(&probes).iter().all(|l| l.chars().count() <= 100));
    }

    #[test]
    fn long_cells_are_cut_to_fit() {
        let probes = vec![Probe {
            probe: "p",
            call: "a".repeat(50),
            outcome: "o".into(),
            took: Duration::from_micros(42),
            os_error: "e".repeat(80),
        }];
        let lines = table(&probes);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].contains("0.042 ms"), "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 100), "{lines:?}");
        assert!(lines[1].contains(&format!("{}~", "a".repeat(18))), "{lines:?}");
    }
}
