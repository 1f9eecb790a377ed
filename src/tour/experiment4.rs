//! Tour stops for Experiment 4: the uppercase servers and the RTT clients.

use super::Stop;

/// The stops of Experiment 4, in reading order.
pub fn stops() -> Vec<Stop> {
    Vec::new()
}
