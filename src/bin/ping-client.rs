//! `ping-client`: RTT and loss over UDP; see `socket_labs::ping::client`.

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::output::Log;
use socket_labs::ping::client::{self, Options};
use socket_labs::{net, outln};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "ping-client",
        "sends COUNT UDP messages to ping-server and reports RTT and loss, like ping",
    )
    .positional("COUNT", "6", "how many messages to send")
    .positional("INTERVAL", "1.0", "seconds between messages")
    .positional(
        "SIZE",
        "3",
        "payload length: random characters from A-Z and 0-9",
    )
    .flag("host", "HOST", "localhost", "the server's name or address")
    .flag("port", "PORT", "5065", "the server's UDP port")
    .flag(
        "timeout",
        "SECS",
        "1",
        "how long to wait for each echo before counting the message as lost",
    )
    .option(
        "plot",
        "FILE.svg",
        "also draw the RTT of each message as an SVG chart (lost ones as red crosses)",
    )
    .example("ping-client 10 0.01 8 --plot rtt.svg")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let options = Options {
        count: m.parse("COUNT")?,
        interval: m.seconds("INTERVAL")?,
        size: m.parse("SIZE")?,
        timeout: m.seconds("timeout")?,
    };
    options.check().map_err(|why| m.bad(why))?;
    let port: u16 = m.parse("port")?;
    let plot = m.get("plot").map(PathBuf::from);
    if let Some(path) = &plot {
        check_folder(path)?;
    }

    let (socket, server) = net::udp_client_socket(m.value("host"), port)?;
    let log = Log::stdout();
    let report = client::run(&socket, server, &options, &log)?;

    // Write the chart before the statistics, so the run ends with them as
    // ping's does; a failure to write is reported after them.
    let plotted = match &plot {
        Some(path) => report.chart().write(path).map(|()| {
            outln!("RTT chart written to {}", socket_labs::paths::shown(path));
        }),
        None => Ok(()),
    };
    for line in report.notes().iter().chain(&report.statistics()) {
        outln!("{line}");
    }
    plotted?;
    if report.received() > 0 {
        return Ok(());
    }
    let err = Error::failed(
        format!("no reply from {server}"),
        format!(
            "nothing came back within the {} s timeout",
            options.timeout.as_secs_f64()
        ),
    );
    Err(if report.late() > 0 {
        err.hint("replies came too late; try a longer --timeout")
    } else {
        err.hint(format!(
            "is ping-server running on port {port}? (UDP gives no error when nothing listens)"
        ))
    })
}

/// Fails before the run, not after it, when the chart could not be written.
fn check_folder(path: &Path) -> Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if folder.is_dir() {
        Ok(())
    } else {
        Err(Error::failed(
            format!("cannot write {}", path.display()),
            format!("there is no folder {}", folder.display()),
        ))
    }
}

fn main() -> ExitCode {
    cli::main(run)
}
