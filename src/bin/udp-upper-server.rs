//! `udp-upper-server`: replies to every datagram with its text in capitals.
//! See `socket_labs::uppercase` for the lesson.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::net;
use socket_labs::output::Log;
use socket_labs::uppercase::udp_server;
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "udp-upper-server",
        "UDP server that answers each datagram in capitals",
    )
    .flag("host", "HOST", "0.0.0.0", "address to listen on")
    .flag(
        "port",
        "PORT",
        "25000",
        "UDP port to listen on (0 = any free port)",
    )
    .example("udp-upper-server --host 127.0.0.1 --port 25000")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let socket = net::bind_udp(m.value("host"), m.parse("port")?)?;
    net::announce("udp-upper-server", net::local_addr_of(socket.local_addr())?);
    udp_server::serve(socket, Log::stdout())
}

fn main() -> ExitCode {
    cli::main(run)
}
