//! `image-client`: receives a file from image-server and saves it.
//! See `socket_labs::image_transfer`.

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::image_transfer::client::{check_target, fetch, show};
use socket_labs::image_transfer::{mb_per_s, DEFAULT_OUT};
use socket_labs::net::{self, Family};
use socket_labs::outln;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "image-client",
        "TCP client that receives a file from image-server, checks its length and saves it",
    )
    .flag("host", "HOST", "localhost", "server name or address")
    .flag("port", "PORT", "4567", "server TCP port")
    .flag("out", "FILE", DEFAULT_OUT, "where to save the file")
    .switch(
        "show",
        "open the saved file with the system's viewer (xdg-open, open, start)",
    )
    .flag(
        "timeout",
        "SECS",
        "10",
        "give up when the server sends nothing for this long",
    )
    .example("image-client --out lab-files/ClientFolder/a.jpg --show")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let port: u16 = m.parse("port")?;
    let timeout = m.timeout("timeout")?;
    let out = Path::new(m.value("out"));
    check_target(out)?;
    let stream = net::connect_tcp(m.value("host"), port, Family::Any, "image-server")?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| Error::io("cannot set the read timeout", &e))?;
    let got = fetch(stream, out)?;
    outln!(
        "received {} bytes from {} in {:.1} ms ({:.1} MB/s)",
        got.bytes,
        got.from,
        got.elapsed.as_secs_f64() * 1000.0,
        mb_per_s(got.bytes, got.elapsed)
    );
    outln!("saved to {}", socket_labs::paths::shown(&got.path));
    if m.is_set("show") {
        if let Err(why) = show(&got.path) {
            // The file is saved; a missing viewer is worth a word, not a failure.
            let _ = writeln!(
                std::io::stderr(),
                "warning: cannot open an image viewer: {why}; open {} yourself",
                got.path.display()
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
