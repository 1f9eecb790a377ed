//! `tcp-upper-server`: one sentence per connection, answered in capitals.
//! See `socket_labs::uppercase` for the lesson.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::net;
use socket_labs::server::TcpOptions;
use socket_labs::uppercase::tcp_server;
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "tcp-upper-server",
        "TCP server that answers each connection's sentence in capitals",
    )
    .flag("host", "HOST", "0.0.0.0", "address to listen on")
    .flag(
        "port",
        "PORT",
        "12000",
        "TCP port to listen on (0 = any free port)",
    )
    .flag(
        "read-timeout",
        "SECS",
        "30",
        "drop a client that sends nothing for this long",
    )
    .example("tcp-upper-server --port 12000")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let options = TcpOptions {
        read_timeout: m.timeout("read-timeout")?,
        ..TcpOptions::default()
    };
    let listener = net::bind_tcp(m.value("host"), m.parse("port")?)?;
    net::announce(
        "tcp-upper-server",
        net::local_addr_of(listener.local_addr())?,
    );
    tcp_server::serve(listener, options)
}

fn main() -> ExitCode {
    cli::main(run)
}
