//! `image-client`: the original `client.py` of Assignment 3, Part 4, call for
//! call (see the call map in the [module docs](super)), with its one
//! `recv(100000)` made a loop to the end of the stream.

use super::{took, Ends, CHUNK, DEFAULT_OUT};
use crate::cli::{self, Command, Endpoint, Matches, Side};
use crate::error::{describe, Error, Result};
use crate::files::{remove_stale_parts, PartFile};
use crate::net::{self, Family};
use crate::outln;
use crate::server::Watchdog;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The original, in its order: connect, open the file, receive, write, close
/// the file, show the image, close the socket.
///
/// # Errors
///
/// A bad `--out`, no server, a read that times out or exceeds `--max-time`,
/// a file over `--max-size`, and with `--framed` a short transfer. Nothing is
/// saved after an error.
pub fn run(args: Args) -> Result<()> {
    // Hardening: clear the temporary files of clients killed mid-transfer (Ctrl-C runs no clean-up).
    let folder = args.out.parent().filter(|p| p.is_dir());
    remove_stale_parts(folder.unwrap_or_else(|| Path::new(".")));
    if args.out.is_dir() {
        let what = format!("cannot save to {}", args.out.display());
        return Err(Error::failed(what, "it is a folder"));
    }
    // open('ClientFolder/a.jpg', 'wb'), first and as a hidden temporary file: a bad --out
    // costs no transfer, and a failed transfer leaves no file.
    let mut part = PartFile::create(&args.out)?;
    // socket() + connect((host, port)), with a connect timeout.
    let mut stream =
        net::connect_tcp(&args.server.host, args.server.port, Family::Any, "image-server")?;
    let from = net::local_addr_of(stream.peer_addr())?;
    let failed = |why: String| Error::failed(format!("no file saved from {from}"), why);
    // Hardening: an idle timeout per read, and a deadline for the whole transfer
    // (the watchdog shuts the socket down, so a trickling server cannot hold us).
    let started = Instant::now();
    crate::server::set_timeouts(&stream, args.timeout)?;
    let _watch = Watchdog::start()?.watch(&stream, args.max_time)?;
    // Hardening (--framed): the length first, and a file over --max-size is refused unread.
    let announced = args.framed.then(|| read_length(&mut stream, args.max_size, failed));
    let announced = announced.transpose()?;
    let limit = announced.unwrap_or(args.max_size);
    let (mut ends, mut buf) = (Ends::default(), vec![0u8; CHUNK]);
    loop {
        // recv(100000), in a loop: one read returns what has arrived so far, not the file.
        let (read, got) = (stream.read(&mut buf), part.written());
        let n = match read {
            // The watchdog's shutdown ends the stream too, but not the file.
            _ if started.elapsed() >= args.max_time => {
                let why = format!("--max-time {:?} passed, {got} bytes in", args.max_time);
                return Err(failed(why));
            }
            Ok(0) => break, // the end of the stream: the server closed, the file is over
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(failed(format!("{} after {got} bytes", describe(&e)))),
        };
        // f.write(data)
        let saved = part.write_all(&buf[..n]);
        saved.map_err(|e| Error::io(format!("cannot save {}", part.path().display()), &e))?;
        ends.see(&buf[..n]);
        // Hardening: a cap, so a server cannot fill the disk.
        if part.written() > limit {
            return Err(failed(match announced {
                Some(len) => format!("the server sent more than the {len} bytes it announced"),
                None => format!("the file is larger than --max-size {limit} bytes"),
            }));
        }
    }
    let got = part.written();
    // Hardening (--framed): fewer bytes than announced is a cut file: refuse it.
    if let Some(len) = announced.filter(|len| got < *len) {
        return Err(failed(format!("short transfer: {len} bytes announced, {got} came")));
    }
    // Without a length, only the image's own end marker can tell a cut file.
    let out = crate::paths::shown(&args.out);
    if let Some(why) = ends.warning() {
        // A closed stderr has no one to tell.
        let _ = writeln!(std::io::stderr(), "warning: {out} may be truncated: {why}");
    }
    // f.close(), and the rename: the name appears only now, with the whole transfer behind it.
    part.commit(&args.out)?;
    outln!("received {got} bytes from {from} {}", took(got, started.elapsed()));
    outln!("saved to {out}");
    // Image.open(f).show(), when asked: a missing viewer is worth a warning, not a failure.
    if args.show {
        if let Err(err) = show(&args.out) {
            let _ = writeln!(std::io::stderr(), "warning: {err}; open {out} yourself");
        }
    }
    Ok(()) // close(): dropping the stream closes it
}

/// Reads the 8-byte big-endian length that `image-server --framed` sends first.
fn read_length(stream: &mut TcpStream, max: u64, failed: impl Fn(String) -> Error) -> Result<u64> {
    let mut header = [0u8; 8];
    match net::read_full(stream, &mut header) {
        Ok(8) => {}
        Ok(got) => return Err(failed(format!("the stream ended after {got} of 8 bytes"))),
        Err(e) => return Err(failed(format!("{} before the length came", describe(&e)))),
    }
    let len = u64::from_be_bytes(header);
    if len > max {
        let hint = "if that number is absurd, the server sends no length: drop --framed";
        let why = format!("it announces {len} bytes, more than --max-size {max}");
        return Err(failed(why).hint(hint));
    }
    Ok(len)
}

/// Opens `path` with the system's viewer (`xdg-open`, `open`, `cmd /C start`).
/// A launcher still running after 2 s is taken as having opened a window.
///
/// # Errors
///
/// `cannot open an image viewer: xdg-open: not found`, or `... exited with status 3`.
pub fn show(path: &Path) -> Result<()> {
    let (program, first) = match () {
        _ if cfg!(windows) => ("cmd", &["/C", "start", ""][..]), // "" is start's window title
        _ if cfg!(target_os = "macos") => ("open", &[][..]),
        _ => ("xdg-open", &[][..]),
    };
    let failed = |why| Error::failed("cannot open an image viewer", format!("{program}: {why}"));
    let (mut viewer, null) = (std::process::Command::new(program), std::process::Stdio::null);
    viewer.args(first).arg(path).stdin(null()).stdout(null()).stderr(null());
    let mut child = viewer.spawn().map_err(|e| failed(describe(&e)))?;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(failed(format!("exited with {status}"))),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(failed(describe(&e))),
        }
    }
    Ok(())
}

/// The command line of `image-client`.
#[derive(Debug, Clone)]
pub struct Args {
    /// The server (`--host`, `--port`).
    pub server: Endpoint,
    /// Where to save the file.
    pub out: PathBuf,
    /// Open the saved file with the system's viewer.
    pub show: bool,
    /// Expect the 8-byte length first.
    pub framed: bool,
    /// The longest wait for the next bytes.
    pub timeout: Duration,
    /// The longest the whole transfer may take.
    pub max_time: Duration,
    /// The largest file accepted, in bytes.
    pub max_size: u64,
}

impl cli::Args for Args {
    fn command() -> Command {
        let about = "TCP client that receives a file from image-server and saves it when complete";
        Command::new("image-client", about)
            .host_port(Side::Client, "localhost", "4567")
            .flag("out", "FILE", DEFAULT_OUT, "where to save the file")
            .switch("show", "open the saved file with the system's viewer (xdg-open, open, start)")
            .switch("framed", "expect the length first (server --framed too); refuse a cut file")
            .flag("timeout", "DURATION", "10s", "longest wait for the next bytes (bare number: s)")
            .flag("max-time", "DURATION", "5m", "longest whole transfer (bare number: seconds)")
            .flag("max-size", "BYTES", "104857600", "refuse a bigger file (100 MiB)")
            .example("image-client --out lab-files/ClientFolder/a.jpg --show")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        Ok(Args {
            server: Endpoint::from_matches(m, Side::Client)?,
            out: PathBuf::from(m.value("out")),
            show: m.is_set("show"),
            framed: m.is_set("framed"),
            timeout: m.timeout("timeout")?,
            max_time: m.timeout("max-time")?,
            max_size: m.number("max-size", 0, 1 << 40)?,
        })
    }
}
