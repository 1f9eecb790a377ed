//! `perf-client`: iperf-like UDP measurement; see `socket_labs::perf::client`.

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::perf::client::{self, Options, Report, CSV_HEADER, TEXT_HEADER};
use socket_labs::{net, outln};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "perf-client",
        "measures throughput, delay, loss and jitter against perf-server, second by second",
    )
    .positional(
        "DURATION",
        "5",
        "how many seconds to run (one row per second)",
    )
    .positional("SIZE", "2", "payload bytes per datagram, 1 to 65507")
    .flag("host", "HOST", "localhost", "the server's name or address")
    .flag("port", "PORT", "5048", "the server's UDP port")
    .flag(
        "window",
        "N",
        "1",
        "datagrams in flight at once (1 = stop-and-wait, as the original)",
    )
    .flag(
        "timeout",
        "SECS",
        "1",
        "how long to wait for an echo before counting the datagram as lost",
    )
    .flag(
        "out-dir",
        "DIR",
        ".",
        "where throughput_graph.svg and average_delay_graph.svg go",
    )
    .switch(
        "csv",
        "print the rows as CSV on stdout (everything else goes to stderr)",
    )
    .example("perf-client 3 1024 --window 16 --out-dir graphs")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let duration: u64 = m.parse("DURATION")?;
    let options = Options {
        duration,
        size: m.parse("SIZE")?,
        window: m.parse("window")?,
        timeout: m.seconds("timeout")?,
    };
    options.check().map_err(|why| m.bad(why))?;
    let port: u16 = m.parse("port")?;
    let csv = m.is_set("csv");
    let out_dir = PathBuf::from(m.value("out-dir"));
    // Fail now rather than after the whole run.
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| Error::io(format!("cannot create {}", out_dir.display()), &e))?;

    let (socket, server) = net::udp_client_socket(m.value("host"), port)?;
    if csv {
        outln!("{CSV_HEADER}");
    } else {
        outln!(
            "perf-client: {}-byte datagrams to {server} for {} s, window {}, timeout {} s",
            options.size,
            options.duration,
            options.window,
            options.timeout.as_secs_f64()
        );
        outln!("{TEXT_HEADER}");
    }
    let report = client::run(&socket, server, &options, &mut |row| {
        if csv {
            outln!("{}", row.csv());
        } else {
            outln!("{}", row.text());
        }
    })?;

    // With --csv, stdout stays pure CSV: the rest goes to stderr.
    let say = |line: &str| {
        if csv {
            let _ = writeln!(std::io::stderr(), "{line}");
        } else {
            outln!("{line}");
        }
    };
    let written = report.write_graphs(&out_dir);
    if let Ok(paths) = &written {
        let names: Vec<String> = paths.iter().map(|p| socket_labs::paths::shown(p)).collect();
        say(&format!("graphs: {}", names.join(", ")));
    }
    for line in report.notes() {
        say(&line);
    }
    say(&report.summary());
    written?;
    no_reply_is_an_error(&report, port)
}

/// A run in which nothing came back fails (exit 1), with a hint.
fn no_reply_is_an_error(report: &Report, port: u16) -> Result<()> {
    if report.received() > 0 {
        return Ok(());
    }
    let err = Error::failed(
        format!("no echo from {}", report.server),
        format!(
            "none of the {} datagrams came back within the timeout",
            report.sent()
        ),
    );
    Err(if report.unreachable > 0 {
        err.hint(format!(
            "the port is closed (ICMP port unreachable): is perf-server running on port {port}?"
        ))
    } else {
        err.hint(format!("is perf-server running on port {port}?"))
    })
}

fn main() -> ExitCode {
    cli::main(run)
}
