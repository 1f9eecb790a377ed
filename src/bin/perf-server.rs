//! `perf-server`: silent UDP echo for `perf-client`; see `socket_labs::perf::server`.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::output::Log;
use socket_labs::{net, perf};
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "perf-server",
        "silent UDP echo server for perf-client: sends every datagram back unchanged",
    )
    .flag("host", "HOST", "127.0.0.1", "address to listen on")
    .flag(
        "port",
        "PORT",
        "5048",
        "UDP port to listen on (0 = any free port)",
    )
    .example("perf-server --port 5048")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let port: u16 = m.parse("port")?;
    let socket = net::bind_udp(m.value("host"), port)?;
    net::announce("perf-server", net::local_addr_of(socket.local_addr())?);
    perf::server::serve(socket, Log::stdout())
}

fn main() -> ExitCode {
    cli::main(run)
}
