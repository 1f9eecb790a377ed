//! `file-client`: asks for a file, collects its words, saves the copy. The
//! original is `client.py` of Assignment 3, Part 1; the call map is in
//! [`crate::file_transfer`].
//!
//! [`run`] is the original's flow: ask for the name, connect, send it, then
//! receive a word and ask for the next until the end mark, and save. Words go
//! into a hidden part file as they arrive ([`PartFile`]), which is renamed
//! into place only after the end mark: a refusal, a server that goes away,
//! `--max-size`, `--max-time` or Ctrl-C leave nothing behind. The copy is
//! saved as `OUT_DIR/NAME` and nowhere else: the name must be plain
//! ([`name_problem`]), whatever the server says.

use super::{name_problem, tag};
use crate::cli::{self, Command, Endpoint, Matches, Side};
use crate::clock::secs_text;
use crate::error::{Error, Result};
use crate::files::{remove_stale_parts, PartFile};
use crate::framing::{read_frame, write_frame, Incoming};
use crate::net::{self, Family};
use crate::outln;
use crate::output::{preview, printable};
use crate::prompt;
use crate::server::Watchdog;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How many bytes of the received file are shown.
pub const PREVIEW_BYTES: usize = 2048;

/// Fetches one file, as the original client did.
///
/// # Errors
///
/// `refused "NAME": 404 File-not-Found` (or another status),
/// `refusing to save "NAME": ...`, `transfer of "NAME" failed: ...` (the
/// server closed early, broke the protocol, passed `--max-size`, or the
/// transfer passed `--timeout` or `--max-time`), and local file errors. In
/// every case no file is left in `--out-dir`.
pub fn run(args: Args) -> Result<()> {
    // input("file name (file_1.txt) :"), asked again for a name we could not save.
    let name = args.name.clone().map_or_else(ask_name, Ok)?;
    // Hardening: part files of clients killed earlier (Ctrl-C) are cleared.
    remove_stale_parts(&args.out_dir);

    // socket() + connect(): each address of the name, 5 s each.
    let stream = net::connect_tcp(&args.server.host, args.server.port, Family::Any, "file-server")?;
    // Hardening: an idle timeout per read, and a deadline for the whole transfer
    // (the watchdog shuts the socket down, so a trickling server cannot hold us).
    crate::server::set_timeouts(&stream, args.timeout)?;
    let _watch = Watchdog::start()?.watch(&stream, args.max_time)?;
    let _ = stream.set_nodelay(true); // see crate::framing: a defence, not a speed-up
    outln!("connected to {}, asking for {name}", net::local_addr_of(stream.peer_addr())?);
    let (mut reader, mut writer) = (BufReader::new(&stream), &stream);
    let shown = preview(name.as_bytes(), 80);
    let started = Instant::now();
    let late = format!("it took longer than --max-time ({})", secs_text(args.max_time));
    let failed = |why: &str| {
        let why = if started.elapsed() < args.max_time { why } else { &late };
        Error::failed(format!("transfer of {shown} failed"), why)
    };

    // send(name)
    write_frame(&mut writer, tag::NAME.0, name.as_bytes())?;
    let (target, mut saved) = (args.out_dir.join(&name), None::<PartFile>);
    let (mut words, mut bytes) = (0u64, 0u64);
    loop {
        // recv(1024): a word, the end mark, or a refusal.
        let limits = [tag::DATA, tag::END, tag::FAIL];
        let frame = match read_frame(&mut reader, &limits).map_err(|e| failed(&e.to_string()))? {
            Incoming::Frame(frame) => frame,
            Incoming::Closed => {
                return Err(failed("the server closed the connection before the end mark"))
            }
            Incoming::Broken(why) => return Err(failed(&format!("bad reply: {why}"))),
        };
        if frame.tag == tag::END.0 && words > 0 {
            break;
        }
        if frame.tag != tag::DATA.0 {
            // At most 100 bytes (the F frame's limit), shown escaped and cut.
            let answer: String = printable(&frame.payload).chars().take(100).collect();
            return Err(match frame.tag {
                b'E' => failed("the server sent the end mark before any word"),
                _ if words > 0 => {
                    failed(&format!("the server answered {answer} after {words} words"))
                }
                _ => {
                    Error::failed(format!("refused {shown}"), answer).hint(hint_for(&frame.payload))
                }
            });
        }
        // " ".join(words), as they come. Hardening: --max-size bounds the copy.
        let space = u64::from(words > 0);
        bytes += space + frame.payload.len() as u64;
        if bytes > args.max_size {
            return Err(failed(&format!("the file is over --max-size ({} bytes)", args.max_size)));
        }
        // The part file is made at the first word, so a refusal leaves nothing behind.
        let mut out = saved.take().map_or_else(|| open_part(&args.out_dir, &name), Ok)?;
        out.write_all(&b" "[..space as usize])
            .and_then(|()| out.write_all(&frame.payload))
            .map_err(|e| Error::io(format!("cannot write the copy of {shown}"), &e))?;
        saved = Some(out);
        words += 1;
        // send(f"WORD_{n}")
        write_frame(&mut writer, tag::WORD.0, words.to_string().as_bytes())
            .map_err(|e| failed(&e.to_string()))?;
    }
    // close(), then open(..., "w").write(content): here a rename of the finished part file.
    let elapsed = started.elapsed();
    drop(stream);
    saved.ok_or_else(|| failed("no word arrived"))?.commit(&target)?;
    // print("Data Received :", content), at most its first 2 KiB.
    let mut shown = Vec::new();
    let _ = File::open(&target).and_then(|f| f.take(PREVIEW_BYTES as u64).read_to_end(&mut shown));
    for line in report(words, bytes, elapsed, &shown) {
        outln!("{line}");
    }
    outln!("saved to {}", crate::paths::shown(&target));
    Ok(())
}

/// Asks for the name until it is one the client can save; the end of input
/// ends the program quietly (exit 0, nothing asked, nothing to do).
fn ask_name() -> Result<String> {
    while let Some(name) = prompt::arg_or_ask(None, "file name (file_1.txt): ", "file_1.txt")? {
        match name_problem(&name) {
            None => return Ok(name),
            Some(why) => outln!("{}: {why}; try again", preview(name.as_bytes(), 80)),
        }
    }
    Err(Error::Exit(0))
}

/// The part file for `OUT_DIR/NAME`, for a plain name only.
fn open_part(dir: &Path, name: &str) -> Result<PartFile> {
    if let Some(why) = name_problem(name) {
        let what = format!("refusing to save {}", preview(name.as_bytes(), 80));
        return Err(Error::failed(what, why)
            .hint("the client saves only plain file names inside --out-dir"));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), &e))?;
    PartFile::create(&dir.join(name))
}

fn hint_for(status: &[u8]) -> &'static str {
    match status {
        s if s.starts_with(b"404") => "is it in the server's --dir folder?",
        s if s.starts_with(b"400 Bad-File-Name") => "ask for a plain name in its folder",
        s if s.starts_with(b"413") => "the server hands out files of at most 16 MiB",
        _ => "the server did not accept the request",
    }
}

/// What the client prints after a transfer: a summary line and the content
/// (all of it up to [`PREVIEW_BYTES`], else its beginning), with control
/// characters and bytes that are not UTF-8 escaped, so tabs are visible and a
/// hostile file cannot drive the terminal.
fn report(words: u64, bytes: u64, elapsed: Duration, shown: &[u8]) -> Vec<String> {
    let rate = words as f64 / elapsed.as_secs_f64().max(1e-9);
    let ms = crate::clock::ms(elapsed);
    let summary =
        format!("received {words} words, {bytes} bytes in {ms:.1} ms ({rate:.0} words/s)");
    let (cut, left) = ((shown.len() as u64) < bytes, bytes - shown.len() as u64);
    let (head, tail, text) = match cut {
        true => (
            format!("--- the first {} of {bytes} bytes ---", shown.len()),
            format!("--- {left} more bytes not shown ---"),
            shown,
        ),
        false => (
            "--- content ---".into(),
            "--- end of content ---".into(),
            shown.strip_suffix(b"\n").unwrap_or(shown),
        ),
    };
    let lines = text.split(|&b| b == b'\n').filter(|_| !shown.is_empty());
    [summary, head].into_iter().chain(lines.map(printable)).chain([tail]).collect()
}

/// The command line of `file-client`.
#[derive(Debug, Clone)]
pub struct Args {
    /// The file to fetch; asked for when missing.
    pub name: Option<String>,
    /// The server (`--host`, `--port`).
    pub server: Endpoint,
    /// Where the copy is saved (`--out-dir`).
    pub out_dir: PathBuf,
    /// Longest wait for one reply (`--timeout`).
    pub timeout: Duration,
    /// Longest time for the whole transfer (`--max-time`).
    pub max_time: Duration,
    /// Largest copy accepted, in bytes (`--max-size`).
    pub max_size: u64,
}

impl cli::Args for Args {
    #[rustfmt::skip]
    fn command() -> Command {
        let about = "fetch a file from file-server word by word and save an identical copy";
        Command::new("file-client", about)
            .positional_opt("NAME", "file to fetch; asked for when missing (default file_1.txt)")
            .host_port(Side::Client, "localhost", "5678")
            .flag("out-dir", "DIR", "lab-files/client_folder", "folder the copy is saved in")
            .flag("timeout", "DURATION", "30s", "longest wait for one reply (bare number: seconds)")
            .flag("max-time", "DURATION", "60s", "longest whole transfer (bare number: seconds)")
            .flag("max-size", "BYTES", "67108864", "largest copy accepted (64 MiB)")
            .example("file-client file_2.txt --out-dir /tmp")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        Ok(Args {
            name: m.get("NAME").map(str::to_string),
            server: Endpoint::from_matches(m, Side::Client)?,
            out_dir: PathBuf::from(m.value("out-dir")),
            timeout: m.timeout("timeout")?,
            max_time: m.timeout("max-time")?,
            max_size: m.number("max-size", 1, 1 << 40)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_are_shown_whole_with_escapes_and_large_ones_cut() {
        let lines = report(3, 15, Duration::from_millis(2), b"one\ttwo\n\xffthree\n");
        assert_eq!(lines[0], "received 3 words, 15 bytes in 2.0 ms (1500 words/s)");
        assert_eq!(lines[1..3], ["--- content ---", "one\\ttwo"]);
        assert_eq!(lines[3..5], ["\\xffthree", "--- end of content ---"]);
        let lines = report(1, 100_000, Duration::from_millis(2), &[b'a'; PREVIEW_BYTES]);
        assert_eq!(lines[1], "--- the first 2048 of 100000 bytes ---");
        assert_eq!(lines[3], "--- 97952 more bytes not shown ---");
        let lines = report(1, 0, Duration::from_millis(2), b"");
        assert_eq!(lines[1..], ["--- content ---", "--- end of content ---"]);
    }
}
