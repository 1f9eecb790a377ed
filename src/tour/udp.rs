//! Tour stops for Assignment 3, Part 2: the UDP ping and the iperf-like tool.

use super::{check, Context, Stop};
use crate::error::{Error, Result};
use crate::output::Log;
use crate::ping;
use std::net::UdpSocket;
use std::time::Duration;

/// The UDP stops, in reading order.
pub fn stops() -> Vec<Stop> {
    vec![Stop {
        name: "ping",
        title: "UDP ping: RTT and loss (Assignment 3, Part 2, Question 1)",
        by_hand: &[
            "cargo run --bin ping-server",
            "cargo run --bin ping-client -- 6 1 3 --plot rtt.svg",
        ],
        run: ping_stop,
    }]
}

/// The log for the client's lines, indented like the server's.
fn client_log() -> Log {
    Log::prefixed("    [client] ")
}

/// Binds a UDP socket on a free loopback port.
fn loopback_udp() -> Result<UdpSocket> {
    crate::net::bind_udp("127.0.0.1", 0)
}

/// ping-server in a thread, ping-client for five quick messages, and the chart.
fn ping_stop(context: &Context) -> Result<()> {
    let server = loopback_udp()?;
    let addr = crate::net::local_addr_of(server.local_addr())?;
    let log = context.server_log();
    log.line(format_args!("ping-server listening on {addr}"));
    // The server loop runs until the tour ends; the thread is left to the process exit.
    std::thread::spawn(move || ping::server::serve(server, Duration::ZERO, log));

    let options = ping::client::Options {
        count: 5,
        interval: Duration::from_millis(50),
        size: 3,
        timeout: Duration::from_secs(1),
    };
    let (socket, server) = crate::net::udp_client_socket("127.0.0.1", addr.port())?;
    let client_log = client_log();
    let report = ping::client::run(&socket, server, &options, &client_log)?;
    let chart = context.out_dir.join("ping_rtt.svg");
    report.chart().write(&chart)?;
    client_log.line(format_args!("RTT chart written to {}", chart.display()));
    for line in report.notes().iter().chain(&report.statistics()) {
        client_log.line(format_args!("{line}"));
    }
    check(
        report.received() == 5,
        format!("5 echoes expected, {} came back", report.received()),
    )?;
    check(
        report.duplicates == 0 && report.strays == 0,
        "no duplicate or stray replies expected on loopback",
    )?;
    svg_file_ok(&chart)
}

/// The chart file exists and is well-formed XML.
fn svg_file_ok(path: &std::path::Path) -> Result<()> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), &e))?;
    crate::svg::well_formed(&text)
        .map_err(|why| Error::failed(format!("{} is not well-formed", path.display()), why))
}
