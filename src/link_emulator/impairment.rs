//! What the emulated link does to traffic, and the seeded decisions per datagram.
//!
//! [`Impairments`] holds the numbers from the command line. A [`Decider`] turns
//! them into one [`Fate`] per datagram (or per TCP chunk): lost or not,
//! duplicated or not, held back for reordering or not, and how long it is
//! delayed. Each direction of each client has a decider of its own, seeded from
//! `--seed`, the client's number and the direction ([`Decider::for_stream`]), and
//! asks it once per datagram in arrival order. That is what makes a run
//! repeatable: the 17th datagram a client sends always meets the same fate,
//! however the other direction and the other clients interleave with it.

use crate::error::{Error, Result};
use crate::rng::Rng;
use std::fmt;
use std::time::Duration;

/// The largest `--delay` or `--jitter` accepted: one minute.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// The slowest `--rate` accepted, in kbit/s: a 65,507-byte datagram then
/// takes 524 s on the wire. (`--rate 1e-300` would take longer than any clock counts.)
pub const MIN_RATE_KBIT: f64 = 1.0;

/// The fastest `--rate` accepted, in kbit/s (100 Gbit/s).
pub const MAX_RATE_KBIT: f64 = 1e8;

/// Which way a datagram travels through the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From a client to the server (arrives on the `--listen` socket).
    ToServer,
    /// From the server back to a client (arrives on that client's upstream socket).
    ToClient,
}

impl Direction {
    /// Both directions, in the order the summary prints them.
    pub const BOTH: [Direction; 2] = [Direction::ToServer, Direction::ToClient];

    /// `client->server` or `server->client`, as the log and the summary print it.
    pub fn label(self) -> &'static str {
        match self {
            Direction::ToServer => "client->server",
            Direction::ToClient => "server->client",
        }
    }

    /// 0 for [`ToServer`](Direction::ToServer), 1 for [`ToClient`](Direction::ToClient).
    pub fn index(self) -> usize {
        match self {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        }
    }
}

/// The impairments of the link, applied the same way to each direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Impairments {
    /// One-way delay added to every datagram (propagation delay).
    pub delay: Duration,
    /// Each datagram's delay is `delay` plus a uniform random offset in
    /// `[-jitter, +jitter]`, never less than zero.
    pub jitter: Duration,
    /// Chance, in percent, that a datagram is lost.
    pub loss: f64,
    /// Chance, in percent, that a datagram is delivered twice.
    pub duplicate: f64,
    /// Chance, in percent, that a datagram is held back and delivered right
    /// after the next one in the same direction.
    pub reorder: f64,
    /// Link rate in kbit/s (1 kbit = 1000 bits); `None` is unlimited.
    pub rate_kbit: Option<f64>,
}

impl Default for Impairments {
    fn default() -> Self {
        Impairments::none()
    }
}

impl Impairments {
    /// A perfect link: no delay, no loss, no limit.
    pub fn none() -> Impairments {
        Impairments {
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            rate_kbit: None,
        }
    }

    /// Checks the ranges: percentages in 0..=100, delay and jitter at most
    /// [`MAX_DELAY`], a rate from [`MIN_RATE_KBIT`] to [`MAX_RATE_KBIT`].
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] naming the flag and the accepted range.
    pub fn validate(&self) -> Result<()> {
        for (name, pct) in
            [("--loss", self.loss), ("--duplicate", self.duplicate), ("--reorder", self.reorder)]
        {
            if !(0.0..=100.0).contains(&pct) {
                return Err(Error::usage(format!(
                    "{name} must be a percentage from 0 to 100, not {pct}"
                )));
            }
        }
        for (name, d) in [("--delay", self.delay), ("--jitter", self.jitter)] {
            if d > MAX_DELAY {
                return Err(Error::usage(format!("{name} must be at most 60s")));
            }
        }
        if let Some(rate) = self.rate_kbit {
            if !(MIN_RATE_KBIT..=MAX_RATE_KBIT).contains(&rate) {
                return Err(Error::usage(format!(
                    "--rate must be from {MIN_RATE_KBIT} to {MAX_RATE_KBIT} kbit/s, not {rate}"
                )));
            }
        }
        Ok(())
    }

    /// True when some datagrams must wait, so the timer thread is needed.
    /// Without delay, jitter, rate or reordering every datagram can be sent on
    /// the moment it arrives, which keeps the emulator's own overhead tiny.
    pub fn shapes_time(&self) -> bool {
        !self.delay.is_zero()
            || !self.jitter.is_zero()
            || self.rate_kbit.is_some()
            || self.reorder > 0.0
    }

    /// True when any of the impairments that only make sense for datagrams
    /// (loss, duplication, reordering) is set; TCP mode refuses them.
    pub fn has_datagram_only(&self) -> bool {
        self.loss > 0.0 || self.duplicate > 0.0 || self.reorder > 0.0
    }

    /// How long `bytes` take to cross a link of `--rate` (its serialization
    /// delay, `bytes × 8 / rate`); zero when the rate is unlimited.
    ///
    /// ```
    /// use socket_labs::link_emulator::Impairments;
    /// use std::time::Duration;
    /// let link = Impairments { rate_kbit: Some(1000.0), ..Impairments::none() };
    /// // 1000 bytes = 8000 bits at 1,000,000 bit/s: 8 ms.
    /// assert_eq!(link.serialization(1000), Duration::from_millis(8));
    /// ```
    pub fn serialization(&self, bytes: usize) -> Duration {
        match self.rate_kbit {
            Some(kbit) => seconds(bytes as f64 * 8.0 / (kbit * 1000.0)),
            None => Duration::ZERO,
        }
    }
}

impl fmt::Display for Impairments {
    /// `delay 20 ms ± 5 ms, loss 30%, duplicate 0%, reorder 0%, rate unlimited`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "delay {} ms", trim(self.delay.as_secs_f64() * 1000.0))?;
        if !self.jitter.is_zero() {
            write!(f, " ± {} ms", trim(self.jitter.as_secs_f64() * 1000.0))?;
        }
        write!(
            f,
            ", loss {}%, duplicate {}%, reorder {}%, ",
            trim(self.loss),
            trim(self.duplicate),
            trim(self.reorder)
        )?;
        match self.rate_kbit {
            Some(rate) => write!(f, "rate {} kbit/s", trim(rate)),
            None => write!(f, "rate unlimited"),
        }
    }
}

/// A number of seconds as a [`Duration`], saturating where
/// `Duration::from_secs_f64` would panic (NaN, negative, too large): settings
/// that skipped [`Impairments::validate`] must not panic the relay.
fn seconds(secs: f64) -> Duration {
    if secs.is_nan() || secs <= 0.0 {
        Duration::ZERO
    } else if secs >= 1e12 {
        Duration::MAX
    } else {
        Duration::from_secs_f64(secs)
    }
}

/// `20` rather than `20.000`, `0.5` rather than `0.500`.
fn trim(x: f64) -> String {
    let text = format!("{x:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

/// What happens to one datagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fate {
    /// The datagram never arrives.
    pub lost: bool,
    /// A second copy follows it.
    pub duplicate: bool,
    /// It is held back and delivered right after the next datagram.
    pub reorder: bool,
    /// Its one-way delay: `delay` plus its share of the jitter.
    pub delay: Duration,
}

/// A seeded source of [`Fate`]s for one direction of one client.
///
/// Every call to [`next`](Decider::next) draws exactly four numbers (loss,
/// duplicate, reorder, jitter) whatever the settings, so adding `--jitter` to a
/// run does not change which datagrams `--loss` drops.
#[derive(Debug, Clone)]
pub struct Decider {
    rng: Rng,
    link: Impairments,
}

impl Decider {
    /// The decider for direction `direction` of the `flow`-th client (numbered
    /// from 1 in order of arrival) of a run seeded with `seed`.
    ///
    /// The generator's starting state mixes the three numbers through
    /// SplitMix64 twice. (Adding them would not do: SplitMix64 walks its state
    /// by a fixed step, so seeds one step apart give the same sequence shifted
    /// by one.)
    ///
    /// ```
    /// use socket_labs::link_emulator::{Decider, Direction, Impairments};
    /// let lossy = Impairments { loss: 30.0, ..Impairments::none() };
    /// let mut a = Decider::for_stream(1, 1, Direction::ToServer, lossy);
    /// let mut b = Decider::for_stream(1, 1, Direction::ToServer, lossy);
    /// let first: Vec<bool> = (0..20).map(|_| a.next().lost).collect();
    /// let again: Vec<bool> = (0..20).map(|_| b.next().lost).collect();
    /// assert_eq!(first, again);
    /// ```
    pub fn for_stream(seed: u64, flow: u64, direction: Direction, link: Impairments) -> Decider {
        let stream = flow.wrapping_mul(2).wrapping_add(direction.index() as u64);
        let from_seed = Rng::seeded(seed).next_u64();
        let from_stream = Rng::seeded(stream ^ 0x6c69_6e6b_2d65_6d75).next_u64();
        Decider { rng: Rng::seeded(from_seed ^ from_stream), link }
    }

    /// The fate of the next datagram.
    #[allow(clippy::should_implement_trait)] // an endless stream, not an Iterator
    pub fn next(&mut self) -> Fate {
        let u_loss = self.rng.next_f64();
        let u_duplicate = self.rng.next_f64();
        let u_reorder = self.rng.next_f64();
        let u_jitter = self.rng.next_f64();
        let link = &self.link;
        let base_ms = link.delay.as_secs_f64() * 1000.0;
        let jitter_ms = link.jitter.as_secs_f64() * 1000.0;
        // Uniform in [-jitter, +jitter], as netem does without a distribution table.
        let delay_ms = (base_ms + (2.0 * u_jitter - 1.0) * jitter_ms).max(0.0);
        Fate {
            lost: u_loss * 100.0 < link.loss,
            duplicate: u_duplicate * 100.0 < link.duplicate,
            reorder: u_reorder * 100.0 < link.reorder,
            delay: seconds(delay_ms / 1000.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(loss: f64) -> Impairments {
        Impairments { loss, ..Impairments::none() }
    }

    #[test]
    fn streams_differ_by_flow_and_direction_and_seed() {
        let take = |seed, flow, dir| {
            let mut d = Decider::for_stream(seed, flow, dir, link(50.0));
            (0..64).map(|_| d.next().lost).collect::<Vec<bool>>()
        };
        let base = take(1, 1, Direction::ToServer);
        assert_eq!(base, take(1, 1, Direction::ToServer));
        assert_ne!(base, take(1, 1, Direction::ToClient));
        assert_ne!(base, take(1, 2, Direction::ToServer));
        assert_ne!(base, take(2, 1, Direction::ToServer));
    }

    #[test]
    fn loss_rate_is_about_right() {
        let mut d = Decider::for_stream(7, 1, Direction::ToServer, link(30.0));
        let lost = (0..100_000).filter(|_| d.next().lost).count();
        // Binomial(100000, 0.3): sd 145; allow 6 sd.
        assert!((29_130..=30_870).contains(&lost), "{lost}");
        let mut none = Decider::for_stream(7, 1, Direction::ToServer, link(0.0));
        assert!((0..10_000).all(|_| !none.next().lost));
        let mut all = Decider::for_stream(7, 1, Direction::ToServer, link(100.0));
        assert!((0..10_000).all(|_| all.next().lost));
    }

    #[test]
    fn jitter_stays_in_its_band_and_never_goes_negative() {
        let l = Impairments {
            delay: Duration::from_millis(10),
            jitter: Duration::from_millis(4),
            ..Impairments::none()
        };
        let mut d = Decider::for_stream(3, 1, Direction::ToClient, l);
        let delays: Vec<f64> = (0..10_000).map(|_| d.next().delay.as_secs_f64() * 1000.0).collect();
        assert!(delays.iter().all(|&x| (6.0..=14.0).contains(&x)));
        let mean = delays.iter().sum::<f64>() / delays.len() as f64;
        assert!((mean - 10.0).abs() < 0.1, "{mean}");
        // Uniform over ±4 ms has standard deviation 4/sqrt(3) = 2.31 ms.
        let sd = (delays.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 10_000.0).sqrt();
        assert!((sd - 2.309).abs() < 0.1, "{sd}");

        let wide = Impairments {
            delay: Duration::from_millis(1),
            jitter: Duration::from_millis(5),
            ..Impairments::none()
        };
        let mut d = Decider::for_stream(3, 1, Direction::ToClient, wide);
        assert!((0..1000).any(|_| d.next().delay.is_zero()));
    }

    #[test]
    fn adding_jitter_does_not_change_which_datagrams_are_lost() {
        let plain = link(30.0);
        let jittery = Impairments { jitter: Duration::from_millis(5), duplicate: 10.0, ..plain };
        let mut a = Decider::for_stream(9, 1, Direction::ToServer, plain);
        let mut b = Decider::for_stream(9, 1, Direction::ToServer, jittery);
        for _ in 0..1000 {
            assert_eq!(a.next().lost, b.next().lost);
        }
    }

    #[test]
    fn validation_names_the_flag() {
        let bad = [
            Impairments { loss: 101.0, ..Impairments::none() },
            Impairments { duplicate: -1.0, ..Impairments::none() },
            Impairments { reorder: f64::NAN, ..Impairments::none() },
            Impairments { delay: Duration::from_secs(61), ..Impairments::none() },
            Impairments { rate_kbit: Some(0.0), ..Impairments::none() },
        ];
        for (l, flag) in bad.iter().zip(["--loss", "--duplicate", "--reorder", "--delay", "--rate"])
        {
            let err = l.validate().unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().contains(flag), "{err}");
        }
        assert!(Impairments::none().validate().is_ok());
    }

    #[test]
    fn display_and_timing_helpers() {
        let l = Impairments {
            delay: Duration::from_millis(20),
            jitter: Duration::from_micros(500),
            loss: 30.0,
            rate_kbit: Some(1000.0),
            ..Impairments::none()
        };
        assert_eq!(
            l.to_string(),
            "delay 20 ms ± 0.5 ms, loss 30%, duplicate 0%, reorder 0%, rate 1000 kbit/s"
        );
        assert!(l.shapes_time());
        assert!(!Impairments::none().shapes_time());
        assert!(!link(5.0).shapes_time());
        assert!(link(5.0).has_datagram_only());
        assert_eq!(Impairments::none().serialization(1500), Duration::ZERO);
        assert_eq!(l.serialization(125), Duration::from_millis(1));
    }
}
