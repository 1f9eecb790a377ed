//! The echo server that listens on `[::]` and serves IPv4 and IPv6 clients alike.
//!
//! [`bind`] finds out what the system does with a wildcard IPv6 socket and
//! returns one or two listeners ([`Listeners`]); [`serve`] runs one accept
//! thread per listener, each with [`crate::server::serve_tcp`] and the same
//! handler, [`echo_client`]. See the [module docs](super) for the story.

use crate::error::{describe, is_timeout, Error, Result};
use crate::net::bind_error;
use crate::output::Log;
use crate::server::{serve_tcp, TcpOptions};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};

/// How the listening sockets cover the two IP versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stack {
    /// One `[::]` socket takes both: `IPV6_V6ONLY` is off (Linux's usual default),
    /// so IPv4 clients arrive as IPv4-mapped addresses.
    DualStack,
    /// `[::]` is IPv6-only on this system (Windows, or Linux with
    /// `bindv6only = 1`), so a second socket on `0.0.0.0` takes IPv4.
    SplitStacks,
    /// IPv6 is not available; one socket on `0.0.0.0`. The text says why.
    Ipv4Only(String),
    /// IPv4 is not available next to an IPv6-only `[::]`; the text says why.
    Ipv6Only(String),
    /// The user asked for one address (`--host 127.0.0.1`, `--host ::1`):
    /// one socket, no detection.
    Single,
}

/// The bound listening sockets, first the one to announce.
#[derive(Debug)]
pub struct Listeners {
    /// One or two listeners, all on the same port.
    pub sockets: Vec<TcpListener>,
    /// What [`bind`] found out.
    pub stack: Stack,
}

impl Listeners {
    /// The address of the first listener, for the `listening on` line.
    ///
    /// # Errors
    ///
    /// `cannot read the local address: ...` (practically never happens).
    pub fn first_addr(&self) -> Result<SocketAddr> {
        match self.sockets.first() {
            Some(socket) => crate::net::local_addr_of(socket.local_addr()),
            None => Err(Error::failed("cannot listen", "no socket was bound")),
        }
    }

    /// Lines that tell the user how IPv4 and IPv6 clients will be served, printed
    /// right after the `listening on` line.
    pub fn notes(&self) -> Vec<String> {
        let port = self
            .sockets
            .first()
            .and_then(|s| s.local_addr().ok())
            .map_or(0, |a| a.port());
        match &self.stack {
            Stack::DualStack => vec![
                format!("[::]:{port} accepts IPv4 too (IPV6_V6ONLY is off on this system)"),
                "IPv4 clients will show up as IPv4-mapped addresses, ::ffff:a.b.c.d".to_string(),
            ],
            Stack::SplitStacks => vec![format!(
                "[::] is IPv6-only on this system, so IPv4 clients are served on 0.0.0.0:{port} as well"
            )],
            Stack::Ipv4Only(why) => vec![format!(
                "IPv6 is not available here ({why}); serving IPv4 clients only"
            )],
            Stack::Ipv6Only(why) => vec![format!(
                "[::] is IPv6-only and IPv4 cannot be added ({why}); serving IPv6 clients only"
            )],
            Stack::Single => Vec::new(),
        }
    }
}

/// Binds the listener(s) for `host:port`.
///
/// For the IPv6 wildcard (`::`, the default) it binds `[::]:port` and then tries
/// `0.0.0.0` on the port it got. std's `TcpListener::bind` leaves `IPV6_V6ONLY`
/// at the system default and cannot change it (that needs `setsockopt` before
/// `bind`, so `unsafe` code or a dependency), so the second bind is how we find
/// out: it fails with "address in use" exactly when `[::]` already covers IPv4.
/// If `[::]` cannot be bound for any reason but "in use", the machine has no
/// usable IPv6 and we fall back to `0.0.0.0`.
///
/// Any other `host` is bound as it is, with [`crate::net::bind_tcp`].
///
/// One corner is left open: with `--port 0` on an IPv6-only system, the port
/// picked for `[::]` may already be held by some other program's IPv4 socket;
/// the second bind then fails and the server reports dual-stack by mistake.
///
/// # Errors
///
/// `cannot listen on [::]:4567: port 4567 is already in use — pick another with
/// --port`, or the bind error of the IPv4 fallback.
pub fn bind(host: &str, port: u16) -> Result<Listeners> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<Ipv6Addr>() {
        Ok(ip) if ip.is_unspecified() => bind_wildcard(port),
        _ => Ok(Listeners {
            sockets: vec![crate::net::bind_tcp(host, port)?],
            stack: Stack::Single,
        }),
    }
}

fn bind_wildcard(port: u16) -> Result<Listeners> {
    let v6_addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    let v6 = match TcpListener::bind(v6_addr) {
        Ok(listener) => listener,
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => return Err(bind_error(v6_addr, &e)),
        Err(no_ipv6) => {
            let v4_addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, port));
            let v4 = TcpListener::bind(v4_addr).map_err(|e| bind_error(v4_addr, &e))?;
            return Ok(Listeners {
                sockets: vec![v4],
                stack: Stack::Ipv4Only(describe(&no_ipv6)),
            });
        }
    };
    // With --port 0 the system picked the port: IPv4 must join on that one.
    let port = crate::net::local_addr_of(v6.local_addr())?.port();
    match TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)) {
        Ok(v4) => Ok(Listeners {
            sockets: vec![v6, v4],
            stack: Stack::SplitStacks,
        }),
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => Ok(Listeners {
            sockets: vec![v6],
            stack: Stack::DualStack,
        }),
        Err(e) => Ok(Listeners {
            sockets: vec![v6],
            stack: Stack::Ipv6Only(describe(&e)),
        }),
    }
}

/// Serves every listener, each on its own accept thread, all with
/// [`echo_client`]. Returns when every listener has stopped, which happens
/// only when `options.limit` is set (it applies to each listener).
///
/// # Errors
///
/// As [`crate::server::serve_tcp`] (none in practice).
pub fn serve(listeners: Listeners, options: TcpOptions) -> Result<()> {
    std::thread::scope(|scope| {
        let threads: Vec<_> = listeners
            .sockets
            .into_iter()
            .map(|listener| {
                let options = options.clone();
                scope.spawn(move || serve_tcp(listener, options, echo_client))
            })
            .collect();
        for thread in threads {
            match thread.join() {
                Ok(result) => result?,
                Err(_) => return Err(Error::failed("accept thread", "it panicked")),
            }
        }
        Ok(())
    })
}

/// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`),
/// or `None` for a plain IPv4 or IPv6 address.
///
/// ```
/// use socket_labs::dual_stack::server::ipv4_mapped;
/// let mapped = "[::ffff:127.0.0.1]:4567".parse().unwrap();
/// assert_eq!(ipv4_mapped(&mapped), Some("127.0.0.1".parse().unwrap()));
/// assert_eq!(ipv4_mapped(&"[::1]:4567".parse().unwrap()), None);
/// assert_eq!(ipv4_mapped(&"127.0.0.1:4567".parse().unwrap()), None);
/// ```
pub fn ipv4_mapped(peer: &SocketAddr) -> Option<Ipv4Addr> {
    match peer.ip() {
        // The first 80 bits zero, the next 16 one, then the IPv4 address.
        IpAddr::V6(ip) => ip.to_ipv4_mapped(),
        IpAddr::V4(_) => None,
    }
}

/// Says in words which IP version a peer used, for the log.
///
/// ```
/// use socket_labs::dual_stack::server::describe_peer;
/// assert_eq!(describe_peer(&"[::1]:1".parse().unwrap()), "IPv6");
/// assert_eq!(describe_peer(&"127.0.0.1:1".parse().unwrap()), "IPv4");
/// assert_eq!(
///     describe_peer(&"[::ffff:10.0.0.7]:1".parse().unwrap()),
///     "an IPv4 client, seen as the IPv4-mapped address ::ffff:10.0.0.7"
/// );
/// ```
pub fn describe_peer(peer: &SocketAddr) -> String {
    match (peer, ipv4_mapped(peer)) {
        (SocketAddr::V6(v6), Some(_)) => format!(
            "an IPv4 client, seen as the IPv4-mapped address {}",
            v6.ip()
        ),
        (SocketAddr::V6(_), None) => "IPv6".to_string(),
        (SocketAddr::V4(_), _) => "IPv4".to_string(),
    }
}

/// Echoes every byte of one connection back until the client closes it.
///
/// Logs the peer and its IP version, each read as it is echoed (so the log
/// shows how a long line arrives in pieces), and the total at the end.
///
/// # Errors
///
/// `read failed: ...` or `write failed: ...` (the client vanished), or
/// `dropped the connection: ...` when the client said nothing for longer than
/// the server's read timeout. [`serve_tcp`] logs them; the server carries on.
pub fn echo_client(mut stream: TcpStream, peer: SocketAddr, log: &Log) -> Result<()> {
    log.line(format_args!(
        "connection from {peer} ({})",
        describe_peer(&peer)
    ));
    let mut buf = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => {
                let waited = match stream.read_timeout() {
                    Ok(Some(limit)) => format!("{} s", limit.as_secs_f64()),
                    _ => "too long".to_string(),
                };
                return Err(Error::failed(
                    "dropped the connection",
                    format!(
                        "nothing received for {waited} (--timeout), after {} echoed",
                        bytes(total)
                    ),
                ));
            }
            Err(e) => return Err(Error::io("read failed", &e)),
        };
        stream
            .write_all(&buf[..n])
            .map_err(|e| Error::io("write failed", &e))?;
        total += n as u64;
        log.line(format_args!("{peer}: echoed {}", bytes(n as u64)));
    }
    log.line(format_args!(
        "{peer} closed the connection; {} echoed",
        bytes(total)
    ));
    Ok(())
}

/// `1 byte`, `6 bytes`.
fn bytes(n: u64) -> String {
    if n == 1 {
        "1 byte".to_string()
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn loopback_v6() -> bool {
        TcpListener::bind("[::1]:0").is_ok()
    }

    #[test]
    fn wildcard_bind_serves_ipv4_and_ipv6_on_one_port() {
        let listeners = bind("::", 0).unwrap();
        let addr = listeners.first_addr().unwrap();
        let port = addr.port();
        assert_ne!(port, 0);
        let count = listeners.sockets.len();
        match &listeners.stack {
            Stack::DualStack => assert_eq!(count, 1),
            Stack::SplitStacks => assert_eq!(count, 2),
            Stack::Ipv4Only(_) | Stack::Ipv6Only(_) => assert_eq!(count, 1),
            Stack::Single => panic!("the wildcard must be detected"),
        }
        for listener in &listeners.sockets {
            assert_eq!(listener.local_addr().unwrap().port(), port);
        }
        assert!(!listeners.notes().is_empty());
        let options = TcpOptions {
            log: Log::quiet(),
            read_timeout: Duration::from_secs(5),
            limit: None,
            ..TcpOptions::default()
        };
        std::thread::spawn(move || serve(listeners, options));
        let mut targets = vec![format!("127.0.0.1:{port}")];
        if loopback_v6() {
            targets.push(format!("[::1]:{port}"));
        }
        for target in targets {
            let mut stream = TcpStream::connect(&target).unwrap();
            stream.write_all("héllo\n".as_bytes()).unwrap();
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            let mut echo = Vec::new();
            stream.read_to_end(&mut echo).unwrap();
            assert_eq!(echo, "héllo\n".as_bytes(), "{target}");
        }
    }

    #[test]
    fn a_named_address_is_bound_as_it_is() {
        let listeners = bind("127.0.0.1", 0).unwrap();
        assert_eq!(listeners.stack, Stack::Single);
        assert!(listeners.first_addr().unwrap().is_ipv4());
        assert!(listeners.notes().is_empty());
    }

    #[test]
    fn a_port_in_use_is_reported_not_worked_around() {
        let first = bind("::", 0).unwrap();
        let port = first.first_addr().unwrap().port();
        let err = bind("::", port).unwrap_err().to_string();
        assert!(err.contains("already in use"), "{err}");
    }

    #[test]
    fn mapped_addresses_are_recognised() {
        let mapped: SocketAddr = "[::ffff:192.0.2.1]:80".parse().unwrap();
        assert_eq!(ipv4_mapped(&mapped), Some(Ipv4Addr::new(192, 0, 2, 1)));
        // ::192.0.2.1 is the old "IPv4-compatible" form, not a mapped address.
        let compatible: SocketAddr = "[::192.0.2.1]:80".parse().unwrap();
        assert_eq!(ipv4_mapped(&compatible), None);
        assert_eq!(describe_peer(&compatible), "IPv6");
    }
}
