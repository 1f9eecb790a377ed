//! `dual-stack-server`: the original `server.py` of Assignment 3, Part 3, call
//! for call (see the call map in the [module docs](super)).
//!
//! Memory per connection: one 64 KiB buffer and one thread, for at most
//! `--max-clients` connections (256) of at most `--max-time` each; the echo
//! loop holds nothing between reads, however long the client talks.

use super::ask_port;
use crate::cli::{self, Command, Matches};
use crate::error::{describe, is_timeout, Error, Result};
use crate::net::{self, bind_error};
use crate::output::Log;
use crate::server::{serve_tcp, TcpOptions};
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Instant;

/// The original, in its order: ask for the port, bind `[::]` and listen, then
/// accept and echo ([`serve`]).
///
/// # Errors
///
/// A port in use, or no address to bind.
pub fn run(args: Args) -> Result<()> {
    // input("Port number:"), when --port is not given; the end of input ends quietly.
    let port = ask_port(args.port, &mut std::io::stdin().lock(), 0)?;
    // socket(AF_INET6) + setsockopt(IPV6_V6ONLY, 0) + bind(("", port)) + listen(3): see bind().
    let listeners = bind(&args.host, port)?;
    net::announce("dual-stack-server", net::local_addr_of(listeners.main.local_addr())?);
    for line in listeners.note.lines() {
        crate::outln!("{line}");
    }
    serve(listeners, args.options)
}

/// The bound listening sockets, on one port, and what they mean for IPv4 and
/// IPv6 clients, in words for the start-up lines.
#[derive(Debug)]
pub struct Listeners {
    /// The socket announced: `[::]`, or what `--host` named.
    pub main: TcpListener,
    /// `0.0.0.0` as well, where `[::]` is IPv6-only.
    pub also: Option<TcpListener>,
    /// How IPv4 and IPv6 clients will be served (empty for a named `--host`).
    pub note: String,
}

/// Binds `host:port`; for the IPv6 wildcard (`::`, the default) it makes
/// sure IPv4 clients are served too.
///
/// The original set `IPV6_V6ONLY` to 0 before `bind`. std cannot (that needs
/// `setsockopt` before `bind`: `unsafe` code or a crate, and this crate has
/// neither), so `[::]` keeps the system's default. So we bind `[::]`, then
/// `0.0.0.0` on the same port: that fails with "address in use" exactly when
/// `[::]` already takes IPv4; where it succeeds, `[::]` is IPv6-only and both
/// sockets are served. Without IPv6 we fall back to `0.0.0.0` and say so.
/// (With `--port 0` on an IPv6-only system, another program's IPv4 socket on
/// the port picked would make the test say "dual-stack" by mistake.)
///
/// # Errors
///
/// `cannot listen on [::]:4567: port 4567 is already in use — ...`, or the
/// bind error of the IPv4 fallback.
pub fn bind(host: &str, port: u16) -> Result<Listeners> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let (also, note) = (None, String::new());
    if !matches!(bare.parse::<Ipv6Addr>(), Ok(ip) if ip.is_unspecified()) {
        return Ok(Listeners { main: net::bind_tcp(host, port)?, also, note });
    }
    let v6_addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    let main = match TcpListener::bind(v6_addr) {
        Ok(listener) => listener,
        Err(e) if e.kind() == ErrorKind::AddrInUse => return Err(bind_error(v6_addr, &e)),
        Err(e) => {
            let note = format!("IPv6 is not available ({}); serving IPv4 only", describe(&e));
            return Ok(Listeners { main: net::bind_tcp("0.0.0.0", port)?, also, note });
        }
    };
    // With --port 0 the system picked the port: IPv4 must join on that one.
    let port = net::local_addr_of(main.local_addr())?.port();
    let (also, note) = match TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)) {
        Ok(v4) => (Some(v4), format!("[::] is IPv6-only here: IPv4 clients use 0.0.0.0:{port}")),
        Err(e) if e.kind() == ErrorKind::AddrInUse => (None, format!("[::]:{port} {DUAL}")),
        Err(e) => (None, format!("[::] is IPv6-only; 0.0.0.0 failed: {}", describe(&e))),
    };
    Ok(Listeners { main, also, note })
}

/// The note for a `[::]` socket that takes IPv4 too.
const DUAL: &str = "accepts IPv4 too (IPV6_V6ONLY is off on this system)
IPv4 clients will show up as IPv4-mapped addresses, ::ffff:a.b.c.d";

/// The accept loop: this is the loop you saw in `uppercase`, made reusable
/// ([`serve_tcp`]), each client served by [`echo_client`]; a second listener
/// gets its own thread. Returns only when `options.limit` is set.
///
/// # Errors
///
/// `cannot start ...` when the OS refuses the second listener's thread.
pub fn serve(listeners: Listeners, options: TcpOptions) -> Result<()> {
    if let Some(also) = listeners.also {
        let options = options.clone();
        let spawned =
            std::thread::Builder::new().spawn(move || serve_tcp(also, options, echo_client));
        spawned.map_err(|e| Error::io("cannot start the 0.0.0.0 accept loop", &e))?;
    }
    serve_tcp(listeners.main, options, echo_client)
}

/// One client, as the original's inner loop served it: `recv`, `send` it back,
/// until the end of the stream: the client closed, or `--max-time` shut the socket.
///
/// # Errors
///
/// `read failed: ...`, `write failed: ...`, or `dropped the connection: ...`
/// after `--idle-timeout` of silence. [`serve_tcp`] logs them.
pub fn echo_client(mut stream: TcpStream, peer: SocketAddr, log: &Log) -> Result<()> {
    // print('Connection established with ', add)
    log.line(format_args!("connection from {peer} ({})", describe_peer(&peer)));
    let (started, mut buf, mut total) = (Instant::now(), vec![0u8; 64 * 1024], 0u64);
    loop {
        // recv(1024), in 64 KiB: fewer calls, the same bytes.
        let n = match stream.read(&mut buf) {
            Ok(0) => break, // if not income_data: break
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => {
                let why = format!("silent for --idle-timeout, after {total} bytes echoed");
                return Err(Error::failed("dropped the connection", why));
            }
            Err(e) => return Err(Error::io("read failed", &e)),
        };
        // send(income_data), as write_all: one send may take only part of it.
        stream.write_all(&buf[..n]).map_err(|e| Error::io("write failed", &e))?;
        total += n as u64;
        log.line(format_args!("{peer}: echoed {n} bytes"));
    }
    let secs = started.elapsed().as_secs_f64();
    log.line(format_args!("{peer}: end of stream after {secs:.1} s; {total} bytes echoed"));
    Ok(())
}

/// Says in words which IP version a peer used, for the log.
///
/// ```
/// use socket_labs::dual_stack::server::describe_peer;
/// assert_eq!(describe_peer(&"[::1]:1".parse().unwrap()), "IPv6");
/// assert_eq!(describe_peer(&"127.0.0.1:1".parse().unwrap()), "IPv4");
/// assert_eq!(
///     describe_peer(&"[::ffff:10.0.0.7]:1".parse().unwrap()),
///     "IPv4, mapped into IPv6"
/// );
/// // ::192.0.2.1 is the old "IPv4-compatible" form, not a mapped address.
/// assert_eq!(describe_peer(&"[::192.0.2.1]:1".parse().unwrap()), "IPv6");
/// ```
pub fn describe_peer(peer: &SocketAddr) -> String {
    match peer.ip() {
        // The first 80 bits zero, the next 16 one, then the IPv4 address.
        IpAddr::V6(ip) if ip.to_ipv4_mapped().is_some() => "IPv4, mapped into IPv6".to_string(),
        IpAddr::V6(_) => "IPv6".to_string(),
        IpAddr::V4(_) => "IPv4".to_string(),
    }
}

/// The command line of `dual-stack-server`.
#[derive(Debug, Clone)]
pub struct Args {
    /// Address to listen on; `::` is every address, IPv6 and IPv4.
    pub host: String,
    /// Port to listen on (0 = any free port); asked for when `None`.
    pub port: Option<u16>,
    /// Idle timeout, deadline, cap on clients, log.
    pub options: TcpOptions,
}

impl cli::Args for Args {
    fn command() -> Command {
        let about = "TCP echo server that serves IPv4 and IPv6 clients on one port";
        let command = Command::new("dual-stack-server", about)
            .flag("host", "HOST", "::", "address to listen on; :: = every address, IPv6 and IPv4")
            .option("port", "PORT", "TCP port (0 = any free); asked if missing (Enter = 4567)");
        TcpOptions::flags(command).example("dual-stack-server --port 4567")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        Ok(Args {
            host: m.value("host").to_string(),
            port: m.get("port").map(|_| m.number("port", 0, 65535)).transpose()?,
            options: TcpOptions::from_matches(m, Log::stdout())?,
        })
    }
}
