//! Tour stop for the link emulator (ours): ping through a 20 ms link.

use super::{check, Context, Stop};
use crate::cli::Args as _;
use crate::error::Result;
use crate::link_emulator::{self, Args, Direction};
use crate::output::Log;
use crate::{net, ping};
use std::time::Duration;

/// The link emulator's stop.
pub fn stops() -> Vec<Stop> {
    vec![Stop {
        name: "link-emulator",
        title: "A bad network on your desk: ping through a 20 ms link (link-emulator, ours)",
        by_hand: &[],
        run: ping_through_a_slow_link,
    }]
}

/// ping-server and a 20 ms link-emulator in threads; five pings straight to
/// the server, then five through the emulator: the second RTT is 40 ms longer.
fn ping_through_a_slow_link(context: &Context) -> Result<()> {
    let server = net::bind_udp("127.0.0.1", 0)?;
    let server_addr = net::local_addr_of(server.local_addr())?;
    context.by_hand(format!("cargo run --bin ping-server -- --port {}", server_addr.port()));
    let log = context.server_log();
    log.line(format_args!("ping-server listening on {server_addr}"));
    // Both loops run until the tour ends; their threads are left to the process exit.
    std::thread::spawn(move || ping::server::serve(server, Duration::ZERO, log));

    // The emulator's own command line, parsed as the binary parses it.
    let flags = format!("--to {server_addr} --delay 20ms --listen");
    let words = flags.split_whitespace().chain(Some("127.0.0.1:0"));
    let bound = link_emulator::bind(&Args::from_matches(&Args::command().parse(words)?)?)?;
    let listen = bound.local_addr();
    // On two lines (a shell continuation), to stay within 100 columns.
    context.by_hand(format!("cargo run --bin link-emulator -- \\\n{:14}{flags} {listen}", ""));
    let link_log = Log::prefixed("    [link]   ");
    link_log.line(format_args!("link-emulator listening on {listen}"));
    for line in bound.banner().lines() {
        link_log.line(format_args!("{line}"));
    }
    let emulator = bound.start(link_log.clone())?;

    let options = ping::client::Args {
        server: crate::cli::Endpoint { host: "127.0.0.1".into(), port: 0 },
        count: 5,
        interval: Duration::from_millis(50),
        size: 3,
        timeout: Duration::from_secs(1),
        plot: None,
    };
    let client_log = Log::prefixed("    [client] ");
    let ping = |port: u16, log: &Log| {
        context.by_hand(format!(
            "cargo run --bin ping-client -- --host 127.0.0.1 --port {port} 5 0.05"
        ));
        let (socket, to) = net::udp_client_socket("127.0.0.1", port)?;
        ping::client::ping(&socket, to, &options, &|l| log.line(l))
    };
    let direct = ping(server_addr.port(), &Log::quiet())?;
    for line in direct.statistics() {
        client_log.line(format_args!("{line}"));
    }
    let through = ping(listen.port(), &client_log)?;
    for line in through.notes().iter().chain(&through.statistics()) {
        client_log.line(format_args!("{line}"));
    }
    let report = emulator.report();
    for line in report.to_string().lines() {
        link_log.line(format_args!("{line}"));
    }

    check(through.n.received == 5, format!("5 echoes expected, {} came back", through.n.received))?;
    let fastest = through.rtt.min;
    check(
        fastest >= 40.0,
        format!("every RTT should hold two 20 ms delays; the fastest was {fastest:.3} ms"),
    )?;
    client_log.line(format_args!(
        "the link added {:.3} ms to the average RTT (two crossings of 20 ms)",
        through.rtt.mean - direct.rtt.mean
    ));
    // Each echo is counted before the emulator sends it, so by now all are.
    check(
        report.way(Direction::ToServer).forwarded == 5
            && report.way(Direction::ToClient).forwarded == 5,
        "the emulator should have forwarded 5 datagrams each way",
    )
}
