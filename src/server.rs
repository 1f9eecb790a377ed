//! The two server loops every exercise shares.
//!
//! * [`serve_tcp`]: accept connections forever and serve **each one on its own
//!   thread**, with a read timeout, as the final chapter of the Rust Book does.
//!   The originals served one client at a time, so a client that connected and
//!   said nothing froze the server for everyone. Here a silent client only
//!   holds its own thread, and only until the read timeout drops it.
//! * [`serve_udp`]: receive datagrams of any size up to 65,535 bytes and send
//!   back whatever the handler returns. UDP has no connections, so one thread
//!   serves every client in turn.
//!
//! Both take a socket that is **already bound** (the binary binds what the
//! user asked for; the tour and the tests bind port 0), as tokio's mini-redis
//! does with its `server::run(listener)`. A bad client ends, at worst, its own
//! connection, with a line in the log; the loop itself never stops.

use crate::error::{describe, Error, Result};
use crate::output::Log;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

/// How a TCP server treats each connection.
#[derive(Debug, Clone)]
pub struct TcpOptions {
    /// A read that waits longer than this fails, which ends the connection.
    pub read_timeout: Duration,
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
            limit: None,
            log: Log::stdout(),
        }
    }
}

/// Accepts connections and runs `handler` for each on a new thread.
///
/// Before the handler sees the stream, it gets a read and a write timeout of
/// `options.read_timeout`. When the handler returns an error, the server logs
/// `client ADDR: <error>` and carries on: one client's failure is never the
/// server's.
///
/// # Errors
///
/// None in practice: a failed `accept` (for example too many open files) is
/// logged and retried after a short pause. The `Result` is there so callers
/// can use `?` if that ever changes.
pub fn serve_tcp<H>(listener: TcpListener, options: TcpOptions, handler: H) -> Result<()>
where
    H: Fn(TcpStream, SocketAddr, &Log) -> Result<()> + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    let mut workers = Vec::new();
    let mut accepted = 0usize;
    while options.limit.map_or(true, |limit| accepted < limit) {
        let (stream, peer) = match listener.accept() {
            Ok(pair) => pair,
            // Windows: the process is ending and std's WSACleanup closed the socket.
            Err(e) if crate::wsa::socket_closed(&e) => break,
            Err(e) => {
                options
                    .log
                    .line(format_args!("accept failed: {}", describe(&e)));
                // Typically EMFILE: give other connections a moment to close.
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        accepted += 1;
        let handler = Arc::clone(&handler);
        let log = options.log.clone();
        let timeout = options.read_timeout;
        let worker = std::thread::spawn(move || {
            let result = configure(&stream, timeout).and_then(|()| handler(stream, peer, &log));
            if let Err(err) = result {
                log.line(format_args!("client {peer}: {err}"));
            }
        });
        if options.limit.is_some() {
            workers.push(worker);
        }
    }
    for worker in workers {
        // A panicking handler is a bug, but it must not take the server down.
        let _ = worker.join();
    }
    Ok(())
}

fn configure(stream: &TcpStream, timeout: Duration) -> Result<()> {
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| Error::io("cannot set socket timeouts", &e))
}

/// The largest datagram the servers read: the largest a UDP header can announce.
/// (The originals read 1024 or 2048 bytes and silently cut anything longer.)
pub const MAX_DATAGRAM: usize = 65_535;

/// Receives datagrams forever; for each, `handler` may return bytes to send back
/// to the sender.
///
/// Empty datagrams are passed to the handler like any other (a zero-length UDP
/// payload is legal). Errors on receive or send are logged and the loop goes
/// on: on Windows, for example, an ICMP "port unreachable" for an earlier reply
/// shows up as an error on the next `recv_from`.
///
/// # Errors
///
/// None in practice; see [`serve_tcp`].
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
                log.line(format_args!("receive failed: {}", describe(&e)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn tcp_handler_errors_do_not_stop_the_server() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let options = TcpOptions {
            limit: Some(2),
            log: Log::quiet(),
            ..TcpOptions::default()
        };
        let server = std::thread::spawn(move || {
            serve_tcp(listener, options, |mut stream, _, _| {
                let mut byte = [0u8; 1];
                stream
                    .read_exact(&mut byte)
                    .map_err(|e| Error::io("read", &e))?;
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
            serve_udp(socket, Log::quiet(), |data, _| {
                Some(data.len().to_string().into_bytes())
            })
        });
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 16];
        for size in [0usize, 1, 65_000] {
            client.send_to(&vec![b'a'; size], addr).unwrap();
            let (n, _) = client.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], size.to_string().as_bytes());
        }
    }
}
