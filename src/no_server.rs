//! `no-server`: what a client sees when nobody is listening (Experiment 4, Task 5).
//!
//! # What you will learn
//!
//! The task asks what happens when a TCP and a UDP client talk to a server
//! that does not exist. There are three different situations hiding in that
//! question, and this program probes each on purpose:
//!
//! 1. **The name does not resolve.** Nothing is sent to any server at all; the
//!    failure comes from the resolver (`getaddrinfo`). The original lab's
//!    screenshot of this question shows exactly this error, not a network one.
//! 2. **TCP to a port where nothing listens.** The client's SYN reaches the
//!    host, whose kernel answers with a RST: `connect` fails at once with
//!    "connection refused", in about one round trip.
//! 3. **UDP to a port where nothing listens.** `send_to` *succeeds*: UDP has no
//!    handshake, so the datagram is simply handed to the network. The host's
//!    kernel answers with an ICMP "port unreachable", but an unconnected UDP
//!    socket is not told, so `recv_from` just times out. A *connected* UDP
//!    socket (one that called `connect`, which sends nothing) is told: on Linux
//!    its next `recv` fails with "connection refused".
//!
//! ```text
//!   TCP client              host (no server)     UDP client             host (no server)
//!      |------- SYN ------------->|                 |---- datagram -------->|
//!      |<------ RST, ACK ---------|                 |<-- ICMP port unreach.-|
//!   connect(): refused                           send_to(): OK
//!                                                recv_from(): times out (unconnected)
//!                                                recv(): refused (connected, Linux)
//! ```
//!
//! A fourth case is not probed, because it needs a second machine: a host that
//! silently drops packets (a firewall). Then TCP's `connect` retries its SYN
//! for a while and finally times out, and UDP looks exactly as above.
//!
//! # How the original answered, and what changed
//!
//! The written answer said both clients get an error message. The figures say
//! otherwise for UDP: the send succeeds and only a timeout, or a connected
//! socket, reveals the missing server. The probe never sends anything off the
//! machine by default: it talks to `localhost`, and the name it fails to
//! resolve is rejected by the resolver before any query is sent.
//!
//! # On the wire
//!
//! `tshark -i lo -f "port PORT or icmp or icmp6"` with the port `no-server`
//! prints: a SYN answered by RST/ACK, then the UDP datagrams each answered by
//! an ICMP "destination unreachable (port unreachable)".
//! With `--port 25999` and the capture filter
//! `port 25999 or (icmp and icmp[30:2] = 25999)`, one run gave 8 packets:
//! SYN, RST; then a datagram and an ICMP port-unreachable for each of the three
//! UDP probes (`docs/wireshark.md`, section 4). The resolve probe sent nothing,
//! not even a DNS query.
//!
//! # Run it
//!
//! ```text
//! cargo run --bin no-server                    # probes localhost on a free port
//! cargo run --bin no-server -- --port 25999    # a fixed port, for a capture filter
//! cargo run --bin no-server -- --timeout 0.2   # a shorter wait for the UDP receive probe
//! ```
//!
//! # Things that go wrong
//!
//! * **Something listens on `--port`.** Then the probes talk to it and the table
//!   shows successes. Leave `--port` out and the program picks a port it has just
//!   checked is free.
//! * **`--host` pointing at another machine** sends real probes there; a host
//!   behind a firewall may drop them, and the TCP row then shows a connect
//!   timeout after several seconds instead of a refusal.
//! * **The connected UDP row on other systems.** Linux reports the ICMP as
//!   "connection refused" on the next receive; other systems may report it on a
//!   later call, or only time out.
//! * **`--name` with a real-looking name** makes the resolve probe send a DNS
//!   query; the default name is refused by the C library before any query.

use crate::error::{describe, is_timeout, Error, Result};
use crate::net::{resolve, Family};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// A name no resolver accepts: its first label is longer than the 63 bytes DNS
/// allows, so the C library refuses it before sending any query (nothing leaves
/// the machine), and it is under the reserved `.invalid` top-level domain.
pub const UNRESOLVABLE: &str =
    "this-label-is-longer-than-the-sixty-three-bytes-that-dns-allows-in-one-label.invalid";

/// One probe and what came of it.
#[derive(Debug, Clone)]
pub struct Probe {
    /// Short name: `tcp connect`.
    pub probe: String,
    /// What the client did: `connect() to 127.0.0.1:40123`.
    pub action: String,
    /// What happened, in words.
    pub outcome: String,
    /// How long the call took.
    pub took: Duration,
    /// The operating system's error, as std reports it, or `-`.
    pub os_error: String,
}

/// Finds a port on `ip` where neither TCP nor UDP has a listener right now, by
/// binding both on port 0 and letting them go. (Another program could take it
/// in between; for a probe on one machine that race does not matter.)
///
/// # Errors
///
/// `cannot find a free port: ...` if binding fails.
pub fn free_port(ip: IpAddr) -> Result<u16> {
    for _ in 0..20 {
        let udp = UdpSocket::bind((ip, 0)).map_err(|e| Error::io("cannot find a free port", &e))?;
        let port = udp
            .local_addr()
            .map_err(|e| Error::io("cannot find a free port", &e))?
            .port();
        if std::net::TcpListener::bind((ip, port)).is_ok() {
            return Ok(port);
        }
    }
    Err(Error::failed(
        "cannot find a free port",
        "every try was taken",
    ))
}

/// Runs every probe against `host:port` and returns the results in order.
///
/// `port` is where nothing should listen; `None` picks a free one. `name` is
/// the name used for the resolution probe (normally [`UNRESOLVABLE`]).
///
/// # Errors
///
/// Only when `host` itself cannot be resolved or no free port can be found;
/// each probe's own failure is its result, not an error.
pub fn run_probes(
    host: &str,
    port: Option<u16>,
    name: &str,
    timeout: Duration,
) -> Result<Vec<Probe>> {
    let ip = resolve(host, 0, Family::Any)?[0].ip();
    let port = match port {
        Some(port) => port,
        None => free_port(ip)?,
    };
    let target = SocketAddr::new(ip, port);
    Ok(vec![
        probe_resolve(name),
        probe_tcp(target),
        probe_udp_send(target).0,
        probe_udp_unconnected(target, timeout),
        probe_udp_connected(target, timeout),
    ])
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed())
}

fn os_error(err: &io::Error) -> String {
    crate::wsa::os_text(err) // Windows: WSAECONNREFUSED (os error 10061)
}

fn probe_resolve(name: &str) -> Probe {
    let (result, took) = timed(|| resolve(name, 0, Family::Any));
    let shown = if name.len() > 24 {
        format!("{}...", &name[..21])
    } else {
        name.to_string()
    };
    let (outcome, os_error) = match result {
        Ok(addrs) => (format!("resolved to {}", addrs[0].ip()), "-".to_string()),
        Err(Error::Failed { why, .. }) => (
            "failed: no address, so nothing was sent to any server".to_string(),
            why,
        ),
        Err(other) => (other.to_string(), "-".to_string()),
    };
    Probe {
        probe: "resolve name".into(),
        action: format!("getaddrinfo(\"{shown}\")"),
        outcome,
        took,
        os_error,
    }
}

fn probe_tcp(target: SocketAddr) -> Probe {
    let (result, took) = timed(|| TcpStream::connect_timeout(&target, crate::net::CONNECT_TIMEOUT));
    let (outcome, os_error) = match result {
        Ok(_) => (
            "connected: something IS listening there".to_string(),
            "-".to_string(),
        ),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => (
            "refused at once: the host's kernel answered the SYN with RST".to_string(),
            os_error(&e),
        ),
        Err(e) => (format!("failed: {}", describe(&e)), os_error(&e)),
    };
    Probe {
        probe: "TCP connect".into(),
        action: format!("connect() to {target}"),
        outcome,
        took,
        os_error,
    }
}

fn udp_socket_for(target: SocketAddr) -> io::Result<UdpSocket> {
    let any: IpAddr = if target.is_ipv4() {
        Ipv4Addr::UNSPECIFIED.into()
    } else {
        Ipv6Addr::UNSPECIFIED.into()
    };
    UdpSocket::bind((any, 0))
}

fn probe_udp_send(target: SocketAddr) -> (Probe, Option<UdpSocket>) {
    let (result, took) = timed(|| {
        let socket = udp_socket_for(target)?;
        socket.send_to(b"hello", target)?;
        Ok::<_, io::Error>(socket)
    });
    let (outcome, os_error, socket) = match result {
        Ok(socket) => (
            "succeeded: UDP has no handshake, the datagram just leaves".to_string(),
            "-".to_string(),
            Some(socket),
        ),
        Err(e) => (format!("failed: {}", describe(&e)), os_error(&e), None),
    };
    let probe = Probe {
        probe: "UDP send".into(),
        action: format!("send_to({target}, 5 bytes)"),
        outcome,
        took,
        os_error,
    };
    (probe, socket)
}

fn probe_udp_unconnected(target: SocketAddr, timeout: Duration) -> Probe {
    let action = format!(
        "send_to, then recv_from (timeout {})",
        crate::clock::secs_text(timeout)
    );
    let socket = match probe_udp_send(target).1 {
        Some(socket) => socket,
        None => {
            return Probe {
                probe: "UDP receive".into(),
                action,
                outcome: "skipped: the send failed".into(),
                took: Duration::ZERO,
                os_error: "-".into(),
            }
        }
    };
    let (result, took) = timed(|| {
        socket.set_read_timeout(Some(timeout))?;
        let mut buf = [0u8; 64];
        socket.recv_from(&mut buf)
    });
    let (outcome, os_error) = match result {
        Ok((_, from)) => (
            format!("got a reply from {from}: a server IS there"),
            "-".to_string(),
        ),
        Err(e) if is_timeout(&e) => (
            "timed out: the ICMP port-unreachable is not passed to an unconnected socket"
                .to_string(),
            os_error(&e),
        ),
        Err(e) => (format!("failed: {}", describe(&e)), os_error(&e)),
    };
    Probe {
        probe: "UDP receive".into(),
        action,
        outcome,
        took,
        os_error,
    }
}

fn probe_udp_connected(target: SocketAddr, timeout: Duration) -> Probe {
    let (result, took) = timed(|| {
        let socket = udp_socket_for(target)?;
        socket.connect(target)?; // sends nothing: it only fixes the peer address
        socket.set_read_timeout(Some(timeout))?;
        socket.send(b"hello")?;
        let mut buf = [0u8; 64];
        socket.recv(&mut buf)
    });
    let (outcome, os_error) = match result {
        Ok(_) => (
            "got a reply: a server IS there".to_string(),
            "-".to_string(),
        ),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => (
            "refused: the ICMP port-unreachable reached the connected socket".to_string(),
            os_error(&e),
        ),
        Err(e) if is_timeout(&e) => (
            "timed out: this system does not report ICMP errors to UDP sockets".to_string(),
            os_error(&e),
        ),
        Err(e) => (format!("failed: {}", describe(&e)), os_error(&e)),
    };
    Probe {
        probe: "connected UDP".into(),
        action: "connect(), send, recv".into(),
        outcome,
        took,
        os_error,
    }
}

/// Lays the probes out as a table with aligned columns.
pub fn table(probes: &[Probe]) -> Vec<String> {
    let header = [
        "probe",
        "what the client did",
        "what happened",
        "took",
        "OS error",
    ];
    let rows: Vec<[String; 5]> = probes
        .iter()
        .map(|p| {
            [
                p.probe.clone(),
                p.action.clone(),
                p.outcome.clone(),
                format_took(p.took),
                p.os_error.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        )
    };
    let mut lines = vec![line(header)];
    for row in &rows {
        lines.push(line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
    }
    lines
}

/// `0.042 ms` for fast calls, `1.000 s` for timeouts.
fn format_took(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.3} s", d.as_secs_f64())
    } else {
        format!("{:.3} ms", crate::clock::ms(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_against_a_free_loopback_port() {
        let probes =
            run_probes("127.0.0.1", None, UNRESOLVABLE, Duration::from_millis(100)).unwrap();
        assert_eq!(probes.len(), 5);
        assert!(probes[0].outcome.starts_with("failed"), "{probes:?}");
        assert!(probes[1].outcome.starts_with("refused"), "{probes:?}");
        assert!(probes[2].outcome.starts_with("succeeded"), "{probes:?}");
        assert!(probes[3].outcome.starts_with("timed out"), "{probes:?}");
        assert!(probes[3].took >= Duration::from_millis(100));
        if cfg!(target_os = "linux") {
            assert!(probes[4].outcome.starts_with("refused"), "{probes:?}");
        }
    }

    #[test]
    fn table_aligns_columns() {
        let probes = vec![Probe {
            probe: "p".into(),
            action: "a".into(),
            outcome: "o".into(),
            took: Duration::from_micros(42),
            os_error: "-".into(),
        }];
        let lines = table(&probes);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].contains("0.042 ms"), "{lines:?}");
        assert_eq!(lines[0].find("what the client did"), lines[1].find('a'));
    }
}
