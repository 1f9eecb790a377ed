//! The image server: for each connection, the 8-byte length, the file, close.
//!
//! [`Image::check`] validates `--file` once at start-up; [`serve`] then runs
//! [`send_image`] for every client on its own thread. See the
//! [module docs](super) for the protocol.

use super::{buffer_for, copy_exactly, encode_header, mb_per_s, CopyError};
use crate::error::{Error, Result};
use crate::output::Log;
use crate::server::{serve_tcp, TcpOptions};
use std::fs::File;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The file to serve, checked to be a readable regular file.
#[derive(Debug, Clone)]
pub struct Image {
    path: PathBuf,
    len: u64,
}

impl Image {
    /// Checks that `path` is a regular file this process can open, and notes
    /// its size. The server calls this before it listens, so a wrong `--file`
    /// is reported at once and not to the first client.
    ///
    /// # Errors
    ///
    /// `cannot serve PATH: not found` (with a hint about the working folder),
    /// `... it is not a regular file`, `... permission denied`.
    pub fn check(path: &Path) -> Result<Image> {
        let what = format!("cannot serve {}", path.display());
        // Windows will not open a folder as a file ("permission denied"): say what it is.
        if path.is_dir() {
            return Err(Error::failed(what, "it is not a regular file"));
        }
        let file = File::open(path).map_err(|e| {
            let err = Error::io(what.clone(), &e);
            if e.kind() == io::ErrorKind::NotFound {
                err.hint("run from the repository root, or give the file with --file")
            } else {
                err
            }
        })?;
        let meta = file.metadata().map_err(|e| Error::io(what.clone(), &e))?;
        if !meta.is_file() {
            return Err(Error::failed(what, "it is not a regular file"));
        }
        Ok(Image {
            path: path.to_path_buf(),
            len: meta.len(),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's size when it was checked (each client gets the size at the
    /// moment it connects).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True for an empty file (which is served like any other: a header of 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Serves `image` to every client that connects, each on its own thread, until
/// `options.limit` clients have been served (`--once` is a limit of 1) or forever.
///
/// # Errors
///
/// As [`crate::server::serve_tcp`] (none in practice); a failed transfer is
/// logged and ends only that client's connection.
pub fn serve(listener: std::net::TcpListener, image: Image, options: TcpOptions) -> Result<()> {
    serve_tcp(listener, options, move |stream, peer, log| {
        send_image(stream, peer, image.path(), log).map(|_| ())
    })
}

/// Sends one client the header and the file at `path`, and returns the number of
/// file bytes sent. The connection closes when `stream` is dropped.
///
/// The file is opened anew for each client and its length taken from the open
/// file, so the header always matches what this client is sent, even if the
/// file was replaced since start-up. The bytes go through a 1 MiB buffer
/// ([`copy_exactly`]); see the [module docs](super) for why not `std::io::copy`.
///
/// # Errors
///
/// `cannot open PATH: ...`, `sending to ADDR failed: ...` (the client went
/// away or stopped reading), or `... the file shrank while being sent`.
pub fn send_image(mut stream: TcpStream, peer: SocketAddr, path: &Path, log: &Log) -> Result<u64> {
    let what = format!("cannot open {}", path.display());
    let file = File::open(path).map_err(|e| Error::io(what.clone(), &e))?;
    let len = file.metadata().map_err(|e| Error::io(what, &e))?.len();
    log.line(format_args!(
        "connection from {peer}: sending {} ({len} bytes)",
        path.display()
    ));

    let started = Instant::now();
    let what = || format!("sending to {peer} failed");
    stream
        .write_all(&encode_header(len))
        .map_err(|e| Error::io(what(), &e))?;
    // Exactly `len` bytes, even if the file grows meanwhile; fewer is an error.
    let mut file = file;
    let sent =
        copy_exactly(&mut file, &mut stream, len, &mut buffer_for(len)).map_err(|e| match e {
            CopyError::Read(sent, e) if e.kind() == io::ErrorKind::UnexpectedEof => Error::failed(
                what(),
                format!("the file shrank while being sent ({sent} of {len} bytes)"),
            ),
            CopyError::Read(sent, e) => Error::io(
                format!(
                    "{} after {sent} of {len} bytes: cannot read the file",
                    what()
                ),
                &e,
            ),
            CopyError::Write(sent, e) => {
                Error::io(format!("{} after {sent} of {len} bytes", what()), &e)
            }
        })?;
    let elapsed = started.elapsed();
    log.line(format_args!(
        "sent {sent} bytes to {peer} in {:.1} ms ({:.1} MB/s)",
        elapsed.as_secs_f64() * 1000.0,
        mb_per_s(sent, elapsed)
    ));
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image_transfer::decode_header;
    use std::io::Read;
    use std::net::TcpListener;

    #[test]
    fn check_refuses_missing_files_and_folders() {
        let err = Image::check(Path::new("no/such/file.jpg"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("cannot serve no/such/file.jpg: not found"),
            "{err}"
        );
        let err = Image::check(Path::new("src")).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        let ok = Image::check(Path::new("Cargo.toml")).unwrap();
        assert!(!ok.is_empty());
        assert_eq!(ok.len(), std::fs::metadata("Cargo.toml").unwrap().len());
    }

    #[test]
    fn a_client_gets_header_then_file_then_end_of_stream() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let image = Image::check(Path::new("Cargo.toml")).unwrap();
        let options = TcpOptions {
            limit: Some(1),
            log: Log::quiet(),
            ..TcpOptions::default()
        };
        let server = std::thread::spawn(move || serve(listener, image, options));
        let mut stream = TcpStream::connect(addr).unwrap();
        let mut all = Vec::new();
        stream.read_to_end(&mut all).unwrap();
        server.join().unwrap().unwrap();
        let expected = std::fs::read("Cargo.toml").unwrap();
        let mut header = [0u8; 8];
        header.copy_from_slice(&all[..8]);
        assert_eq!(decode_header(header), expected.len() as u64);
        assert_eq!(&all[8..], &expected[..]);
    }
}
