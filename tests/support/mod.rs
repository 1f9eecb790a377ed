//! Std-only helpers for end-to-end tests through the real binaries (the project's test conventions).
//!
//! The crate has no dev-dependencies, so this file does the jobs `assert_cmd` and
//! `tempfile` would do:
//!
//! * [`Server::start`] spawns a server binary with `--port 0`, keeps draining its
//!   stdout on a thread (a server that fills the pipe would block), waits for its
//!   `listening on ADDR` line and reads the real address from it. Dropping the
//!   `Server` kills and reaps the child, also when the test panics.
//! * [`Client`] runs a client binary with some stdin, a time limit, and returns
//!   its [`Outcome`]; a failed expectation prints the command, status, stdout and
//!   stderr, so a red test explains itself.
//! * [`TempDir`] is a fresh directory removed on drop; [`closed_port`] is a
//!   port where nothing listens.
//! * [`peers`] has the fake peers tests talk to: echo threads, UDP servers that
//!   answer late, twice or never, TCP servers written the way the originals were.
//! * [`xml`] checks that a chart is well-formed XML.
//!
//! Each integration test file says `mod support;` and passes
//! `env!("CARGO_BIN_EXE_<name>")` for the binary it runs.
#![allow(dead_code)] // each test file uses a different part of this module

pub mod peers;
pub mod wine;
pub mod xml;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long a server may take to print its `listening on` line.
pub const START_LIMIT: Duration = Duration::from_secs(10);

/// A server child process that is killed and reaped on drop.
pub struct Server {
    child: Child,
    /// The address from the server's `listening on` line.
    pub addr: SocketAddr,
    lines: Receiver<String>,
    stderr: Arc<Mutex<Vec<u8>>>,
    command: String,
}

impl Server {
    /// Starts `bin` with `args` (which should include `--port 0`) and waits for
    /// its `listening on` line. Panics, with what the server printed, if the line
    /// does not come within [`START_LIMIT`].
    pub fn start(bin: &str, args: &[&str]) -> Server {
        Server::start_in(bin, args, None)
    }

    /// Like [`start`](Self::start), with the working directory set to `dir`.
    pub fn start_in(bin: &str, args: &[&str], dir: Option<&Path>) -> Server {
        let mut cmd = Command::new(bin);
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        let command = describe(bin, args);
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {command}: {e}"));
        let lines = drain_lines(child.stdout.take().expect("piped stdout"));
        let stderr = drain_bytes(child.stderr.take().expect("piped stderr"));

        let deadline = Instant::now() + START_LIMIT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(at) = line.find(" listening on ") {
                        let text = line[at + " listening on ".len()..].trim();
                        let addr = text
                            .parse()
                            .unwrap_or_else(|e| panic!("{command}: bad address in {line:?}: {e}"));
                        return Server { child, addr, lines, stderr, command };
                    }
                    seen.push(line);
                }
                Err(_) => {
                    let _ = child.kill();
                    let status = child.wait().ok();
                    thread::sleep(Duration::from_millis(50)); // let the stderr drain finish
                    panic!(
                        "{command}: no 'listening on' line within {START_LIMIT:?}\n\
                         status: {status:?}\nstdout: {seen:?}\nstderr: {}",
                        String::from_utf8_lossy(&stderr.lock().unwrap())
                    );
                }
            }
        }
    }

    /// The port the server is listening on, as a string for a client's `--port`.
    pub fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// Waits up to `limit` for a stdout line containing `needle` and returns it.
    /// Lines before it are consumed.
    pub fn wait_for_line(&self, needle: &str, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return Some(line),
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    return None
                }
            }
        }
    }

    /// Every stdout line printed so far (after the `listening on` line) that was
    /// not consumed yet.
    pub fn lines_so_far(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    /// What the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// The server's process ID (for /proc figures such as VmHWM).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// True while the child has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills the server now (as Ctrl-C would) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The command line that started this server, for messages.
    pub fn command(&self) -> &str {
        &self.command
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn drain_lines(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        // Keep reading even when nobody listens any more: the child must never
        // block on a full pipe.
        while let Ok(n) = reader.read_until(b'\n', &mut line) {
            if n == 0 {
                break;
            }
            let text =
                String::from_utf8_lossy(&line).trim_end_matches(&['\r', '\n'][..]).to_string();
            let _ = tx.send(text);
            line.clear();
        }
    });
    rx
}

fn drain_bytes(mut stream: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let out = Arc::clone(&sink);
    thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    sink
}

fn describe(bin: &str, args: &[impl AsRef<str>]) -> String {
    let name = Path::new(bin)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| bin.to_string());
    let mut text = name;
    for arg in args {
        text.push(' ');
        text.push_str(&format!("{:?}", arg.as_ref()));
    }
    text
}

/// Runs `bin ARGS... VALUE` for every case and value and expects a usage
/// error each time: exit 2 (a panic exits 101), an `error:` and a `usage:` line.
/// tests/cli.rs feeds every number the values no number takes; the tables
/// given here add the values that one argument's own range refuses.
pub fn expect_usage_errors(cases: &[(&str, &[&str], &[&str])]) {
    for (bin, args, values) in cases {
        for value in values.iter() {
            let run = Client::new(bin).args(args).args(&[value]).run();
            run.expect_code(2).expect_err("error: ").expect_err("usage: ");
        }
    }
}

/// A client run: binary, arguments, stdin, working directory and time limit.
pub struct Client {
    bin: String,
    args: Vec<String>,
    stdin: Vec<u8>,
    dir: Option<PathBuf>,
    limit: Duration,
}

impl Client {
    /// A run of `bin` with no arguments, empty stdin and a 20 s limit.
    pub fn new(bin: &str) -> Client {
        Client {
            bin: bin.to_string(),
            args: Vec::new(),
            stdin: Vec::new(),
            dir: None,
            limit: Duration::from_secs(20),
        }
    }

    /// Adds arguments.
    pub fn args<S: AsRef<str>>(mut self, args: &[S]) -> Client {
        self.args.extend(args.iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// Sets what the client reads on stdin (then end of input).
    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Client {
        self.stdin = input.as_ref().to_vec();
        self
    }

    /// Runs the client in `dir`.
    pub fn dir(mut self, dir: &Path) -> Client {
        self.dir = Some(dir.to_path_buf());
        self
    }

    /// Kills the client if it runs longer than `limit` (the test then fails).
    pub fn limit(mut self, limit: Duration) -> Client {
        self.limit = limit;
        self
    }

    /// Runs the client to completion. Panics if it cannot start or exceeds its limit.
    pub fn run(self) -> Outcome {
        match self.run_or_kill(true) {
            Some(outcome) => outcome,
            None => unreachable!("run_or_kill(true) panics on a timeout"),
        }
    }

    /// Runs the client; one still running at the limit is killed and `None`
    /// returned (for programs that may rightly run on, such as a server given
    /// a valid value).
    pub fn run_or_stop(self) -> Option<Outcome> {
        self.run_or_kill(false)
    }

    fn run_or_kill(self, panic_on_timeout: bool) -> Option<Outcome> {
        let command = describe(&self.bin, &self.args);
        let mut cmd = Command::new(&self.bin);
        cmd.args(&self.args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        let started = Instant::now();
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {command}: {e}"));
        let mut stdin = child.stdin.take().expect("piped stdin");
        let input = self.stdin;
        // A client may exit without reading all its input; ignore that error.
        let writer = thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let stdout = drain_bytes(child.stdout.take().expect("piped stdout"));
        let stderr = drain_bytes(child.stderr.take().expect("piped stderr"));

        let status = loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                break status;
            }
            if started.elapsed() > self.limit {
                let _ = child.kill();
                let _ = child.wait();
                if !panic_on_timeout {
                    return None;
                }
                thread::sleep(Duration::from_millis(50));
                panic!(
                    "{command}: still running after {:?}; killed\nstdout:\n{}\nstderr:\n{}",
                    self.limit,
                    String::from_utf8_lossy(&stdout.lock().unwrap()),
                    String::from_utf8_lossy(&stderr.lock().unwrap())
                );
            }
            // Polling for exit with a deadline; this is not used to order events.
            thread::sleep(Duration::from_millis(2));
        };
        let elapsed = started.elapsed();
        let _ = writer.join();
        // The drain threads end at end of stream, right after the child exits;
        // wait for them so no output is lost.
        let stdout = wait_drained(stdout);
        let stderr = wait_drained(stderr);
        Some(Outcome { command, status, stdout, stderr, elapsed })
    }
}

fn wait_drained(sink: Arc<Mutex<Vec<u8>>>) -> Vec<u8> {
    // When the drain thread finishes it drops its clone, leaving one reference.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Arc::strong_count(&sink) > 1 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    let bytes = sink.lock().unwrap().clone();
    bytes
}

/// What a client run produced.
pub struct Outcome {
    /// The command line, for messages.
    pub command: String,
    /// How it exited.
    pub status: ExitStatus,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
    /// How long it ran.
    pub elapsed: Duration,
}

impl Outcome {
    /// Stdout as text (invalid UTF-8 replaced).
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as text (invalid UTF-8 replaced).
    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The exit code (`None` when killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Everything about the run, for a failure message.
    pub fn report(&self) -> String {
        format!(
            "command: {}\nstatus: {} after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command,
            self.status,
            self.elapsed,
            self.out(),
            self.err()
        )
    }

    /// Panics with the [report](Self::report) unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Outcome {
        assert_eq!(self.code(), Some(code), "unexpected exit code\n{}", self.report());
        self
    }

    /// Panics with the report unless stdout contains `needle`.
    pub fn expect_out(&self, needle: &str) -> &Outcome {
        assert!(self.out().contains(needle), "stdout lacks {needle:?}\n{}", self.report());
        self
    }

    /// Panics with the report unless stderr contains `needle`.
    pub fn expect_err(&self, needle: &str) -> &Outcome {
        assert!(self.err().contains(needle), "stderr lacks {needle:?}\n{}", self.report());
        self
    }

    /// Panics unless stderr is exactly one line starting with `error: `.
    pub fn expect_one_error_line(&self) -> &Outcome {
        let err = self.err();
        let lines: Vec<&str> = err.lines().collect();
        assert!(
            lines.len() == 1 && lines[0].starts_with("error: "),
            "expected one 'error:' line on stderr\n{}",
            self.report()
        );
        assert!(!err.contains("panicked"), "{}", self.report());
        self
    }
}

/// A loopback port where nothing listens, for "no server" tests: bind UDP and
/// TCP on it to be sure both are free, note it, close both. (Another process
/// could take it in between; on a test machine that race does not matter.)
pub fn closed_port() -> u16 {
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind UDP on loopback");
        let port = udp.local_addr().expect("local address").port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

/// A new empty directory under the system's temp dir, removed (with its
/// contents) on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates the directory; the name includes the process id and a counter, so
    /// tests running in parallel never share one.
    pub fn new() -> TempDir {
        let n = NEXT_DIR.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!(
            "socket-labs-test-{}-{n}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("mkdir {path:?}: {e}"));
        TempDir { path }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
