//! Tour stops for the two questions of Experiment 4: UDP against TCP round
//! trips (Task 4) and a client with no server (Task 5). Each calls the same
//! `run` the binary does.

use super::{Context, Stop};
use crate::error::Result;
use crate::no_server;
use crate::rtt::compare;

/// The stops, in reading order.
pub fn stops() -> Vec<Stop> {
    vec![
        Stop {
            name: "rtt-compare",
            title: "UDP vs TCP: which RTT is higher, and why (Experiment 4, Task 4)",
            by_hand: &[],
            run: rtt_compare,
        },
        Stop {
            name: "no-server",
            title: "A client with no server (Experiment 4, Task 5)",
            by_hand: &[],
            run: no_server_probe,
        },
    ]
}

fn rtt_compare(ctx: &Context) -> Result<()> {
    compare::run(ctx.args("rtt-compare --count 50 --timeout 2 --explain")?)
}

fn no_server_probe(ctx: &Context) -> Result<()> {
    let port = no_server::free_port([127, 0, 0, 1].into())?;
    let line = format!("no-server --host 127.0.0.1 --port {port} --timeout 300ms --explain");
    no_server::run(ctx.args(&line)?)
}
