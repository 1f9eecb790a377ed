//! The two server loops the later exercises share.
//!
//! The first exercise, [`crate::uppercase`], writes both loops out in full:
//! the bare UDP `recv_from`/`send_to` loop, and the bare `for stream in
//! listener.incoming()` loop that hands each connection to its own thread, as
//! the final chapter of the Rust Book does. This module is **those same two
//! loops, made reusable**, so that the later exercises can say only what they
//! do with one connection or one datagram:
//!
//! * [`serve_tcp`]: accept connections and serve each on its own thread;
//! * [`serve_udp`]: receive datagrams of up to 65,535 bytes and send back
//!   whatever the handler returns, one datagram at a time.
//!
//! Both take a socket that is **already bound** (the binary binds what the
//! user asked for; the tour and the tests bind port 0), as tokio's mini-redis
//! does with its `server::run(listener)`.
//!
//! # Hardening, step by step
//!
//! A thread per connection is the Rust Book's design, and it has limits a
//! hostile client finds at once. Each step below is a named piece you can
//! read on its own:
//!
//! 1. **A cap on connections** ([`Slots`], `--max-clients`, default
//!    [`MAX_CLIENTS`]). Without it 10,000 idle connections are 10,000
//!    threads. Beyond the cap a connection is closed at once, with a log line.
//! 2. **A thread the OS refuses is one lost connection.** `thread::spawn`
//!    panics when the OS says no (a process limit, memory); the loop uses
//!    `thread::Builder::spawn`, which returns the error instead.
//! 3. **An idle timeout** (`--idle-timeout`): a read or write that waits
//!    longer fails, which ends the connection.
//! 4. **A deadline per connection** ([`Watchdog`], `--max-time`): a client
//!    that sends one byte every few seconds never trips the idle timeout, so
//!    a watchdog thread shuts the socket down when the whole exchange has
//!    taken longer than one request may take.
//!
//! So at most `--max-clients` connections are open, each for at most
//! `--max-time`, and a bad client ends, at worst, its own connection.

use crate::error::{describe, Error, Result};
use crate::output::Log;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How many connections a TCP server serves at once unless told otherwise.
pub const MAX_CLIENTS: usize = 256;
/// How long one connection may last unless told otherwise (`--max-time`).
pub const MAX_TIME: Duration = Duration::from_secs(60);

/// How a TCP server treats each connection.
#[derive(Debug, Clone)]
pub struct TcpOptions {
    /// A read or write that waits longer than this fails (`--idle-timeout`).
    pub read_timeout: Duration,
    /// The most time one connection may take, start to end (`--max-time`).
    pub max_time: Duration,
    /// How many connections may be open at once (`--max-clients`).
    pub max_clients: usize,
    /// Stop accepting after this many connections and return once they are
    /// served (`image-server --once`); `None` serves forever.
    pub limit: Option<usize>,
    /// Where the per-connection lines go.
    pub log: Log,
}

impl Default for TcpOptions {
    fn default() -> Self {
        TcpOptions {
            read_timeout: crate::net::SERVER_READ_TIMEOUT,
            max_time: MAX_TIME,
            max_clients: MAX_CLIENTS,
            limit: None,
            log: Log::stdout(),
        }
    }
}

impl TcpOptions {
    /// Adds the flags every TCP server shares to a command.
    pub fn flags(command: crate::cli::Command) -> crate::cli::Command {
        command
            .flag(
                "idle-timeout",
                "DURATION",
                "30s",
                "drop a client that sends nothing for this long (bare number: seconds)",
            )
            .flag(
                "max-time",
                "DURATION",
                "60s",
                "drop a connection that lasts longer than this (bare number: seconds)",
            )
            .flag("max-clients", "N", "256", "serve at most N clients at once; refuse more")
    }

    /// Reads the flags of [`TcpOptions::flags`].
    ///
    /// # Errors
    ///
    /// A usage error when a value is out of range.
    pub fn from_matches(m: &crate::cli::Matches, log: Log) -> Result<TcpOptions> {
        Ok(TcpOptions {
            read_timeout: m.timeout("idle-timeout")?,
            max_time: m.timeout("max-time")?,
            max_clients: m.number("max-clients", 1, 100_000)?,
            limit: None,
            log,
        })
    }
}

/// Accepts connections on `listener` and runs `handler` for each on its own
/// thread, with the hardening steps of the module docs.
///
/// A handler error is written to the log as `client ADDR: <error>` and ends
/// only that connection.
///
/// # Errors
///
/// Only when the watchdog thread cannot be started. Failed accepts, refused
/// threads and bad clients are log lines; the loop goes on.
pub fn serve_tcp<H>(listener: TcpListener, options: TcpOptions, handler: H) -> Result<()>
where
    H: Fn(TcpStream, SocketAddr, &Log) -> Result<()> + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    let log = options.log.clone();
    let slots = Slots::new(options.max_clients);
    let watchdog = Watchdog::start()?;
    let mut workers = Vec::new();
    let mut accepted = 0usize;
    while options.limit.map_or(true, |limit| accepted < limit) {
        let (stream, peer) = match listener.accept() {
            Ok(pair) => pair,
            // Windows: the process is ending and std's WSACleanup closed the socket.
            Err(e) if crate::wsa::socket_closed(&e) => break,
            Err(e) => {
                // Out of file descriptors, say: wait a moment rather than spin.
                log.line(format_args!("accept failed: {}", describe(&e)));
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        accepted += 1;
        // Step 1: the cap.
        let slot = match slots.take() {
            Some(slot) => slot,
            None => {
                log.line(format_args!("{}", slots.refusal(peer)));
                continue; // dropping the stream closes it
            }
        };
        // Steps 3 and 4: idle timeout and deadline.
        let watch = match set_timeouts(&stream, options.read_timeout)
            .and_then(|()| watchdog.watch(&stream, options.max_time))
        {
            Ok(watch) => watch,
            Err(err) => {
                log.line(format_args!("client {peer}: {err}"));
                continue;
            }
        };
        // Step 2: a thread the OS refuses costs this connection only.
        let (handler, worker_log) = (Arc::clone(&handler), log.clone());
        let spawned = std::thread::Builder::new().spawn(move || {
            let _held = (slot, watch); // released when the connection ends
            if let Err(err) = handler(stream, peer, &worker_log) {
                worker_log.line(format_args!("client {peer}: {err}"));
            }
        });
        match spawned {
            Ok(worker) if options.limit.is_some() => workers.push(worker),
            Ok(_) => {}
            Err(e) => log.line(format_args!(
                "client {peer}: no thread for it ({}); connection closed",
                describe(&e)
            )),
        }
    }
    for worker in workers {
        let _ = worker.join();
    }
    Ok(())
}

/// Sets both the read and the write timeout of a connection.
///
/// # Errors
///
/// `cannot set socket timeouts` when the OS refuses.
pub fn set_timeouts(stream: &TcpStream, timeout: Duration) -> Result<()> {
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| Error::io("cannot set socket timeouts", &e))
}

/// A counter of open connections with a maximum: the connection cap.
///
/// Each [`Slot`] is a clone of one shared token, so the number of clones
/// alive is the number of connections open; dropping a slot gives it back.
/// Only the accept loop takes slots, so counting and taking cannot race.
#[derive(Debug)]
pub struct Slots {
    token: Arc<()>,
    max: usize,
}

/// One taken place under the cap, given back when dropped.
#[derive(Debug)]
pub struct Slot(#[allow(dead_code)] Arc<()>);

impl Slots {
    /// A cap of `max` connections at once.
    pub fn new(max: usize) -> Slots {
        Slots { token: Arc::new(()), max }
    }

    /// Takes a place, or `None` when all `max` are in use.
    pub fn take(&self) -> Option<Slot> {
        let in_use = Arc::strong_count(&self.token) - 1;
        (in_use < self.max).then(|| Slot(Arc::clone(&self.token)))
    }

    /// The log line for a connection refused at the cap.
    pub fn refusal(&self, peer: SocketAddr) -> String {
        format!("client {peer}: refused, {} clients already connected (--max-clients)", self.max)
    }
}

/// A thread that shuts down connections that outlive their deadline.
///
/// An idle timeout cannot catch a client that trickles one byte just before
/// each timeout. The watchdog keeps a second handle to each connection
/// (`try_clone`) and its deadline; four times a second it shuts down the
/// late ones, which makes the connection's thread see the end of the stream
/// (or an error) at its next read or write, and finish.
#[derive(Debug, Clone)]
pub struct Watchdog {
    watched: Arc<Mutex<Vec<Watched>>>,
}

#[derive(Debug)]
struct Watched {
    id: u64,
    stream: TcpStream,
    deadline: Instant,
}

/// A connection under watch; dropping it ends the watch.
#[derive(Debug)]
pub struct Watch {
    id: u64,
    watched: Arc<Mutex<Vec<Watched>>>,
}

impl Watchdog {
    /// Starts the watchdog thread.
    ///
    /// # Errors
    ///
    /// `cannot start the watchdog thread` when the OS refuses a thread.
    pub fn start() -> Result<Watchdog> {
        let watched: Arc<Mutex<Vec<Watched>>> = Arc::new(Mutex::new(Vec::new()));
        let weak = Arc::downgrade(&watched);
        std::thread::Builder::new()
            .name("deadline watchdog".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_millis(250));
                let watched = match weak.upgrade() {
                    Some(watched) => watched,
                    None => return, // the server is gone
                };
                let now = Instant::now();
                let mut list = lock(&watched);
                for late in list.iter().filter(|w| w.deadline <= now) {
                    let _ = late.stream.shutdown(Shutdown::Both);
                }
                list.retain(|w| w.deadline > now);
            })
            .map_err(|e| Error::io("cannot start the watchdog thread", &e))?;
        Ok(Watchdog { watched })
    }

    /// Watches `stream`: it is shut down once `max_time` has passed.
    ///
    /// # Errors
    ///
    /// `cannot watch the connection` when the socket cannot be cloned (the
    /// process is out of file descriptors).
    pub fn watch(&self, stream: &TcpStream, max_time: Duration) -> Result<Watch> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let stream =
            stream.try_clone().map_err(|e| Error::io("cannot watch the connection", &e))?;
        let deadline = Instant::now() + max_time;
        lock(&self.watched).push(Watched { id, stream, deadline });
        Ok(Watch { id, watched: Arc::clone(&self.watched) })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        lock(&self.watched).retain(|w| w.id != self.id);
    }
}

/// Locks the watched list even if a thread panicked while holding it: the
/// list of watched sockets is still usable.
fn lock(watched: &Mutex<Vec<Watched>>) -> MutexGuard<'_, Vec<Watched>> {
    watched.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The largest datagram the UDP loop reads: a UDP length field's maximum.
pub use crate::net::MAX_DATAGRAM;

/// Receives datagrams forever and sends back whatever `handler` returns.
///
/// The handler gets the datagram (0 to 65,535 bytes) and the sender's
/// address; `None` means "send nothing".
///
/// # Errors
///
/// None: a failed receive or send is a log line and the loop goes on. On
/// Windows, a reply that bounced (ICMP port unreachable, because the client
/// had already gone) makes the *next* `recv_from` fail with WSAECONNRESET;
/// that is one log line too, never the end of the server.
pub fn serve_udp<H>(socket: UdpSocket, log: Log, mut handler: H) -> Result<()>
where
    H: FnMut(&[u8], SocketAddr) -> Option<Vec<u8>>,
{
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let (len, peer) = match socket.recv_from(&mut buf) {
            Ok(pair) => pair,
            // Windows: the process is ending and std's WSACleanup closed the socket.
            Err(e) if crate::wsa::socket_closed(&e) => return Ok(()),
            Err(e) => {
                log.line(format_args!("{}", receive_failure(&e)));
                continue;
            }
        };
        if let Some(reply) = handler(&buf[..len], peer) {
            if let Err(e) = socket.send_to(&reply, peer) {
                log.line(format_args!("reply to {peer} failed: {}", describe(&e)));
            }
        }
    }
}

/// The log line for a failed `recv_from` on a UDP server socket.
pub fn receive_failure(err: &std::io::Error) -> String {
    // Windows reports an earlier ICMP port unreachable this way.
    let why = match err.kind() {
        std::io::ErrorKind::ConnectionReset => {
            " (an earlier reply was refused: its client had gone)"
        }
        _ => "",
    };
    format!("receive failed: {}{why}", describe(err))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn tcp_handler_errors_do_not_stop_the_server() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let options = TcpOptions { limit: Some(2), log: Log::quiet(), ..TcpOptions::default() };
        let server = std::thread::spawn(move || {
            serve_tcp(listener, options, |mut stream, _, _| {
                let mut byte = [0u8; 1];
                stream.read_exact(&mut byte).map_err(|e| Error::io("read", &e))?;
                if byte[0] == b'!' {
                    return Err(Error::failed("handler", "refused"));
                }
                stream.write_all(&byte).map_err(|e| Error::io("write", &e))
            })
        });
        let mut bad = TcpStream::connect(addr).unwrap();
        bad.write_all(b"!").unwrap();
        let mut good = TcpStream::connect(addr).unwrap();
        good.write_all(b"x").unwrap();
        let mut echo = [0u8; 1];
        good.read_exact(&mut echo).unwrap();
        assert_eq!(&echo, b"x");
        server.join().unwrap().unwrap();
    }

    #[test]
    fn udp_loop_reads_large_and_empty_datagrams() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        std::thread::spawn(move || {
            serve_udp(socket, Log::quiet(), |data, _| Some(data.len().to_string().into_bytes()))
        });
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 16];
        for size in [0usize, 1, 65_000] {
            client.send_to(&vec![b'a'; size], addr).unwrap();
            let (n, _) = client.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], size.to_string().as_bytes());
        }
    }

    #[test]
    fn the_cap_refuses_beyond_max_and_frees_on_drop() {
        let slots = Slots::new(2);
        let a = slots.take().unwrap();
        let _b = slots.take().unwrap();
        assert!(slots.take().is_none());
        drop(a);
        assert!(slots.take().is_some());
        let peer: SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert!(slots.refusal(peer).contains("refused, 2 clients"));
    }

    #[test]
    fn a_trickling_client_is_cut_off_at_the_deadline() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let options = TcpOptions {
            read_timeout: Duration::from_secs(30),
            max_time: Duration::from_millis(300),
            limit: Some(1),
            log: Log::quiet(),
            ..TcpOptions::default()
        };
        let server = std::thread::spawn(move || {
            serve_tcp(listener, options, |mut stream, _, _| {
                // Reads forever, as a server waiting for the end of a request does.
                let mut buf = [0u8; 16];
                while stream.read(&mut buf).map_err(|e| Error::io("read", &e))? > 0 {}
                Ok(())
            })
        });
        let mut client = TcpStream::connect(addr).unwrap();
        let started = Instant::now();
        // One byte every 100 ms never trips a 30 s idle timeout.
        while client.write_all(b"x").is_ok() && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(100));
        }
        server.join().unwrap().unwrap();
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(300), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
}
