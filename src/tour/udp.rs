//! Tour stops for Assignment 3, Part 2: the UDP ping and the iperf-like tool.
//! Each stop parses the command line it prints and runs the functions the
//! binaries run, on free loopback ports.

use super::{check, Context, Stop};
use crate::error::Result;
use crate::output::Log;
use crate::{net, perf, ping};
use std::net::UdpSocket;
use std::time::Duration;

/// The UDP stops, in reading order.
pub fn stops() -> Vec<Stop> {
    let ping_title = "UDP ping: RTT and loss (Assignment 3, Part 2 Q1)";
    let perf_title = "iperf-like goodput and delay over UDP (Assignment 3, Part 2 Q2)";
    vec![
        Stop { name: "ping", title: ping_title, by_hand: &[], run: ping_stop },
        Stop { name: "perf", title: perf_title, by_hand: &[], run: perf_stop },
    ]
}

/// Binds a free loopback port and runs `serve` on it in a thread left to
/// the process exit; returns the port.
fn server(context: &Context, binary: &str, serve: fn(UdpSocket, Log)) -> Result<u16> {
    let socket = net::bind_udp("127.0.0.1", 0)?;
    let addr = net::local_addr_of(socket.local_addr())?;
    context.by_hand(format!("cargo run -q --bin {binary} -- --port {}", addr.port()));
    let log = context.server_log();
    log.line(format_args!("{binary} listening on {addr}"));
    std::thread::spawn(move || serve(socket, log));
    Ok(addr.port())
}

/// ping-server in a thread, then five quick messages and the chart.
fn ping_stop(context: &Context) -> Result<()> {
    let serve = |s, log| drop(ping::server::serve(s, Duration::ZERO, log));
    let port = server(context, "ping-server", serve)?;
    let chart = context.out_dir.join("ping_rtt.svg");
    let line = format!("--port {port} 5 50ms 3 --plot {}", chart.display());
    let args: ping::client::Args = context.args(&format!("ping-client {line}"))?;
    let log = Log::prefixed("    [client] ");
    let report = ping::client::run_with(&args, &|l| log.line(l))?;
    let n = &report.n;
    let ok = n.received == 5 && n.duplicates + n.foreign + n.malformed == 0;
    check(ok, format!("5 clean echoes expected: {n:?}"))
}

/// perf-server in a thread, then two seconds of stop-and-wait and one with
/// a window of 8, each with its two graphs.
fn perf_stop(context: &Context) -> Result<()> {
    let port = server(context, "perf-server", |s, log| drop(perf::server::serve(s, log)))?;
    let log = Log::prefixed("    [client] ");
    let mut rates = Vec::new();
    for (seconds, window, dir) in [(2, 1, "perf"), (1, 8, "perf_window8")] {
        let out = context.out_dir.join(dir);
        let line =
            format!("--port {port} {seconds} 64 --window {window} --out-dir {}", out.display());
        let args: perf::client::Args = context.args(&format!("perf-client {line}"))?;
        let say = |line: &str| log.line(format_args!("{line}"));
        let report = perf::client::run_with(&args, &say, &say)?;
        let (rows, total) = (report.rows.len() as u64, report.total());
        check(rows == seconds, format!("{seconds} rows expected, got {rows}"))?;
        check(total.received > 0 && total.bytes == total.received * 64, "64-byte echoes expected")?;
        rates.push(report.round_trips_per_sec());
    }
    let ratio = rates[1] / rates[0];
    log.line(format_args!("a window of 8 moved {ratio:.1} times the datagrams/s of stop-and-wait"));
    Ok(())
}
