//! The echo client that picks its IP version: resolve for one family, connect,
//! then send lines and read back their echoes in full.
//!
//! [`EchoClient::connect`] resolves and connects; [`EchoClient::echo`] sends
//! one piece of data and returns its echo; [`run_lines`] is the interactive
//! loop the binary runs (prompt, read a line, echo it, print it). The tour
//! and the tests use the same functions. See the [module docs](super).

use crate::error::{is_timeout, Error, Result};
use crate::net::{self, Family};
use crate::output::printable;
use crate::prompt::read_line_bytes;
use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

/// The default time to wait for an echo.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The word that ends the session when typed on a line of its own.
pub const END_WORD: &[u8] = b"end";

/// Reads the family from `4`/`6` (as on the command line) or `1`/`2` (as the
/// original's menu numbered them).
///
/// ```
/// use socket_labs::dual_stack::client::parse_family;
/// use socket_labs::net::Family;
/// assert_eq!(parse_family("4"), Some(Family::V4));
/// assert_eq!(parse_family(" 2 "), Some(Family::V6));
/// assert_eq!(parse_family("IPv6"), Some(Family::V6));
/// assert_eq!(parse_family("5"), None);
/// ```
pub fn parse_family(text: &str) -> Option<Family> {
    match text.trim().to_ascii_lowercase().as_str() {
        "4" | "1" | "ipv4" => Some(Family::V4),
        "6" | "2" | "ipv6" => Some(Family::V6),
        _ => None,
    }
}

/// The name of a family for people: `IPv4` or `IPv6`.
pub fn family_name(addr: &SocketAddr) -> &'static str {
    if addr.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

/// A connection to an echo server.
#[derive(Debug)]
pub struct EchoClient {
    stream: TcpStream,
    peer: SocketAddr,
    timeout: Duration,
}

impl EchoClient {
    /// Resolves `host` for `family` only and connects to the first address that
    /// answers.
    ///
    /// # Errors
    ///
    /// `cannot resolve 'localhost': it has no IPv6 address on this system — use
    /// ::1 to reach this machine over IPv6`, `cannot connect to ADDR: connection
    /// refused — is dual-stack-server running on port N?`, and so on
    /// (see [`crate::net::connect_tcp`]).
    pub fn connect(host: &str, port: u16, family: Family, timeout: Duration) -> Result<EchoClient> {
        let stream = net::connect_tcp(host, port, family, "dual-stack-server")?;
        EchoClient::from_stream(stream, timeout)
    }

    /// Wraps a connected stream; `timeout` bounds every wait for an echo.
    ///
    /// # Errors
    ///
    /// `cannot set socket timeouts: ...` (a zero timeout, for example).
    pub fn from_stream(stream: TcpStream, timeout: Duration) -> Result<EchoClient> {
        let peer = net::local_addr_of(stream.peer_addr())?;
        stream
            .set_read_timeout(Some(timeout))
            .and_then(|()| stream.set_write_timeout(Some(timeout)))
            .map_err(|e| Error::io("cannot set socket timeouts", &e))?;
        Ok(EchoClient {
            stream,
            peer,
            timeout,
        })
    }

    /// The server address this client reached.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// This side's address of the connection.
    ///
    /// # Errors
    ///
    /// `cannot read the local address: ...` (practically never happens).
    pub fn local(&self) -> Result<SocketAddr> {
        net::local_addr_of(self.stream.local_addr())
    }

    /// Sends `data` and returns the echo: exactly `data.len()` bytes, however
    /// many reads they take to arrive.
    ///
    /// The write runs on a second thread while this one reads. With one thread,
    /// a line larger than the two socket buffers together would deadlock: the
    /// client blocked writing because the server cannot write its echo back,
    /// and the server blocked because nobody reads the echo.
    ///
    /// # Errors
    ///
    /// `no complete echo from ADDR: the server closed the connection after
    /// echoing K of N bytes`, the same with `timed out` after the timeout, or
    /// `cannot send to ADDR: ...`.
    pub fn echo(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        let stream = &self.stream;
        let mut echo = vec![0u8; data.len()];
        let (wrote, read) = std::thread::scope(|scope| {
            let writer = scope.spawn(move || {
                let mut out = stream;
                out.write_all(data)
            });
            let read = read_full(stream, &mut echo);
            if read.is_err() {
                // Unblock a writer still waiting for room in the send buffer.
                let _ = stream.shutdown(Shutdown::Both);
            }
            let wrote = writer
                .join()
                .unwrap_or_else(|_| Err(io::Error::new(io::ErrorKind::Other, "writer panicked")));
            (wrote, read)
        });
        match (read, wrote) {
            (Ok(()), Ok(())) => Ok(echo),
            (Err((got, e)), _) => {
                let why = if e.kind() == io::ErrorKind::UnexpectedEof {
                    format!(
                        "the server closed the connection after echoing {got} of {} bytes",
                        data.len()
                    )
                } else if is_timeout(&e) {
                    format!(
                        "timed out after {} s, with {got} of {} bytes echoed",
                        self.timeout.as_secs_f64(),
                        data.len()
                    )
                } else {
                    format!(
                        "{} (after {got} of {} bytes)",
                        crate::error::describe(&e),
                        data.len()
                    )
                };
                let err = Error::failed(format!("no complete echo from {}", self.peer), why);
                Err(if got == 0 && !is_timeout(&e) {
                    // Nothing came back at all: most often the server dropped an idle client.
                    err.hint("the server drops a client that stays silent longer than its --timeout (30 s by default)")
                } else {
                    err
                })
            }
            (Ok(()), Err(e)) => Err(Error::io(format!("cannot send to {}", self.peer), &e)),
        }
    }

    /// Closes the sending half (the server sees end of stream and closes too),
    /// then drops the connection.
    pub fn close(self) {
        // The server may already be gone; there is nothing left to tell it.
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

/// Fills `buf` from `stream`; on failure returns how many bytes had arrived.
fn read_full(
    mut stream: &TcpStream,
    buf: &mut [u8],
) -> std::result::Result<(), (usize, io::Error)> {
    let mut got = 0;
    while got < buf.len() {
        match stream.read(&mut buf[got..]) {
            Ok(0) => return Err((got, io::Error::from(io::ErrorKind::UnexpectedEof))),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((got, e)),
        }
    }
    Ok(())
}

/// What a session of [`run_lines`] exchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Lines sent and echoed.
    pub lines: u64,
    /// Bytes sent (each line with its newline); as many came back.
    pub bytes: u64,
}

/// The interactive loop: for each line of `input`, print `prompt` first (when
/// not empty), send the line **with its newline**, read the echo back and
/// print it as `echo: ...`. A line `end`, or the end of `input`, stops the loop
/// without sending anything more.
///
/// Lines are raw bytes: nothing assumes UTF-8. The echo is printed through
/// [`printable`], so bytes that are not text show as `\xNN`.
///
/// # Errors
///
/// `cannot read from standard input: ...`, or an error of [`EchoClient::echo`].
pub fn run_lines(
    client: &mut EchoClient,
    input: &mut impl BufRead,
    prompt: &str,
) -> Result<Totals> {
    let mut totals = Totals::default();
    loop {
        if !prompt.is_empty() {
            crate::output::write_str(prompt);
        }
        let line =
            read_line_bytes(input).map_err(|e| Error::io("cannot read from standard input", &e))?;
        let mut line = match line {
            None => {
                if !prompt.is_empty() {
                    crate::outln!();
                }
                break;
            }
            Some(line) if line == END_WORD => break,
            Some(line) => line,
        };
        line.push(b'\n');
        let echo = client.echo(&line)?;
        let shown = echo.strip_suffix(b"\n").unwrap_or(&echo);
        crate::outln!("echo: {}", printable(shown));
        if echo != line {
            crate::outln!("(the echo differs from what was sent)");
        }
        totals.lines += 1;
        totals.bytes += line.len() as u64;
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// An echo server that writes back one byte per `write`, with Nagle off, so
    /// the client sees many short reads and characters split across them.
    fn trickle_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.set_nodelay(true).unwrap();
            let mut buf = [0u8; 4096];
            loop {
                let n = stream.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                for byte in &buf[..n] {
                    stream.write_all(std::slice::from_ref(byte)).unwrap();
                }
            }
        });
        addr
    }

    #[test]
    fn echoes_split_into_single_bytes_come_back_whole() {
        let addr = trickle_server();
        let stream = TcpStream::connect(addr).unwrap();
        let mut client = EchoClient::from_stream(stream, Duration::from_secs(5)).unwrap();
        let text = "añ€😀 ".repeat(300);
        assert_eq!(client.echo(text.as_bytes()).unwrap(), text.as_bytes());
        assert_eq!(client.echo(b"\xff\xfe raw\n").unwrap(), b"\xff\xfe raw\n");
        client.close();
    }

    #[test]
    fn a_server_that_hangs_up_early_is_reported_with_counts() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            // Read all ten bytes (closing with unread data would send a reset),
            // echo three, and close: a clean end of stream mid-echo.
            let mut buf = [0u8; 10];
            stream.read_exact(&mut buf).unwrap();
            stream.write_all(&buf[..3]).unwrap();
        });
        let stream = TcpStream::connect(addr).unwrap();
        let mut client = EchoClient::from_stream(stream, Duration::from_secs(5)).unwrap();
        let err = client.echo(b"0123456789").unwrap_err().to_string();
        assert!(err.contains("after echoing 3 of 10 bytes"), "{err}");
    }

    #[test]
    fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let mut client = EchoClient::from_stream(stream, Duration::from_millis(100)).unwrap();
        let err = client.echo(b"hello").unwrap_err().to_string();
        assert!(err.contains("timed out"), "{err}");
        drop(listener);
    }

    #[test]
    fn the_loop_stops_at_end_and_counts_newlines() {
        let addr = trickle_server();
        let stream = TcpStream::connect(addr).unwrap();
        let mut client = EchoClient::from_stream(stream, Duration::from_secs(5)).unwrap();
        let mut input = &b"one\n\nend\nnot sent\n"[..];
        let totals = run_lines(&mut client, &mut input, "").unwrap();
        assert_eq!(totals, Totals { lines: 2, bytes: 5 });
        assert_eq!(input, b"not sent\n");
    }
}
