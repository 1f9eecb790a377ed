//! Two clocks, used for two different jobs.
//!
//! * **Wall-clock time** ([`SystemTime`]) says *when* something happened, for a
//!   person: `2026-11-21 14:03:07.123456 UTC`. It can jump (NTP, a user changing the
//!   clock), so it is never used to measure a duration.
//! * **Monotonic time** ([`Instant`]) only moves forward; every
//!   RTT in this crate is the difference of two `Instant`s.
//!
//! The originals used `time.time()` for both, so an RTT could come out negative
//! if the clock was adjusted mid-run. Here a client that prints "sent at" and
//! "received at" reads both clocks at each event.
//!
//! std has no time-zone database, so times for people are printed in UTC.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One event read off both clocks at once: the wall clock to show *when* it
/// happened, the monotonic clock to measure *how long* since another event.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    /// Wall-clock time, for printing with [`utc_timestamp`].
    pub wall: SystemTime,
    /// Monotonic time, for durations.
    pub mono: Instant,
}

impl Stamp {
    /// Reads both clocks now.
    pub fn now() -> Stamp {
        Stamp { wall: SystemTime::now(), mono: Instant::now() }
    }

    /// Monotonic time from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(&self, earlier: &Stamp) -> Duration {
        self.mono.saturating_duration_since(earlier.mono)
    }

    /// The wall-clock time as `YYYY-MM-DD HH:MM:SS.ffffff UTC`.
    pub fn utc(&self) -> String {
        utc_timestamp(self.wall)
    }
}

/// A duration in seconds for messages: `1 s`, `0.25 s`.
pub fn secs_text(d: Duration) -> String {
    // f64's Display prints a whole number without decimals: `1`, not `1.0`.
    format!("{} s", (d.as_secs_f64() * 1000.0).round() / 1000.0)
}

/// Formats a wall-clock time as `YYYY-MM-DD HH:MM:SS.ffffff UTC`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use socket_labs::clock::utc_timestamp;
///
/// let t = UNIX_EPOCH + Duration::from_micros(1_677_669_192_128_086);
/// assert_eq!(utc_timestamp(t), "2023-03-01 11:13:12.128086 UTC");
/// ```
///
/// Times before 1970 (a badly set clock) are printed as the epoch.
pub fn utc_timestamp(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = since_epoch.as_secs();
    let micros = since_epoch.subsec_micros();
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let in_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{micros:06} UTC",
        in_day / 3600,
        (in_day / 60) % 60,
        in_day % 60
    )
}

/// A duration in milliseconds as a float, the unit every RTT is printed in.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A duration in microseconds as a float (for loopback figures, which are tiny).
pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Converts a count of days since 1970-01-01 into a (year, month, day) date in
/// the proleptic Gregorian calendar.
///
/// This is Howard Hinnant's `civil_from_days` algorithm: shift the year to start
/// in March (so the leap day is the last day of the year), split the day count
/// into 400-year eras of exactly 146,097 days, and read the date off the
/// position inside the era.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of era
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year, March-based
    let mp = (5 * doy + 2) / 153; // month, March = 0
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, micros: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros)
    }

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01 00:00:00.000000 UTC");
        // `date -u -d @951782400` = Tue Feb 29 00:00:00 UTC 2000 (a leap day of a /400 year)
        assert_eq!(utc_timestamp(at(951_782_400, 5)), "2000-02-29 00:00:00.000005 UTC");
        // `date -u -d @4107542399` = Fri Feb 28 23:59:59 UTC 2100 (2100 is not a leap year)
        assert_eq!(utc_timestamp(at(4_107_542_399, 999_999)), "2100-02-28 23:59:59.999999 UTC");
        assert_eq!(utc_timestamp(at(4_107_542_400, 0)), "2100-03-01 00:00:00.000000 UTC");
        // `date -u -d @1795269787` = Sat Nov 21 14:03:07 UTC 2026
        assert_eq!(utc_timestamp(at(1_795_269_787, 123_456)), "2026-11-21 14:03:07.123456 UTC");
    }

    #[test]
    fn every_day_follows_the_one_before() {
        // Walk 1970..2100 day by day and check the calendar arithmetic by hand.
        let mut expected = (1970i64, 1u32, 1u32);
        for days in 0..47_482 {
            assert_eq!(civil_from_days(days), expected, "day {days}");
            let (y, m, d) = expected;
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let len = match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            expected = if d < len {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn before_the_epoch_is_clamped() {
        let t = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(utc_timestamp(t), "1970-01-01 00:00:00.000000 UTC");
    }

    #[test]
    fn secs_text_drops_needless_decimals() {
        assert_eq!(secs_text(Duration::from_secs(1)), "1 s");
        assert_eq!(secs_text(Duration::from_millis(250)), "0.25 s");
        assert_eq!(secs_text(Duration::from_micros(1_234_567)), "1.235 s");
    }

    #[test]
    fn stamps_measure_monotonic_time() {
        let a = Stamp::now();
        let b = Stamp::now();
        assert!(b.since(&a) <= Duration::from_secs(1));
        assert_eq!(a.since(&b), Duration::ZERO); // backwards saturates at zero
        assert_eq!(a.since(&a), Duration::ZERO);
        assert!(a.utc().ends_with(" UTC"));
    }

    #[test]
    fn unit_conversions() {
        assert_eq!(ms(Duration::from_micros(1500)), 1.5);
        assert_eq!(us(Duration::from_nanos(2500)), 2.5);
    }
}
