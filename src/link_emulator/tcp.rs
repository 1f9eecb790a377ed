//! TCP mode: a byte-stream relay that adds delay, jitter and a rate limit.
//!
//! ```text
//!  client ══TCP══> [emulator] ══TCP══> server
//!         handshake           handshake
//!         with the            made when the
//!         emulator            client arrives
//!
//!  per connection and direction:
//!   reader thread: read a chunk ─> stamp its release time ─> queue ─┐
//!   writer thread: wait until the head of the queue is due ─> write <┘
//! ```
//!
//! Each accepted connection gets its own connection to the server and four
//! threads: a reader and a writer per direction, with a first-in first-out
//! queue between them. The reader stamps each chunk it reads with a release
//! time (now, plus the time on the wire at `--rate`, plus the delay and its
//! jitter, never before the chunk ahead of it) and the writer sends it when it
//! is due. So every request/reply exchange pays the delay once each way, as it
//! would on a long link.
//!
//! Loss, duplication and reordering have no meaning here: TCP delivers a
//! byte stream exactly once and in order, so a lost segment on a real path
//! shows up as a *delay* (the retransmission), never as missing bytes. The
//! emulator could only reproduce that by implementing TCP itself.
//!
//! What a user-space relay cannot show: the client's handshake is with the
//! emulator, which is on the same machine, so the connect time a client
//! measures (`tcp-rtt-client`) stays a loopback figure. Only the bytes that
//! follow cross the slow link.
//!
//! An end of stream (a client that shuts down its writing half) is passed on
//! with the same delay, after the bytes before it, so half-closing protocols
//! work. A connection that stays silent in both directions for `--idle` is
//! closed. If the server cannot be reached, the client's connection is closed
//! at once and the emulator carries on.

use super::impairment::Direction;
use super::link::{Count, Lane, Way, DATAGRAM_OVERHEAD};
use super::{lock, Report, Settings};
use crate::error::{describe, is_timeout, Error, Result};
use crate::output::Log;
use crate::server::Slots;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most bytes read at a time.
const CHUNK: usize = 16 * 1024;

/// The most bytes one direction of a connection holds before the reader stops
/// reading: then TCP's own flow control slows the sender down. Each chunk
/// counts [`DATAGRAM_OVERHEAD`] bytes on top of its data, so a client that
/// trickles one byte per segment cannot queue a quarter of a million chunks.
pub const PIPE_LIMIT: usize = 256 * 1024;

/// The TCP relay: the listener's address, the counters, the settings.
pub struct Relay {
    local: SocketAddr,
    server: SocketAddr,
    settings: Settings,
    log: Log,
    ways: [Way; 2],
    started: Instant,
    accepted: AtomicU64,
    refused: AtomicU64,
    slots: Slots,
}

impl Relay {
    /// Starts accepting connections on an already bound listener.
    ///
    /// # Errors
    ///
    /// `cannot read the local address: ...` when the listener's address cannot
    /// be read, and `cannot start the relay thread: ...` when the system refuses
    /// a new thread.
    pub fn start(
        listener: TcpListener,
        server: SocketAddr,
        settings: Settings,
        log: Log,
    ) -> Result<Arc<Relay>> {
        let local =
            listener.local_addr().map_err(|e| Error::io("cannot read the local address", &e))?;
        let relay = Arc::new(Relay {
            local,
            server,
            settings,
            log,
            ways: [Way::new(Direction::ToServer), Way::new(Direction::ToClient)],
            started: Instant::now(),
            accepted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            slots: Slots::new(settings.max_clients),
        });
        let acceptor = Arc::clone(&relay);
        std::thread::Builder::new()
            .name("link-tcp-accept".to_string())
            .spawn(move || acceptor.accept_loop(&listener))
            .map_err(|e| Error::io("cannot start the relay thread", &e))?;
        Ok(relay)
    }

    /// The address clients connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The counters so far.
    pub fn report(&self) -> Report {
        Report {
            udp: false,
            elapsed: self.started.elapsed(),
            clients: self.accepted.load(Ordering::Relaxed),
            refused_connections: self.refused.load(Ordering::Relaxed),
            ways: [self.ways[0].tally.totals(), self.ways[1].tally.totals()],
        }
    }

    fn accept_loop(self: Arc<Self>, listener: &TcpListener) {
        loop {
            let (client, peer) = match listener.accept() {
                Ok(pair) => pair,
                // Windows: the process is ending and std's WSACleanup closed the socket.
                Err(e) if crate::wsa::socket_closed(&e) => return,
                Err(e) => {
                    self.log.line(format_args!("accept failed: {}", describe(&e)));
                    // Typically too many open files: give connections time to close.
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            // Hardening: at most --max-clients connections (four threads and
            // two sockets each); beyond that a newcomer is closed, with a line.
            let slot = match self.slots.take() {
                Some(slot) => slot,
                None => {
                    self.log.line(format_args!("{}", self.slots.refusal(peer)));
                    continue;
                }
            };
            let number = self.accepted.fetch_add(1, Ordering::Relaxed) + 1;
            let relay = Arc::clone(&self);
            let spawned =
                std::thread::Builder::new().name(format!("link-tcp-{number}")).spawn(move || {
                    relay.serve(client, peer, number);
                    drop(slot);
                });
            if let Err(e) = spawned {
                self.log.line(format_args!(
                    "connection {number} from {peer}: cannot start a thread: {}",
                    describe(&e)
                ));
            }
        }
    }

    /// Relays one connection until both directions have ended.
    fn serve(self: Arc<Self>, client: TcpStream, peer: SocketAddr, number: u64) {
        let server = match TcpStream::connect_timeout(&self.server, crate::net::CONNECT_TIMEOUT) {
            Ok(stream) => stream,
            Err(e) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                self.log.line(format_args!(
                    "connection {number} from {peer}: cannot reach {}: {}; closing the client's connection",
                    self.server,
                    describe(&e)
                ));
                // Dropping `client` closes it: the client reads end of stream.
                return;
            }
        };
        let via = server.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| "?".to_string());
        self.log.line(format_args!(
            "connection {number} from {peer}: relayed to {} from {via}",
            self.server
        ));
        match self.relay_both_ways(client, server, number) {
            Ok(conn) => self.log.line(format_args!(
                "connection {number} from {peer} closed: {} bytes to the server, {} back",
                conn.bytes[0].load(Ordering::Relaxed),
                conn.bytes[1].load(Ordering::Relaxed)
            )),
            Err(err) => self.log.line(format_args!("connection {number} from {peer}: {err}")),
        }
    }

    fn relay_both_ways(
        self: &Arc<Self>,
        client: TcpStream,
        server: TcpStream,
        number: u64,
    ) -> Result<Arc<Conn>> {
        let idle = self.settings.idle;
        let setup = |s: &TcpStream| {
            // The emulator adds exactly the delay asked for: no Nagle wait on top.
            s.set_nodelay(true)?;
            s.set_read_timeout(Some((idle / 2).max(Duration::from_millis(10))))?;
            s.set_write_timeout(Some(idle.max(Duration::from_millis(10))))
        };
        let clone = |s: &TcpStream| s.try_clone();
        let streams = setup(&client)
            .and_then(|()| setup(&server))
            .and_then(|()| {
                Ok(([clone(&client)?, clone(&server)?], [clone(&client)?, clone(&server)?]))
            })
            .map_err(|e| Error::io("cannot set up the connection", &e))?;
        let ([client_w, server_w], [client_s, server_s]) = streams;
        let conn = Arc::new(Conn {
            streams: [client_s, server_s],
            last_seen_ms: AtomicU64::new(self.now_ms()),
            bytes: [AtomicU64::new(0), AtomicU64::new(0)],
        });

        let mut threads: Vec<JoinHandle<()>> = Vec::new();
        let to_server = Arc::new(Pipe::default());
        let to_client = Arc::new(Pipe::default());
        let jobs: Vec<(String, Box<dyn FnOnce() + Send>)> = vec![
            (format!("link-tcp-{number}-up-w"), {
                let (relay, pipe, conn) =
                    (Arc::clone(self), Arc::clone(&to_server), Arc::clone(&conn));
                Box::new(move || relay.write_side(server_w, &pipe, Direction::ToServer, &conn))
            }),
            (format!("link-tcp-{number}-down-r"), {
                let (relay, pipe, conn) =
                    (Arc::clone(self), Arc::clone(&to_client), Arc::clone(&conn));
                Box::new(move || relay.read_side(server, &pipe, Direction::ToClient, number, &conn))
            }),
            (format!("link-tcp-{number}-down-w"), {
                let (relay, pipe, conn) =
                    (Arc::clone(self), Arc::clone(&to_client), Arc::clone(&conn));
                Box::new(move || relay.write_side(client_w, &pipe, Direction::ToClient, &conn))
            }),
        ];
        for (name, job) in jobs {
            match std::thread::Builder::new().name(name).spawn(job) {
                Ok(handle) => threads.push(handle),
                Err(e) => {
                    conn.shutdown_all();
                    to_server.end_now();
                    to_client.end_now();
                    for handle in threads {
                        let _ = handle.join();
                    }
                    return Err(Error::io("cannot start a relay thread", &e));
                }
            }
        }
        // This thread reads from the client.
        self.read_side(client, &to_server, Direction::ToServer, number, &conn);
        for handle in threads {
            let _ = handle.join();
        }
        Ok(conn)
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Reads chunks from `from`, stamps each with its release time and queues it.
    fn read_side(
        &self,
        mut from: TcpStream,
        pipe: &Pipe,
        direction: Direction,
        number: u64,
        conn: &Conn,
    ) {
        let link = self.settings.link;
        let way = &self.ways[direction.index()];
        let mut lane = Lane::new(self.settings.seed, number, direction, link);
        let quiet_limit = self.settings.idle + link.delay + link.jitter;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let len = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(len) => len,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if is_timeout(&e) => {
                    let quiet =
                        self.now_ms().saturating_sub(conn.last_seen_ms.load(Ordering::Relaxed));
                    if Duration::from_millis(quiet) < quiet_limit {
                        continue; // the other direction is busy, or not for long
                    }
                    self.log.line(format_args!(
                        "connection {number}: silent both ways for {:.1} s, closing it",
                        quiet as f64 / 1000.0
                    ));
                    conn.shutdown_all();
                    pipe.end_now();
                    return;
                }
                Err(_) => {
                    // A reset: the other side gets one too, as far as a relay can.
                    conn.shutdown_all();
                    pipe.end_now();
                    return;
                }
            };
            conn.last_seen_ms.store(self.now_ms(), Ordering::Relaxed);
            conn.bytes[direction.index()].fetch_add(len as u64, Ordering::Relaxed);
            way.tally.add(Count::Received);
            let fate = lane.decide();
            let at = match lane.plan(fate, way, &link, Instant::now(), len, None) {
                Some(plan) => plan.release,
                None => Instant::now(), // no queue limit was given, so never
            };
            if !pipe.push(at, Some(buf[..len].to_vec())) {
                return; // the writer is gone
            }
        }
        // End of stream: passed on after the bytes before it, with the same delay.
        let fate = lane.decide();
        let at = lane
            .plan(fate, way, &link, Instant::now(), 0, None)
            .map_or_else(Instant::now, |plan| plan.release);
        pipe.push(at, None);
    }

    /// Writes each queued chunk to `to` when it is due.
    fn write_side(&self, mut to: TcpStream, pipe: &Pipe, direction: Direction, conn: &Conn) {
        let tally = &self.ways[direction.index()].tally;
        while let Some(chunk) = pipe.next_due() {
            match chunk {
                Some(data) => {
                    // Counted before the write, as in UDP mode: the peer may
                    // have the bytes before `write_all` returns here.
                    tally.forwarded(data.len());
                    if to.write_all(&data).is_err() {
                        tally.unsent(data.len());
                        pipe.break_off();
                        conn.shutdown_all();
                        return;
                    }
                }
                None => {
                    // Pass the half-close on; the other direction may go on.
                    let _ = to.shutdown(Shutdown::Write);
                    return;
                }
            }
        }
    }
}

/// One relayed connection: handles for shutting it down, and its activity.
struct Conn {
    /// Client and server, kept to shut both down from any thread.
    streams: [TcpStream; 2],
    last_seen_ms: AtomicU64,
    /// Bytes read towards the server, and back.
    bytes: [AtomicU64; 2],
}

impl Conn {
    /// Ends the connection both ways: every blocked read returns, every write fails.
    fn shutdown_all(&self) {
        for stream in &self.streams {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// What a queued chunk costs in the pipe: its bytes and its bookkeeping.
fn cost(data: &Option<Vec<u8>>) -> usize {
    data.as_ref().map_or(0, Vec::len) + DATAGRAM_OVERHEAD as usize
}

/// A chunk and when it is due; `None` data is the end of the stream.
struct Chunk {
    at: Instant,
    data: Option<Vec<u8>>,
}

#[derive(Default)]
struct PipeState {
    chunks: VecDeque<Chunk>,
    bytes: usize,
    /// The writer has given up; the reader must stop.
    broken: bool,
}

/// The queue between one direction's reader and writer.
#[derive(Default)]
struct Pipe {
    state: Mutex<PipeState>,
    changed: Condvar,
}

impl Pipe {
    fn lock(&self) -> MutexGuard<'_, PipeState> {
        lock(&self.state)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, PipeState>) -> MutexGuard<'a, PipeState> {
        self.changed.wait(guard).unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues a chunk, waiting while the pipe is full. False when the writer is gone.
    fn push(&self, at: Instant, data: Option<Vec<u8>>) -> bool {
        let mut state = self.lock();
        while state.bytes >= PIPE_LIMIT && !state.broken {
            state = self.wait(state);
        }
        if state.broken {
            return false;
        }
        state.bytes += cost(&data);
        state.chunks.push_back(Chunk { at, data });
        drop(state);
        self.changed.notify_all();
        true
    }

    /// Queues an end of stream due at once (after what is already queued).
    fn end_now(&self) {
        let mut state = self.lock();
        let at = state.chunks.back().map_or_else(Instant::now, |c| c.at);
        state.bytes += cost(&None);
        state.chunks.push_back(Chunk { at, data: None });
        drop(state);
        self.changed.notify_all();
    }

    /// Marks the pipe broken (the writer failed), waking a waiting reader.
    fn break_off(&self) {
        self.lock().broken = true;
        self.changed.notify_all();
    }

    /// Waits for the head of the queue to be due and takes it: `Some(Some(bytes))`,
    /// `Some(None)` for the end of the stream, `None` when the pipe is broken.
    fn next_due(&self) -> Option<Option<Vec<u8>>> {
        let mut state = self.lock();
        loop {
            if state.broken {
                return None;
            }
            let now = Instant::now();
            let head = state.chunks.front().map(|c| c.at);
            match head {
                Some(at) if at <= now => {
                    let chunk = state.chunks.pop_front()?;
                    state.bytes -= cost(&chunk.data);
                    drop(state);
                    self.changed.notify_all(); // room for the reader
                    return Some(chunk.data);
                }
                Some(at) => {
                    state = self
                        .changed
                        .wait_timeout(state, at - now)
                        .map(|(guard, _)| guard)
                        .unwrap_or_else(|poisoned| poisoned.into_inner().0);
                }
                None => state = self.wait(state),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_releases_chunks_in_order_when_due() {
        let pipe = Arc::new(Pipe::default());
        let t0 = Instant::now();
        assert!(pipe.push(t0 + Duration::from_millis(20), Some(b"a".to_vec())));
        assert!(pipe.push(t0 + Duration::from_millis(20), Some(b"b".to_vec())));
        pipe.push(t0 + Duration::from_millis(25), None);
        assert_eq!(pipe.next_due(), Some(Some(b"a".to_vec())));
        assert!(t0.elapsed() >= Duration::from_millis(20));
        assert_eq!(pipe.next_due(), Some(Some(b"b".to_vec())));
        assert_eq!(pipe.next_due(), Some(None));
        assert!(t0.elapsed() >= Duration::from_millis(25));
    }

    #[test]
    fn a_full_pipe_makes_the_reader_wait_and_a_broken_one_stops_it() {
        let pipe = Arc::new(Pipe::default());
        let now = Instant::now();
        assert!(pipe.push(now, Some(vec![0; PIPE_LIMIT])));
        let reader = {
            let pipe = Arc::clone(&pipe);
            std::thread::spawn(move || pipe.push(Instant::now(), Some(vec![1; 10])))
        };
        // The writer takes the big chunk, which makes room: the reader goes on.
        assert_eq!(pipe.next_due().unwrap().unwrap().len(), PIPE_LIMIT);
        assert!(reader.join().unwrap());
        assert_eq!(pipe.next_due(), Some(Some(vec![1; 10])));

        assert!(pipe.push(now, Some(vec![0; PIPE_LIMIT])));
        let reader = {
            let pipe = Arc::clone(&pipe);
            std::thread::spawn(move || pipe.push(Instant::now(), Some(vec![1; 10])))
        };
        pipe.break_off();
        assert!(!reader.join().unwrap());
        assert_eq!(pipe.next_due(), None);
    }
}
