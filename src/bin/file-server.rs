//! `file-server`: serves the files of a folder word by word (Assignment 3, Part 1).
//! See `socket_labs::file_transfer` for the protocol and the path rules.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::file_transfer::server::{self, Folder, Options};
use socket_labs::net;
use socket_labs::output::Log;
use socket_labs::server::TcpOptions;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

fn command() -> Command {
    Command::new(
        "file-server",
        "hand out the words of the files in a folder, one word per request (TCP)",
    )
    .flag("host", "HOST", "127.0.0.1", "address to listen on")
    .flag("port", "PORT", "5678", "TCP port (0 = any free port)")
    .flag(
        "dir",
        "DIR",
        "lab-files/server_folder",
        "folder whose files are served (plain names only)",
    )
    .flag(
        "delay-ms",
        "MS",
        "0",
        "pause before each reply; the original slept 1000 ms per word",
    )
    .flag(
        "read-timeout",
        "SECS",
        "30",
        "drop a client that sends nothing for this long",
    )
    .switch(
        "verbose",
        "log every request and reply, as the original printed every message",
    )
    .example("file-server --port 5678 --delay-ms 1000 --verbose")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let host = m.value("host");
    let port: u16 = m.parse("port")?;
    let delay_ms: u64 = m.parse("delay-ms")?;
    let read_timeout = m.timeout("read-timeout")?;
    let folder = Folder::open(Path::new(m.value("dir")))?;
    let listener = net::bind_tcp(host, port)?;
    net::announce("file-server", net::local_addr_of(listener.local_addr())?);
    socket_labs::outln!(
        "serving files from {}",
        socket_labs::paths::shown(folder.root())
    );
    let options = Options {
        delay: Duration::from_millis(delay_ms),
        verbose: m.is_set("verbose"),
    };
    let tcp = TcpOptions {
        read_timeout,
        limit: None,
        log: Log::stdout(),
        ..TcpOptions::default()
    };
    server::serve(listener, folder, options, tcp)
}

fn main() -> ExitCode {
    cli::main(run)
}
