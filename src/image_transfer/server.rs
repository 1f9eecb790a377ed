//! `image-server`: the original `server.py` of Assignment 3, Part 4, call for
//! call (see the call map in the [module docs](super)).
//!
//! Memory per connection: one [`CHUNK`] buffer (64 KiB) and one thread, for at
//! most `--max-clients` connections (256) of at most `--max-time` each.

use super::{took, CHUNK, DEFAULT_FILE};
use crate::cli::{self, Command, Endpoint, Matches, Side};
use crate::error::{Error, Result};
use crate::output::Log;
use crate::server::{self, TcpOptions};
use crate::{net, outln};
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The original, in its order: bind and listen, then [`serve`] (accept, send, close).
///
/// # Errors
///
/// A bad `--file`, a port in use, and with `--once` a failed transfer.
pub fn run(args: Args) -> Result<()> {
    // Hardening: check the file before listening, so a wrong --file is reported now, not to a client.
    let len = check_file(&args.file)?;
    // socket() + bind((host, port)) + listen(): std does all three in one call.
    let listener = net::bind_tcp(&args.listen.host, args.listen.port)?;
    net::announce("image-server", net::local_addr_of(listener.local_addr())?);
    let (name, framed) = (args.file.display(), if args.framed { ", framed" } else { "" });
    outln!("serving {name} ({len} bytes{framed})");
    serve(listener, &args)
}

/// The accept step: one client with `--once`, as the original did, else every client.
///
/// # Errors
///
/// With `--once`, the client's failure; otherwise none (each failure is a log line).
pub fn serve(listener: TcpListener, args: &Args) -> Result<()> {
    let (log, options) = (args.options.log.clone(), args.options.clone());
    if args.once {
        // accept(): one client, then stop, as the original did.
        let (stream, peer) = listener.accept().map_err(|e| Error::io("accept failed", &e))?;
        // Hardening: an idle timeout and a deadline, so a client that stops reading cannot hold us.
        server::set_timeouts(&stream, args.options.read_timeout)?;
        let _watch = server::Watchdog::start()?.watch(&stream, args.options.max_time)?;
        send_file(stream, peer, args, &log)?;
        log.line(format_args!("served one client (--once); exiting"));
        return Ok(());
    }
    // Every client, each on its own thread: this is the accept loop you saw in
    // `uppercase`, made reusable (a cap on clients, timeouts, a deadline).
    let args = args.clone();
    server::serve_tcp(listener, options, move |s, p, log| send_file(s, p, &args, log).map(drop))
}

/// What the original did after `accept()`: open the image, `sendall` it,
/// close. Returns the number of bytes sent.
///
/// # Errors
///
/// `cannot open PATH: ...`, `sending to ADDR failed: ...` (the client went
/// away or stopped reading), or `... the file shrank while being sent`.
pub fn send_file(mut stream: TcpStream, peer: SocketAddr, args: &Args, log: &Log) -> Result<u64> {
    let (started, path) = (Instant::now(), args.file.as_path());
    let cannot_read = |e: std::io::Error| Error::io(format!("cannot read {}", path.display()), &e);
    // open('ServerFolder/b.jpg', 'rb'), anew for each client: it gets the file as it is now.
    let file = File::open(path).map_err(cannot_read)?;
    let len = file.metadata().map_err(cannot_read)?.len();
    log.line(format_args!("connection from {peer}: sending {} ({len} bytes)", path.display()));
    let failed = |e: std::io::Error| Error::io(format!("sending to {peer} failed"), &e);
    // Hardening (--framed): the length first, so the client can tell a cut file from a whole one.
    if args.framed {
        stream.write_all(&len.to_be_bytes()).map_err(failed)?;
    }
    // sendall(f.read()), one CHUNK at a time: a client costs one buffer, not
    // one file; take(len) sends no more than announced if the file grows.
    let (mut file, mut buf, mut sent) = (file.take(len), vec![0u8; CHUNK], 0u64);
    while let n @ 1.. = file.read(&mut buf).map_err(cannot_read)? {
        stream.write_all(&buf[..n]).map_err(failed)?;
        sent += n as u64;
    }
    if sent < len {
        let why = format!("the file shrank while being sent ({sent} of {len} bytes)");
        return Err(Error::failed(format!("sending to {peer} failed"), why));
    }
    // close(): on the original's wire, the end of the stream is the end of the file.
    drop(stream);
    let took = took(sent, started.elapsed());
    log.line(format_args!("sent {sent} bytes to {peer} {took}"));
    Ok(sent)
}

/// Checks that `path` is a regular file this process can open; returns its size.
///
/// # Errors
///
/// `cannot serve PATH: not found` (with a hint about the working folder),
/// `... it is not a regular file`, `... permission denied`.
pub fn check_file(path: &Path) -> Result<u64> {
    let what = format!("cannot serve {}", path.display());
    let hint = "run from the repository root, or give the file with --file";
    match File::open(path).and_then(|f| f.metadata()) {
        Ok(meta) if meta.is_file() => Ok(meta.len()),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(Error::io(what, &e).hint(hint)),
        // Windows will not open a folder as a file ("permission denied"): say what it is.
        Err(e) if !path.is_dir() => Err(Error::io(what, &e)),
        _ => Err(Error::failed(what, "it is not a regular file")),
    }
}

/// The command line of `image-server`.
#[derive(Debug, Clone)]
pub struct Args {
    /// Where to listen (`--host`, `--port`; port 0 = any free port).
    pub listen: Endpoint,
    /// The file to send.
    pub file: PathBuf,
    /// Serve one client, then exit.
    pub once: bool,
    /// Send the file's length (8 bytes, big-endian) first.
    pub framed: bool,
    /// Idle timeout, deadline, cap on clients, log.
    pub options: TcpOptions,
}

impl cli::Args for Args {
    fn command() -> Command {
        let about = "TCP server that sends a file (an image) to each client, then closes";
        let command = Command::new("image-server", about)
            .host_port(Side::Server, "127.0.0.1", "4567")
            .flag("file", "FILE", DEFAULT_FILE, "the file to send")
            .switch("once", "exit after serving one client, as the original did")
            .switch("framed", "send the length (8 bytes, big-endian) first; client needs --framed");
        let example = "image-server --file lab-files/ServerFolder/b.jpg --once";
        TcpOptions::flags(command).example(example)
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        Ok(Args {
            listen: Endpoint::from_matches(m, Side::Server)?,
            file: PathBuf::from(m.value("file")),
            once: m.is_set("once"),
            framed: m.is_set("framed"),
            options: TcpOptions::from_matches(m, Log::stdout())?,
        })
    }
}
