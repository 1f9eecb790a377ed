//! `file-client`: asks for a file, collects its words, saves the copy.
//!
//! [`fetch`] runs the whole conversation on a connected stream: send `N name`,
//! take word 0 from the reply, then ask `W 1`, `W 2`, ... until the server
//! answers `E`. Words are joined with single spaces
//! ([`crate::framing::Joiner`]) in memory; at most
//! [`MAX_FILE_SIZE`] bytes are accepted, the most a `file-server` hands out.
//! Only when the end mark has arrived is anything written: the copy goes to a
//! temporary file in `--out-dir`, which is then renamed to its real name. A
//! refusal, a server that goes away, a broken frame, or Ctrl-C in the middle
//! of the transfer leave nothing behind.
//!
//! The copy is saved as `OUT_DIR/NAME` and nowhere else: the name must pass
//! [`check_name`] (one plain component), whatever the server says. A refused
//! name never creates anything, not even `OUT_DIR`.

use super::{check_name, tag, MAX_FILE_SIZE, SERVER_TAGS};
use crate::error::{Error, Result};
use crate::framing::{read_frame, write_frame, Frame, Joiner};
use crate::output::printable;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How many bytes of the received file are kept for display.
pub const PREVIEW_BYTES: usize = 2048;

/// What a completed transfer produced.
#[derive(Debug, Clone)]
pub struct Received {
    /// Where the copy was saved.
    pub path: PathBuf,
    /// How many words arrived (an empty file is one empty word).
    pub words: u64,
    /// The size of the copy in bytes.
    pub bytes: u64,
    /// From sending the name to receiving the end mark.
    pub elapsed: Duration,
    /// The first [`PREVIEW_BYTES`] bytes of the copy.
    pub preview: Vec<u8>,
}

impl Received {
    /// Words per second over [`elapsed`](Self::elapsed): one round trip each.
    pub fn words_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.words as f64 / secs
        } else {
            0.0
        }
    }

    /// What the client prints after a transfer: a summary line, the content
    /// (all of it up to [`PREVIEW_BYTES`], else its beginning and how much was
    /// left out), and where it was saved. Control characters and bytes that
    /// are not UTF-8 are shown escaped (`\t`, `\xff`), so tabs are visible and
    /// a hostile file cannot drive the terminal.
    pub fn report(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "received {} words, {} bytes in {:.1} ms ({:.0} words/s)",
            self.words,
            self.bytes,
            crate::clock::ms(self.elapsed),
            self.words_per_second()
        )];
        let complete = self.preview.len() as u64 == self.bytes;
        if complete {
            lines.push("--- content ---".to_string());
        } else {
            lines.push(format!(
                "--- the first {} of {} bytes ---",
                self.preview.len(),
                self.bytes
            ));
        }
        if !self.preview.is_empty() {
            let mut shown: Vec<&[u8]> = self.preview.split(|&b| b == b'\n').collect();
            // A final newline ends the last line; it does not start another.
            if complete && self.preview.ends_with(b"\n") {
                shown.pop();
            }
            let mut escaped = false;
            for piece in shown {
                let line = printable(piece);
                escaped |= line.as_bytes() != piece;
                lines.push(line);
            }
            if escaped {
                lines.push(
                    "(control characters and bytes that are not UTF-8 are shown escaped: \\t is a tab)"
                        .to_string(),
                );
            }
        }
        if complete {
            lines.push("--- end of content ---".to_string());
        } else {
            lines.push(format!(
                "--- {} more bytes not shown ---",
                self.bytes - self.preview.len() as u64
            ));
        }
        lines.push(format!("saved to {}", crate::paths::shown(&self.path)));
        lines
    }
}

/// Asks for `name` on a connected `stream` and saves the file as
/// `out_dir/name` (creating `out_dir` if needed).
///
/// Sets `TCP_NODELAY` (every request is a small segment the server waits for);
/// the caller sets the read timeout that bounds every wait for a reply.
///
/// # Errors
///
/// * `the server refused "NAME": 404 File-not-Found` (or another status);
/// * `refusing to save "NAME": ...` when the name is not a plain file name;
/// * `transfer of "NAME" failed: ...` when the server closes early, breaks
///   the protocol, stops answering, or sends more than [`MAX_FILE_SIZE`] bytes;
/// * `cannot write ...` for local file errors.
///
/// In every case no file is left in `out_dir`.
pub fn fetch(stream: &TcpStream, name: &str, out_dir: &Path) -> Result<Received> {
    stream
        .set_nodelay(true)
        .map_err(|e| Error::io("cannot set TCP_NODELAY", &e))?;
    let mut reader = BufReader::new(stream);
    let mut writer = stream;
    let shown = printable(name.as_bytes());
    let failed = |why: String| Error::failed(format!("transfer of \"{shown}\" failed"), why);
    let started = Instant::now();

    write_frame(&mut writer, tag::NAME, name.as_bytes())
        .map_err(|e| failed(format!("cannot send the name: {e}")))?;
    let first = match next_reply(&mut reader, &failed)? {
        Reply::Word(word) => word,
        Reply::End => {
            return Err(failed(
                "the server sent the end mark before any word".into(),
            ))
        }
        Reply::Refused(status) => {
            return Err(Error::failed(
                format!("the server refused \"{shown}\""),
                printable(&status),
            )
            .hint(hint_for(&status)));
        }
    };

    // A name the client would not save is refused before more is asked for.
    let path = target_path(name, out_dir)?;
    let mut joiner = Joiner::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = joiner.push(&first);
    let mut index: u64 = 1;
    loop {
        write_frame(&mut writer, tag::WORD, index.to_string().as_bytes())
            .map_err(|e| failed(format!("cannot ask for word {index}: {e}")))?;
        match next_reply(&mut reader, &failed)? {
            Reply::Word(word) => {
                if joiner.bytes() + 1 + word.len() as u64 > MAX_FILE_SIZE {
                    return Err(failed(format!(
                        "the server sent more than {MAX_FILE_SIZE} bytes (16 MiB), \
                         the most a file-server hands out"
                    )));
                }
                let _ = joiner.push(&word);
            }
            Reply::End => break,
            Reply::Refused(status) => {
                return Err(failed(format!(
                    "the server answered \"{}\" after {index} words",
                    printable(&status)
                )))
            }
        }
        index += 1;
    }
    let elapsed = started.elapsed();
    let words = joiner.words();
    let content = joiner.into_inner();
    save(out_dir, name, &path, &content)?;
    Ok(Received {
        path,
        words,
        bytes: content.len() as u64,
        elapsed,
        preview: content[..content.len().min(PREVIEW_BYTES)].to_vec(),
    })
}

/// Writes `content` to a temporary file in `out_dir` and renames it to `path`.
fn save(out_dir: &Path, name: &str, path: &Path, content: &[u8]) -> Result<()> {
    let mut part = PartFile::create(out_dir, name)?;
    part.write_all(content)
        .map_err(|e| Error::io(format!("cannot write {}", part.path.display()), &e))?;
    part.commit(path)
}

/// The copy's final path: `out_dir/name`, for a plain name only.
fn target_path(name: &str, out_dir: &Path) -> Result<PathBuf> {
    match check_name(name) {
        Ok(()) => Ok(out_dir.join(name)),
        Err(why) => Err(Error::failed(
            format!("refusing to save \"{}\"", printable(name.as_bytes())),
            why,
        )
        .hint("the client saves only plain file names inside --out-dir")),
    }
}

fn hint_for(status: &[u8]) -> &'static str {
    if status.starts_with(b"404") {
        "the server serves the files in its --dir folder; check the name"
    } else if status.starts_with(b"400 Bad-File-Name") {
        "ask for a plain file name in the server's folder, such as file_1.txt"
    } else if status.starts_with(b"413") {
        "the server hands out files of at most 16 MiB"
    } else {
        "the server did not accept the request"
    }
}

enum Reply {
    Word(Vec<u8>),
    End,
    Refused(Vec<u8>),
}

fn next_reply(
    reader: &mut BufReader<&TcpStream>,
    failed: &impl Fn(String) -> Error,
) -> Result<Reply> {
    match read_frame(reader, SERVER_TAGS) {
        Ok(Some(Frame {
            tag: tag::DATA,
            payload,
        })) => Ok(Reply::Word(payload)),
        Ok(Some(Frame { tag: tag::END, .. })) => Ok(Reply::End),
        Ok(Some(frame)) => Ok(Reply::Refused(frame.payload)),
        Ok(None) => Err(failed(
            "the server closed the connection before the end mark".into(),
        )),
        Err(e) => Err(failed(format!("bad reply from the server: {e}"))),
    }
}

/// The temporary file a transfer writes into, removed on drop unless committed.
///
/// It lives in the target folder (so the final rename stays on one file system
/// and is atomic) under a name that [`check_name`] accepts but no one asks
/// for: `.NAME.PID.part`. It is created with `create_new`, which never follows
/// or overwrites an existing entry, links included.
struct PartFile {
    path: PathBuf,
    file: Option<File>,
    committed: bool,
}

impl PartFile {
    fn create(out_dir: &Path, name: &str) -> Result<PartFile> {
        std::fs::create_dir_all(out_dir)
            .map_err(|e| Error::io(format!("cannot create {}", out_dir.display()), &e))?;
        let mut last = None;
        for attempt in 0..100u32 {
            let path = out_dir.join(format!(".{name}.{}.{attempt}.part", std::process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(PartFile {
                        path,
                        file: Some(file),
                        committed: false,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(Error::io(format!("cannot create {}", path.display()), &e)),
            }
        }
        let why = last.map_or_else(
            || "no free name".to_string(),
            |e| crate::error::describe(&e),
        );
        Err(Error::failed(
            format!("cannot create a temporary file in {}", out_dir.display()),
            why,
        ))
    }

    /// Writes all of `bytes` into the file.
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self.file.as_mut() {
            Some(file) => file.write_all(bytes),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::Other,
                "the file is already closed",
            )),
        }
    }

    /// Renames the finished file to `path`.
    fn commit(mut self, path: &Path) -> Result<()> {
        // Closed first: some systems cannot rename an open file.
        self.file = None;
        std::fs::rename(&self.path, path)
            .map_err(|e| Error::io(format!("cannot save {}", path.display()), &e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.committed {
            // Close before removing (Windows cannot remove an open file).
            self.file = None;
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(content: &[u8]) -> Received {
        Received {
            path: PathBuf::from("out/x.txt"),
            words: 3,
            bytes: content.len() as u64,
            elapsed: Duration::from_millis(2),
            preview: content[..content.len().min(PREVIEW_BYTES)].to_vec(),
        }
    }

    #[test]
    fn a_small_file_is_shown_whole_with_escapes() {
        let lines = received(b"one\ttwo\n\xffthree\n").report();
        let saved = format!("saved to {}", crate::paths::shown(Path::new("out/x.txt")));
        assert_eq!(
            lines[0],
            "received 3 words, 15 bytes in 2.0 ms (1500 words/s)"
        );
        assert_eq!(
            &lines[1..],
            &[
                "--- content ---",
                "one\\ttwo",
                "\\xffthree",
                "(control characters and bytes that are not UTF-8 are shown escaped: \\t is a tab)",
                "--- end of content ---",
                saved.as_str()
            ]
        );
    }

    #[test]
    fn a_large_file_is_summarised() {
        let big = vec![b'a'; 100_000];
        let lines = received(&big).report();
        assert_eq!(lines[1], "--- the first 2048 of 100000 bytes ---");
        assert_eq!(lines[2].len(), PREVIEW_BYTES);
        assert_eq!(lines[3], "--- 97952 more bytes not shown ---");
        assert_eq!(lines.len(), 5);
    }

    #[test]
    fn an_empty_file_shows_no_lines() {
        let lines = received(b"").report();
        assert_eq!(lines[1..3], ["--- content ---", "--- end of content ---"]);
    }

    #[test]
    fn part_files_vanish_unless_committed() {
        let dir = std::env::temp_dir().join(format!("socket-labs-part-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let mut part = PartFile::create(&dir, "a.txt").unwrap();
            part.write_all(b"partial").unwrap();
        }
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let mut part = PartFile::create(&dir, "a.txt").unwrap();
        part.write_all(b"whole").unwrap();
        part.commit(&dir.join("a.txt")).unwrap();
        assert_eq!(std::fs::read(dir.join("a.txt")).unwrap(), b"whole");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_plain_names_are_saved() {
        assert!(target_path("../x", Path::new("out")).is_err());
        assert!(target_path("/etc/x", Path::new("out")).is_err());
        assert_eq!(
            target_path("x.txt", Path::new("out")).unwrap(),
            Path::new("out").join("x.txt")
        );
    }
}
