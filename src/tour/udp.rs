//! Tour stops for Assignment 3, Part 2: the UDP ping and the iperf-like tool.
//! Each stop parses the command line it prints and runs the functions the
//! binaries run, on free loopback ports.

use super::{check, Context, Stop};
use crate::cli::Args;
use crate::error::{Error, Result};
use crate::output::Log;
use crate::{net, perf, ping};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// The UDP stops, in reading order.
pub fn stops() -> Vec<Stop> {
    let (ping_run, perf_run) = (ping_stop, perf_stop);
    let ping_title = "UDP ping: RTT and loss (Assignment 3, Part 2 Q1)";
    let perf_title = "iperf-like goodput and delay over UDP (Assignment 3, Part 2 Q2)";
    let (name, title, by_hand, run) = ("ping", ping_title, &[][..], ping_run as fn(&Context) -> _);
    let ping = Stop { name, title, by_hand, run };
    let (name, title, run) = ("perf", perf_title, perf_run as fn(&Context) -> _);
    vec![ping, Stop { name, title, by_hand, run }]
}

/// The arguments of `line`, printed as the command that runs them by hand.
fn by_hand<A: Args>(context: &Context, binary: &str, line: &str) -> Result<A> {
    context.by_hand(format!("cargo run --release --bin {binary} -- {line}"));
    A::from_matches(&A::command().parse(line.split(' '))?)
}

/// Binds a free loopback port and runs `serve` on it in a thread left to
/// the process exit; returns the port.
fn server(context: &Context, binary: &str, serve: fn(UdpSocket, Log)) -> Result<u16> {
    let socket = net::bind_udp("127.0.0.1", 0)?;
    let addr: SocketAddr = net::local_addr_of(socket.local_addr())?;
    context.by_hand(format!("cargo run --release --bin {binary} -- --port {}", addr.port()));
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
    let args: ping::client::Args = by_hand(context, "ping-client", &line)?;
    let (socket, server) = net::udp_client_socket(&args.host, args.port)?;
    let log = Log::prefixed("    [client] ");
    let report = ping::client::ping(&socket, server, &args.options, true, &|l| log.line(l))?;
    report.chart().write(&chart)?;
    for line in report.notes().iter().chain(&report.statistics()) {
        log.line(format_args!("{line}"));
    }
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
        let args: perf::client::Args = by_hand(context, "perf-client", &line)?;
        let (socket, server) = net::udp_client_socket(&args.host, args.port)?;
        log.line(format_args!("{}", perf::client::text_header()));
        let mut row = |r: &perf::client::Row| log.line(format_args!("{}", r.text()));
        let report = perf::client::measure(&socket, server, &args.options, &mut row)?;
        let made = std::fs::create_dir_all(&out);
        made.map_err(|e| Error::io(format!("cannot create {}", out.display()), &e))?;
        report.write_graphs(&out)?;
        for line in report.notes().iter().chain(&report.summary()) {
            log.line(format_args!("{line}"));
        }
        let (rows, total) = (report.rows.len() as u64, report.total());
        check(rows == seconds, format!("{seconds} rows expected, got {rows}"))?;
        check(total.received > 0 && total.bytes == total.received * 64, "64-byte echoes expected")?;
        rates.push(report.round_trips_per_sec());
    }
    let ratio = rates[1] / rates[0];
    log.line(format_args!("a window of 8 moved {ratio:.1} times the datagrams/s of stop-and-wait"));
    Ok(())
}
