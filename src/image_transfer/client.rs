//! The image client: read the length, read exactly that many bytes into a
//! temporary file, verify, rename into place; optionally open a viewer.
//!
//! [`fetch`] does the transfer on a connected stream (the tour and the tests
//! call it too); [`show`] opens the saved file with the system's viewer. See the
//! [module docs](super) for the protocol.

use super::{buffer_for, copy_exactly, decode_header, CopyError, HEADER_LEN};
use crate::error::{describe, Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a successful [`fetch`] received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The server the file came from.
    pub from: SocketAddr,
    /// The number of file bytes (as announced, and as received).
    pub bytes: u64,
    /// From the connection being ready to the file being in place.
    pub elapsed: Duration,
    /// Where the file was saved.
    pub path: PathBuf,
}

/// Receives one file from a connected `stream` and saves it as `out`.
///
/// The bytes go into a hidden temporary file in `out`'s folder (`.a.jpg.part-PID-N`),
/// which is renamed to `out` only once exactly the announced number of bytes
/// has arrived and the server has closed the connection. On any failure the
/// temporary file is removed, so no file, whole or partial, is left behind.
/// The file is not `fsync`ed: the rename protects readers from a half file,
/// not the disk from a power cut.
///
/// # Errors
///
/// * `short transfer from ADDR: the server announced N bytes but the
///   connection ended after M` (also when it ended inside the header);
/// * `... the server sent more than the N bytes it announced`;
/// * `cannot create .../.a.jpg.part-...: ...` when the folder is missing or not
///   writable, `cannot save ...: ...` when the disk is full;
/// * the read timeout set on `stream`, as `timed out`.
pub fn fetch(mut stream: TcpStream, out: &Path) -> Result<Received> {
    let from = crate::net::local_addr_of(stream.peer_addr())?;
    check_target(out)?;
    let started = Instant::now();
    let short = |announced: Option<u64>, got: u64, e: &io::Error| {
        let cut = if e.kind() == io::ErrorKind::UnexpectedEof {
            "the connection ended".to_string()
        } else {
            describe(e)
        };
        let why = match announced {
            Some(len) => format!("the server announced {len} bytes but {cut} after {got}"),
            None => format!("{cut} after {got} of the {HEADER_LEN} header bytes"),
        };
        Error::failed(format!("short transfer from {from}"), why)
    };

    let mut header = [0u8; HEADER_LEN];
    read_full(&mut stream, &mut header).map_err(|(got, e)| short(None, got as u64, &e))?;
    let len = decode_header(header);

    let mut part = PartFile::create(out)?;
    let got =
        copy_exactly(&mut stream, &mut part, len, &mut buffer_for(len)).map_err(|e| match e {
            CopyError::Read(got, e) => short(Some(len), got, &e),
            CopyError::Write(_, e) => Error::io(format!("cannot save {}", part.path.display()), &e),
        })?;
    // The server closes right after the file; anything more breaks the protocol.
    let mut extra = [0u8; 1];
    if let Ok(n) = stream.read(&mut extra) {
        if n > 0 {
            return Err(Error::failed(
                format!("bad transfer from {from}"),
                format!("the server sent more than the {len} bytes it announced"),
            ));
        }
    }
    let path = part.commit(out)?;
    Ok(Received {
        from,
        bytes: got,
        elapsed: started.elapsed(),
        path,
    })
}

/// Checks that `out` can be a file's name: not a folder, in a folder that
/// exists. The binary calls it before connecting, so a typo in `--out` does
/// not cost the server a transfer.
///
/// # Errors
///
/// `cannot save to PATH: it is a folder`, or `... the folder F does not exist`.
pub fn check_target(out: &Path) -> Result<()> {
    let what = || format!("cannot save to {}", out.display());
    if out.is_dir() {
        return Err(Error::failed(what(), "it is a folder")
            .hint("give a file name, for example --out a.jpg"));
    }
    match out.parent() {
        Some(folder) if !folder.as_os_str().is_empty() && !folder.is_dir() => Err(Error::failed(
            what(),
            format!("the folder {} does not exist", folder.display()),
        )),
        _ => Ok(()),
    }
}

/// Fills `buf`; on failure says how many bytes had arrived.
fn read_full(
    stream: &mut TcpStream,
    buf: &mut [u8],
) -> std::result::Result<(), (usize, io::Error)> {
    let mut got = 0;
    while got < buf.len() {
        match stream.read(&mut buf[got..]) {
            Ok(0) => return Err((got, io::ErrorKind::UnexpectedEof.into())),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((got, e)),
        }
    }
    Ok(())
}

/// A temporary file next to the target, removed on drop unless committed.
struct PartFile {
    path: PathBuf,
    file: Option<File>,
}

impl PartFile {
    /// Creates `.NAME.part-PID-N` in `target`'s folder; `create_new` makes sure
    /// it is ours and not some other file of that name.
    fn create(target: &Path) -> Result<PartFile> {
        let name = target.file_name().ok_or_else(|| {
            Error::failed(
                format!("cannot save to {}", target.display()),
                "the path does not end in a file name",
            )
        })?;
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut attempt = 0;
        loop {
            let mut temp_name = std::ffi::OsString::from(".");
            temp_name.push(name);
            temp_name.push(format!(".part-{}-{attempt}", std::process::id()));
            let path = folder.join(temp_name);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(PartFile {
                        path,
                        file: Some(file),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => {
                    let err = Error::io(format!("cannot create {}", path.display()), &e);
                    return Err(if e.kind() == io::ErrorKind::NotFound {
                        err.hint(format!("does the folder {} exist?", folder.display()))
                    } else {
                        err
                    });
                }
            }
        }
    }

    /// Closes the file and renames it to `target`, replacing any old file there.
    fn commit(mut self, target: &Path) -> Result<PathBuf> {
        // Close before renaming: Windows cannot rename an open file.
        drop(self.file.take());
        fs::rename(&self.path, target).map_err(|e| {
            Error::io(
                format!(
                    "cannot rename {} to {}",
                    self.path.display(),
                    target.display()
                ),
                &e,
            )
        })?;
        // Renamed: there is nothing left for Drop to remove.
        self.path = PathBuf::new();
        Ok(target.to_path_buf())
    }
}

impl Write for PartFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self.file.as_mut() {
            Some(file) => file.write(bytes),
            None => Err(io::Error::new(io::ErrorKind::Other, "the file is closed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        drop(self.file.take());
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The command that opens a file with the user's chosen viewer on this system.
pub fn viewer_command(path: &Path) -> Command {
    if cfg!(windows) {
        // `start` is built into cmd; its first quoted argument is a window title.
        let mut cmd = Command::new("cmd");
        cmd.args(["/C", "start", ""]).arg(path);
        cmd
    } else if cfg!(target_os = "macos") {
        let mut cmd = Command::new("open");
        cmd.arg(path);
        cmd
    } else {
        let mut cmd = Command::new("xdg-open");
        cmd.arg(path);
        cmd
    }
}

/// Opens `path` in the system's image viewer.
///
/// Waits up to two seconds for the launcher (`xdg-open`, `open`, `start`) to
/// report; one still running after that is taken as having opened a window.
///
/// # Errors
///
/// A sentence for a warning (the caller prints it; a missing viewer is not a
/// failed transfer): `xdg-open: not found`, `xdg-open exited with status 3`.
pub fn show(path: &Path) -> std::result::Result<(), String> {
    launch(viewer_command(path))
}

/// Runs a viewer launcher; see [`show`].
fn launch(mut cmd: Command) -> std::result::Result<(), String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{program}: {}", describe(&e)))?;
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("{program} exited with {status}")),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => return Ok(()),
            Err(e) => return Err(format!("{program}: {}", describe(&e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image_transfer::encode_header;
    use std::net::TcpListener;

    /// A server that sends `bytes` as they are (header included) and closes.
    fn raw_server(bytes: Vec<u8>) -> TcpStream {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.write_all(&bytes).unwrap();
        });
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("image-client-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> usize {
        fs::read_dir(dir).unwrap().count()
    }

    #[test]
    fn a_complete_file_is_renamed_into_place() {
        let dir = temp_dir("ok");
        let mut wire = encode_header(5).to_vec();
        wire.extend_from_slice(b"\x00\xffabc");
        let got = fetch(raw_server(wire), &dir.join("a.jpg")).unwrap();
        assert_eq!(got.bytes, 5);
        assert_eq!(fs::read(dir.join("a.jpg")).unwrap(), b"\x00\xffabc");
        assert_eq!(entries(&dir), 1, "only the saved file is left");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn short_transfers_and_extra_bytes_leave_nothing() {
        let dir = temp_dir("short");
        let out = dir.join("a.jpg");
        let mut wire = encode_header(100).to_vec();
        wire.extend_from_slice(&[7; 40]);
        let err = fetch(raw_server(wire), &out).unwrap_err().to_string();
        assert!(
            err.contains("announced 100 bytes but the connection ended after 40"),
            "{err}"
        );

        let err = fetch(raw_server(vec![0, 0, 0]), &out)
            .unwrap_err()
            .to_string();
        assert!(err.contains("after 3 of the 8 header bytes"), "{err}");

        let mut wire = encode_header(2).to_vec();
        wire.extend_from_slice(b"abc");
        let err = fetch(raw_server(wire), &out).unwrap_err().to_string();
        assert!(err.contains("more than the 2 bytes"), "{err}");

        assert_eq!(entries(&dir), 0, "no file and no temporary file");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_folder_or_a_folder_as_target_is_a_clear_error() {
        let dir = temp_dir("missing");
        let err = fetch(
            raw_server(encode_header(0).to_vec()),
            &dir.join("nope/a.jpg"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("does not exist"), "{err}");
        let err = fetch(raw_server(encode_header(0).to_vec()), &dir)
            .unwrap_err()
            .to_string();
        assert!(err.contains("it is a folder"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn launcher_outcomes_become_warnings() {
        let err = launch(Command::new("/nonexistent/viewer")).unwrap_err();
        assert_eq!(err, "/nonexistent/viewer: not found");
        let err = launch(Command::new("false")).unwrap_err();
        assert!(err.starts_with("false exited with"), "{err}");
        assert_eq!(launch(Command::new("true")), Ok(()));
    }
}
