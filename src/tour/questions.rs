//! Tour stops for the two questions of Experiment 4: UDP against TCP round
//! trips (Task 4) and a client with no server (Task 5). Each calls the same
//! `run` the binary does.

use super::{Context, Stop};
use crate::error::Result;
use crate::no_server;
use crate::rtt::compare;
use std::time::Duration;

/// The stops, in reading order.
pub fn stops() -> Vec<Stop> {
    vec![
        Stop {
            name: "rtt-compare",
            title: "UDP vs TCP: which RTT is higher, and why (Experiment 4, Task 4)",
            by_hand: &["cargo run --bin rtt-compare -- --count 50 --timeout 2 --explain"],
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

fn rtt_compare(_ctx: &Context) -> Result<()> {
    compare::run(compare::Args {
        host: None,
        udp_port: 0,
        tcp_port: 0,
        count: 50,
        timeout: Duration::from_secs(2),
        explain: true,
    })
}

fn no_server_probe(ctx: &Context) -> Result<()> {
    let port = no_server::free_port([127, 0, 0, 1].into())?;
    ctx.by_hand(format!(
        "cargo run --bin no-server -- --host 127.0.0.1 --port {port} --timeout 300ms --explain"
    ));
    no_server::run(no_server::Args {
        host: "127.0.0.1".into(),
        port: Some(port),
        name: no_server::UNRESOLVABLE.into(),
        timeout: Duration::from_millis(300),
        explain: true,
    })
}
