//! Running other programs under a time limit, and ending every one of them.
//!
//! A student's program may hang, crash, fork, or flood its output; lab-check must
//! survive all of it. So every program runs as a [`Proc`]:
//!
//! * stdout and stderr are drained by threads into bounded buffers (a program that
//!   fills a pipe nobody reads would block forever);
//! * stdin is written by a thread and then closed (end of input, as Ctrl-D);
//! * [`Proc::wait`] waits at most a limit, and dropping a `Proc` ends it.
//!
//! Ending a program means ending what it started too: `cargo run` starts the
//! example as its child, and killing `cargo` alone would leave the student's
//! program running. Process groups would do it, but std only gained
//! `CommandExt::process_group` in Rust 1.64 (our floor is 1.63) and the crate
//! forbids `unsafe` (no `setpgid` through libc). So, on Linux, [`Proc::stop`]
//! reads the process tree from `/proc/<pid>/stat` (the parent of every process),
//! freezes the child and all its descendants with `kill -STOP` (so none can fork
//! or be re-parented while we look), then kills them all with `kill -KILL` and
//! reaps the child. On Windows, `taskkill /T /F` ends the tree. Elsewhere only
//! the child itself is killed.

use crate::clock::secs_text;
use crate::error::{Error, Result};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// At most this much of a program's stdout or stderr is kept.
const KEEP_BYTES: usize = 1 << 20;

/// How often a waiting loop looks again (a child's exit, a listening line).
const POLL: Duration = Duration::from_millis(10);

/// A running program that is ended (with everything it started) when dropped.
pub struct Proc {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    status: Option<ExitStatus>,
}

/// What a program did within its time limit.
pub struct Ran {
    /// `None` when it was still running at the limit (and was then killed).
    pub status: Option<ExitStatus>,
    /// Everything it printed on stdout (up to 1 MiB).
    pub stdout: Vec<u8>,
    /// Everything it printed on stderr (up to 1 MiB).
    pub stderr: Vec<u8>,
    /// The limit it had, for messages.
    pub limit: Duration,
}

impl Ran {
    /// Its stdout as text (bad bytes replaced).
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// True when it ended by itself with exit status 0.
    pub fn success(&self) -> bool {
        matches!(self.status, Some(s) if s.success())
    }

    /// True when it crashed rather than reporting an error: a Rust panic, a Python
    /// traceback, or death by a signal. A program must say what went wrong in one line.
    pub fn crashed(&self) -> bool {
        let text = String::from_utf8_lossy(&self.stderr);
        let by_signal = matches!(self.status, Some(s) if s.code().is_none());
        by_signal
            || text.contains("panicked at ")
            || text.contains("Traceback (most recent call last)")
    }

    /// One short line on why it did not end well: timed out, crashed, or its
    /// last words on stderr. Empty when it ended with status 0.
    pub fn fault(&self) -> String {
        match self.status {
            None => format!("still running after {} (killed)", secs_text(self.limit)),
            Some(s) if s.success() => String::new(),
            Some(s) => {
                let code = s.code().map(|c| format!("exit status {c}"));
                let code = code.unwrap_or_else(|| "killed by a signal".to_string());
                match last_words(&self.stderr) {
                    said if said.is_empty() => code,
                    said => format!("{code}: {said}"),
                }
            }
        }
    }
}

/// What a program said last on stderr, on one short line. A Rust panic becomes
/// `panicked: <message>` (both the 1.63 and the newer panic formats), a Python
/// traceback its final line (`ConnectionRefusedError: ...`).
pub fn last_words(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(at) = line.find("panicked at ") {
            let rest = &line[at + "panicked at ".len()..];
            // 1.63: panicked at 'message', src/x.rs:1:2
            if let Some(body) = rest.strip_prefix('\'') {
                let end = body.rfind("', ").unwrap_or(body.len());
                return shorten(&format!("panicked: {}", &body[..end]), 160);
            }
            // newer: panicked at src/x.rs:1:2:\nmessage
            if let Some(message) = lines.get(i + 1) {
                return shorten(&format!("panicked: {message}"), 160);
            }
        }
    }
    let last = lines
        .iter()
        .rev()
        .find(|l| !l.starts_with("note: run with `RUST_BACKTRACE"))
        .copied()
        .unwrap_or("");
    shorten(last, 160)
}

/// Cuts text to at most `max` characters, marking the cut with `...`.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}...", &text[..cut]),
    }
}

impl Proc {
    /// Starts `argv` (program and arguments) in `dir` with `env` added, writing
    /// `stdin` to it (or giving it an empty stdin when `None`).
    ///
    /// # Errors
    ///
    /// When the program cannot be started at all (not found, not executable).
    pub fn start(
        argv: &[String],
        env: &[(String, String)],
        dir: Option<&Path>,
        stdin: Option<Vec<u8>>,
    ) -> Result<Proc> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| Error::failed("cannot start the program", "empty command"))?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.envs(env.iter().cloned());
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        let mut child =
            cmd.spawn().map_err(|e| Error::io(format!("cannot start '{program}'"), &e))?;
        if let (Some(mut pipe), Some(bytes)) = (child.stdin.take(), stdin) {
            // A program that never reads its stdin must not block us: write on a thread.
            let spawned = thread::Builder::new().spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
            if spawned.is_err() {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::failed("cannot start a thread", "refused by the OS"));
            }
        }
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        Ok(Proc { child, stdout, stderr, status: None })
    }

    /// The exit status, if it has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// Waits at most `limit` for the program to end; then stops it (if still
    /// running) and returns what it did.
    pub fn wait(mut self, limit: Duration) -> Ran {
        let deadline = Instant::now() + limit;
        while self.exited().is_none() && Instant::now() < deadline {
            thread::sleep(POLL);
        }
        let status = self.exited();
        self.stop();
        Ran { status, stdout: settled(&self.stdout), stderr: settled(&self.stderr), limit }
    }

    /// Its stdout so far, as text.
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stdout)).into_owned()
    }

    /// Its stdout once `ready` says it holds what is awaited, or after `limit`:
    /// our servers log through a queue, so a line may come a moment after the
    /// client that caused it has ended.
    pub fn out_when(&self, ready: impl Fn(&str) -> bool, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let out = self.out();
            if ready(&out) || Instant::now() >= deadline {
                return out;
            }
            thread::sleep(POLL);
        }
    }

    /// What went wrong, for a program that ended when it should not have.
    pub fn fault(&mut self) -> String {
        let status = self.exited();
        Ran { status, stdout: Vec::new(), stderr: settled(&self.stderr), limit: Duration::ZERO }
            .fault()
    }

    /// Waits at most `limit` for a stdout line `... listening on ADDR` and returns ADDR.
    /// `None` when the line did not come (or the program ended first).
    pub fn listening(&mut self, limit: Duration) -> Option<SocketAddr> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(addr) = listening_addr(&self.out()) {
                return Some(addr);
            }
            if self.exited().is_some() || Instant::now() >= deadline {
                return None;
            }
            thread::sleep(POLL);
        }
    }

    /// Ends the program and everything it started, and reaps it. Idempotent.
    pub fn stop(&mut self) {
        if self.exited().is_none() {
            kill_tree(self.child.id());
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The address in the first `... listening on ADDR` line of `text`.
pub fn listening_addr(text: &str) -> Option<SocketAddr> {
    let line = text.lines().find(|l| l.contains(" listening on "))?;
    let at = line.find(" listening on ")? + " listening on ".len();
    line[at..].trim().parse().ok()
}

fn lock(buf: &Mutex<Vec<u8>>) -> std::sync::MutexGuard<'_, Vec<u8>> {
    // A drain thread cannot panic while holding the lock; recover the data anyway.
    buf.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The buffer once its drain thread has seen end of file (or after a short grace:
/// a grandchild that kept the pipe open must not hold us).
fn settled(buf: &Arc<Mutex<Vec<u8>>>) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_millis(500);
    while Arc::strong_count(buf) > 1 && Instant::now() < deadline {
        thread::sleep(POLL);
    }
    lock(buf).clone()
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    if let Some(mut pipe) = pipe {
        let sink = Arc::clone(&buf);
        // If the OS refuses the thread, the output is simply not kept.
        let _ = thread::Builder::new().spawn(move || {
            let mut chunk = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                let mut kept = lock(&sink);
                let room = KEEP_BYTES.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..n.min(room)]);
            }
        });
    }
    buf
}

/// Ends the descendants of `pid` (see the module docs); the caller kills `pid` itself.
#[cfg(target_os = "linux")]
fn kill_tree(pid: u32) {
    let mut all = descendants(pid);
    if all.is_empty() {
        return; // the common case: no children, killing `pid` is enough
    }
    all.insert(0, pid);
    signal("-STOP", &all);
    // Look again after the freeze: a process forked just before it shows up now.
    for _ in 0..3 {
        let new: Vec<u32> = descendants(pid).into_iter().filter(|p| !all.contains(p)).collect();
        if new.is_empty() {
            break;
        }
        signal("-STOP", &new);
        all.extend(new);
    }
    signal("-KILL", &all[1..]);
}

#[cfg(target_os = "linux")]
fn signal(which: &str, pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    quietly(Command::new("kill").arg(which).args(pids.iter().map(u32::to_string)));
}

/// Runs a helper (`kill`, `taskkill`) to its end, with no input and its output dropped.
#[cfg(any(target_os = "linux", windows))]
fn quietly(cmd: &mut Command) {
    let _ = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

/// Every process whose chain of parents leads to `root`, read from `/proc/*/stat`.
#[cfg(target_os = "linux")]
fn descendants(root: u32) -> Vec<u32> {
    let entries = std::fs::read_dir("/proc").into_iter().flatten().flatten();
    let parent_of: Vec<(u32, u32)> = entries
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // "pid (comm) state ppid ...": comm may hold spaces and ')', so split after the last ')'.
            let after = &stat[stat.rfind(')')? + 1..];
            Some((pid, after.split_whitespace().nth(1)?.parse().ok()?))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while let Some(&parent) = found.get(i) {
        let children: Vec<u32> = parent_of
            .iter()
            .filter(|&&(pid, ppid)| ppid == parent && !found.contains(&pid))
            .map(|&(pid, _)| pid)
            .collect();
        found.extend(children);
        i += 1;
    }
    found.split_off(1)
}

#[cfg(windows)]
fn kill_tree(pid: u32) {
    quietly(Command::new("taskkill").args(["/T", "/F", "/PID", &pid.to_string()]));
}

#[cfg(not(any(target_os = "linux", windows)))]
fn kill_tree(_pid: u32) {}

/// A free port on 127.0.0.1, for TCP and UDP alike (the shared finder of `no-server`).
///
/// A student's program cannot always print the port it got (the original scripts
/// printed no address), so lab-check picks the port and hands it over. Another
/// program could take it in between; on a lab machine that is rare.
pub fn free_port() -> Result<u16> {
    crate::no_server::free_port([127, 0, 0, 1].into())
}

/// True when something listens on TCP `port` (Linux: read from `/proc/net/tcp*`
/// without touching the server; elsewhere a connection opened and closed at once).
pub fn tcp_listening(port: u16) -> bool {
    #[cfg(target_os = "linux")]
    {
        let wanted = format!(":{port:04X}");
        let tables = ["/proc/net/tcp", "/proc/net/tcp6"].map(std::fs::read_to_string);
        tables.iter().flatten().flat_map(|table| table.lines()).any(|row| {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // local address is column 1, state column 3; 0A = LISTEN
            cols.len() > 3 && cols[1].ends_with(&wanted) && cols[3] == "0A"
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
    }
}

/// A fresh directory under the system's temporary folder, removed on drop.
pub struct TempDir {
    /// Its path.
    pub path: PathBuf,
}

impl TempDir {
    /// Creates the directory.
    ///
    /// # Errors
    ///
    /// When the temporary folder is not writable.
    pub fn new() -> Result<TempDir> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "lab-check-{}-{}-{nanos}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path)
            .map_err(|e| Error::io(format!("cannot create {}", path.display()), &e))?;
        Ok(TempDir { path })
    }

    /// Writes `bytes` to `name` inside the directory and returns its path.
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.path.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), &e))?;
        Ok(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_and_tracebacks_become_one_line() {
        let old = b"thread 'main' panicked at 'not yet implemented: bind it', x.rs:3:5\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(last_words(old), "panicked: not yet implemented: bind it");
        let new = b"\nthread 'main' panicked at x.rs:3:5:\nnot yet implemented: bind it\nnote: run with `RUST_BACKTRACE=1` environment variable\n";
        assert_eq!(last_words(new), "panicked: not yet implemented: bind it");
        let py = b"Traceback (most recent call last):\n  File \"c.py\", line 3\nConnectionRefusedError: [Errno 111] Connection refused\n";
        assert_eq!(last_words(py), "ConnectionRefusedError: [Errno 111] Connection refused");
    }

    #[test]
    fn the_listening_line_gives_the_address() {
        let text = "hello\nudp-upper-server listening on 127.0.0.1:4000\n";
        assert_eq!(listening_addr(text), "127.0.0.1:4000".parse().ok());
        assert_eq!(listening_addr("server ready\n"), None);
    }

    #[test]
    fn a_hung_program_is_killed_at_its_limit() {
        if !cfg!(unix) {
            return;
        }
        let argv = vec!["sleep".to_string(), "30".to_string()];
        let started = Instant::now();
        let ran = Proc::start(&argv, &[], None, None).unwrap().wait(Duration::from_millis(200));
        assert!(ran.status.is_none());
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(ran.fault().starts_with("still running after 0.2 s"));
    }
}
