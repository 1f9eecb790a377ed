//! UDP mode: every datagram meets its own fate, in each direction.
//!
//! ```text
//!  client A ──┐                      ┌── upstream socket A ──┐
//!  client B ──┼──> [listen socket] ──┼── upstream socket B ──┼──> server
//!  client C ──┘    one thread        └── upstream socket C ──┘
//!                  reads everything     one thread each reads the replies
//! ```
//!
//! The emulator tells clients apart by their source address, like a NAT box:
//! the first datagram from a new address opens a *flow* with an upstream
//! socket of its own, so the server sees one distinct peer per client and its
//! replies come back on the right socket. Each flow has a reader thread for the
//! replies; a flow that stays quiet for `--idle` is forgotten and its socket
//! closed, so clients that vanish cost nothing for long.
//!
//! The upstream socket is *connected* to the server. That makes the kernel
//! report an ICMP "port unreachable" from the server's host as a
//! `ConnectionRefused` error on it, which the emulator counts as `refused`:
//! with the server down, datagrams are still forwarded, and the summary says
//! where they went.

use super::impairment::Direction;
use super::link::{Count, Held, Lane, Parcel, Way, QUEUE_LIMIT, REORDER_HOLD};
use super::scheduler::Scheduler;
use super::{lock, Report, Settings};
use crate::error::{describe, is_timeout, Error, Result};
use crate::output::Log;
use crate::server::MAX_DATAGRAM;
use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The UDP relay: the listen socket, the flows, both directions.
pub struct Relay {
    listen: UdpSocket,
    server: SocketAddr,
    settings: Settings,
    log: Log,
    scheduler: Option<Scheduler>,
    ways: [Way; 2],
    flows: Mutex<Flows>,
    started: Instant,
    last_warning_ms: AtomicU64,
}

#[derive(Default)]
struct Flows {
    by_client: HashMap<SocketAddr, Arc<Flow>>,
    /// Flows opened so far; the next flow gets this number plus one.
    opened: u64,
    warned_full: bool,
}

/// One client: its address, its upstream socket and its two lanes.
struct Flow {
    number: u64,
    client: SocketAddr,
    upstream: UdpSocket,
    lanes: [Mutex<Lane>; 2],
    /// Milliseconds since the relay started, at the last datagram either way.
    last_seen_ms: AtomicU64,
    told_refused: AtomicBool,
    /// Evicted from a full table: the reader thread ends at its next wake-up.
    closed: AtomicBool,
}

impl Flow {
    /// Marks the flow closed and wakes its reader thread at once, so an
    /// evicted flow gives back its thread and socket now, not at the next
    /// poll: the socket is pointed at itself and sent an empty datagram.
    fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        if let Ok(own) = self.upstream.local_addr() {
            let own: SocketAddr = match own {
                SocketAddr::V4(_) => (Ipv4Addr::LOCALHOST, own.port()).into(),
                SocketAddr::V6(_) => (Ipv6Addr::LOCALHOST, own.port()).into(),
            };
            // If this fails the thread still ends at its next read timeout.
            let _ = self.upstream.connect(own).and_then(|()| self.upstream.send(&[]));
        }
    }
}

impl Relay {
    /// Starts the relay threads on an already bound socket.
    ///
    /// # Errors
    ///
    /// `cannot start the timer thread: ...` (when delay, jitter, rate or
    /// reordering need one) or `cannot start the relay thread: ...` when the
    /// system refuses a new thread.
    pub fn start(
        listen: UdpSocket,
        server: SocketAddr,
        settings: Settings,
        log: Log,
    ) -> Result<Arc<Relay>> {
        let scheduler = if settings.link.shapes_time() { Some(Scheduler::start()?) } else { None };
        let relay = Arc::new(Relay {
            listen,
            server,
            settings,
            log,
            scheduler,
            ways: [Way::new(Direction::ToServer), Way::new(Direction::ToClient)],
            flows: Mutex::new(Flows::default()),
            started: Instant::now(),
            last_warning_ms: AtomicU64::new(0),
        });
        let reader = Arc::clone(&relay);
        std::thread::Builder::new()
            .name("link-udp-listen".to_string())
            .spawn(move || reader.listen_loop())
            .map_err(|e| Error::io("cannot start the relay thread", &e))?;
        Ok(relay)
    }

    /// The address clients send to.
    ///
    /// # Errors
    ///
    /// The operating system's error when the socket's address cannot be read
    /// (in practice only if the socket was never bound).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listen.local_addr()
    }

    /// The counters so far.
    pub fn report(&self) -> Report {
        Report {
            udp: true,
            elapsed: self.started.elapsed(),
            clients: lock(&self.flows).opened,
            refused_connections: 0,
            ways: [self.ways[0].tally.totals(), self.ways[1].tally.totals()],
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Reads every datagram from every client and passes it on.
    fn listen_loop(self: Arc<Self>) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            let (len, client) = match self.listen.recv_from(&mut buf) {
                Ok(pair) => pair,
                // Windows: the process is ending and std's WSACleanup closed the socket.
                Err(e) if crate::wsa::socket_closed(&e) => return,
                Err(e) => {
                    // Windows reports an ICMP error for an earlier reply to a
                    // vanished client here; it concerns that client only.
                    self.warn(format_args!("receive failed: {}", describe(&e)));
                    continue;
                }
            };
            match self.flow_for(client) {
                Some(flow) => self.forward(&flow, Direction::ToServer, &buf[..len]),
                None => {
                    let tally = &self.ways[0].tally;
                    tally.add(Count::Received);
                    tally.add(Count::Dropped);
                }
            }
        }
    }

    /// The flow of `client`, opened on its first datagram.
    fn flow_for(self: &Arc<Self>, client: SocketAddr) -> Option<Arc<Flow>> {
        let mut flows = lock(&self.flows);
        if let Some(flow) = flows.by_client.get(&client) {
            // Touched under the lock, so a flow being retired cannot miss it.
            flow.last_seen_ms.store(self.now_ms(), Ordering::Relaxed);
            return Some(Arc::clone(flow));
        }
        // Hardening: a full table makes room by evicting the least recently
        // used flow with nothing left in flight; only when every flow is busy
        // is the newcomer's datagram dropped. Refusing newcomers instead would
        // let anyone who keeps 256 source ports alive lock everyone else out.
        let mut victim = None;
        if flows.by_client.len() >= self.settings.max_clients {
            let now = self.now_ms();
            let in_flight = self.in_flight_limit().as_millis() as u64;
            victim = flows
                .by_client
                .values()
                .filter(|f| now.saturating_sub(f.last_seen_ms.load(Ordering::Relaxed)) > in_flight)
                .min_by_key(|f| f.last_seen_ms.load(Ordering::Relaxed))
                .cloned();
            if victim.is_none() {
                if !flows.warned_full {
                    flows.warned_full = true;
                    self.log.line(format_args!(
                        "{} busy clients at once (--max-clients): dropping datagrams from new ones",
                        self.settings.max_clients
                    ));
                }
                return None;
            }
        }
        let upstream = match self.open_upstream() {
            Ok(socket) => socket,
            Err(e) => {
                self.warn(format_args!("client {client}: {e}"));
                return None;
            }
        };
        let number = flows.opened + 1;
        let lane = |direction| {
            Mutex::new(Lane::new(self.settings.seed, number, direction, self.settings.link))
        };
        let flow = Arc::new(Flow {
            number,
            client,
            upstream,
            lanes: [lane(Direction::ToServer), lane(Direction::ToClient)],
            last_seen_ms: AtomicU64::new(self.now_ms()),
            told_refused: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        });
        let relay = Arc::clone(self);
        let reader = Arc::clone(&flow);
        let spawned = std::thread::Builder::new()
            .name(format!("link-udp-flow-{number}"))
            .spawn(move || relay.upstream_loop(&reader));
        if let Err(e) = spawned {
            self.warn(format_args!("client {client}: cannot start a thread: {}", describe(&e)));
            return None;
        }
        flows.opened = number;
        if let Some(old) = victim {
            flows.by_client.remove(&old.client);
            old.close();
            self.log.line(format_args!(
                "client {}: flow {} evicted to make room (least recently used)",
                old.client, old.number
            ));
        }
        flows.by_client.insert(client, Arc::clone(&flow));
        drop(flows);
        let via =
            flow.upstream.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| "?".to_string());
        self.log.line(format_args!(
            "client {client}: flow {number}, relayed to {} from {via}",
            self.server
        ));
        Some(flow)
    }

    /// A socket of the server's family, connected to the server.
    fn open_upstream(&self) -> Result<UdpSocket> {
        let any: SocketAddr = if self.server.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(any)
            .and_then(|s| s.connect(self.server).map(|()| s))
            .map_err(|e| Error::io(format!("cannot open a socket to {}", self.server), &e))?;
        socket
            .set_read_timeout(Some(self.poll_interval()))
            .map_err(|e| Error::io("cannot set a socket timeout", &e))?;
        Ok(socket)
    }

    /// The longest a datagram can spend inside the emulator: a flow quiet
    /// for longer has nothing of its own on the way.
    fn in_flight_limit(&self) -> Duration {
        let link = &self.settings.link;
        let queueing = if link.rate_kbit.is_some() { QUEUE_LIMIT } else { Duration::ZERO };
        link.delay + link.jitter + REORDER_HOLD + queueing
    }

    /// How long a flow may stay quiet before it is forgotten: `--idle-timeout`,
    /// plus [`in_flight_limit`](Self::in_flight_limit), so a flow is never
    /// forgotten with datagrams of its own still on the way.
    fn idle_limit(&self) -> Duration {
        self.settings.idle + self.in_flight_limit()
    }

    fn poll_interval(&self) -> Duration {
        (self.settings.idle / 2).max(Duration::from_millis(10))
    }

    /// Reads the server's replies for one flow until the flow goes quiet.
    fn upstream_loop(self: &Arc<Self>, flow: &Arc<Flow>) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            let received = flow.upstream.recv(&mut buf);
            if flow.closed.load(Ordering::Relaxed) {
                return; // evicted
            }
            match received {
                Ok(len) => {
                    flow.last_seen_ms.store(self.now_ms(), Ordering::Relaxed);
                    self.forward(flow, Direction::ToClient, &buf[..len]);
                }
                Err(e) if is_timeout(&e) => {
                    if self.retire_if_idle(flow) {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                    self.ways[0].tally.add(Count::Refused);
                    self.tell_refused(flow);
                }
                // Windows: the process is ending and std's WSACleanup closed the socket.
                Err(e) if crate::wsa::socket_closed(&e) => return,
                Err(e) => {
                    self.warn(format_args!(
                        "client {}: receive from the server failed: {}",
                        flow.client,
                        describe(&e)
                    ));
                    // Do not spin on an error that repeats at once.
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
    }

    /// Forgets the flow if nothing went either way for the idle limit.
    fn retire_if_idle(&self, flow: &Arc<Flow>) -> bool {
        let mut flows = lock(&self.flows);
        let quiet = self.now_ms().saturating_sub(flow.last_seen_ms.load(Ordering::Relaxed));
        if Duration::from_millis(quiet) < self.idle_limit() {
            return false;
        }
        let ours = flows.by_client.get(&flow.client).map_or(false, |f| Arc::ptr_eq(f, flow));
        if ours {
            flows.by_client.remove(&flow.client);
            flows.warned_full = false;
        }
        drop(flows);
        let count = |d: Direction| lock(&flow.lanes[d.index()]).count;
        self.log.line(format_args!(
            "client {}: quiet for {:.1} s, flow {} closed ({} datagrams to the server, {} back)",
            flow.client,
            quiet as f64 / 1000.0,
            flow.number,
            count(Direction::ToServer),
            count(Direction::ToClient)
        ));
        true
    }

    fn tell_refused(&self, flow: &Flow) {
        if !flow.told_refused.swap(true, Ordering::Relaxed) {
            self.log.line(format_args!(
                "client {}: {} refused a datagram (ICMP port unreachable: nothing listens there?)",
                flow.client, self.server
            ));
        }
    }

    /// A log line for something that may repeat fast: at most one per second.
    fn warn(&self, args: std::fmt::Arguments<'_>) {
        // Shifted by a second so that the very first warning passes.
        let now = self.now_ms() + 1000;
        let last = self.last_warning_ms.load(Ordering::Relaxed);
        if now >= last + 1000
            && self
                .last_warning_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.log.line(args);
        }
    }

    /// Applies the link to one datagram that arrived on `flow` going `direction`.
    fn forward(self: &Arc<Self>, flow: &Arc<Flow>, direction: Direction, data: &[u8]) {
        let way = &self.ways[direction.index()];
        way.tally.add(Count::Received);
        let mut lane = lock(&flow.lanes[direction.index()]);
        let fate = lane.decide();
        let number = lane.count;
        if fate.lost {
            way.tally.add(Count::Dropped);
            self.trace(flow, direction, number, data.len(), format_args!("lost"));
            return;
        }
        let copies = if fate.duplicate {
            way.tally.add(Count::Duplicated);
            2
        } else {
            1
        };
        let scheduler = match &self.scheduler {
            Some(scheduler) => scheduler,
            None => {
                // No delay of any kind: send at once, from this thread.
                drop(lane);
                let what = if copies == 2 { "sent twice" } else { "sent" };
                self.trace(flow, direction, number, data.len(), format_args!("{what}"));
                self.deliver(flow, direction, data, copies);
                return;
            }
        };
        if !way.tally.reserve(data.len()) {
            way.tally.add(Count::Overflow);
            self.trace(
                flow,
                direction,
                number,
                data.len(),
                format_args!("dropped: the emulator holds too much data"),
            );
            return;
        }
        let now = Instant::now();
        let link = &self.settings.link;
        let plan = match lane.plan(fate, way, link, now, data.len(), Some(QUEUE_LIMIT)) {
            Some(plan) => plan,
            None => {
                way.tally.release(data.len());
                way.tally.add(Count::Overflow);
                self.trace(
                    flow,
                    direction,
                    number,
                    data.len(),
                    format_args!("dropped: queue full (over {} ms)", QUEUE_LIMIT.as_millis()),
                );
                return;
            }
        };
        let parcel = Parcel { data: data.to_vec(), copies };
        let wait = crate::clock::ms(plan.release.saturating_duration_since(now));
        let twice = if copies == 2 { ", twice" } else { "" };
        if plan.hold {
            let held: Held = Arc::new(Mutex::new(Some(parcel)));
            lane.hold(Arc::clone(&held));
            self.trace(
                flow,
                direction,
                number,
                data.len(),
                format_args!("due in {wait:.3} ms{twice}, held back for reordering"),
            );
            let relay = Arc::clone(self);
            let flow = Arc::clone(flow);
            // If nothing overtakes it in time, it goes on anyway.
            scheduler.at(
                plan.release + REORDER_HOLD,
                Box::new(move || relay.deliver_held(&flow, direction, &held, false)),
            );
            return;
        }
        self.trace(flow, direction, number, data.len(), format_args!("due in {wait:.3} ms{twice}"));
        let relay = Arc::clone(self);
        let owner = Arc::clone(flow);
        scheduler.at(
            plan.release,
            Box::new(move || {
                relay.deliver(&owner, direction, &parcel.data, parcel.copies);
                relay.ways[direction.index()].tally.release(parcel.data.len());
            }),
        );
        if let Some(held) = plan.overtaken {
            // Filed after this datagram for the same instant: sent right after it.
            let relay = Arc::clone(self);
            let owner = Arc::clone(flow);
            scheduler.at(
                plan.release,
                Box::new(move || relay.deliver_held(&owner, direction, &held, true)),
            );
        }
    }

    /// Sends a held-back datagram, unless the other claimant already did.
    fn deliver_held(&self, flow: &Flow, direction: Direction, held: &Held, overtaken: bool) {
        let parcel = match held.lock() {
            Ok(mut slot) => slot.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(parcel) = parcel {
            let tally = &self.ways[direction.index()].tally;
            if overtaken {
                tally.add(Count::Reordered);
            }
            self.deliver(flow, direction, &parcel.data, parcel.copies);
            tally.release(parcel.data.len());
        }
    }

    /// Sends `copies` copies of a datagram on, counting each.
    fn deliver(&self, flow: &Flow, direction: Direction, data: &[u8], copies: usize) {
        let tally = &self.ways[direction.index()].tally;
        for _ in 0..copies {
            // Counted before it leaves: the receiver may ask for a report
            // before `send_to` has even returned here.
            tally.forwarded(data.len());
            let sent = match direction {
                Direction::ToServer => flow.upstream.send(data),
                Direction::ToClient => self.listen.send_to(data, flow.client),
            };
            if let Err(e) = sent {
                tally.unsent(data.len());
                if e.kind() == io::ErrorKind::ConnectionRefused {
                    // An ICMP error for an earlier datagram, reported on this send.
                    self.ways[0].tally.add(Count::Refused);
                    self.tell_refused(flow);
                } else {
                    self.warn(format_args!(
                        "client {}: {} send failed: {}",
                        flow.client,
                        direction.label(),
                        describe(&e)
                    ));
                }
            }
        }
    }

    /// One line per datagram with `--verbose`.
    fn trace(
        &self,
        flow: &Flow,
        direction: Direction,
        number: u64,
        len: usize,
        what: std::fmt::Arguments<'_>,
    ) {
        if self.settings.verbose {
            self.log.line(format_args!(
                "flow {} {} #{number} ({len} bytes): {what}",
                flow.number,
                direction.label()
            ));
        }
    }
}
