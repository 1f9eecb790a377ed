//! Tour stops for Assignment 3, Part 2: the UDP ping and the iperf-like tool.
//! Each stop runs the functions the binaries run, on free loopback ports.

use super::{check, Context, Stop};
use crate::error::Result;
use crate::net;
use crate::output::Log;
use crate::perf::client::{self as perf, Options as PerfOptions};
use crate::ping::client::{self as ping, Options as PingOptions};
use std::net::SocketAddr;
use std::time::Duration;

/// The UDP stops, in reading order.
pub fn stops() -> Vec<Stop> {
    let ping_title = "UDP ping: RTT and loss (Assignment 3, Part 2 Q1)";
    let perf_title = "iperf-like goodput and delay over UDP (Assignment 3, Part 2 Q2)";
    vec![
        Stop {
            name: "ping",
            title: ping_title,
            by_hand: &[],
            run: ping_stop,
        },
        Stop {
            name: "perf",
            title: perf_title,
            by_hand: &[],
            run: perf_stop,
        },
    ]
}

/// Binds a free loopback port, says how to start the same server by hand,
/// and runs `serve` on it in a thread left to the process exit.
fn server(
    context: &Context,
    binary: &str,
    serve: fn(std::net::UdpSocket, Log),
) -> Result<SocketAddr> {
    let socket = net::bind_udp("127.0.0.1", 0)?;
    let addr = net::local_addr_of(socket.local_addr())?;
    context.by_hand(format!(
        "cargo run --release --bin {binary} -- --port {}",
        addr.port()
    ));
    let log = context.server_log();
    log.line(format_args!("{binary} listening on {addr}"));
    std::thread::spawn(move || serve(socket, log));
    Ok(addr)
}

/// ping-server in a thread, then five quick messages and the chart.
fn ping_stop(context: &Context) -> Result<()> {
    let addr = server(context, "ping-server", |s, log| {
        drop(crate::ping::server::serve(s, Duration::ZERO, log))
    })?;
    let options = PingOptions {
        count: 5,
        interval: Duration::from_millis(50),
        size: 3,
        timeout: Duration::from_secs(1),
    };
    let chart = context.out_dir.join("ping_rtt.svg");
    let port = addr.port();
    context.by_hand(format!(
        "cargo run --release --bin ping-client -- --port {port} 5 50ms 3 --plot {}",
        chart.display()
    ));
    let (socket, server) = net::udp_client_socket("127.0.0.1", port)?;
    let log = Log::prefixed("    [client] ");
    let report = ping::ping(&socket, server, &options, true, &|line| log.line(line))?;
    report.chart().write(&chart)?;
    for line in report.notes().iter().chain(&report.statistics()) {
        log.line(format_args!("{line}"));
    }
    let r = &report;
    check(
        r.received == 5,
        format!("5 echoes expected, {} came back", r.received),
    )?;
    check(
        r.duplicates + r.foreign + r.malformed == 0,
        "no duplicate or stray replies expected",
    )
}

/// perf-server in a thread, then two seconds of stop-and-wait and one with
/// a window of 8, each with its two graphs.
fn perf_stop(context: &Context) -> Result<()> {
    let addr = server(context, "perf-server", |s, log| {
        drop(crate::perf::server::serve(s, log))
    })?;
    let log = Log::prefixed("    [client] ");
    let mut rates = Vec::new();
    for (duration, window, dir) in [(2, 1, "perf"), (1, 8, "perf_window8")] {
        let out_dir = context.out_dir.join(dir);
        let port = addr.port();
        let d = out_dir.display();
        context.by_hand(format!("cargo run --release --bin perf-client -- --port {port} {duration} 64 --window {window} --out-dir {d}"));
        let options = PerfOptions {
            duration,
            size: 64,
            window,
            timeout: Duration::from_secs(1),
        };
        let (socket, server) = net::udp_client_socket("127.0.0.1", port)?;
        log.line(format_args!("{}", perf::text_header()));
        let report = perf::measure(&socket, server, &options, &mut |row| {
            log.line(format_args!("{}", row.text()))
        })?;
        std::fs::create_dir_all(&out_dir)
            .map_err(|e| crate::error::Error::io(format!("cannot create {d}"), &e))?;
        report.write_graphs(&out_dir)?;
        for line in report.notes().iter().chain(&report.summary()) {
            log.line(format_args!("{line}"));
        }
        let rows = report.rows.len() as u64;
        check(
            rows == duration,
            format!("{duration} rows expected, got {rows}"),
        )?;
        check(
            report.received() > 0 && report.bytes() == report.received() * 64,
            "64-byte echoes expected",
        )?;
        rates.push(report.round_trips_per_sec());
    }
    let ratio = rates[1] / rates[0];
    log.line(format_args!(
        "a window of 8 moved {ratio:.1} times as many datagrams per second as stop-and-wait"
    ));
    Ok(())
}
