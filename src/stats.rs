//! Summary statistics for RTT samples, and RFC 3550 jitter.
//!
//! [`Summary`] gives what `ping` prints (min/avg/max/mdev) plus the median and
//! the 95th percentile, which say more than the average when a few samples are
//! far off (a context switch on a busy machine can make one loopback RTT 50
//! times slower than the rest). It needs every sample; [`Running`] gives
//! min/avg/max/mdev in constant memory, for runs of any length. [`Jitter`] is
//! the running estimate RTP uses.

/// Min, mean, max and mdev of a stream of samples, in constant memory
/// (Welford's update, which avoids the cancellation of `mean(x²) − mean(x)²`).
///
/// ```
/// use socket_labs::stats::Running;
/// let mut r = Running::default();
/// for x in [1.0, 2.0, 3.0, 4.0, 5.0] { r.add(x); }
/// assert_eq!((r.count, r.min, r.mean, r.max), (5, 1.0, 3.0, 5.0));
/// assert!((r.mdev() - 2f64.sqrt()).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Running {
    /// How many samples (0: every figure below is 0).
    pub count: u64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// The arithmetic mean.
    pub mean: f64,
    /// Sum of squared deviations from the mean so far.
    m2: f64,
}

impl Running {
    /// Adds one sample.
    pub fn add(&mut self, x: f64) {
        let first = self.count == 0;
        self.count += 1;
        self.min = if first { x } else { self.min.min(x) };
        self.max = if first { x } else { self.max.max(x) };
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// iputils' mdev: the population standard deviation.
    pub fn mdev(&self) -> f64 {
        (self.m2 / self.count.max(1) as f64).sqrt()
    }
}

/// Minimum, average, maximum, mdev, median and 95th percentile of some samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// How many samples.
    pub count: usize,
    /// The smallest sample.
    pub min: f64,
    /// The arithmetic mean.
    pub avg: f64,
    /// The largest sample.
    pub max: f64,
    /// iputils `ping`'s "mdev": `sqrt(mean(x²) − mean(x)²)`, the population
    /// standard deviation (despite the name, not a mean deviation).
    pub mdev: f64,
    /// The middle sample (the mean of the two middle ones for an even count).
    pub median: f64,
    /// The nearest-rank 95th percentile: the smallest sample that at least 95%
    /// of the samples are less than or equal to.
    pub p95: f64,
}

impl Summary {
    /// Summarises the samples, or `None` when there are none (a run where every
    /// message was lost has no RTT to report, and `ping` then leaves the rtt line out).
    /// Samples that are not finite numbers are ignored.
    ///
    /// ```
    /// use socket_labs::stats::Summary;
    /// let s = Summary::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
    /// assert_eq!((s.min, s.avg, s.max, s.median), (1.0, 2.5, 4.0, 2.5));
    /// assert!((s.mdev - 1.118).abs() < 0.001);
    /// assert_eq!(s.p95, 4.0);
    /// assert!(Summary::of(&[]).is_none());
    /// ```
    pub fn of(samples: &[f64]) -> Option<Summary> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
        sorted.sort_by(|a, b| a.total_cmp(b));
        // min, mean, max and mdev as `ping` computes them, without the
        // cancellation of sqrt(mean(x²) − mean(x)²) (see [`Running`]).
        let mut r = Running::default();
        sorted.iter().for_each(|&x| r.add(x));
        let n = sorted.len();
        let median = match n {
            0 => return None,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        // Nearest rank: the sample at rank ceil(0.95 × n), counting from 1.
        let p95 = sorted[((0.95 * n as f64).ceil() as usize).clamp(1, n) - 1];
        let (min, avg, max, mdev) = (r.min, r.mean, r.max, r.mdev());
        Some(Summary { count: n, min, avg, max, mdev, median, p95 })
    }
}

/// The interarrival jitter estimator of RFC 3550 (RTP), section 6.4.1,
/// applied here to round-trip times.
///
/// For each packet the "transit time" is compared with the previous one; the
/// absolute difference `D` moves the estimate a sixteenth of the way:
/// `J = J + (|D| − J) / 16`. The gain of 1/16 smooths out single outliers while
/// still following a lasting change, so [`value`](Self::value) describes the
/// last few dozen packets; [`whole_run`](Self::whole_run) is the plain mean of
/// `|D|` over every packet. RFC 3550 defines `D` on one-way transit times
/// (receiver clock minus the sender's timestamp); an echo client feeds RTTs
/// instead, which mixes the variation of both directions.
///
/// ```
/// use socket_labs::stats::Jitter;
/// let mut j = Jitter::default();
/// j.update(10.0);
/// j.update(10.0);
/// assert_eq!(j.value, 0.0);
/// j.update(26.0);               // one jump of 16 ms
/// assert_eq!(j.value, 1.0);   // moves 1/16 of the way
/// ```
/// `Jitter::default()` has seen nothing yet (jitter 0).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Jitter {
    /// The current estimate, in the unit of the samples.
    pub value: f64,
    last: Option<f64>,
    total: f64,
    differences: u64,
}

impl Jitter {
    /// Feeds the transit time (or RTT) of the next packet, in any unit.
    pub fn update(&mut self, transit: f64) {
        if let Some(last) = self.last {
            let d = (transit - last).abs();
            self.value += (d - self.value) / 16.0;
            self.total += d;
            self.differences += 1;
        }
        self.last = Some(transit);
    }

    /// The mean `|D|` over every sample so far: the jitter of the whole run.
    pub fn whole_run(&self) -> f64 {
        self.total / self.differences.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sample() {
        let s = Summary::of(&[7.5]).unwrap();
        assert_eq!((s.count, s.min, s.avg, s.max, s.mdev), (1, 7.5, 7.5, 7.5, 0.0));
        assert_eq!((s.median, s.p95), (7.5, 7.5));
    }

    #[test]
    fn order_does_not_matter_and_nan_is_ignored() {
        let a = Summary::of(&[3.0, 1.0, 2.0, f64::NAN]).unwrap();
        let b = Summary::of(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.median, 2.0);
    }

    #[test]
    fn mdev_matches_iputils_formula() {
        // ping's mdev for 1,2,3,4,5: mean 3, mean of squares 11, sqrt(11-9) = 1.4142
        let s = Summary::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert!((s.mdev - 2f64.sqrt()).abs() < 1e-12);
        let equal = Summary::of(&[0.1; 1000]).unwrap();
        assert!(equal.mdev < 1e-9, "{}", equal.mdev);
    }

    #[test]
    fn p95_is_nearest_rank() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(Summary::of(&samples).unwrap().p95, 95.0);
        let samples: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(Summary::of(&samples).unwrap().p95, 10.0); // rank ceil(9.5) = 10
        let samples: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(Summary::of(&samples).unwrap().p95, 19.0);
    }

    #[test]
    fn jitter_follows_rfc3550_recurrence() {
        let mut j = Jitter::default();
        let transits: [f64; 5] = [5.0, 7.0, 4.0, 4.0, 10.0];
        let mut expected = 0.0f64;
        for pair in transits.windows(2) {
            expected += ((pair[1] - pair[0]).abs() - expected) / 16.0;
        }
        for t in transits {
            j.update(t);
        }
        assert!((j.value - expected).abs() < 1e-12);
        assert!(j.value > 0.0);
        assert_eq!(j.whole_run(), (2.0 + 3.0 + 0.0 + 6.0) / 4.0);
    }
}
