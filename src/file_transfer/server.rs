//! `file-server`: hands out the words of a file, one per request. The
//! original is `server.py` of Assignment 3, Part 1; the call map is in
//! [`crate::file_transfer`].
//!
//! [`run`] binds and hands the listener to [`serve`], which is **the accept
//! loop you saw in `uppercase`, made reusable** ([`serve_tcp`]: a thread per
//! client, `--max-clients`, `--idle-timeout`, `--max-time`). [`handle`] is
//! the original's conversation with one client, step by step.
//!
//! **Memory per connection**: an 8 KiB read buffer, a name of at most 255
//! bytes, an index of at most 20, a frame header, and the thread's stack
//! (std reserves 2 MiB; a handler touches a few pages of it). The file's bytes
//! are not per connection: each file is held once, shared by every client
//! reading it, at most [`MAX_FILE_SIZE`] (16 MiB) per file in the folder, and
//! its words are found by walking it, not by storing a list of them. Words
//! of up to 64 KiB are copied once into the frame being written; larger ones
//! are written from the shared bytes.

use super::{name_problem, parse_index, status, tag, MAX_FILE_SIZE};
use crate::cli::{self, Command, Endpoint, Matches, Side};
use crate::error::{describe, Error, Result};
use crate::framing::{read_frame, split_words, write_frame, Incoming};
use crate::net;
use crate::output::{preview, Log};
use crate::server::{serve_tcp, TcpOptions};
use std::fs::{File, Metadata};
use std::io::{BufReader, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime};

/// Binds, then serves: `socket()`, `bind()` and `listen(10)` of the original
/// are the one `TcpListener::bind`.
///
/// # Errors
///
/// A folder that cannot be served, or an address that cannot be bound.
pub fn run(args: Args) -> Result<()> {
    let folder = Folder::open(&args.dir)?;
    let listener = net::bind_tcp(&args.listen.host, args.listen.port)?;
    net::announce("file-server", net::local_addr_of(listener.local_addr())?);
    crate::outln!("serving files from {}", folder.root.display());
    serve(listener, folder, args)
}

/// Serves `folder` on an already bound listener until the process ends (or
/// `args.tcp.limit` connections were served).
///
/// # Errors
///
/// Only when the server's watchdog thread cannot start; see [`serve_tcp`].
pub fn serve(listener: TcpListener, folder: Folder, args: Args) -> Result<()> {
    let shared = Arc::new((folder, args.clone()));
    serve_tcp(listener, args.tcp, move |stream, peer, log| handle(&stream, peer, &shared, log))
}

/// One client, in the original's order: receive the name, open the file,
/// split it, send word 0, then one word per request until the client closes.
/// `ctx` is the folder and the command line (`--delay`, `--verbose`).
///
/// # Errors
///
/// `bad request: ...` after answering `400 Bad-Request`, or `dropped after
/// N of M words: ...` when the connection fails or times out.
pub fn handle(stream: &TcpStream, peer: SocketAddr, ctx: &(Folder, Args), log: &Log) -> Result<()> {
    let (folder, args) = ctx;
    log.line(format_args!("client {peer} connected"));
    // Hardening: no Nagle wait if a large word goes out as two writes (see framing).
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = (BufReader::new(stream), stream);

    // recv(1024): the name. Hardening: a frame of at most 255 bytes, so a
    // name is never cut or glued to the next message, and costs no more.
    let name = match read_frame(&mut reader, &[tag::NAME])? {
        Incoming::Frame(frame) => frame.payload,
        Incoming::Closed => {
            log.line(format_args!("client {peer} left without a name"));
            return Ok(());
        }
        Incoming::Broken(why) => return refuse(stream, &why),
    };
    let shown = preview(&name, 80);

    // os.path.exists() + open() + read(). Hardening: open once and check
    // what was opened (see Folder::load): nothing outside the folder, no FIFO.
    let file = match folder.load(&name) {
        Ok(file) => file,
        Err((status, reason)) => {
            log.line(format_args!("client {peer} asked for {shown}: {status} ({reason})"));
            answer_and_close(stream, status);
            return Ok(());
        }
    };

    // split(" "): the one split, walked lazily on from the last word asked
    // for (again from the start for an earlier one): nothing is stored per word.
    let (data, total) = (&file.0, file.1);
    let (mut words, mut next) = (split_words(data), 0u64);
    log.line(format_args!("client {peer} asked for {shown}: {} bytes, {total} words", data.len()));
    let (started, mut served) = (Instant::now(), 0);
    let lost =
        |e: Error, n| Error::failed(format!("dropped after {n} of {total} words"), e.to_string());
    let mut index = 0; // word 0 goes out without being asked for
    loop {
        // send(file_data[index]), or the end mark past the last word.
        if index < next {
            (words, next) = (split_words(data), 0);
        }
        // A skip too large for usize walks to the end: no such word.
        let word = words.nth(usize::try_from(index - next).unwrap_or(usize::MAX));
        next = index.saturating_add(1);
        if args.verbose {
            let reply = word.map_or_else(|| "E".into(), |w| preview(w, 40));
            log.line(format_args!("client {peer}: W {index} -> {reply}"));
        }
        let frame = word.map_or((tag::END.0, &b""[..]), |word| (tag::DATA.0, word));
        write_frame(&mut writer, frame.0, frame.1).map_err(|e| lost(e, served))?;
        served += usize::from(word.is_some());
        // recv(1024): the next request. Hardening: at most 20 digits.
        let payload = match read_frame(&mut reader, &[tag::WORD]).map_err(|e| lost(e, served))? {
            Incoming::Frame(frame) => frame.payload,
            Incoming::Closed => break,
            Incoming::Broken(why) => return refuse(stream, &why),
        };
        let not_a_number = || format!("word index {} is not a number", preview(&payload, 20));
        index = match parse_index(&payload) {
            Some(index) => index,
            None => return refuse(stream, &not_a_number()),
        };
        // time.sleep(1) of the original, only if asked for (--delay).
        std::thread::sleep(args.delay);
    }
    // close(): after the client has closed, so the TIME_WAIT lands on the client.
    let took = crate::clock::ms(started.elapsed());
    log.line(format_args!("client {peer} done: {served} of {total} words in {took:.1} ms"));
    Ok(())
}

/// Answers `400 Bad-Request` and returns the error that ends the connection
/// and goes into the log.
fn refuse(stream: &TcpStream, why: &str) -> Result<()> {
    answer_and_close(stream, status::BAD_REQUEST);
    Err(Error::failed("bad request", why).hint("answered 400 Bad-Request, connection closed"))
}

/// Answers `F status`, then ends the connection so that the reply reaches the
/// client: closing with unread bytes from the peer would send a reset (RST),
/// which can make the client discard our reply. So send FIN, then read and
/// drop what the client still sends, for at most 200 ms and 64 KiB.
fn answer_and_close(stream: &TcpStream, status: &str) {
    // The client may be gone already; the log line says what happened anyway.
    let _ = write_frame(&mut &*stream, tag::FAIL.0, status.as_bytes());
    if stream.shutdown(Shutdown::Write).is_ok()
        && stream.set_read_timeout(Some(Duration::from_millis(200))).is_ok()
    {
        let _ = std::io::copy(&mut stream.take(64 * 1024), &mut std::io::sink());
    }
}

/// Why a name was not served: the status for the client, the reason for the log.
type Refusal = (&'static str, String);

/// A file as it was read: its path, length and modification time.
type Key = (PathBuf, u64, Option<SystemTime>);

/// A file's bytes and how many words they hold (counted once per file).
type Loaded = (Vec<u8>, usize);

/// The folder the server hands files out of (`--dir`), resolved once at
/// start-up, and the files being served from it, each held once.
#[derive(Debug)]
pub struct Folder {
    root: PathBuf,
    /// Files in use: where, how long, when changed, and the bytes while any
    /// connection still holds them.
    held: Mutex<Vec<(Key, Weak<Loaded>)>>,
}

impl Folder {
    /// Opens `dir` as the folder to serve.
    ///
    /// # Errors
    ///
    /// `cannot serve files from DIR: ...` when it does not exist or is not a
    /// directory, with a hint about `--dir`.
    pub fn open(dir: &Path) -> Result<Folder> {
        let what = format!("cannot serve files from {}", dir.display());
        let hint = "run from the repository root, or pass --dir FOLDER";
        let root = dir.canonicalize().map_err(|e| Error::io(what.clone(), &e).hint(hint))?;
        if !root.is_dir() {
            return Err(Error::failed(what, "it is not a directory").hint(hint));
        }
        Ok(Folder { root, held: Mutex::new(Vec::new()) })
    }

    /// The bytes of the file `name`, or why not.
    ///
    /// 1. The name must be plain ([`name_problem`]), else `400`.
    /// 2. A symbolic link is followed once, here, and must land directly in
    ///    the folder, on a regular file (else `400`; missing: `404`).
    /// 3. That path is opened **once**, without following a link in its last
    ///    step and without blocking on a FIFO ([`open_once`]), and the
    ///    opened handle must be the regular file that was checked. A name
    ///    swapped for a link or a FIFO after step 2 is refused, never served.
    /// 4. Only that handle is read, and its bytes are shared while in use.
    fn load(&self, name: &[u8]) -> std::result::Result<Arc<Loaded>, Refusal> {
        let bad = |why: &str| (status::BAD_FILE_NAME, why.to_string());
        let name = std::str::from_utf8(name).map_err(|_| bad("it is not valid UTF-8"))?;
        name_problem(name).map_or(Ok(()), |why| Err(bad(why)))?;
        let missing = |e: std::io::Error| (status::NOT_FOUND, describe(&e));
        let real = self.root.join(name).canonicalize().map_err(missing)?;
        if real.parent() != Some(&self.root) {
            return Err(bad("it leads outside the folder"));
        }
        let checked = real.symlink_metadata().map_err(missing)?;
        if !checked.is_file() {
            return Err(bad("it is not a regular file"));
        }
        let file = open_once(&real).map_err(|e| bad(&describe(&e)))?;
        let meta = file.metadata().map_err(missing)?;
        if !meta.is_file() || !same_file(&meta, &checked) {
            return Err(bad("it changed while it was opened"));
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err((status::TOO_LARGE, "it is over 16 MiB".into()));
        }
        let key = (real, meta.len(), meta.modified().ok());
        let mut held = self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        held.retain(|(_, data)| data.strong_count() > 0);
        if let Some(data) = held.iter().find(|(k, _)| *k == key).and_then(|(_, d)| d.upgrade()) {
            return Ok(data);
        }
        let mut data = Vec::new();
        // One byte over the limit is enough to know the file grew too large.
        file.take(MAX_FILE_SIZE + 1)
            .read_to_end(&mut data)
            .map_err(|e| (status::NOT_FOUND, format!("cannot read it: {}", describe(&e))))?;
        if data.len() as u64 > MAX_FILE_SIZE {
            return Err((status::TOO_LARGE, "it grew over 16 MiB".into()));
        }
        let words = split_words(&data).count();
        let loaded = Arc::new((data, words));
        held.push((key, Arc::downgrade(&loaded)));
        Ok(loaded)
    }
}

/// `O_NOFOLLOW | O_NONBLOCK` of open(2), which std does not name: Linux
/// x86_64 and aarch64 (`asm-generic/fcntl.h`: 0o400000, 0o4000), macOS
/// (`sys/fcntl.h`: 0x100, 0x4). Elsewhere none: the check of the opened
/// handle still refuses a swapped file, but a FIFO swapped in could then block
/// its thread until `--max-time`.
#[cfg(unix)]
const NOFOLLOW_NONBLOCK: i32 = match (cfg!(target_os = "macos"), cfg!(target_os = "linux")) {
    (true, _) => 0x100 | 0x4,
    (_, true) if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) => 0o400000 | 0o4000,
    _ => 0,
};

/// Opens `path` once: on Unix without following a link in its last step and
/// without waiting for a writer if it is a FIFO. Windows opens through links
/// (see its [`same_file`]); FIFOs do not live in folders there.
fn open_once(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, NOFOLLOW_NONBLOCK);
    options.read(true).open(path)
}

/// Whether the opened handle's metadata is that of the checked entry: on
/// Unix the same device and inode.
#[cfg(unix)]
fn same_file(opened: &Metadata, checked: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (opened.dev(), opened.ino()) == (checked.dev(), checked.ino())
}

/// Windows opens through links, and std exposes no file ID there, so the
/// handle must match the checked entry in size and times, and neither may be
/// a reparse point (a link). A documented limit: a file swapped in with the
/// same size and times would pass.
#[cfg(windows)]
fn same_file(opened: &Metadata, checked: &Metadata) -> bool {
    use std::os::windows::fs::MetadataExt;
    const REPARSE_POINT: u32 = 0x400; // FILE_ATTRIBUTE_REPARSE_POINT
    let id = |m: &Metadata| (m.len(), m.creation_time(), m.last_write_time());
    id(opened) == id(checked)
        && (opened.file_attributes() | checked.file_attributes()) & REPARSE_POINT == 0
}

#[cfg(not(any(unix, windows)))]
fn same_file(opened: &Metadata, checked: &Metadata) -> bool {
    opened.len() == checked.len()
}

/// The command line of `file-server`.
#[derive(Debug, Clone)]
pub struct Args {
    /// Where to listen (`--host`, `--port`; port 0 = any free port).
    pub listen: Endpoint,
    /// The folder served (`--dir`).
    pub dir: PathBuf,
    /// Pause before each reply (`--delay`, old name `--delay-ms`).
    pub delay: Duration,
    /// Log every request and reply (`--verbose`).
    pub verbose: bool,
    /// Cap, idle timeout and deadline of every connection.
    pub tcp: TcpOptions,
}

impl cli::Args for Args {
    #[rustfmt::skip]
    fn command() -> Command {
        let about = "serve the files of a folder, one word per request (TCP)";
        let command = Command::new("file-server", about)
            .host_port(Side::Server, "127.0.0.1", "5678")
            .flag("dir", "DIR", "lab-files/server_folder", "folder served (plain names only)")
            .flag("delay", "DURATION", "0", "pause before each reply (bare number: milliseconds)")
            .option("delay-ms", "MS", "the old name of --delay, still accepted")
            .switch("verbose", "log every request and reply, as the original did")
            .example("file-server --port 5678 --delay 1s --verbose");
        TcpOptions::flags(command)
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        let delay = if m.get("delay-ms").is_some() { "delay-ms" } else { "delay" };
        Ok(Args {
            listen: Endpoint::from_matches(m, Side::Server)?,
            dir: PathBuf::from(m.value("dir")),
            delay: m.duration(delay, cli::Unit::Millis)?,
            verbose: m.is_set("verbose"),
            tcp: TcpOptions::from_matches(m, Log::stdout())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("socket-labs-ft-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("served")).unwrap();
        dir
    }

    fn status_of(folder: &Folder, name: &str) -> &'static str {
        match folder.load(name.as_bytes()) {
            Ok(_) => "served",
            Err((status, _)) => status,
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_are_judged_by_where_they_lead_and_fifos_never_block() {
        use std::os::unix::fs::symlink;
        let dir = scratch("links");
        let served = dir.join("served");
        std::fs::write(served.join("real.txt"), b"inside").unwrap();
        std::fs::write(dir.join("secret.txt"), b"outside").unwrap();
        symlink(served.join("real.txt"), served.join("alias.txt")).unwrap();
        symlink(dir.join("secret.txt"), served.join("escape.txt")).unwrap();
        symlink("/nonexistent/nowhere", served.join("dangling.txt")).unwrap();
        std::fs::create_dir(served.join("sub")).unwrap();
        let fifo = std::process::Command::new("mkfifo").arg(served.join("pipe")).status();
        let folder = Folder::open(&served).unwrap();
        let alias = folder.load(b"alias.txt").unwrap_or_else(|_| panic!());
        assert_eq!(*alias, (b"inside".to_vec(), 1));
        assert_eq!(status_of(&folder, "escape.txt"), status::BAD_FILE_NAME);
        assert_eq!(status_of(&folder, "dangling.txt"), status::NOT_FOUND);
        assert_eq!(status_of(&folder, "sub"), status::BAD_FILE_NAME);
        assert_eq!(status_of(&folder, "../secret.txt"), status::BAD_FILE_NAME);
        if fifo.map_or(false, |s| s.success()) {
            assert_eq!(status_of(&folder, "pipe"), status::BAD_FILE_NAME);
            // As if the FIFO had been swapped in after the check: the open
            // returns at once, and the handle is not the checked file.
            let regular = served.join("real.txt").symlink_metadata().unwrap();
            let opened = open_once(&served.join("pipe")).unwrap().metadata().unwrap();
            assert!(!opened.is_file() && !same_file(&opened, &regular));
        }
        // A link in the last step is not followed by the open itself.
        assert!(open_once(&served.join("alias.txt")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_is_held_once_while_in_use_and_re_read_when_changed() {
        let dir = scratch("held");
        let path = dir.join("served").join("a.txt");
        std::fs::write(&path, b"one two").unwrap();
        let folder = Folder::open(&dir.join("served")).unwrap();
        let (first, second) = (folder.load(b"a.txt"), folder.load(b"a.txt"));
        let (first, second) =
            (first.unwrap_or_else(|_| panic!()), second.unwrap_or_else(|_| panic!()));
        assert!(Arc::ptr_eq(&first, &second));
        std::fs::write(&path, b"one two three").unwrap();
        let reloaded = folder.load(b"a.txt").unwrap_or_else(|_| panic!());
        assert_eq!(*reloaded, (b"one two three".to_vec(), 3));
        // Sparse: its size is set, no data is written.
        std::fs::File::create(&path).unwrap().set_len(MAX_FILE_SIZE + 1).unwrap();
        assert_eq!(status_of(&folder, "a.txt"), status::TOO_LARGE);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
