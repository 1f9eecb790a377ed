//! Name resolution, connecting and binding, with errors a student can act on.
//!
//! Every exercise opens sockets the same way, so the code lives here once:
//!
//! * [`resolve`] turns `localhost` or `::1` into socket addresses, optionally
//!   for one address family only (the dual-stack client needs that).
//! * [`connect_tcp`] tries each address with a time limit, and says
//!   `connection refused — is file-server running?` instead of a raw OS error.
//! * [`bind_tcp`] / [`bind_udp`] say `port 5678 is already in use` instead of
//!   `Address already in use (os error 98)`.
//! * [`udp_client_socket`] binds an ephemeral UDP port of the server's family.
//! * [`announce`] prints the `<binary> listening on <ADDR>` line every server
//!   starts with; tests and the tour read the real port from it.

use crate::error::{describe, Error, Result};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::Duration;

/// How long a TCP connect may take before we give up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a server waits for a silent client before dropping it.
pub const SERVER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest UDP payload over IPv4: 65,535 − 20 (IP header) − 8 (UDP header).
pub const MAX_UDP_PAYLOAD: usize = 65_507;

/// The largest datagram a UDP receiver here reads: the 16-bit UDP length
/// field's maximum, so nothing is ever cut (the originals read 1024 or 2048
/// bytes, and the rest of a longer datagram was silently thrown away).
pub const MAX_DATAGRAM: usize = 65_535;

/// Which IP version to resolve a name for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Whatever the system returns, in its order of preference.
    Any,
    /// IPv4 addresses only.
    V4,
    /// IPv6 addresses only.
    V6,
}

impl Family {
    fn accepts(self, addr: &SocketAddr) -> bool {
        match self {
            Family::Any => true,
            Family::V4 => addr.is_ipv4(),
            Family::V6 => addr.is_ipv6(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::Any => "IP",
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

/// Resolves `host` (a name, `127.0.0.1`, `::1` or `[::1]`) and `port` to socket
/// addresses of the wanted family, in the system's order of preference.
///
/// ```
/// use socket_labs::net::{resolve, Family};
/// let addrs = resolve("127.0.0.1", 80, Family::Any).unwrap();
/// assert_eq!(addrs[0].to_string(), "127.0.0.1:80");
/// assert!(resolve("127.0.0.1", 80, Family::V6).is_err());
/// ```
///
/// # Errors
///
/// `cannot resolve 'HOST': ...` when the name is unknown, and `'HOST' has no
/// IPv6 address` (with a hint to use `::1` for `localhost`) when it resolves,
/// but not for the wanted family.
pub fn resolve(host: &str, port: u16, family: Family) -> Result<Vec<SocketAddr>> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let all: Vec<SocketAddr> = (bare, port)
        .to_socket_addrs()
        .map_err(|e| Error::io(format!("cannot resolve '{host}'"), &e))?
        .collect();
    if all.is_empty() {
        return Err(Error::failed(format!("cannot resolve '{host}'"), "the name has no addresses"));
    }
    let wanted: Vec<SocketAddr> = all.into_iter().filter(|a| family.accepts(a)).collect();
    if wanted.is_empty() {
        let err = Error::failed(
            format!("cannot resolve '{host}'"),
            format!("it has no {} address on this system", family.name()),
        );
        return Err(match (family, bare) {
            (Family::V6, "localhost") => err.hint("use ::1 to reach this machine over IPv6"),
            (Family::V4, "localhost") => err.hint("use 127.0.0.1 to reach this machine over IPv4"),
            _ => err,
        });
    }
    Ok(wanted)
}

/// Connects to `host:port`, trying each resolved address in turn, each with
/// [`CONNECT_TIMEOUT`].
///
/// `server` names the program that should be listening; it goes into the hint
/// of a refused connection (`is tcp-upper-server running?`).
///
/// # Errors
///
/// A resolution error from [`resolve`], or `cannot connect to ADDR: WHY` for the
/// last address tried.
pub fn connect_tcp(host: &str, port: u16, family: Family, server: &str) -> Result<TcpStream> {
    let open = |addr| TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT);
    try_each(resolve(host, port, family)?, open, |addr, e| connect_error(addr, e, server))
}

/// Opens the first address that works; when none does, the error of the last one tried.
fn try_each<T>(
    addrs: Vec<SocketAddr>,
    open: impl Fn(SocketAddr) -> std::io::Result<T>,
    error: impl Fn(SocketAddr, &std::io::Error) -> Error,
) -> Result<T> {
    // resolve() never returns an empty list, so this is always replaced.
    let mut last = Error::failed("cannot open a socket", "no address to try");
    for addr in addrs {
        match open(addr) {
            Ok(socket) => return Ok(socket),
            Err(e) => last = error(addr, &e),
        }
    }
    Err(last)
}

/// The error for a failed connect, with a hint that fits the cause.
pub fn connect_error(addr: SocketAddr, err: &std::io::Error, server: &str) -> Error {
    let e = Error::io(format!("cannot connect to {addr}"), err);
    match err.kind() {
        std::io::ErrorKind::ConnectionRefused => {
            e.hint(format!("is {server} running on port {}?", addr.port()))
        }
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => e.hint(format!(
            "no answer within {} s; is the address right, or is a firewall dropping packets?",
            CONNECT_TIMEOUT.as_secs()
        )),
        _ => e,
    }
}

/// Binds a TCP listener on `host:port` (`--port 0` picks a free port).
///
/// # Errors
///
/// `port N is already in use — pick another with --port`, or
/// `cannot listen on ADDR: WHY` (for example an address this machine does not have).
pub fn bind_tcp(host: &str, port: u16) -> Result<TcpListener> {
    try_each(resolve(host, port, Family::Any)?, TcpListener::bind, bind_error)
}

/// Binds a UDP socket on `host:port`; errors as [`bind_tcp`].
///
/// # Errors
///
/// As [`bind_tcp`].
pub fn bind_udp(host: &str, port: u16) -> Result<UdpSocket> {
    try_each(resolve(host, port, Family::Any)?, UdpSocket::bind, bind_error)
}

/// The error for a failed bind; a port in use gets its own clear sentence.
pub fn bind_error(addr: SocketAddr, err: &std::io::Error) -> Error {
    let what = format!("cannot listen on {addr}");
    if err.kind() == std::io::ErrorKind::AddrInUse {
        Error::failed(what, format!("port {} is already in use", addr.port()))
            .hint("pick another with --port")
    } else {
        Error::failed(what, describe(err))
    }
}

/// A UDP socket for a client: resolves the server, then binds an ephemeral
/// port on the wildcard address of the same family (an IPv4 socket cannot
/// send to an IPv6 address, and the other way round).
///
/// A UDP client cannot try each address in turn as TCP's connect does (a
/// datagram to the wrong one just vanishes), so when a name such as
/// `localhost` has both an IPv4 and an IPv6 address, the IPv4 one is used:
/// the servers in this crate listen on IPv4 unless told otherwise. Pass `::1`
/// to use IPv6.
///
/// The socket is *not* connected: the clients use `send_to` / `recv_from`, as
/// the originals did, and check that each reply really comes from the server.
///
/// # Errors
///
/// A resolution error, or `cannot open a UDP socket: WHY`.
pub fn udp_client_socket(host: &str, port: u16) -> Result<(UdpSocket, SocketAddr)> {
    let addrs = resolve(host, port, Family::Any)?;
    let server = addrs.iter().find(|a| a.is_ipv4()).copied().unwrap_or(addrs[0]);
    Ok((bind_udp_for(server)?, server))
}

/// Binds a UDP socket on any free port of the same family as `peer`.
///
/// A client socket must be of the server's family: an IPv4 socket cannot
/// send to `::1`. Binding the family's wildcard (`0.0.0.0:0` or `[::]:0`) is
/// what Python's `socket(AF_INET, SOCK_DGRAM)` does on its first `sendto`.
///
/// # Errors
///
/// `cannot open a UDP socket` when the OS refuses.
pub fn bind_udp_for(peer: SocketAddr) -> Result<UdpSocket> {
    let local: SocketAddr = if peer.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    UdpSocket::bind(local).map_err(|e| Error::io("cannot open a UDP socket", &e))
}

/// Reads until `buf` is full or the stream ends; returns how many bytes came.
///
/// `read` returns whatever has arrived, which may be less than asked for:
/// TCP is a byte stream, not a sequence of messages.
///
/// # Errors
///
/// The read error, with the bytes read so far lost to the caller; use a
/// loop of your own where those matter.
pub fn read_full(reader: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Prints a server's first line, `<binary> listening on <ADDR>`, and flushes it.
///
/// `ADDR` is the address the socket really got, so `--port 0` shows the port the
/// system picked. Tests and the tour read this line to find the server.
pub fn announce(binary: &str, addr: SocketAddr) {
    crate::outln!("{binary} listening on {addr}");
}

/// The local address of a socket for the `listening on` line.
///
/// # Errors
///
/// `cannot read the local address: WHY` (practically never happens).
pub fn local_addr_of(result: std::io::Result<SocketAddr>) -> Result<SocketAddr> {
    result.map_err(|e| Error::io("cannot read the local address", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_literal_addresses_with_and_without_brackets() {
        assert_eq!(resolve("127.0.0.1", 7, Family::V4).unwrap()[0].to_string(), "127.0.0.1:7");
        assert_eq!(resolve("::1", 7, Family::V6).unwrap()[0].to_string(), "[::1]:7");
        assert_eq!(resolve("[::1]", 7, Family::Any).unwrap()[0].to_string(), "[::1]:7");
    }

    #[test]
    fn wrong_family_is_a_clear_error() {
        let err = resolve("127.0.0.1", 7, Family::V6).unwrap_err().to_string();
        assert!(err.contains("has no IPv6 address"), "{err}");
        let err = resolve("::1", 7, Family::V4).unwrap_err().to_string();
        assert!(err.contains("has no IPv4 address"), "{err}");
    }

    #[test]
    fn unresolvable_name_is_one_line() {
        // A label over 63 bytes: refused by the resolver without any DNS query.
        let name = crate::no_server::UNRESOLVABLE;
        let err = resolve(name, 7, Family::Any).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with(&format!("cannot resolve '{name}': ")), "{text}");
        assert!(!text.contains('\n'));
        assert_eq!(err.exit_code(), 1);
    }

    #[test]
    fn port_in_use_says_so() {
        let first = bind_tcp("127.0.0.1", 0).unwrap();
        let port = first.local_addr().unwrap().port();
        let err = bind_tcp("127.0.0.1", port).unwrap_err().to_string();
        assert!(err.contains(&format!("port {port} is already in use")), "{err}");
        assert!(err.contains("--port"), "{err}");

        let udp = bind_udp("127.0.0.1", 0).unwrap();
        let port = udp.local_addr().unwrap().port();
        let err = bind_udp("127.0.0.1", port).unwrap_err().to_string();
        assert!(err.contains("already in use"), "{err}");
    }

    #[test]
    fn refused_connect_names_the_server() {
        // Bind, learn the port, close: nothing listens there any more.
        let port = bind_tcp("127.0.0.1", 0).unwrap().local_addr().unwrap().port();
        let err =
            connect_tcp("127.0.0.1", port, Family::Any, "demo-server").unwrap_err().to_string();
        assert!(err.contains("connection refused"), "{err}");
        assert!(err.contains("is demo-server running"), "{err}");
    }

    #[test]
    fn udp_client_socket_matches_the_server_family() {
        let (socket, server) = udp_client_socket("127.0.0.1", 9).unwrap();
        assert!(socket.local_addr().unwrap().is_ipv4());
        assert_eq!(server.port(), 9);
    }
}
