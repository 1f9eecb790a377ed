//! `ping-server`: UDP echo for `ping-client`; see `socket_labs::ping::server`.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::output::Log;
use socket_labs::{net, ping};
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "ping-server",
        "UDP echo server for ping-client: sends every datagram back unchanged",
    )
    .flag("host", "HOST", "127.0.0.1", "address to listen on")
    .flag(
        "port",
        "PORT",
        "5065",
        "UDP port to listen on (0 = any free port)",
    )
    .flag(
        "delay",
        "SECS",
        "0",
        "wait this long before each echo (the original waited 1 s)",
    )
    .example("ping-server --port 5065 --delay 1")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let port: u16 = m.parse("port")?;
    let delay = m.seconds("delay")?;
    let socket = net::bind_udp(m.value("host"), port)?;
    net::announce("ping-server", net::local_addr_of(socket.local_addr())?);
    ping::server::serve(socket, delay, Log::stdout())
}

fn main() -> ExitCode {
    cli::main(run)
}
