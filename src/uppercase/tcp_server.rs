//! `tcp-upper-server`: the bare accept loop, a thread per connection (Experiment 4, Task 2).
//!
//! [`serve`] is the `for stream in listener.incoming()` loop of the Rust
//! Book's web server, with the four hardening steps a hostile client makes
//! necessary written in as named steps. [`crate::server::serve_tcp`] is this
//! loop made reusable: the later exercises use it and say so.
//!
//! [`handle`] streams: it uppercases each piece as it arrives and writes it
//! back at once, as `tr a-z A-Z` would, and ends when the client closes. So
//! the original client (send, one `recv(1024)`, close), `nc` typed into line
//! by line, `nc -N`/`socat`, and our half-closing client all get their reply.
//!
//! Memory per connection: one 4 KiB read buffer, the reply of one read (at
//! most 3× the piece: the longest uppercase expansion), and 3 carried bytes;
//! at most [`MAX_REQUEST`] bytes per connection in all.
//!
//! # The original
//!
//! `TCPServer.py` (Experiment 4, Task 2):
//!
//! | original | here | what changed, and why |
//! |---|---|---|
//! | `socket(AF_INET, SOCK_STREAM)`, `bind(('', 12000))`, `listen(1)` | [`TcpListener::bind`] in [`run`] | std listens with a backlog of 128, and sets `SO_REUSEADDR` on Unix, so a restart is not refused while old connections sit in TIME_WAIT |
//! | `accept()` in `while True` | [`TcpListener::incoming`] in [`serve`] | each connection gets its own thread: one slow client blocks nobody |
//! | `recv(1024)` once | `read` in a loop in [`handle`] | a sentence may arrive in several pieces; each is answered at once |
//! | `decode().upper()` | [`StreamUpper`] | a character split between two reads stays whole; invalid UTF-8 is not fatal |
//! | `send(reply)` | `write_all` in [`handle`] | `send` may write only part; `write_all` writes it all |
//! | `close()` | the stream is dropped after the client's FIN | the server waits for the client to finish instead of cutting it off after 1,024 bytes |

use super::{uppercase, StreamUpper};
use crate::cli::{self, Command, Endpoint, Matches, Side};
use crate::clock::secs_text;
use crate::error::{describe, is_timeout, Error, Result};
use crate::output::{preview, Log};
use crate::server::{set_timeouts, Slots, TcpOptions, Watchdog};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// The most bytes one connection may send in all: 64 KiB.
pub const MAX_REQUEST: usize = 64 * 1024;

/// The mirror of `TCPServer.py`'s `while True: accept()` loop, hardened.
///
/// # Errors
///
/// Only when the watchdog thread cannot start. Refused connections, refused
/// threads and bad clients are log lines; the loop goes on.
pub fn serve(listener: TcpListener, options: TcpOptions) -> Result<()> {
    let log = options.log.clone();
    // Hardening 1, the cap: without it 10,000 idle clients are 10,000 threads.
    let slots = Slots::new(options.max_clients);
    // Hardening 4, the deadline: a client trickling one byte a second never
    // trips the idle timeout, so a watchdog closes connections past --max-time.
    let watchdog = Watchdog::start()?;
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            // Windows: the process is ending and std's WSACleanup closed the socket.
            Err(e) if crate::wsa::socket_closed(&e) => break,
            Err(e) => {
                // Out of file descriptors, say: pause rather than spin.
                log.line(format_args!("accept failed: {}", describe(&e)));
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let peer = match stream.peer_addr() {
            Ok(peer) => peer,
            Err(_) => continue, // gone already (reset before we looked)
        };
        let slot = match slots.take() {
            Some(slot) => slot,
            None => {
                log.line(format_args!("{}", slots.refusal(peer)));
                continue; // dropping the stream closes it
            }
        };
        // Hardening 3, the idle timeout: a silent client holds its thread at
        // most this long. Then step 4 for this connection.
        let accepted = Instant::now(); // before the watchdog starts its clock
        let watch = match set_timeouts(&stream, options.read_timeout)
            .and_then(|()| watchdog.watch(&stream, options.max_time))
        {
            Ok(watch) => watch,
            Err(err) => {
                log.line(format_args!("client {peer}: {err}"));
                continue;
            }
        };
        // Hardening 2: thread::spawn panics when the OS refuses a thread;
        // Builder returns the error, which costs this connection only.
        let (worker_log, max_time) = (log.clone(), options.max_time);
        let spawned = std::thread::Builder::new().spawn(move || {
            let _held = (slot, watch); // given back when the connection ends
            if let Err(err) = handle(stream, peer, &worker_log, accepted, max_time) {
                worker_log.line(format_args!("client {peer}: {err}"));
            }
        });
        if let Err(e) = spawned {
            log.line(format_args!("client {peer}: no thread for it ({}); closed", describe(&e)));
        }
    }
    Ok(())
}

/// One connection: uppercase each piece as it arrives and send it back at
/// once, until the client closes; then close. `started` is when it was
/// accepted, which is when the deadline (`max_time`) began.
///
/// # Errors
///
/// More than [`MAX_REQUEST`] bytes, the idle timeout or the `max_time`
/// deadline, or a failed read or write; [`serve`] logs it.
pub fn handle(
    mut stream: TcpStream,
    peer: SocketAddr,
    log: &Log,
    started: Instant,
    max_time: Duration,
) -> Result<()> {
    let mut piece = [0u8; 4096];
    let mut upper = StreamUpper::default();
    let mut reply = Vec::new();
    let mut first = Vec::new(); // the first 240 bytes, for the log line
    let mut total = 0;
    loop {
        let read = stream.read(&mut piece);
        // The watchdog shuts the socket down at the deadline: the read then
        // ends (or fails) as if the client had closed. Say which it was.
        if started.elapsed() >= max_time && !matches!(read, Ok(n) if n > 0) {
            return Err(Error::failed(
                "cut off at the deadline",
                format!("--max-time {} passed ({total} bytes received)", secs_text(max_time)),
            ));
        }
        let len = match read {
            Ok(len) => len,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => {
                return Err(Error::failed(
                    "dropped a silent client",
                    format!("nothing for the idle timeout ({total} bytes received)"),
                ))
            }
            Err(e) => return Err(Error::io(format!("cannot read ({total} bytes received)"), &e)),
        };
        // Hardening: a total per connection, so one client cannot keep a thread busy forever.
        total += len;
        if total > MAX_REQUEST {
            return Err(Error::failed("request refused", format!("more than {MAX_REQUEST} bytes")));
        }
        first.extend_from_slice(&piece[..len.min(240usize.saturating_sub(first.len()))]);
        let saw_invalid = upper.saw_invalid;
        reply.clear();
        if len == 0 {
            upper.finish(&mut reply); // the client closed: flush a cut-off character
        } else {
            upper.push(&piece[..len], &mut reply);
        }
        if upper.saw_invalid && !saw_invalid {
            log.line(format_args!("{peer}: not valid UTF-8: ASCII letters only from here"));
        }
        stream.write_all(&reply).map_err(|e| Error::io("cannot send the reply", &e))?;
        if len == 0 {
            break;
        }
    }
    let more = if total > first.len() { format!(" ({total} bytes in all)") } else { String::new() };
    let (from, to) = (preview(&first, 60), preview(&uppercase(&first).0, 60));
    log.line(format_args!("{peer}: {from} -> {to}{more}"));
    // Dropping the stream closes it: the FIN tells the client the reply is whole.
    Ok(())
}

/// The command line of `tcp-upper-server`.
#[derive(Debug, Clone)]
pub struct Args {
    /// Where to listen (`--host`, `--port`; port 0 = any free port).
    pub listen: Endpoint,
    /// Idle timeout, deadline and connection cap.
    pub options: TcpOptions,
}

impl cli::Args for Args {
    fn command() -> Command {
        let about = "TCP server that answers what each connection sends in capitals";
        let command = Command::new("tcp-upper-server", about);
        TcpOptions::flags(command.host_port(Side::Server, "0.0.0.0", "12000"))
            .example("tcp-upper-server --port 12000 --max-clients 50")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        Ok(Args {
            listen: Endpoint::from_matches(m, Side::Server)?,
            options: TcpOptions::from_matches(m, Log::stdout())?,
        })
    }
}

/// Binds, prints the `listening on` line, and serves until killed.
///
/// # Errors
///
/// The port cannot be bound.
pub fn run(args: Args) -> Result<()> {
    let listener = crate::net::bind_tcp(&args.listen.host, args.listen.port)?;
    crate::net::announce("tcp-upper-server", crate::net::local_addr_of(listener.local_addr())?);
    serve(listener, args.options)
}
