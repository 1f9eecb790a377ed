//! `file-client`: fetches a file from `file-server` word by word and saves the
//! copy (Assignment 3, Part 1). See `socket_labs::file_transfer`.

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::file_transfer::client;
use socket_labs::net::{self, Family};
use socket_labs::outln;
use socket_labs::prompt;
use std::path::Path;
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "file-client",
        "fetch a file from file-server word by word and save an identical copy",
    )
    .positional_opt(
        "NAME",
        "file to fetch; asked for when missing [prompt default: file_1.txt]",
    )
    .flag("host", "HOST", "localhost", "server name or address")
    .flag("port", "PORT", "5678", "server TCP port")
    .flag(
        "out-dir",
        "DIR",
        "lab-files/client_folder",
        "folder the copy is saved in (created if missing)",
    )
    .flag(
        "timeout",
        "SECS",
        "30",
        "give up when a reply takes longer than this",
    )
    .example("file-client file_2.txt --out-dir /tmp")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let host = m.value("host");
    let port: u16 = m.parse("port")?;
    let timeout = m.timeout("timeout")?;
    let name = match prompt::arg_or_ask(m.get("NAME"), "file name (file_1.txt): ", "file_1.txt")? {
        Some(name) => name,
        None => return Ok(()), // end of input: nothing asked, nothing to do
    };
    let stream = net::connect_tcp(host, port, Family::Any, "file-server")?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| Error::io("cannot set socket timeouts", &e))?;
    let server = net::local_addr_of(stream.peer_addr())?;
    outln!("connected to {server}, asking for {name}");
    let received = client::fetch(&stream, &name, Path::new(m.value("out-dir")))?;
    for line in received.report() {
        outln!("{line}");
    }
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
