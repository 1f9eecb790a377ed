//! `image-server`: sends a file to each client, after its length.
//! See `socket_labs::image_transfer`.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::image_transfer::server::{serve, Image};
use socket_labs::image_transfer::DEFAULT_FILE;
use socket_labs::output::Log;
use socket_labs::server::TcpOptions;
use socket_labs::{net, outln};
use std::path::Path;
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "image-server",
        "TCP server that sends a file (an image) to each client: 8-byte length, bytes, close",
    )
    .flag("host", "HOST", "127.0.0.1", "address to listen on")
    .flag("port", "PORT", "4567", "TCP port, 0 = any free port")
    .flag("file", "FILE", DEFAULT_FILE, "the file to send")
    .switch("once", "exit after serving one client, as the original did")
    .flag(
        "timeout",
        "SECS",
        "30",
        "drop a client that stops reading for this long",
    )
    .example("image-server --file lab-files/ServerFolder/b.jpg --once")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let port: u16 = m.parse("port")?;
    let timeout = m.timeout("timeout")?;
    // Check the file before listening: a typo is reported now, not to a client.
    let image = Image::check(Path::new(m.value("file")))?;
    let listener = net::bind_tcp(m.value("host"), port)?;
    net::announce("image-server", net::local_addr_of(listener.local_addr())?);
    outln!(
        "serving {} ({} bytes){}",
        socket_labs::paths::shown(image.path()),
        image.len(),
        if m.is_set("once") {
            " to one client"
        } else {
            ""
        }
    );
    let once = m.is_set("once");
    let options = TcpOptions {
        read_timeout: timeout,
        limit: if once { Some(1) } else { None },
        log: Log::stdout(),
        ..TcpOptions::default()
    };
    serve(listener, image, options)?;
    if once {
        outln!("served one client (--once); exiting");
    }
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
