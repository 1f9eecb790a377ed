//! Tour stop for Assignment 3, Part 4: the image, sent as its bytes then close.

use super::{check, Context, Stop};
use crate::error::{Error, Result};
use crate::image_transfer::{client, server};

const SAMPLE: &[u8] = include_bytes!("../../lab-files/ServerFolder/b.jpg");

/// The stop, in reading order.
pub fn stops() -> Vec<Stop> {
    let title = "an image sent as its bytes, then close (Assignment 3, Part 4)";
    vec![Stop { name: "image-transfer", title, by_hand: &[], run }]
}

fn run(ctx: &Context) -> Result<()> {
    // The sample is built into the program, so the stop works from any folder.
    let (file, out) = (ctx.out_dir.join("b.jpg"), ctx.out_dir.join("a.jpg"));
    let cannot = |e: std::io::Error| Error::io(format!("cannot write {}", file.display()), &e);
    std::fs::write(&file, SAMPLE).map_err(cannot)?;
    let listener = crate::net::bind_tcp("127.0.0.1", 0)?;
    let port = crate::net::local_addr_of(listener.local_addr())?.port();
    let line = format!("image-server --port {port} --once --file {}", file.display());
    let mut args: server::Args = ctx.args(&line)?;
    args.options.log = ctx.server_log();
    let serving = std::thread::spawn(move || server::serve(listener, &args));

    let line = format!("image-client --host 127.0.0.1 --port {port} --out {}", out.display());
    client::run(ctx.args(&line)?)?;
    serving.join().map_err(|_| Error::failed("image-server", "its thread panicked"))??;
    let same = std::fs::read(&out).ok().as_deref() == Some(SAMPLE);
    check(same, "the saved image differs from the original")
}
