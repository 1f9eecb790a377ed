//! One direction of the link: its counters, its bottleneck, and the per-client lanes.
//!
//! ```text
//!  arrivals of client 1 --> [lane 1: fate, FIFO] --\
//!                                                   >--> [wire: one datagram at a time
//!  arrivals of client 2 --> [lane 2: fate, FIFO] --/      at --rate] --> + delay --> out
//! ```
//!
//! * A [`Lane`] belongs to one client and one direction. It asks its own
//!   [`Decider`] for each datagram's fate, in arrival order, and keeps the
//!   lane first-in first-out: jitter changes *when* datagrams leave, not their
//!   order (a real link is a queue; only `--reorder` swaps datagrams).
//! * The wire of a [`Way`] is shared by every client going the same way, as the
//!   bottleneck link of a real path is: with `--rate`, a datagram waits until
//!   the wire is free, then occupies it for `size × 8 / rate`. That wait is the
//!   queueing delay a rate limit is meant to show. The queue is bounded
//!   ([`QUEUE_LIMIT`]); a datagram that would wait longer is dropped, as a
//!   router's full buffer drops it.
//! * [`Tally`] counts what happened, for the summary.

use super::impairment::{Decider, Direction, Fate, Impairments};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest a datagram may wait for the wire before it is dropped
/// (a "full buffer"). One second of backlog is already a badly bloated buffer.
pub const QUEUE_LIMIT: Duration = Duration::from_secs(1);

/// The most datagrams one direction may hold in the timer queue.
pub const MAX_QUEUED: u64 = 65_536;

/// What a queued datagram costs besides its payload: its place in the timer
/// queue, the job that sends it and the allocations they make (about 200
/// bytes, rounded up). An empty datagram is not free.
pub const DATAGRAM_OVERHEAD: u64 = 256;

/// The most bytes (payload plus [`DATAGRAM_OVERHEAD`] each) one direction may
/// hold in the timer queue; beyond that, or beyond [`MAX_QUEUED`] datagrams,
/// new datagrams are dropped rather than letting memory grow without end.
pub const MEMORY_LIMIT: u64 = 32 * 1024 * 1024;

/// How long a datagram held back by `--reorder` waits for a datagram to
/// overtake it; if none comes, it goes on anyway (late, but not reordered).
pub const REORDER_HOLD: Duration = Duration::from_millis(100);

/// Counters of one direction, updated from several threads under one lock,
/// so a report never shows a datagram half counted.
#[derive(Debug, Default)]
pub struct Tally {
    state: Mutex<(Totals, Queued)>,
}

/// What the timer queue of one direction holds: datagrams, and their bytes
/// with [`DATAGRAM_OVERHEAD`] each.
#[derive(Debug, Default, Clone, Copy)]
struct Queued {
    datagrams: u64,
    bytes: u64,
}

/// Which counter to add to.
#[derive(Debug, Clone, Copy)]
pub enum Count {
    /// A datagram (or TCP chunk) arrived.
    Received,
    /// A datagram was dropped: by `--loss`, or because it could not be sent.
    Dropped,
    /// A datagram was dropped because the queue was full (also counts as dropped).
    Overflow,
    /// A second copy was made.
    Duplicated,
    /// A held-back datagram was delivered after one that arrived later.
    Reordered,
    /// The server's host answered with ICMP "port unreachable".
    Refused,
}

impl Tally {
    fn lock(&self) -> std::sync::MutexGuard<'_, (Totals, Queued)> {
        super::lock(&self.state)
    }

    /// Adds one to a counter.
    pub fn add(&self, count: Count) {
        let t = &mut self.lock().0;
        let counter = match count {
            Count::Received => &mut t.received,
            Count::Dropped => &mut t.dropped,
            Count::Overflow => {
                t.dropped += 1;
                &mut t.overflow
            }
            Count::Duplicated => &mut t.duplicated,
            Count::Reordered => &mut t.reordered,
            Count::Refused => &mut t.refused,
        };
        *counter += 1;
    }

    /// Counts a copy of `bytes` bytes as forwarded. Called *before* the send,
    /// so whoever receives the copy and then asks for a report finds it
    /// counted; [`unsent`](Self::unsent) takes it back if the send fails.
    pub fn forwarded(&self, bytes: usize) {
        let t = &mut self.lock().0;
        t.forwarded += 1;
        t.bytes += bytes as u64;
    }

    /// A copy counted by [`forwarded`](Self::forwarded) could not be sent: it
    /// becomes a dropped one.
    pub fn unsent(&self, bytes: usize) {
        let t = &mut self.lock().0;
        t.forwarded -= 1;
        t.bytes -= bytes as u64;
        t.dropped += 1;
    }

    /// Reserves room for a datagram of `bytes` in the timer queue; false when
    /// the direction already holds [`MAX_QUEUED`] datagrams or [`MEMORY_LIMIT`].
    pub fn reserve(&self, bytes: usize) -> bool {
        let q = &mut self.lock().1;
        let cost = bytes as u64 + DATAGRAM_OVERHEAD;
        if q.datagrams >= MAX_QUEUED || q.bytes + cost > MEMORY_LIMIT {
            return false;
        }
        q.datagrams += 1;
        q.bytes += cost;
        true
    }

    /// Gives back what [`reserve`](Self::reserve) took.
    pub fn release(&self, bytes: usize) {
        let q = &mut self.lock().1;
        q.datagrams -= 1;
        q.bytes -= bytes as u64 + DATAGRAM_OVERHEAD;
    }

    /// The counters as they are now.
    pub fn totals(&self) -> Totals {
        self.lock().0
    }
}

/// A snapshot of one direction's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Datagrams (TCP: chunks read) that arrived.
    pub received: u64,
    /// Copies sent on (duplicates included).
    pub forwarded: u64,
    /// Datagrams dropped: by `--loss`, by a full queue, or because sending failed.
    pub dropped: u64,
    /// Of the dropped, those that met a full queue.
    pub overflow: u64,
    /// Extra copies made by `--duplicate`.
    pub duplicated: u64,
    /// Datagrams delivered after one that arrived after them.
    pub reordered: u64,
    /// ICMP "port unreachable" reports from the server's host (UDP).
    pub refused: u64,
    /// Payload bytes forwarded.
    pub bytes: u64,
}

impl Totals {
    /// Datagrams still waiting in the emulator: everything that came in (plus
    /// the copies) and has not yet left or been dropped.
    pub fn in_flight(&self) -> u64 {
        (self.received + self.duplicated).saturating_sub(self.forwarded + self.dropped)
    }
}

impl fmt::Display for Totals {
    /// Two lines, the second indented under the first:
    /// `1000 received, 700 forwarded, 300 dropped, 0 duplicated, 0 reordered`, then
    /// `8400 bytes forwarded`, plus the overflowed, in-flight and refused counts
    /// when they are not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} received, {} forwarded, {} dropped, {} duplicated, {} reordered\n{:16}{} bytes forwarded",
            self.received, self.forwarded, self.dropped, self.duplicated, self.reordered, "", self.bytes
        )?;
        if self.overflow > 0 {
            write!(f, ", {} overflowed (dropped: queue full)", self.overflow)?;
        }
        if self.in_flight() > 0 {
            write!(f, ", {} still in flight", self.in_flight())?;
        }
        if self.refused > 0 {
            write!(f, ", {} refused (ICMP port unreachable)", self.refused)?;
        }
        Ok(())
    }
}

/// One direction of the emulator, shared by all its clients.
#[derive(Debug)]
pub struct Way {
    /// Which direction this is.
    pub direction: Direction,
    /// Its counters.
    pub tally: Tally,
    wire: Mutex<Option<Instant>>,
}

impl Way {
    /// A direction with nothing counted and an idle wire.
    pub fn new(direction: Direction) -> Way {
        Way { direction, tally: Tally::default(), wire: Mutex::new(None) }
    }

    /// Puts `bytes` on the wire as soon as it is free and returns when the last
    /// bit has left, or `None` when that would mean waiting longer than
    /// `limit` (then the wire is left as it was). Without a rate, returns `now`.
    pub fn transmit(
        &self,
        link: &Impairments,
        now: Instant,
        bytes: usize,
        limit: Option<Duration>,
    ) -> Option<Instant> {
        if link.rate_kbit.is_none() {
            return Some(now);
        }
        let mut free_at = super::lock(&self.wire);
        let start = match *free_at {
            Some(free) if free > now => free,
            _ => now,
        };
        if let Some(limit) = limit {
            if start - now > limit {
                return None;
            }
        }
        // Checked: an accepted rate keeps this far from overflowing, but a
        // wire that cannot say when it is free drops the datagram, not the relay.
        let done = start.checked_add(link.serialization(bytes))?;
        *free_at = Some(done);
        Some(done)
    }
}

/// A datagram on its way out, with the number of copies to send (2 when duplicated).
#[derive(Debug)]
pub struct Parcel {
    /// The payload.
    pub data: Vec<u8>,
    /// How many times to send it.
    pub copies: usize,
}

/// A datagram held back by `--reorder`: whichever comes first, the datagram
/// that overtakes it or the [`REORDER_HOLD`] timer, takes it out and sends it.
pub type Held = Arc<Mutex<Option<Parcel>>>;

/// One direction of one client: its decider and its place in time.
#[derive(Debug)]
pub struct Lane {
    decider: Decider,
    /// Datagrams that arrived on this lane so far (the number of the last one).
    pub count: u64,
    last_release: Option<Instant>,
    held: Option<Held>,
}

/// When and how a datagram that was not lost goes on.
#[derive(Debug)]
pub struct Plan {
    /// The datagram's fate, as the decider drew it.
    pub fate: Fate,
    /// When it leaves the emulator (the original; a duplicate right after it).
    pub release: Instant,
    /// Hold it back until a later datagram overtakes it.
    pub hold: bool,
    /// A datagram held back earlier, to send right after this one.
    pub overtaken: Option<Held>,
}

impl Lane {
    /// A lane for the `flow`-th client, direction `direction`.
    pub fn new(seed: u64, flow: u64, direction: Direction, link: Impairments) -> Lane {
        Lane {
            decider: Decider::for_stream(seed, flow, direction, link),
            count: 0,
            last_release: None,
            held: None,
        }
    }

    /// Draws the next datagram's fate (counting it). Every arriving datagram
    /// must come through here exactly once, lost or not: that keeps the
    /// sequence of fates tied to the sequence of arrivals.
    pub fn decide(&mut self) -> Fate {
        self.count += 1;
        self.decider.next()
    }

    /// Works out when a datagram that was not lost leaves: after the wire has
    /// carried it, plus its delay, and never before the one ahead of it on
    /// this lane. `None` when the queue for the wire is full.
    pub fn plan(
        &mut self,
        fate: Fate,
        way: &Way,
        link: &Impairments,
        now: Instant,
        bytes: usize,
        queue_limit: Option<Duration>,
    ) -> Option<Plan> {
        let on_wire = way.transmit(link, now, bytes, queue_limit)?;
        let mut release = on_wire + fate.delay;
        if let Some(last) = self.last_release {
            release = release.max(last);
        }
        self.last_release = Some(release);

        let slot_free = match &self.held {
            None => true,
            // Already sent by its timer: the slot is free again.
            Some(held) => held.lock().map_or(true, |h| h.is_none()),
        };
        if fate.reorder && slot_free {
            return Some(Plan { fate, release, hold: true, overtaken: None });
        }
        Some(Plan { fate, release, hold: false, overtaken: self.held.take() })
    }

    /// Remembers the datagram held back by the last [`plan`](Self::plan).
    pub fn hold(&mut self, held: Held) {
        self.held = Some(held);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(kbit: f64) -> Impairments {
        Impairments { rate_kbit: Some(kbit), ..Impairments::none() }
    }

    #[test]
    fn the_wire_serialises_datagrams_back_to_back() {
        let way = Way::new(Direction::ToServer);
        let link = rate(1000.0); // 1000 bytes = 8 ms
        let t0 = Instant::now();
        let ends: Vec<Instant> =
            (0..3).map(|_| way.transmit(&link, t0, 1000, None).unwrap()).collect();
        assert_eq!(ends[0], t0 + Duration::from_millis(8));
        assert_eq!(ends[1], t0 + Duration::from_millis(16));
        assert_eq!(ends[2], t0 + Duration::from_millis(24));
        // After the wire went idle, a new datagram starts at its own arrival.
        let later = t0 + Duration::from_millis(100);
        assert_eq!(
            way.transmit(&link, later, 1000, None).unwrap(),
            later + Duration::from_millis(8)
        );
        // Without a rate the wire is never busy.
        assert_eq!(way.transmit(&Impairments::none(), t0, 1000, None), Some(t0));
    }

    #[test]
    fn a_full_queue_drops_and_leaves_the_wire_alone() {
        let way = Way::new(Direction::ToServer);
        let link = rate(80.0); // 1000 bytes = 100 ms
        let t0 = Instant::now();
        let limit = Some(Duration::from_millis(250));
        // Starts at 0, 100, 200 ms: accepted. The 4th would start at 300 ms: dropped.
        for _ in 0..3 {
            assert!(way.transmit(&link, t0, 1000, limit).is_some());
        }
        assert!(way.transmit(&link, t0, 1000, limit).is_none());
        assert!(way.transmit(&link, t0, 1000, limit).is_none());
        let at_300 = t0 + Duration::from_millis(300);
        assert_eq!(
            way.transmit(&link, at_300, 1000, limit).unwrap(),
            t0 + Duration::from_millis(400)
        );
    }

    #[test]
    fn a_lane_stays_in_order_under_jitter() {
        let link = Impairments {
            delay: Duration::from_millis(10),
            jitter: Duration::from_millis(9),
            ..Impairments::none()
        };
        let way = Way::new(Direction::ToClient);
        let mut lane = Lane::new(5, 1, Direction::ToClient, link);
        let t0 = Instant::now();
        let mut last = t0;
        for i in 0..200u64 {
            let now = t0 + Duration::from_micros(100 * i);
            let fate = lane.decide();
            let plan = lane.plan(fate, &way, &link, now, 10, None).unwrap();
            assert!(plan.release >= last);
            assert!(plan.release >= now + fate.delay);
            last = plan.release;
        }
        assert_eq!(lane.count, 200);
    }

    #[test]
    fn reordering_holds_one_and_the_next_takes_it() {
        let link = Impairments { reorder: 100.0, ..Impairments::none() };
        let way = Way::new(Direction::ToServer);
        let mut lane = Lane::new(1, 1, Direction::ToServer, link);
        let now = Instant::now();
        let fate = lane.decide();
        let first = lane.plan(fate, &way, &link, now, 1, None).unwrap();
        assert!(first.hold && first.overtaken.is_none());
        let held: Held = Arc::new(Mutex::new(Some(Parcel { data: b"one".to_vec(), copies: 1 })));
        lane.hold(Arc::clone(&held));
        // The slot is taken, so the second is not held: it overtakes the first.
        let fate = lane.decide();
        let second = lane.plan(fate, &way, &link, now, 1, None).unwrap();
        assert!(!second.hold);
        assert!(Arc::ptr_eq(&second.overtaken.unwrap(), &held));
        // The slot is free again for the third.
        let fate = lane.decide();
        assert!(lane.plan(fate, &way, &link, now, 1, None).unwrap().hold);
    }

    #[test]
    fn totals_print_what_matters() {
        let tally = Tally::default();
        for _ in 0..3 {
            tally.add(Count::Received);
        }
        tally.forwarded(10);
        tally.add(Count::Overflow);
        let t = tally.totals();
        assert_eq!((t.dropped, t.overflow, t.in_flight()), (1, 1, 1));
        assert_eq!(
            t.to_string(),
            "3 received, 1 forwarded, 1 dropped, 0 duplicated, 0 reordered\n                \
             10 bytes forwarded, 1 overflowed (dropped: queue full), 1 still in flight"
        );
        tally.unsent(10);
        assert_eq!(tally.totals().dropped, 2);
        // The bytes bound counts the overhead of each datagram.
        let most = (MEMORY_LIMIT - DATAGRAM_OVERHEAD) as usize;
        assert!(tally.reserve(most));
        assert!(!tally.reserve(0));
        tally.release(most);
        // The datagram bound holds for empty datagrams too.
        assert!((0..MAX_QUEUED).all(|_| tally.reserve(0)));
        assert!(!tally.reserve(0));
    }
}
