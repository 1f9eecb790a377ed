//! `file-server`: hands out the words of a file, one per request.
//!
//! Each connection runs on its own thread ([`crate::server::serve_tcp`]) through
//! [`handle`]:
//!
//! 1. read the first frame, which must be `N` with a file name;
//! 2. find the file with [`Folder::lookup`], which refuses anything but a plain
//!    name of a regular file directly inside the folder (`400 Bad-File-Name`),
//!    and says `404 File-not-Found` when there is no such file;
//! 3. read the whole file (at most [`MAX_FILE_SIZE`]) and
//!    split it at every single space;
//! 4. reply `D` with word 0, then answer every `W n` with `D` word n, or `E`
//!    when n is past the last word, until the client closes.
//!
//! Any frame that breaks these rules (unknown tag, a length over 16 MiB, a
//! truncated frame, an index that is not a number, a second `N`) gets
//! `F 400 Bad-Request` and the connection is closed; the server goes on serving
//! everybody else. A client that says nothing for `--read-timeout` seconds is
//! dropped.
//!
//! The log has one line per client event:
//!
//! ```text
//! client 127.0.0.1:51234 connected
//! client 127.0.0.1:51234 asked for "file_1.txt": 318 bytes, 57 words
//! client 127.0.0.1:51234 done: 57 words and the end mark in 0.5 ms
//! client 127.0.0.1:51240 asked for "../Cargo.toml": 400 Bad-File-Name (it contains '/')
//! client 127.0.0.1:51246: bad request: unknown frame tag 'G' — answered 400 Bad-Request, connection closed
//! ```

use super::{check_name, parse_index, tag, Failure, CLIENT_TAGS, MAX_FILE_SIZE};
use crate::error::{Error, Result};
use crate::framing::{read_frame, write_frame, FrameError};
use crate::output::{printable, Log};
use crate::server::{serve_tcp, TcpOptions};
use std::io::{BufReader, ErrorKind, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the server paces and reports the exchange.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Pause before each reply (`--delay-ms`). The original slept a second per
    /// word; a pause makes the exchange easy to follow in Wireshark.
    pub delay: Duration,
    /// Log every request and reply, as the original printed every message (`--verbose`).
    pub verbose: bool,
}

/// Why a file name was not served: the status for the client, and the reason
/// for the server's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What the client is told.
    pub failure: Failure,
    /// Why, in words for the log (never sent to the client).
    pub reason: String,
}

impl Refusal {
    fn new(failure: Failure, reason: impl Into<String>) -> Refusal {
        Refusal {
            failure,
            reason: reason.into(),
        }
    }
}

/// The folder the server hands files out of (`--dir`), resolved once at start-up.
#[derive(Debug, Clone)]
pub struct Folder {
    /// The folder with every symbolic link and `..` resolved.
    root: PathBuf,
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
        let root = dir
            .canonicalize()
            .map_err(|e| Error::io(what.clone(), &e).hint(hint))?;
        if !root.is_dir() {
            return Err(Error::failed(what, "it is not a directory").hint(hint));
        }
        Ok(Folder { root })
    }

    /// The folder, with links resolved.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Finds the file a client asked for, or says why not.
    ///
    /// The name must pass [`check_name`]. Then the entry must exist (else
    /// `404`), and once every symbolic link is followed it must still sit
    /// directly inside the folder (else `400`: a link such as
    /// `server_folder/secret -> /etc/passwd` is refused) and be a regular file
    /// (else `400`: directories, FIFOs and devices are never opened; opening a
    /// FIFO would block the thread). Returns the resolved path to open.
    ///
    /// # Errors
    ///
    /// A [`Refusal`] with the status for the client and the reason for the log.
    pub fn lookup(&self, name: &str) -> std::result::Result<PathBuf, Refusal> {
        check_name(name).map_err(|why| Refusal::new(Failure::BadFileName, why))?;
        let entry = self.root.join(name);
        // symlink_metadata looks at the entry itself, not at what a link points to.
        if let Err(e) = entry.symlink_metadata() {
            return Err(not_found(&e));
        }
        // A link whose target is missing ends here, as missing.
        let real = entry.canonicalize().map_err(|e| not_found(&e))?;
        if real.parent() != Some(self.root.as_path()) {
            return Err(Refusal::new(
                Failure::BadFileName,
                format!("it leads outside the folder, to {}", real.display()),
            ));
        }
        let meta = real
            .metadata()
            .map_err(|e| Refusal::new(Failure::NotFound, crate::error::describe(&e)))?;
        if !meta.is_file() {
            return Err(Refusal::new(
                Failure::BadFileName,
                "it is not a regular file",
            ));
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err(too_large());
        }
        Ok(real)
    }

    /// Looks the name up and reads the whole file.
    ///
    /// # Errors
    ///
    /// A [`Refusal`]: those of [`lookup`](Self::lookup), `404` when the file
    /// cannot be read (the log says why, for example permission denied), and
    /// `413 File-Too-Large` when it has grown over the limit meanwhile.
    pub fn load(&self, name: &str) -> std::result::Result<Vec<u8>, Refusal> {
        let path = self.lookup(name)?;
        let unreadable = |e: std::io::Error| {
            Refusal::new(
                Failure::NotFound,
                format!("cannot read it: {}", crate::error::describe(&e)),
            )
        };
        let file = std::fs::File::open(&path).map_err(unreadable)?;
        let mut data = Vec::new();
        // One byte over the limit is enough to know the file is too large.
        file.take(MAX_FILE_SIZE + 1)
            .read_to_end(&mut data)
            .map_err(unreadable)?;
        if data.len() as u64 > MAX_FILE_SIZE {
            return Err(too_large());
        }
        Ok(data)
    }
}

fn not_found(err: &std::io::Error) -> Refusal {
    if err.kind() == ErrorKind::NotFound {
        Refusal::new(Failure::NotFound, "no such file")
    } else {
        Refusal::new(Failure::NotFound, crate::error::describe(err))
    }
}

fn too_large() -> Refusal {
    Refusal::new(
        Failure::TooLarge,
        format!("it is over the limit of {MAX_FILE_SIZE} bytes (16 MiB)"),
    )
}

/// Serves `folder` on an already bound listener, each connection on its own
/// thread, until the process ends (or `tcp.limit` connections were served).
///
/// # Errors
///
/// None in practice; see [`serve_tcp`].
pub fn serve(
    listener: TcpListener,
    folder: Folder,
    options: Options,
    tcp: TcpOptions,
) -> Result<()> {
    let shared = Arc::new((folder, options));
    serve_tcp(listener, tcp, move |stream, peer, log| {
        handle(stream, peer, &shared.0, &shared.1, log)
    })
}

/// Serves one connection: the name, then words on request, until the client
/// closes. Normal endings (done, refused name, client gone) are logged here;
/// an error return is logged by [`serve_tcp`] as `client ADDR: <error>`.
///
/// # Errors
///
/// `bad request: ...` after answering `400 Bad-Request`, or `dropped after
/// serving N of M words: ...` when the client went silent past the read
/// timeout or the connection failed.
pub fn handle(
    stream: TcpStream,
    peer: SocketAddr,
    folder: &Folder,
    options: &Options,
    log: &Log,
) -> Result<()> {
    log.line(format_args!("client {peer} connected"));
    // Each reply is one small segment that the client waits for: send it now.
    stream
        .set_nodelay(true)
        .map_err(|e| Error::io("cannot set TCP_NODELAY", &e))?;
    let mut session = Session {
        reader: BufReader::new(&stream),
        writer: &stream,
        peer,
        options,
        log,
        served: 0,
        total: 0,
    };

    let name = match session.next_request()? {
        None => {
            log.line(format_args!("client {peer} left without asking for a file"));
            return Ok(());
        }
        Some(Request::Name(name)) => name,
        Some(Request::Word(_)) => {
            return Err(session.refuse_request("asked for a word before naming a file"));
        }
    };
    let shown = printable(&name);
    let data = match std::str::from_utf8(&name) {
        Err(_) => Err(Refusal::new(Failure::BadFileName, "it is not valid UTF-8")),
        Ok(text) => folder.load(text),
    };
    let data = match data {
        Ok(data) => data,
        Err(refusal) => {
            log.line(format_args!(
                "client {peer} asked for \"{shown}\": {} ({})",
                refusal.failure.text(),
                refusal.reason
            ));
            session.send(tag::FAIL, refusal.failure.text().as_bytes())?;
            session.close_gracefully();
            return Ok(());
        }
    };
    let words = Words::new(data);
    log.line(format_args!(
        "client {peer} asked for \"{shown}\": {} bytes, {} words",
        words.bytes(),
        words.len()
    ));
    session.serve_words(&words)
}

/// A file split into words at every single space, exactly as
/// [`crate::framing::split_words`] does, but stored as the file's bytes plus
/// the position of each space.
///
/// A `Vec<&[u8]>` of words would be simpler, but costs 16 bytes per word on a
/// 64-bit machine: a 16 MiB file of nothing but spaces (16.7 million empty
/// words) would need 256 MiB per connection. A `u32` per space keeps the
/// worst case at 4 bytes per word (positions fit: the file is at most 16 MiB).
#[derive(Debug, Clone)]
struct Words {
    data: Vec<u8>,
    spaces: Vec<u32>,
}

impl Words {
    /// Splits `data` (at most [`MAX_FILE_SIZE`] bytes, so that every
    /// position fits in a `u32`) into words.
    fn new(data: Vec<u8>) -> Words {
        let spaces = data
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b' ')
            .map(|(at, _)| at as u32)
            .collect();
        Words { data, spaces }
    }

    /// How many words: one more than the spaces (an empty file is one empty word).
    fn len(&self) -> usize {
        self.spaces.len() + 1
    }

    /// The size of the file in bytes.
    fn bytes(&self) -> usize {
        self.data.len()
    }

    /// Word `index`, or `None` past the last one.
    fn get(&self, index: usize) -> Option<&[u8]> {
        if index > self.spaces.len() {
            return None;
        }
        // A word runs from just after the space before it to the space after it.
        let start = match index {
            0 => 0,
            i => self.spaces[i - 1] as usize + 1,
        };
        let end = match self.spaces.get(index) {
            Some(&space) => space as usize,
            None => self.data.len(),
        };
        Some(&self.data[start..end])
    }
}

/// What a client may ask.
enum Request {
    Name(Vec<u8>),
    Word(Vec<u8>),
}

/// One connection: its reading and writing ends, where to report, and how far
/// the transfer has come (for the log line when it breaks off).
struct Session<'a> {
    reader: BufReader<&'a TcpStream>,
    writer: &'a TcpStream,
    peer: SocketAddr,
    options: &'a Options,
    log: &'a Log,
    /// Words sent so far.
    served: usize,
    /// Words in the file; 0 until a file has been named.
    total: usize,
}

impl Session<'_> {
    /// Answers word requests until the client closes.
    fn serve_words(&mut self, words: &Words) -> Result<()> {
        let started = Instant::now();
        self.total = words.len();
        let mut ended = false;
        // There is always a word 0, if only an empty one.
        self.reply_word(None, words.get(0).unwrap_or_default())?;
        loop {
            let raw = match self.next_request()? {
                None => break,
                Some(Request::Name(_)) => {
                    return Err(self.refuse_request("a second file name on the same connection"));
                }
                Some(Request::Word(raw)) => raw,
            };
            let index = match parse_index(&raw) {
                Some(index) => index,
                None => {
                    return Err(self.refuse_request(&format!(
                        "word index \"{}\" is not a number",
                        printable(&raw)
                    )));
                }
            };
            match usize::try_from(index).ok().and_then(|i| words.get(i)) {
                Some(word) => self.reply_word(Some(index), word)?,
                None => {
                    self.pause();
                    self.trace(format_args!("W {index} -> E"));
                    self.send(tag::END, b"")?;
                    ended = true;
                }
            }
        }
        let (peer, served, total) = (self.peer, self.served, self.total);
        if ended {
            self.log.line(format_args!(
                "client {peer} done: {served} words and the end mark in {:.1} ms",
                crate::clock::ms(started.elapsed())
            ));
        } else {
            self.log.line(format_args!(
                "client {peer} left after {served} of {total} words, before the end mark"
            ));
        }
        Ok(())
    }

    /// Reads the next request; `None` when the client closed.
    fn next_request(&mut self) -> Result<Option<Request>> {
        match read_frame(&mut self.reader, CLIENT_TAGS) {
            Ok(None) => Ok(None),
            Ok(Some(frame)) if frame.tag == tag::NAME => Ok(Some(Request::Name(frame.payload))),
            Ok(Some(frame)) => Ok(Some(Request::Word(frame.payload))),
            Err(err @ FrameError::Timeout) | Err(err @ FrameError::Io(_)) => {
                Err(err.context(self.dropped()))
            }
            // Unknown tag, oversized or truncated frame: the client broke the protocol.
            Err(err) => Err(self.refuse_request(&err.to_string())),
        }
    }

    /// Sends one word: the reply to `W index`, or to the name when `index` is `None`.
    fn reply_word(&mut self, index: Option<u64>, word: &[u8]) -> Result<()> {
        self.pause();
        if self.options.verbose {
            let shown = printable(&word[..word.len().min(40)]);
            let more = if word.len() > 40 { "..." } else { "" };
            let request = match index {
                Some(index) => format!("W {index}"),
                None => "N".to_string(),
            };
            self.trace(format_args!("{request} -> D \"{shown}{more}\""));
        }
        self.send(tag::DATA, word)?;
        self.served += 1;
        Ok(())
    }

    /// Answers `400 Bad-Request` (if the client still listens) and returns the
    /// error that ends the connection and goes into the log.
    fn refuse_request(&mut self, why: &str) -> Error {
        // The client may be gone already; the log line says what happened anyway.
        let _ = write_frame(
            &mut self.writer,
            tag::FAIL,
            Failure::BadRequest.text().as_bytes(),
        );
        self.close_gracefully();
        Error::failed("bad request", why).hint("answered 400 Bad-Request, connection closed")
    }

    /// Ends the connection so that the last reply reaches the client.
    ///
    /// Closing a socket while bytes from the peer are still unread makes the
    /// kernel send a reset (RST) instead of a normal FIN, and a reset can make
    /// the client's side discard our last reply before reading it. So: say we
    /// are done writing (FIN), then read and drop what the client still sends,
    /// for a short while and up to a small amount, before the socket is closed.
    fn close_gracefully(&mut self) {
        const LINGER: Duration = Duration::from_millis(200);
        const AT_MOST: u64 = 64 * 1024;
        let stream = self.writer;
        if stream.shutdown(Shutdown::Write).is_err()
            || stream.set_read_timeout(Some(LINGER)).is_err()
        {
            return;
        }
        let _ = std::io::copy(&mut stream.take(AT_MOST), &mut std::io::sink());
    }

    fn send(&mut self, tag: u8, payload: &[u8]) -> Result<()> {
        write_frame(&mut self.writer, tag, payload).map_err(|e| e.context(self.dropped()))
    }

    /// The start of the log line for a connection that broke off.
    fn dropped(&self) -> String {
        if self.total == 0 {
            "dropped before a file was served".to_string()
        } else {
            format!(
                "dropped after serving {} of {} words",
                self.served, self.total
            )
        }
    }

    fn pause(&self) {
        if !self.options.delay.is_zero() {
            std::thread::sleep(self.options.delay);
        }
    }

    fn trace(&self, args: std::fmt::Arguments<'_>) {
        if self.options.verbose {
            let peer = self.peer;
            self.log.line(format_args!("client {peer}: {args}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Scratch(PathBuf);

    impl Scratch {
        fn new(tag: &str) -> Scratch {
            let dir = std::env::temp_dir()
                .join(format!("socket-labs-ft-unit-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("served")).unwrap();
            Scratch(dir)
        }
        fn served(&self) -> PathBuf {
            self.0.join("served")
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn lookup_serves_plain_names_and_refuses_the_rest() {
        let scratch = Scratch::new("lookup");
        std::fs::write(scratch.served().join("a.txt"), b"hello there").unwrap();
        std::fs::write(scratch.0.join("secret.txt"), b"outside").unwrap();
        std::fs::create_dir(scratch.served().join("sub")).unwrap();
        let folder = Folder::open(&scratch.served()).unwrap();

        assert_eq!(folder.load("a.txt").unwrap(), b"hello there");
        assert_eq!(
            folder.lookup("missing.txt").unwrap_err().failure,
            Failure::NotFound
        );
        for bad in [
            "../secret.txt",
            ".",
            "..",
            "sub",
            "",
            "a\0b",
            "..\\secret.txt",
        ] {
            assert_eq!(
                folder.lookup(bad).unwrap_err().failure,
                Failure::BadFileName,
                "{bad:?}"
            );
        }
        let absolute = scratch.0.join("secret.txt");
        assert_eq!(
            folder
                .lookup(absolute.to_str().unwrap())
                .unwrap_err()
                .failure,
            Failure::BadFileName
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_are_judged_by_where_they_lead() {
        use std::os::unix::fs::symlink;
        let scratch = Scratch::new("links");
        std::fs::write(scratch.served().join("real.txt"), b"inside").unwrap();
        std::fs::write(scratch.0.join("secret.txt"), b"outside").unwrap();
        symlink(
            scratch.served().join("real.txt"),
            scratch.served().join("alias.txt"),
        )
        .unwrap();
        symlink(
            scratch.0.join("secret.txt"),
            scratch.served().join("escape.txt"),
        )
        .unwrap();
        symlink(
            "/nonexistent/nowhere",
            scratch.served().join("dangling.txt"),
        )
        .unwrap();
        let folder = Folder::open(&scratch.served()).unwrap();

        assert_eq!(folder.load("alias.txt").unwrap(), b"inside");
        let refusal = folder.lookup("escape.txt").unwrap_err();
        assert_eq!(refusal.failure, Failure::BadFileName);
        assert!(refusal.reason.contains("outside the folder"), "{refusal:?}");
        assert_eq!(
            folder.lookup("dangling.txt").unwrap_err().failure,
            Failure::NotFound
        );
    }

    #[test]
    fn files_over_the_limit_are_refused_without_reading_them() {
        let scratch = Scratch::new("large");
        let path = scratch.served().join("big.bin");
        // A sparse file: its size is set, no data is written.
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_FILE_SIZE + 1).unwrap();
        let folder = Folder::open(&scratch.served()).unwrap();
        let refusal = folder.load("big.bin").unwrap_err();
        assert_eq!(refusal.failure, Failure::TooLarge);
        file.set_len(MAX_FILE_SIZE).unwrap();
        assert_eq!(
            folder.lookup("big.bin").unwrap(),
            folder.root().join("big.bin")
        );
    }

    #[test]
    fn words_agree_with_split_words() {
        let samples: [&[u8]; 7] = [
            b"",
            b" ",
            b"a",
            b"a b",
            b"  a  b ",
            b"x\ty\nz",
            b"\xff \x00",
        ];
        for sample in samples {
            let expected = crate::framing::split_words(sample);
            let words = Words::new(sample.to_vec());
            assert_eq!(words.len(), expected.len(), "{sample:?}");
            assert_eq!(words.bytes(), sample.len());
            let got: Vec<&[u8]> = (0..words.len()).map(|i| words.get(i).unwrap()).collect();
            assert_eq!(got, expected, "{sample:?}");
            assert_eq!(words.get(words.len()), None);
        }
    }

    #[test]
    fn a_missing_folder_is_a_clear_error() {
        let err = Folder::open(Path::new("/no/such/folder/here"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("cannot serve files from /no/such/folder/here: "),
            "{err}"
        );
        assert!(err.contains("--dir"), "{err}");
    }
}
