//! `dual-stack-server`: TCP echo on `[::]`, for IPv4 and IPv6 clients on one port.
//! See `socket_labs::dual_stack`.

use socket_labs::cli::{self, Command};
use socket_labs::dual_stack::{server, DEFAULT_PORT};
use socket_labs::error::Result;
use socket_labs::output::Log;
use socket_labs::server::TcpOptions;
use socket_labs::{net, outln, prompt};
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "dual-stack-server",
        "TCP echo server that serves IPv4 and IPv6 clients on one port",
    )
    .flag(
        "host",
        "HOST",
        "::",
        "address to listen on; :: = every address, IPv6 and (where allowed) IPv4",
    )
    .option(
        "port",
        "PORT",
        "TCP port, 0 = any free port; asked for when missing (Enter = 4567)",
    )
    .flag(
        "timeout",
        "SECS",
        "30",
        "drop a client that sends nothing for this long",
    )
    .example("dual-stack-server --port 4567")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let timeout = m.timeout("timeout")?;
    let default_port = DEFAULT_PORT.to_string();
    let port = match prompt::arg_or_ask(m.get("port"), "Port number: ", &default_port)? {
        Some(text) => text.trim().parse::<u16>().map_err(|_| {
            m.bad(format!(
                "invalid port '{text}': expected a whole number from 0 to 65535"
            ))
        })?,
        // End of input at the prompt: nothing to do.
        None => return Ok(()),
    };
    let listeners = server::bind(m.value("host"), port)?;
    net::announce("dual-stack-server", listeners.first_addr()?);
    for note in listeners.notes() {
        outln!("{note}");
    }
    let options = TcpOptions {
        read_timeout: timeout,
        limit: None,
        log: Log::stdout(),
        ..TcpOptions::default()
    };
    server::serve(listeners, options)
}

fn main() -> ExitCode {
    cli::main(run)
}
