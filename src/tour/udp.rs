//! Tour stops for Assignment 3, Part 2: the UDP ping and the iperf-like tool.

use super::{check, Context, Stop};
use crate::error::{Error, Result};
use crate::output::Log;
use crate::{perf, ping};
use std::net::UdpSocket;
use std::time::Duration;

/// The UDP stops, in reading order.
pub fn stops() -> Vec<Stop> {
    vec![
        Stop {
            name: "ping",
            title: "UDP ping: RTT and loss (Assignment 3, Part 2, Question 1)",
            by_hand: &[
                "cargo run --bin ping-server",
                "cargo run --bin ping-client -- 6 1 3 --plot rtt.svg",
            ],
            run: ping_stop,
        },
        Stop {
            name: "perf",
            title: "iperf-like throughput and delay over UDP (Assignment 3, Part 2, Question 2)",
            by_hand: &[
                "cargo run --release --bin perf-server",
                "cargo run --release --bin perf-client -- 5 2",
            ],
            run: perf_stop,
        },
    ]
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
    client_log.line(format_args!(
        "RTT chart written to {}",
        crate::paths::shown(&chart)
    ));
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

/// perf-server in a thread, then two seconds of stop-and-wait and one with a
/// window of 8, each with its two graphs.
fn perf_stop(context: &Context) -> Result<()> {
    let server = loopback_udp()?;
    let addr = crate::net::local_addr_of(server.local_addr())?;
    let log = context.server_log();
    log.line(format_args!("perf-server listening on {addr}"));
    std::thread::spawn(move || perf::server::serve(server, log));

    let client_log = client_log();
    let mut rates = Vec::new();
    for (window, dir) in [(1, "perf"), (8, "perf_window8")] {
        let options = perf::client::Options {
            duration: if window == 1 { 2 } else { 1 },
            size: 64,
            window,
            timeout: Duration::from_secs(1),
        };
        let (socket, server) = crate::net::udp_client_socket("127.0.0.1", addr.port())?;
        client_log.line(format_args!(
            "perf-client {} 64 --window {window}",
            options.duration
        ));
        client_log.line(format_args!("{}", perf::client::TEXT_HEADER));
        let report = perf::client::run(&socket, server, &options, &mut |row| {
            client_log.line(format_args!("{}", row.text()));
        })?;
        let out_dir = context.out_dir.join(dir);
        std::fs::create_dir_all(&out_dir)
            .map_err(|e| Error::io(format!("cannot create {}", out_dir.display()), &e))?;
        let graphs = report.write_graphs(&out_dir)?;
        for line in report.notes() {
            client_log.line(format_args!("{line}"));
        }
        client_log.line(format_args!("{}", report.summary()));
        for graph in &graphs {
            client_log.line(format_args!(
                "graph written to {}",
                crate::paths::shown(graph)
            ));
            svg_file_ok(graph)?;
        }
        check(
            report.rows.len() as u64 == options.duration,
            format!(
                "{} rows expected, got {}",
                options.duration,
                report.rows.len()
            ),
        )?;
        check(
            report.received() > 0 && report.bytes() == report.received() * 64,
            "echoes expected, each worth 64 bytes",
        )?;
        rates.push(report.round_trips_per_sec());
    }
    client_log.line(format_args!(
        "a window of 8 moved {:.1} times as many datagrams per second as stop-and-wait",
        rates[1] / rates[0]
    ));
    Ok(())
}

/// The chart file exists and is a whole SVG document.
fn svg_file_ok(path: &std::path::Path) -> Result<()> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), &e))?;
    super::check(
        text.starts_with("<?xml") && text.ends_with("</svg>\n"),
        format!("{} is not a whole SVG document", path.display()),
    )
}
