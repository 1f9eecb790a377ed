//! The timer thread: runs jobs (sending a datagram) at their release time.
//!
//! Why a thread and not `sleep` in the receive loop: if the loop slept 20 ms
//! for each delayed datagram, a burst of ten datagrams would leave 20, 40, ...,
//! 200 ms apart, and the receive buffer would overflow behind it. A real link
//! delays every packet by the same 20 ms *at the same time*. So the receive
//! loop only decides when a datagram is due and files it here; one thread
//! keeps the jobs in a [`BinaryHeap`] ordered by release time and waits on a
//! [`Condvar`] with `wait_timeout` until the earliest is due (or until a newer,
//! earlier job is filed, which wakes it up).
//!
//! Jobs due at the same instant run in the order they were filed (a sequence
//! number breaks the tie), so a duplicate goes right after its original and
//! nothing is reordered by accident.

use crate::error::{Error, Result};
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// A job: usually "send these bytes on that socket".
pub type Job = Box<dyn FnOnce() + Send + 'static>;

struct Entry {
    at: Instant,
    seq: u64,
    job: Job,
}

// BinaryHeap is a max-heap: order entries so that the *earliest* (then the
// first filed) compares as the greatest.
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Entry {}

#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Entry>,
    next_seq: u64,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A job never runs under the lock, so a poisoned lock can only come
        // from a bug in this file; the queue itself is still consistent.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A handle to the timer thread; cloning it gives another handle to the same thread.
#[derive(Clone)]
pub struct Scheduler {
    shared: Arc<Shared>,
}

impl Scheduler {
    /// Starts the timer thread. It runs for as long as the process does.
    ///
    /// # Errors
    ///
    /// `cannot start the timer thread: WHY` when the system refuses a new thread.
    pub fn start() -> Result<Scheduler> {
        let shared = Arc::new(Shared { queue: Mutex::new(Queue::default()), wake: Condvar::new() });
        let worker = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("link-timer".to_string())
            .spawn(move || run(&worker))
            .map_err(|e| Error::io("cannot start the timer thread", &e))?;
        Ok(Scheduler { shared })
    }

    /// Files `job` to run at `at` (at once if `at` has passed).
    pub fn at(&self, at: Instant, job: Job) {
        let mut queue = self.shared.lock();
        let seq = queue.next_seq;
        queue.next_seq += 1;
        queue.heap.push(Entry { at, seq, job });
        // Only a new earliest job changes how long the thread must wait.
        let earliest = queue.heap.peek().map_or(false, |e| e.seq == seq);
        drop(queue);
        if earliest {
            self.shared.wake.notify_one();
        }
    }

    /// How many jobs are waiting.
    pub fn pending(&self) -> usize {
        self.shared.lock().heap.len()
    }
}

fn run(shared: &Shared) {
    let mut queue = shared.lock();
    loop {
        let next = queue.heap.peek().map(|entry| entry.at);
        let now = Instant::now();
        queue = match next {
            // Nothing to do: sleep until a job is filed.
            None => match shared.wake.wait(queue) {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            },
            // The earliest job is not due yet: sleep until it is, or until an
            // earlier one is filed.
            Some(at) if at > now => match shared.wake.wait_timeout(queue, at - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            },
            // Due: run it without the lock, so the receive threads can file
            // new jobs while this one sends.
            Some(_) => {
                let entry = queue.heap.pop();
                drop(queue);
                if let Some(entry) = entry {
                    (entry.job)();
                }
                shared.lock()
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn jobs_run_in_release_order_not_filing_order() {
        let scheduler = Scheduler::start().unwrap();
        let (tx, rx) = mpsc::channel();
        let start = Instant::now() + Duration::from_millis(20);
        // Filed late-first; must come out early-first.
        for (i, offset) in [(0, 30u64), (1, 10), (2, 20), (3, 0)] {
            let tx = tx.clone();
            scheduler.at(
                start + Duration::from_millis(offset),
                Box::new(move || {
                    let _ = tx.send((i, Instant::now()));
                }),
            );
        }
        let got: Vec<(i32, Instant)> =
            (0..4).map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap()).collect();
        let order: Vec<i32> = got.iter().map(|g| g.0).collect();
        assert_eq!(order, vec![3, 1, 2, 0]);
        // None ran early.
        for (i, when) in &got {
            let offset = [30u64, 10, 20, 0][*i as usize];
            assert!(*when >= start + Duration::from_millis(offset));
        }
        assert_eq!(scheduler.pending(), 0);
    }

    #[test]
    fn equal_times_keep_filing_order() {
        let scheduler = Scheduler::start().unwrap();
        let (tx, rx) = mpsc::channel();
        let at = Instant::now() + Duration::from_millis(5);
        for i in 0..50 {
            let tx = tx.clone();
            scheduler.at(
                at,
                Box::new(move || {
                    let _ = tx.send(i);
                }),
            );
        }
        let got: Vec<i32> =
            (0..50).map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap()).collect();
        assert_eq!(got, (0..50).collect::<Vec<i32>>());
    }

    #[test]
    fn an_earlier_job_wakes_a_thread_waiting_for_a_later_one() {
        let scheduler = Scheduler::start().unwrap();
        let (tx, rx) = mpsc::channel();
        let late = tx.clone();
        scheduler.at(
            Instant::now() + Duration::from_secs(30),
            Box::new(move || {
                let _ = late.send("late");
            }),
        );
        let filed = Instant::now();
        scheduler.at(
            filed + Duration::from_millis(5),
            Box::new(move || {
                let _ = tx.send("early");
            }),
        );
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "early");
        assert!(filed.elapsed() < Duration::from_secs(5));
        assert_eq!(scheduler.pending(), 1);
    }
}
