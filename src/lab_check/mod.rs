//! `lab-check`: grades a student's client or server, in any language, against ours.
//!
//! # What it is for
//!
//! The original labs asked students to *write* each program. lab-check lets a
//! student (or an instructor with 200 submissions) find out which behaviours
//! hold, with one command:
//!
//! ```text
//! lab-check udp-upper client -- python3 my_client.py {host} {port}
//! lab-check tcp-upper server -- cargo run -q --example tcp_upper_server -- --port {port}
//! ```
//!
//! * **client**: lab-check starts our reference server on a free loopback port,
//!   runs the student's client once per case (with the case's stdin and
//!   arguments), and checks what the client printed, its exit status, its files
//!   and what the server saw.
//! * **server**: lab-check picks a free port, runs the student's server on it,
//!   waits until it listens (or answers, for UDP), then runs our reference
//!   clients, and raw sockets for what no polite client does, against it.
//!
//! In COMMAND, `{host}` and `{port}` become the address to use (`{file}` and
//! `{dir}` the image or folder, where the exercise has one); the same values are in
//! the environment as `LAB_HOST`, `LAB_PORT`, `LAB_FILE`, `LAB_DIR`. A case that
//! passes arguments (ping's COUNT INTERVAL SIZE) appends them to COMMAND, or puts
//! them where COMMAND says `{args}`.
//!
//! Every case has a name, a time limit, and a one-line reason when it fails; the
//! result is a table (or, with `--json`, one JSON record per case). Exit status 0
//! when every case passes, 1 when any fails, 2 for a bad command line.
//!
//! Every program lab-check starts is ended when its case ends, with everything
//! it started in turn ([`process`] says how), so a student's program that hangs
//! costs at most the case's time limit.

pub mod client_cases;
pub mod process;
pub mod server_cases;

use crate::cli::Command;
use crate::error::{Error, Result};
use crate::outln;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The exercises lab-check knows, with the reference programs each one uses.
pub const EXERCISES: &[(&str, &str)] = &[
    ("udp-upper", "UDP uppercase (udp-upper-client, udp-upper-server)"),
    ("tcp-upper", "TCP uppercase (tcp-upper-client, tcp-upper-server)"),
    ("udp-rtt", "UDP RTT client (server role: same cases as udp-upper)"),
    ("tcp-rtt", "TCP RTT client (server role: same cases as tcp-upper)"),
    ("ping", "UDP ping with loss (ping-client, ping-server)"),
    ("perf", "iperf-like UDP echo (perf-client, perf-server)"),
    ("dual-stack", "TCP line echo (dual-stack-client, dual-stack-server)"),
    ("image", "image transfer, raw bytes then close (image-client, image-server)"),
    ("file", "file by words, framed (file-client, file-server)"),
];

const MORE_HELP: &str = "
exercises:
EXERCISES
roles:
  client  the student wrote the client: lab-check runs our server, then COMMAND per case
  server  the student wrote the server: lab-check runs COMMAND, then our clients against it

in COMMAND:
  {host} {port}  the address to use (also in LAB_HOST, LAB_PORT)
  {file}         image: the image to serve (server) or where to save it (client) [LAB_FILE]
  {dir}          file: the folder to serve (server) or to save into (client) [LAB_DIR]
  {args}         where a case's arguments go (ping: COUNT INTERVAL SIZE, perf: DURATION SIZE);
                 without it they are appended
  Input a client reads (the sentence, the file name, the lines to echo) comes on stdin.

exit status: 0 every case passed, 1 some case failed, 2 bad command line
";

/// The command-line description of `lab-check` (EXERCISE and ROLE; COMMAND follows `--`).
pub fn command() -> Command {
    Command::new(
        "lab-check",
        "grade a student's client or server, in any language, against the reference programs",
    )
    .positional_opt("EXERCISE", "which exercise (see the list below)")
    .positional_opt("ROLE", "client or server: which program the student wrote")
    .switch("json", "print one JSON record per case instead of the table")
    .flag(
        "timeout",
        "DURATION",
        "5",
        "time limit for the student's program in each case, and for a server to start \
         (bare number: seconds)",
    )
    .example("lab-check udp-upper client -- python3 my_client.py {host} {port}")
}

/// Which program the student wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The student's client against our server.
    Client,
    /// Our clients against the student's server.
    Server,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Server => "server",
        }
    }
}

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// One of [`EXERCISES`].
    pub exercise: String,
    /// Client or server.
    pub role: Role,
    /// One JSON record per case.
    pub json: bool,
    /// The time limit for the student's program in a case.
    pub timeout: Duration,
    /// The student's program and its arguments, with `{host}`-style placeholders.
    pub program: Vec<String>,
}

impl Args {
    /// Parses `lab-check`'s arguments (without the program name); `None`
    /// when `--help` was asked for (print [`help`] then).
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] for anything wrong.
    pub fn parse(args: Vec<String>) -> Result<Option<Args>> {
        let at = args.iter().position(|a| a == "--").unwrap_or(args.len());
        let program = args.get(at + 1..).unwrap_or_default().to_vec();
        let m = command().parse(args[..at].iter().cloned())?;
        if m.help_requested() {
            return Ok(None);
        }
        let exercise = m.get("EXERCISE").unwrap_or("").to_string();
        if !EXERCISES.iter().any(|(name, _)| *name == exercise) {
            let names: Vec<&str> = EXERCISES.iter().map(|(n, _)| *n).collect();
            let what = if exercise.is_empty() {
                "missing EXERCISE".to_string()
            } else {
                format!("unknown exercise '{exercise}'")
            };
            return Err(m.bad(format!("{what}: one of {}", names.join(", "))));
        }
        let role = match m.get("ROLE") {
            Some("client") => Role::Client,
            Some("server") => Role::Server,
            Some(other) => return Err(m.bad(format!("ROLE is client or server, not '{other}'"))),
            None => return Err(m.bad("missing ROLE: client or server".to_string())),
        };
        if program.is_empty() {
            return Err(m.bad(
                "missing the student's program: put it after --, e.g. -- python3 c.py {host} {port}"
                    .to_string(),
            ));
        }
        let (json, timeout) = (m.is_set("json"), m.timeout("timeout")?);
        Ok(Some(Args { exercise, role, json, timeout, program }))
    }
}

/// The text `lab-check --help` prints: the options, then every exercise.
pub fn help() -> String {
    let list: String =
        EXERCISES.iter().map(|(name, about)| format!("  {name:<11} {about}\n")).collect();
    format!("{}{}", command().help_text(), MORE_HELP.replace("EXERCISES\n", &list))
}

/// One graded case.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The case's one-word name (`basic`, `no-server`, ...).
    pub name: &'static str,
    /// Why it failed; empty when it passed.
    pub reason: String,
    /// How long it took.
    pub took: Duration,
    /// Its time limit.
    pub limit: Duration,
}

impl Outcome {
    /// True when the case passed.
    pub fn passed(&self) -> bool {
        self.reason.is_empty()
    }
}

/// Where a case tells the student's program to work: the address, and the file or
/// folder of the exercises that have one.
#[derive(Debug, Clone, Default)]
pub struct Place {
    /// The port for `{port}` (the host is always 127.0.0.1).
    pub port: u16,
    /// The value of `{file}`, if any.
    pub file: Option<PathBuf>,
    /// The value of `{dir}`, if any.
    pub dir: Option<PathBuf>,
}

/// What every case needs: the student's program, the limits, and where our programs are.
pub struct Ctx {
    /// The parsed command line.
    pub args: Args,
    /// The folder that holds lab-check and the reference binaries.
    pub bin_dir: PathBuf,
    /// The cases run so far.
    pub outcomes: Vec<Outcome>,
}

impl Ctx {
    /// Runs one case, timing it. The case enforces `limit` itself (every wait in
    /// it is bounded); the limit is reported with the result.
    pub fn case(
        &mut self,
        name: &'static str,
        limit: Duration,
        body: impl FnOnce(&Ctx) -> Checked<()>,
    ) {
        let started = Instant::now();
        let verdict = body(self);
        let outcome = Outcome {
            name,
            reason: match verdict {
                Ok(()) => String::new(),
                Err(reason) if reason.is_empty() => "failed".to_string(),
                Err(reason) => {
                    let words: Vec<&str> = reason.split_whitespace().collect();
                    process::shorten(&words.join(" "), 300)
                }
            },
            took: started.elapsed(),
            limit,
        };
        if self.args.json {
            outln!("{}", json_record(&self.args, &outcome));
        } else {
            print_row(&outcome);
        }
        self.outcomes.push(outcome);
    }

    /// The path of our reference binary `name` (next to lab-check itself).
    ///
    /// # Errors
    ///
    /// When it is not there (lab-check was copied away from its siblings).
    pub fn reference(&self, name: &str) -> Result<String> {
        let path = self.bin_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
        if !path.is_file() {
            return Err(Error::failed(
                format!("cannot find the reference program {}", path.display()),
                "not found",
            )
            .hint("build every binary first: cargo build"));
        }
        Ok(path.to_string_lossy().into_owned())
    }

    /// Starts the student's program at `place` with the case's arguments and stdin.
    /// It runs in lab-check's own working folder, so `python3 my_client.py` and
    /// `cargo run` find what they need. `Err` is the reason it could not start.
    pub fn start_student(
        &self,
        place: &Place,
        extra: &[&str],
        stdin: Option<Vec<u8>>,
    ) -> Checked<process::Proc> {
        let show = |p: &Option<PathBuf>| {
            p.as_deref().map(Path::to_string_lossy).unwrap_or_default().into()
        };
        let values = [
            ("host", "127.0.0.1".to_string()),
            ("port", place.port.to_string()),
            ("file", show(&place.file)),
            ("dir", show(&place.dir)),
        ];
        let argv = substitute(&self.args.program, &values, extra);
        let env: Vec<(String, String)> =
            values.iter().map(|(k, v)| (format!("LAB_{}", k.to_uppercase()), v.clone())).collect();
        process::Proc::start(&argv, &env, None, stdin).map_err(|e| e.to_string())
    }

    /// Runs the student's client to its end (at most `limit`).
    pub fn run_student(
        &self,
        place: &Place,
        extra: &[&str],
        stdin: &[u8],
        limit: Duration,
    ) -> Checked<process::Ran> {
        Ok(self.start_student(place, extra, Some(stdin.to_vec()))?.wait(limit))
    }

    /// Starts our reference server `name` on a free loopback port (with `extra`
    /// flags, in `cwd`) and returns it with its port, read from its `listening on` line.
    pub fn reference_server(
        &self,
        name: &str,
        extra: &[&str],
        cwd: &Path,
    ) -> Checked<(process::Proc, u16)> {
        let mut args = vec!["--host", "127.0.0.1", "--port", "0"];
        args.extend_from_slice(extra);
        self.listening(name, &args, cwd)
    }

    /// Starts our `link-emulator` in front of UDP `port`, losing `loss` % of the
    /// datagrams in each direction with a fixed seed, so a run is repeatable.
    pub fn lossy_link(&self, port: u16, loss: u32, seed: u32) -> Checked<(process::Proc, u16)> {
        let (to, loss, seed) = (format!("127.0.0.1:{port}"), loss.to_string(), seed.to_string());
        let args =
            ["--listen", "127.0.0.1:0", "--to", &to, "--udp", "--loss", &loss, "--seed", &seed];
        self.listening("link-emulator", &args, &std::env::temp_dir())
    }

    fn listening(&self, name: &str, args: &[&str], cwd: &Path) -> Checked<(process::Proc, u16)> {
        let mut proc = self.start_reference(name, args, cwd, None)?;
        match proc.listening(Duration::from_secs(10)) {
            Some(addr) => Ok((proc, addr.port())),
            None => Err(format!("lab-check's own {name} did not start: {}", proc.fault())),
        }
    }

    /// Runs our reference client `name` with `args` (after `--host 127.0.0.1 --port PORT`).
    pub fn run_reference(
        &self,
        name: &str,
        port: u16,
        args: &[&str],
        stdin: &[u8],
        cwd: &Path,
    ) -> Checked<process::Ran> {
        let port = port.to_string();
        let mut all = vec!["--host", "127.0.0.1", "--port", &port];
        all.extend_from_slice(args);
        Ok(self.start_reference(name, &all, cwd, Some(stdin.to_vec()))?.wait(self.args.timeout))
    }

    fn start_reference(
        &self,
        name: &str,
        args: &[&str],
        cwd: &Path,
        stdin: Option<Vec<u8>>,
    ) -> Checked<process::Proc> {
        let mut argv = vec![self.reference(name).map_err(|e| e.to_string())?];
        argv.extend(args.iter().map(|s| s.to_string()));
        process::Proc::start(&argv, &[], Some(cwd), stdin).map_err(|e| e.to_string())
    }
}

/// A result whose error is a case's one-line reason.
pub type Checked<T> = std::result::Result<T, String>;

/// A temporary folder for one case, as a reason when it cannot be made.
pub fn scratch() -> Checked<process::TempDir> {
    process::TempDir::new().map_err(|e| format!("lab-check: {e}"))
}

/// How many bytes of `expected` the output shows, counted from where it starts.
pub fn shown_prefix(out: &str, expected: &str) -> usize {
    let probe: String = expected.chars().take(8).collect();
    match out.find(&probe) {
        None => 0,
        Some(at) => out[at..].bytes().zip(expected.bytes()).take_while(|(a, b)| a == b).count(),
    }
}

/// Runs lab-check with parsed arguments: exit 0 when every case passed.
///
/// # Errors
///
/// [`Error::Exit`]`(1)` when a case failed (the table already says which);
/// a run-time error when a reference program is missing.
pub fn run(args: Args) -> Result<()> {
    let exe =
        std::env::current_exe().map_err(|e| Error::io("cannot find lab-check's own folder", &e))?;
    let bin_dir = exe.parent().map(PathBuf::from).unwrap_or_default();
    if !args.json {
        outln!(
            "lab-check {} {}: {}",
            args.exercise,
            args.role.name(),
            process::shorten(&args.program.join(" "), 70)
        );
        outln!("{:<18} {:<6} {:>7}  reason", "case", "result", "time");
    }
    let mut ctx = Ctx { args, bin_dir, outcomes: Vec::new() };
    match ctx.args.role {
        Role::Client => client_cases::run(&mut ctx)?,
        Role::Server => server_cases::run(&mut ctx)?,
    }
    let passed = ctx.outcomes.iter().filter(|o| o.passed()).count();
    if !ctx.args.json {
        outln!("{passed} of {} cases passed", ctx.outcomes.len());
    }
    if passed < ctx.outcomes.len() {
        return Err(Error::Exit(1));
    }
    Ok(())
}

/// The table row; a reason too long for 100 columns continues on indented lines.
fn print_row(o: &Outcome) {
    let result = if o.passed() { "PASS" } else { "FAIL" };
    let head = format!("{:<18} {:<6} {:>6.2}s  ", o.name, result, o.took.as_secs_f64());
    let mut lines = crate::output::wrap(&o.reason, 100 - head.len()).into_iter();
    outln!("{head}{}", lines.next().unwrap_or_default());
    for rest in lines {
        outln!("{:width$}{rest}", "", width = head.len());
    }
}

/// `{"exercise":"udp-upper","role":"client","case":"basic","result":"PASS",...}`.
fn json_record(args: &Args, o: &Outcome) -> String {
    format!(
        "{{\"exercise\":{},\"role\":{},\"case\":{},\"result\":{},\"seconds\":{:.3},\"limit_seconds\":{},\"reason\":{}}}",
        json_string(&args.exercise),
        json_string(args.role.name()),
        json_string(o.name),
        json_string(if o.passed() { "PASS" } else { "FAIL" }),
        o.took.as_secs_f64(),
        o.limit.as_secs_f64(),
        json_string(&o.reason)
    )
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Replaces the placeholders in the student's COMMAND: `{host}`, `{port}`, `{file}`,
/// `{dir}` inside any argument, and a whole `{args}` argument by the case's
/// arguments (appended when COMMAND has no `{args}`).
pub fn substitute(program: &[String], values: &[(&str, String)], extra: &[&str]) -> Vec<String> {
    let mut argv = Vec::new();
    let mut placed = false;
    for arg in program {
        if arg == "{args}" {
            argv.extend(extra.iter().map(|s| s.to_string()));
            placed = true;
            continue;
        }
        let mut arg = arg.clone();
        for (key, value) in values {
            arg = arg.replace(&format!("{{{key}}}"), value);
        }
        argv.push(arg);
    }
    if !placed {
        argv.extend(extra.iter().map(|s| s.to_string()));
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn command_splits_at_the_double_dash() {
        let args =
            Args::parse(strings(&["ping", "client", "--json", "--", "python3", "p.py", "--json"]))
                .unwrap()
                .unwrap();
        assert_eq!(args.exercise, "ping");
        assert_eq!(args.role, Role::Client);
        assert!(args.json);
        assert_eq!(args.program, strings(&["python3", "p.py", "--json"]));
    }

    #[test]
    fn bad_command_lines_are_usage_errors() {
        for bad in [
            &["nope", "client", "--", "x"][..],
            &["ping", "both", "--", "x"],
            &["ping", "client"],
            &["ping"],
            &["ping", "client", "--timeout", "0", "--", "x"],
        ] {
            let err = Args::parse(strings(bad)).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
        }
        assert!(Args::parse(strings(&["--help"])).unwrap().is_none());
        assert!(help().contains("dual-stack"), "{}", help());
    }

    #[test]
    fn placeholders_and_case_arguments() {
        let values = [("host", "127.0.0.1".to_string()), ("port", "4000".to_string())];
        let extra = ["3", "0.1"];
        assert_eq!(
            substitute(&strings(&["c", "--port={port}", "{host}"]), &values, &extra),
            strings(&["c", "--port=4000", "127.0.0.1", "3", "0.1"])
        );
        assert_eq!(
            substitute(&strings(&["c", "{args}", "{port}"]), &values, &extra),
            strings(&["c", "3", "0.1", "4000"])
        );
    }

    #[test]
    fn json_records_escape_their_text() {
        assert_eq!(json_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }

    #[test]
    fn long_reasons_wrap_under_100_columns() {
        let lines = crate::output::wrap(&"word ".repeat(40), 60);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= 60));
    }
}
