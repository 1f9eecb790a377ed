//! Tour stop for the link emulator (ours): ping through a 20 ms link.

use super::{check, Context, Stop};
use crate::error::Result;
use crate::link_emulator::{self, Direction, Impairments, Settings};
use crate::output::Log;
use crate::{net, ping};
use std::time::Duration;

/// The link emulator's stop.
pub fn stops() -> Vec<Stop> {
    vec![Stop {
        name: "link-emulator",
        title: "A bad network on your desk: ping through a 20 ms link (link-emulator, ours)",
        by_hand: &[
            "cargo run --bin ping-server",
            "cargo run --bin link-emulator -- --listen 127.0.0.1:6065 --to 127.0.0.1:5065 --delay 20",
            "cargo run --bin ping-client -- --port 6065 5 0.05",
        ],
        run: ping_through_a_slow_link,
    }]
}

/// ping-server and a 20 ms link-emulator in threads; five pings straight to
/// the server, then five through the emulator: the second RTT is 40 ms longer.
fn ping_through_a_slow_link(context: &Context) -> Result<()> {
    let server = net::bind_udp("127.0.0.1", 0)?;
    let server_addr = net::local_addr_of(server.local_addr())?;
    let log = context.server_log();
    log.line(format_args!("ping-server listening on {server_addr}"));
    // Both loops run until the tour ends; their threads are left to the process exit.
    std::thread::spawn(move || ping::server::serve(server, Duration::ZERO, log));

    let link = Impairments {
        delay: Duration::from_millis(20),
        ..Impairments::none()
    };
    let emulator = link_emulator::start_udp(
        net::bind_udp("127.0.0.1", 0)?,
        server_addr,
        Settings::new(link),
        Log::prefixed("    [link]   "),
    )?;
    let link_log = Log::prefixed("    [link]   ");
    link_log.line(format_args!(
        "link-emulator listening on {}; each direction: {link}",
        emulator.local_addr()
    ));

    let options = ping::client::Options {
        count: 5,
        interval: Duration::from_millis(50),
        size: 3,
        timeout: Duration::from_secs(1),
    };
    let client_log = Log::prefixed("    [client] ");
    let (socket, to) = net::udp_client_socket("127.0.0.1", server_addr.port())?;
    client_log.line(format_args!("straight to ping-server at {to}:"));
    let direct = ping::client::ping(&socket, to, &options, false, &|_| {})?;
    for line in direct.statistics() {
        client_log.line(format_args!("{line}"));
    }

    let (socket, to) = net::udp_client_socket("127.0.0.1", emulator.local_addr().port())?;
    client_log.line(format_args!("through the link-emulator at {to}:"));
    let through = ping::client::ping(&socket, to, &options, false, &|l| client_log.line(l))?;
    for line in through.notes().iter().chain(&through.statistics()) {
        client_log.line(format_args!("{line}"));
    }
    let report = emulator.report();
    for line in report.to_string().lines() {
        link_log.line(format_args!("{line}"));
    }

    check(
        through.n.received == 5,
        format!("5 echoes expected, {} came back", through.n.received),
    )?;
    let fastest = through.rtt.min();
    check(
        fastest >= 40.0,
        format!("every RTT should hold two 20 ms delays; the fastest was {fastest:.3} ms"),
    )?;
    client_log.line(format_args!(
        "the link added {:.3} ms to the average RTT (two crossings of 20 ms)",
        through.rtt.mean() - direct.rtt.mean()
    ));
    check(
        report.way(Direction::ToServer).forwarded == 5
            && report.way(Direction::ToClient).forwarded == 5,
        "the emulator should have forwarded 5 datagrams each way",
    )
}
