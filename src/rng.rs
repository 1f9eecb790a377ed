//! A small, seedable pseudo-random generator (no `rand` crate: the crate has no dependencies).
//!
//! The ping payloads only need to differ from one another, and the link
//! emulator needs decisions that repeat exactly for the same `--seed`. Both are
//! served by SplitMix64: a 64-bit counter advanced by a fixed odd constant and
//! scrambled by two multiply-xorshift rounds. It passes the usual statistical
//! test suites and is four lines long. It is **not** cryptographically secure,
//! and nothing here needs that.

use std::time::{SystemTime, UNIX_EPOCH};

/// SplitMix64 (Steele, Lea and Flood, 2014); see the module docs.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn seeded(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// A generator seeded from the clock and the process id, different per run.
    pub fn from_time() -> Rng {
        let nanos =
            SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
        Rng::seeded(nanos ^ (u64::from(std::process::id()) << 32))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float uniformly spread over `[0, 1)`, from the top 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `0..n` (`n` > 0), without the bias of a plain `% n`.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0) has no possible value");
        // Reject the top sliver of the range that would make small values likelier.
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }

    /// True with probability `percent` / 100 (values outside 0..=100 are clamped).
    pub fn chance(&mut self, percent: f64) -> bool {
        self.next_f64() * 100.0 < percent.clamp(0.0, 100.0)
    }

    /// `len` characters drawn from `A-Z0-9`, the alphabet of the original ping payloads.
    pub fn upper_alnum(&mut self, len: usize) -> Vec<u8> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..len).map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let a: Vec<u64> = (0..5).scan(Rng::seeded(42), |r, _| Some(r.next_u64())).collect();
        let b: Vec<u64> = (0..5).scan(Rng::seeded(42), |r, _| Some(r.next_u64())).collect();
        let c: Vec<u64> = (0..5).scan(Rng::seeded(43), |r, _| Some(r.next_u64())).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn matches_the_splitmix64_reference_output() {
        // First outputs of the reference C implementation seeded with 1234567.
        let mut r = Rng::seeded(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn chance_is_about_right() {
        let mut r = Rng::seeded(7);
        let hits = (0..100_000).filter(|_| r.chance(30.0)).count();
        // Binomial(100000, 0.3): sd = 145; 6 sd either side.
        assert!((29_130..=30_870).contains(&hits), "{hits}");
        assert!(!Rng::seeded(1).chance(0.0));
        assert!(Rng::seeded(1).chance(100.0));
    }

    #[test]
    fn below_stays_in_range_and_payloads_use_the_alphabet() {
        let mut r = Rng::seeded(9);
        assert!((0..1000).all(|_| r.below(3) < 3));
        let payload = r.upper_alnum(500);
        assert_eq!(payload.len(), 500);
        assert!(payload.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    }
}
