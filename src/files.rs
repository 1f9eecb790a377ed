//! Saving a received file so that a failed transfer leaves nothing behind.
//!
//! A client that writes straight into `a.jpg` and then loses the connection
//! leaves a truncated `a.jpg` that looks like a real image. The fix used by
//! every client here is the one `curl -o`, browsers and package managers use:
//!
//! ```text
//!   create   .a.jpg.part-PID-N    (hidden, in the target folder, create_new)
//!   write    the bytes as they arrive
//!   check    the transfer is complete (length, end marker, ...)
//!   rename   .a.jpg.part-PID-N -> a.jpg     (one step: the old file or the new one)
//! ```
//!
//! The part file lives in the target folder so that the rename stays on one
//! file system, where it is a single atomic step. If anything fails first,
//! dropping the [`PartFile`] removes it. A process killed by Ctrl-C runs no
//! destructors, so [`remove_stale_parts`] clears the part files of processes
//! that no longer exist when the next client starts.

use crate::error::{Error, Result};
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The longest file name most file systems accept (ext4, NTFS, APFS).
const NAME_MAX: usize = 255;

/// A hidden temporary file next to its target, removed on drop unless
/// [`commit`](PartFile::commit)ted.
#[derive(Debug)]
pub struct PartFile {
    path: PathBuf,
    file: Option<File>,
    written: u64,
}

impl PartFile {
    /// Creates `.NAME.part-PID-N` in `target`'s folder.
    ///
    /// `create_new` makes sure the file is new and ours: it never opens or
    /// follows something that already has that name. When `NAME` is so long
    /// that the part name would pass 255 bytes, the front of `NAME` is cut.
    ///
    /// # Errors
    ///
    /// `cannot create ...` when the folder is missing or not writable.
    pub fn create(target: &Path) -> Result<PartFile> {
        let name = target.file_name().ok_or_else(|| {
            Error::failed(
                format!("cannot save to {}", target.display()),
                "the path does not end in a file name",
            )
        })?;
        // A bare name is in the current folder.
        let folder =
            target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        for attempt in 0..100 {
            let path = folder.join(part_name(&name.to_string_lossy(), attempt));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => return Ok(PartFile { path, file: Some(file), written: 0 }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
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
        Err(Error::failed(
            format!("cannot create a temporary file in {}", folder.display()),
            "100 names were already taken",
        ))
    }

    /// Where the bytes are going until the rename.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many bytes have been written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Closes the file and renames it to `target`, replacing any old file.
    ///
    /// # Errors
    ///
    /// `cannot rename ...` when the rename fails; the part file is removed.
    pub fn commit(mut self, target: &Path) -> Result<()> {
        // Close first: Windows cannot rename a file that is still open.
        drop(self.file.take());
        fs::rename(&self.path, target).map_err(|e| {
            let what = format!("cannot rename {} to {}", self.path.display(), target.display());
            Error::io(what, &e)
        })?;
        self.path = PathBuf::new(); // renamed: nothing left for Drop to remove
        Ok(())
    }
}

impl Write for PartFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::new(io::ErrorKind::Other, "the file is closed"))?;
        let n = file.write(bytes)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), File::flush)
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

/// `.NAME.part-PID-N`, with the front of NAME cut so the whole fits 255 bytes.
fn part_name(name: &str, attempt: u32) -> OsString {
    let suffix = format!(".part-{}-{attempt}", std::process::id());
    let room = NAME_MAX - 1 - suffix.len();
    let mut start = name.len().saturating_sub(room);
    while !name.is_char_boundary(start) {
        start += 1;
    }
    OsString::from(format!(".{}{suffix}", &name[start..]))
}

/// Removes the part files in `folder` left by processes that have ended.
///
/// A part file names its process (`.a.jpg.part-PID-N`). On Linux a process
/// is alive when `/proc/PID` exists; elsewhere std cannot ask, so only part
/// files older than a day are taken as stale. Returns how many were removed.
pub fn remove_stale_parts(folder: &Path) -> usize {
    // A missing folder is reported by whoever writes into it: nothing to remove here.
    let entries = fs::read_dir(folder).into_iter().flatten().flatten();
    let stale = entries.filter(|entry| {
        let pid = part_pid(&entry.file_name().to_string_lossy());
        pid.map_or(false, |pid| pid != std::process::id() && !alive(pid, &entry.path()))
    });
    stale.filter(|entry| fs::remove_file(entry.path()).is_ok()).count()
}

/// The PID in a `.NAME.part-PID-N` file name.
fn part_pid(name: &str) -> Option<u32> {
    let hidden = name.strip_prefix('.')?;
    let at = hidden.rfind(".part-")?;
    let mut fields = hidden[at + 6..].split('-');
    let pid = fields.next()?.parse().ok()?;
    fields.next()?.parse::<u32>().ok()?;
    fields.next().is_none().then_some(pid)
}

/// Whether the process that wrote `path` may still be writing it.
fn alive(pid: u32, path: &Path) -> bool {
    if cfg!(target_os = "linux") {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    let day = std::time::Duration::from_secs(24 * 3600);
    match fs::metadata(path).and_then(|m| m.modified()) {
        Ok(time) => time.elapsed().map_or(true, |age| age < day),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("socket-labs-files-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn part_files_vanish_unless_committed() {
        let dir = scratch("commit");
        {
            let mut part = PartFile::create(&dir.join("a.txt")).unwrap();
            part.write_all(b"partial").unwrap();
            assert_eq!(part.written(), 7);
        }
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        let mut part = PartFile::create(&dir.join("a.txt")).unwrap();
        part.write_all(b"whole").unwrap();
        part.commit(&dir.join("a.txt")).unwrap();
        assert_eq!(fs::read(dir.join("a.txt")).unwrap(), b"whole");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn part_names_fit_255_bytes() {
        let long = "é".repeat(127); // 254 bytes
        let name = part_name(&long, 7);
        assert!(name.len() <= NAME_MAX, "{}", name.len());
        assert!(name.to_string_lossy().ends_with(&format!(".part-{}-7", std::process::id())));
        let dir = scratch("long");
        let target = dir.join(&long);
        let mut part = PartFile::create(&target).unwrap();
        part.write_all(b"x").unwrap();
        part.commit(&target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"x");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stale_parts_of_dead_processes_are_removed() {
        let dir = scratch("stale");
        // PID 4294967295 is never a live process; our own part file stays.
        fs::write(dir.join(".a.jpg.part-4294967295-0"), b"old").unwrap();
        fs::write(dir.join("keep.part-1-0"), b"not hidden: not ours").unwrap();
        let mine = PartFile::create(&dir.join("b.jpg")).unwrap();
        let removed = remove_stale_parts(&dir);
        if cfg!(target_os = "linux") {
            assert_eq!(removed, 1);
            assert!(!dir.join(".a.jpg.part-4294967295-0").exists());
        }
        assert!(mine.path().exists());
        assert!(dir.join("keep.part-1-0").exists());
        drop(mine);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn part_pid_reads_only_our_pattern() {
        assert_eq!(part_pid(".a.jpg.part-12-0"), Some(12));
        assert_eq!(part_pid("a.jpg.part-12-0"), None);
        assert_eq!(part_pid(".a.jpg.part-12"), None);
        assert_eq!(part_pid(".a.jpg.part-x-0"), None);
    }
}
