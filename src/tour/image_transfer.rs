//! Tour stop for assignment 000, Part 4: the image, sent with its length and saved whole.

use super::{check, Context, Stop};
use crate::error::{Error, Result};
use crate::image_transfer::client::fetch;
use crate::image_transfer::server::{serve, Image};
use crate::image_transfer::{mb_per_s, DEFAULT_FILE};
use crate::net::{self, Family};
use crate::outln;
use crate::server::TcpOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The stop, in reading order.
pub fn stops() -> Vec<Stop> {
    vec![Stop {
        name: "image-transfer",
        title: "an image sent as an 8-byte length and its bytes (000, Part 4)",
        by_hand: &[
            "cargo run --bin image-server -- --once",
            "cargo run --bin image-client -- --show",
        ],
        run,
    }]
}

/// The sample image: relative to the working folder (the repository root, for
/// `cargo run`), else next to the crate's sources.
fn sample_image() -> PathBuf {
    let relative = PathBuf::from(DEFAULT_FILE);
    if relative.is_file() {
        relative
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_FILE)
    }
}

fn run(ctx: &Context) -> Result<()> {
    let image = Image::check(&sample_image())?;
    let source = image.path().to_path_buf();
    let listener = net::bind_tcp("127.0.0.1", 0)?;
    let addr = net::local_addr_of(listener.local_addr())?;
    let log = ctx.server_log();
    log.line(format_args!(
        "listening on {addr}, serving {} ({} bytes) to one client",
        crate::paths::shown(&source),
        image.len()
    ));
    let options = TcpOptions {
        read_timeout: Duration::from_secs(5),
        limit: Some(1),
        log,
        ..TcpOptions::default()
    };
    let server = std::thread::spawn(move || serve(listener, image, options));

    let stream = net::connect_tcp("127.0.0.1", addr.port(), Family::V4, "image-server")?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| Error::io("cannot set the read timeout", &e))?;
    let out = ctx.out_dir.join("a.jpg");
    let got = fetch(stream, &out)?;
    outln!(
        "    [client] received {} bytes in {:.1} ms ({:.1} MB/s), saved to {}",
        got.bytes,
        got.elapsed.as_secs_f64() * 1000.0,
        mb_per_s(got.bytes, got.elapsed),
        crate::paths::shown(&got.path)
    );
    match server.join() {
        Ok(result) => result?,
        Err(_) => return Err(Error::failed("image-server", "its thread panicked")),
    }

    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), &e))
    };
    check(
        read(&source)? == read(&got.path)?,
        "the saved image differs from the original",
    )?;
    outln!("    [client] identical to {}", crate::paths::shown(&source));
    Ok(())
}
