//! A small command-line parser, and the `main` wrapper every binary uses.
//!
//! The crate has no dependencies, so instead of `clap` each binary
//! describes its flags with a [`Command`] and gets back [`Matches`]:
//!
//! ```
//! use socket_labs::cli::Command;
//!
//! let cmd = Command::new("ping-client", "UDP echo client that measures RTT and loss")
//!     .flag("host", "HOST", "localhost", "server name or address")
//!     .flag("port", "PORT", "5065", "server UDP port")
//!     .switch("quiet", "print only the statistics")
//!     .positional("COUNT", "6", "how many messages to send")
//!     .example("ping-client 10 0.01 8");
//!
//! let m = cmd.parse(["--port=6000", "3"]).unwrap();
//! assert_eq!(m.value("host"), "localhost");          // the default
//! assert_eq!(m.number("port", 1, u16::MAX).unwrap(), 6000); // given as --port=6000
//! assert_eq!(m.number("COUNT", 1, 100).unwrap(), 3);        // the first positional
//! assert!(!m.is_set("quiet"));
//! ```
//!
//! The rules are the ones most Unix tools follow: `--name VALUE` or `--name=VALUE`,
//! switches without a value, positionals in order, `--` ends the flags, and `-h` /
//! `--help` print the help. Anything else is a [usage error](Error::Usage), which
//! [`main`] prints as `error: ...` plus a usage line, with exit code 2.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// Runs a binary's body and turns its result into an exit code and at most one line.
///
/// * `Ok(())`: exit 0.
/// * [`Error::Exit`]: the program already reported; exit with its code.
/// * any other error: `error: <message>` on stderr, exit 1 (run time) or 2 (usage).
pub fn main(run: impl FnOnce() -> Result<()>) -> ExitCode {
    let code = match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Exit(code)) => ExitCode::from(code),
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err}");
            ExitCode::from(err.exit_code())
        }
    };
    // Let a server's queued log lines reach stdout before the process ends.
    crate::output::flush_log(Duration::from_secs(1));
    code
}

/// What an exercise's arguments are: the command that describes them, and
/// how to read them from the parsed [`Matches`].
///
/// Each exercise module owns its `Args` struct and implements this, so the
/// binary is one line and the tour can build the same `Args` by hand.
pub trait Args: Sized {
    /// The command: name, flags, defaults, help and example.
    fn command() -> Command;
    /// Builds the arguments from what the user typed.
    ///
    /// # Errors
    ///
    /// A usage error (exit 2) for a value that is out of range.
    fn from_matches(m: &Matches) -> Result<Self>;
}

/// The whole `main` of a binary: parse the command line into `A`, print the
/// help if asked (exit 0), run, and turn the result into an exit code and at
/// most one `error:` line.
///
/// ```no_run
/// # use socket_labs::uppercase::udp_server;
/// fn main() -> std::process::ExitCode {
///     socket_labs::cli::start(udp_server::run)
/// }
/// ```
pub fn start<A: Args>(run: impl FnOnce(A) -> Result<()>) -> ExitCode {
    main(|| run(A::from_matches(&A::command().parse_env()?)?))
}

/// Which end a command is: the server listens, the client connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Listens on `--host`/`--port`; port 0 asks the OS for any free one.
    Server,
    /// Connects to the server at `--host`/`--port`; port 0 is refused.
    Client,
}

/// Where a server listens or a client connects: `--host` and `--port`
/// as [`Command::host_port`] declares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// A name or an address (`localhost`, `127.0.0.1`, `::`).
    pub host: String,
    /// The port; 0 (a server only) means any free port.
    pub port: u16,
}

impl Endpoint {
    /// Reads `--host` and `--port`.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] for a port that is not a whole number from 0 (a
    /// server) or 1 (a client) to 65535.
    pub fn from_matches(m: &Matches, side: Side) -> Result<Endpoint> {
        // A client cannot connect to port 0, so its lowest port is 1.
        let port = m.number("port", u16::from(side == Side::Client), u16::MAX)?;
        Ok(Endpoint { host: m.value("host").to_string(), port })
    }
}

/// One argument of a command: a flag (`--name VALUE`), a switch (`--name`) or
/// a positional.
#[derive(Debug, Clone)]
struct Arg {
    name: &'static str,
    /// `None` for a switch, which takes no value.
    value_name: Option<&'static str>,
    default: Option<&'static str>,
    help: &'static str,
    positional: bool,
    /// A positional that takes all the remaining words, joined by spaces.
    rest: bool,
    /// A one-letter alias (`-c` for `--count`).
    short: Option<char>,
}

/// A binary's command line: its name, one-line summary, arguments and examples.
#[derive(Debug, Clone)]
pub struct Command {
    name: &'static str,
    about: &'static str,
    args: Vec<Arg>,
    examples: Vec<&'static str>,
}

impl Command {
    /// A command with no arguments yet.
    pub fn new(name: &'static str, about: &'static str) -> Command {
        Command { name, about, args: Vec::new(), examples: Vec::new() }
    }

    fn arg(
        mut self,
        name: &'static str,
        value: Option<&'static str>,
        default: Option<&'static str>,
        help: &'static str,
    ) -> Command {
        // Positionals are named in capitals (COUNT), flags in lower case (--count).
        let positional = value == Some(name);
        let arg =
            Arg { name, value_name: value, default, help, positional, rest: false, short: None };
        self.args.push(arg);
        self
    }

    /// A flag `--name VALUE` with a default (shown in `--help`).
    pub fn flag(
        self,
        name: &'static str,
        value_name: &'static str,
        default: &'static str,
        help: &'static str,
    ) -> Command {
        self.arg(name, Some(value_name), Some(default), help)
    }

    /// A flag `--name VALUE` with no default: [`Matches::get`] is `None` when absent.
    pub fn option(
        self,
        name: &'static str,
        value_name: &'static str,
        help: &'static str,
    ) -> Command {
        self.arg(name, Some(value_name), None, help)
    }

    /// A switch `--name` that takes no value.
    pub fn switch(self, name: &'static str, help: &'static str) -> Command {
        self.arg(name, None, None, help)
    }

    /// A positional argument (named in capitals) with a default.
    pub fn positional(
        self,
        name: &'static str,
        default: &'static str,
        help: &'static str,
    ) -> Command {
        self.arg(name, Some(name), Some(default), help)
    }

    /// A positional argument (named in capitals) with no default.
    pub fn positional_opt(self, name: &'static str, help: &'static str) -> Command {
        self.arg(name, Some(name), None, help)
    }

    /// A last positional that takes every remaining word, joined with single
    /// spaces as `echo` does: `tcp-upper-client hello world` sends "hello world".
    pub fn positional_rest(mut self, name: &'static str, help: &'static str) -> Command {
        self = self.arg(name, Some(name), None, help);
        if let Some(arg) = self.args.last_mut() {
            arg.rest = true;
        }
        self
    }

    /// Gives the last declared flag a one-letter alias: `-c 5` means `--count 5`.
    pub fn short(mut self, letter: char) -> Command {
        if let Some(arg) = self.args.last_mut() {
            arg.short = Some(letter);
        }
        self
    }

    /// `--host HOST` and `--port PORT`, with the same help in every exercise:
    /// a server's are where it listens (port 0 = any free port), a client's
    /// name the server. [`Endpoint::from_matches`] reads them back.
    pub fn host_port(self, side: Side, host: &'static str, port: &'static str) -> Command {
        let (host_help, port_help) = match side {
            Side::Server => ("address to listen on", "port to listen on (0 = any free port)"),
            Side::Client => ("the server's name or address", "the server's port"),
        };
        self.flag("host", "HOST", host, host_help).flag("port", "PORT", port, port_help)
    }

    /// An example command line for `--help`.
    pub fn example(mut self, line: &'static str) -> Command {
        self.examples.push(line);
        self
    }

    /// The one-line usage: `usage: ping-client [OPTIONS] [COUNT] [INTERVAL] [SIZE]`.
    pub fn usage(&self) -> String {
        let positionals = self.args.iter().filter(|a| a.positional);
        let names: String = positionals.map(|a| format!(" [{}]", a.name)).collect();
        format!("usage: {} [OPTIONS]{names}", self.name)
    }

    /// The full text printed by `--help`: summary, usage, every argument with its
    /// default, and the examples.
    pub fn help_text(&self) -> String {
        let row = |arg: &Arg| {
            let short = arg.short.map(|c| format!("-{c}, ")).unwrap_or_default();
            let left = match (arg.positional, arg.value_name) {
                (true, _) => arg.name.to_string(),
                (false, Some(v)) => format!("{short}--{} {v}", arg.name),
                (false, None) => format!("{short}--{}", arg.name),
            };
            let right = match arg.default {
                Some("") => format!("{} [default: none]", arg.help),
                Some(d) => format!("{} [default: {d}]", arg.help),
                None => arg.help.to_string(),
            };
            (left, right)
        };
        let positionals: Vec<_> = self.args.iter().filter(|a| a.positional).map(row).collect();
        let mut flags: Vec<_> = self.args.iter().filter(|a| !a.positional).map(row).collect();
        flags.push(("-h, --help".to_string(), "print this help".to_string()));
        let width = positionals.iter().chain(&flags).map(|(l, _)| l.len()).max().unwrap_or(0);
        // Every line fits 100 columns: long descriptions continue under themselves.
        let about = crate::output::wrap(&format!("{} — {}", self.name, self.about), 100);
        let mut text = format!("{}\n\n{}\n", about.join("\n"), self.usage());
        for (title, rows) in [("arguments", &positionals), ("options", &flags)] {
            if !rows.is_empty() {
                text.push_str(&format!("\n{title}:\n"));
                for (left, right) in rows.iter() {
                    let lines = crate::output::wrap(right, (96 - width).max(30));
                    text.push_str(&format!(
                        "  {left:width$}  {}\n",
                        lines.join(&format!("\n    {:width$}", ""))
                    ));
                }
            }
        }
        if !self.examples.is_empty() {
            text.push_str("\nexample:\n");
            for example in &self.examples {
                text.push_str(&format!("  {example}\n"));
            }
        }
        text
    }

    /// Parses the process's own arguments. `-h` or `--help` is not an error:
    /// it prints the help and ends the program with status 0, as most tools do.
    ///
    /// # Errors
    ///
    /// See [`parse`](Self::parse); also an argument that is not valid UTF-8.
    pub fn parse_env(&self) -> Result<Matches> {
        let mut args = Vec::new();
        for arg in std::env::args_os().skip(1) {
            let text = arg.into_string();
            args.push(
                text.map_err(|raw| self.bad(format!("argument {raw:?} is not valid UTF-8")))?,
            );
        }
        let matches = self.parse(args)?;
        if matches.help {
            crate::output::write_str(&self.help_text());
            std::process::exit(0);
        }
        Ok(matches)
    }

    /// Parses `args` (without the program name).
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] for an unknown flag, a missing value, or too many
    /// positionals. `-h`/`--help` is no error: [`Matches::help_requested`] says so.
    pub fn parse<I, S>(&self, args: I) -> Result<Matches>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut given: HashMap<&'static str, String> = HashMap::new();
        let mut positionals = self.args.iter().filter(|a| a.positional);
        let (mut only_positionals, mut rest, mut help) = (false, None, false);
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            // `-5` or `-0.5` is a value (a negative number), not a flag.
            let is_flag = arg.starts_with('-') && arg.len() > 1 && arg[1..].parse::<f64>().is_err();
            if only_positionals || !is_flag {
                match rest {
                    // Extra words of a sentence, joined with spaces as `echo` does.
                    Some(name) => given.entry(name).or_default().push_str(&format!(" {arg}")),
                    None => {
                        let spec = positionals
                            .next()
                            .ok_or_else(|| self.bad(format!("unexpected argument '{arg}'")))?;
                        rest = Some(spec.name).filter(|_| spec.rest);
                        given.insert(spec.name, arg);
                    }
                }
                continue;
            }
            match arg.as_str() {
                "-h" | "--help" => help = true,
                "--" => only_positionals = true,
                _ => {
                    let (spec, inline) = self.flag_of(&arg)?;
                    let value = match (spec.value_name, inline) {
                        (None, None) => String::new(),
                        (None, Some(_)) => return Err(self.bad(format!("{arg} takes no value"))),
                        (Some(_), Some(value)) => value,
                        (Some(v), None) => args
                            .next()
                            .ok_or_else(|| self.bad(format!("{arg} needs a value ({v})")))?,
                    };
                    given.insert(spec.name, value);
                }
            }
        }
        let mut values = HashMap::new();
        let mut switches = Vec::new();
        for spec in &self.args {
            match (given.remove(spec.name), spec.value_name) {
                (Some(_), None) => switches.push(spec.name),
                (Some(value), Some(_)) => drop(values.insert(spec.name, value)),
                (None, _) => {
                    if let Some(default) = spec.default {
                        values.insert(spec.name, default.to_string());
                    }
                }
            }
        }
        Ok(Matches { usage: self.usage(), values, switches, help })
    }

    /// The flag `arg` names (`--name`, `--name=VALUE`, `-c`, `-c5`) and its
    /// value when it is given in the same word.
    fn flag_of(&self, arg: &str) -> Result<(&Arg, Option<String>)> {
        let found = match arg.strip_prefix("--") {
            Some(body) => {
                let (name, inline) = match body.split_once('=') {
                    Some((name, value)) => (name, Some(value.to_string())),
                    None => (body, None),
                };
                self.args.iter().find(|a| !a.positional && a.name == name).map(|a| (a, inline))
            }
            None => {
                // A one-letter alias, `-c 5` or `-c5`, as ping users type it.
                let letter = arg[1..].chars().next();
                let glued = &arg[1 + letter.map_or(0, char::len_utf8)..];
                let inline = Some(glued.to_string()).filter(|g| !g.is_empty());
                self.args
                    .iter()
                    .find(|a| a.short.is_some() && a.short == letter)
                    .map(|a| (a, inline))
            }
        };
        found.ok_or_else(|| self.unknown(arg))
    }

    fn bad(&self, message: String) -> Error {
        Error::Usage(format!("{message}\n{} (see --help)", self.usage()))
    }

    /// "unknown flag", with the closest real flag when one is near.
    fn unknown(&self, given: &str) -> Error {
        let typed = given.trim_start_matches('-');
        let typed = typed.split('=').next().unwrap_or(typed);
        let near = self
            .args
            .iter()
            .filter(|a| !a.positional)
            .map(|a| (edit_distance(typed, a.name), a.name))
            .filter(|(d, name)| *d <= 2 || (typed.len() >= 3 && name.starts_with(typed)))
            .min();
        match near {
            Some((_, name)) => self.bad(format!("unknown flag '{given}' (did you mean --{name}?)")),
            None => self.bad(format!("unknown flag '{given}'")),
        }
    }
}

/// How many one-letter edits turn `a` into `b` (Levenshtein distance).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The parsed command line: values (given or default) and switches.
#[derive(Debug, Clone)]
pub struct Matches {
    usage: String,
    values: HashMap<&'static str, String>,
    switches: Vec<&'static str>,
    help: bool,
}

impl Matches {
    /// Whether `-h` or `--help` was given.
    pub fn help_requested(&self) -> bool {
        self.help
    }

    /// The value of a flag or positional, given or default; `None` if neither.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Like [`get`](Self::get), with `""` for a missing value.
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Whether a switch was given.
    pub fn is_set(&self, name: &str) -> bool {
        self.switches.contains(&name)
    }

    /// A whole number from `lo` to `hi`, both included.
    ///
    /// "1.5", "-1", "1e30", "NaN", "" and a value past the type's range all get
    /// the same clear usage error naming the range: never a panic, and never a
    /// value so large that a later allocation aborts.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] when the value is missing, not a whole number, or out of range.
    pub fn number<T>(&self, name: &str, lo: T, hi: T) -> Result<T>
    where
        T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
    {
        match self.value(name).trim().parse::<T>() {
            Ok(value) if value >= lo && value <= hi => Ok(value),
            _ => Err(self.invalid(name, &format!("a whole number from {lo} to {hi}"))),
        }
    }

    /// A decimal number from `lo` to `hi`, both included; NaN and infinities
    /// are refused.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] when the value is not such a number.
    pub fn float(&self, name: &str, lo: f64, hi: f64) -> Result<f64> {
        match self.value(name).trim().parse::<f64>() {
            Ok(value) if value.is_finite() && value >= lo && value <= hi => Ok(value),
            _ => Err(self.invalid(name, &format!("a number from {lo} to {hi}"))),
        }
    }

    /// A duration with an optional unit (`20ms`, `1.5s`, `2m`, `500us`); a
    /// bare number is in `unit`, the unit `--help` names. At most a day, so
    /// no later arithmetic on it can overflow.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] when the value is not a duration from 0 to 24 hours.
    pub fn duration(&self, name: &str, unit: Unit) -> Result<Duration> {
        let unit_name = if unit == Unit::Millis { "milliseconds" } else { "seconds" };
        let expected = format!(
            "a duration such as 20ms, 1.5s or 2m (a bare number is {unit_name}), from 0 to 24h"
        );
        parse_duration(self.value(name), unit).ok_or_else(|| self.invalid(name, &expected))
    }

    /// A duration in seconds by default (`1`, `0.25`, `250ms`).
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] when the value is not a duration (see [`duration`](Self::duration)).
    pub fn seconds(&self, name: &str) -> Result<Duration> {
        self.duration(name, Unit::Seconds)
    }

    /// Like [`seconds`](Self::seconds), but 0 is refused too: a timeout of
    /// zero would mean "fail at once" for a read, and the OS rejects it.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] when the value is not a duration above 0.
    pub fn timeout(&self, name: &str) -> Result<Duration> {
        let secs = self.seconds(name)?;
        if secs.is_zero() {
            return Err(self.bad(format!("{} must be more than 0", display_name(name))));
        }
        Ok(secs)
    }

    fn invalid(&self, name: &str, expected: &str) -> Error {
        let (value, name) = (self.value(name), display_name(name));
        self.bad(format!("invalid value '{value}' for {name}: expected {expected}"))
    }

    /// A usage error that carries this command's usage line, for checks the
    /// parser cannot make on its own (`SIZE must be at least 1`).
    pub fn bad(&self, message: String) -> Error {
        Error::Usage(format!("{message}\n{} (see --help)", self.usage))
    }
}

/// The unit of a bare number given for a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// `--delay 20` means 20 ms.
    Millis,
    /// `--timeout 2` means 2 s.
    Seconds,
}

/// Reads `20ms`, `1.5s`, `2m`, `1h`, `500us`, or a bare number in `unit`.
/// Returns `None` for anything else, or for more than 24 hours.
pub fn parse_duration(text: &str, unit: Unit) -> Option<Duration> {
    let text = text.trim();
    let split =
        text.find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E').unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let scale = match (suffix, unit) {
        ("", Unit::Millis) | ("ms", _) => 1e-3,
        ("", Unit::Seconds) | ("s", _) => 1.0,
        ("us", _) | ("µs", _) => 1e-6,
        ("m", _) | ("min", _) => 60.0,
        ("h", _) => 3600.0,
        _ => return None,
    };
    let secs = number.trim().parse::<f64>().ok()? * scale;
    if !secs.is_finite() || !(0.0..=86_400.0).contains(&secs) {
        return None;
    }
    Some(Duration::from_secs_f64(secs))
}

/// `--count` for a flag, `COUNT` for a positional, as the user would type it.
fn display_name(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
        name.to_string()
    } else {
        format!("--{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd() -> Command {
        Command::new("demo", "a demo")
            .flag("port", "PORT", "5065", "the port")
            .option("out", "FILE", "where to write")
            .switch("csv", "print CSV")
            .positional("COUNT", "6", "how many")
            .positional_opt("NAME", "a name")
            .example("demo --port 1 3")
    }

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        let m = cmd().parse(Vec::<String>::new()).unwrap();
        assert_eq!(m.value("port"), "5065");
        assert_eq!(m.get("out"), None);
        assert_eq!(m.get("NAME"), None);
        assert_eq!(m.number::<u32>("COUNT", 0, 9).unwrap(), 6);
        assert!(!m.is_set("csv"));
    }

    #[test]
    fn flags_take_separate_or_inline_values() {
        let m = cmd().parse(["--port", "7", "--out=x.svg", "--csv", "9", "bob"]).unwrap();
        assert_eq!(m.number::<u16>("port", 1, u16::MAX).unwrap(), 7);
        assert_eq!(m.value("out"), "x.svg");
        assert!(m.is_set("csv"));
        assert_eq!(m.value("COUNT"), "9");
        assert_eq!(m.value("NAME"), "bob");
    }

    #[test]
    fn double_dash_ends_flags() {
        let m = cmd().parse(["--", "--csv"]).unwrap();
        assert_eq!(m.value("COUNT"), "--csv");
        assert!(!m.is_set("csv"));
    }

    #[test]
    fn negative_numbers_are_values() {
        let m = cmd().parse(["-3"]).unwrap();
        assert_eq!(m.value("COUNT"), "-3");
        assert!(m.number::<u32>("COUNT", 0, 9).is_err());
    }

    #[test]
    fn help_is_a_request_not_an_error() {
        let m = cmd().parse(["3", "--help"]).unwrap();
        assert!(m.help_requested());
        assert!(!cmd().parse(["3"]).unwrap().help_requested());
        let text = cmd().help_text();
        assert!(text.contains("usage: demo [OPTIONS] [COUNT] [NAME]"));
        assert!(text.contains("--port PORT"));
        assert!(text.contains("[default: 5065]"));
        assert!(text.contains("demo --port 1 3"));
    }

    #[test]
    fn mistakes_are_usage_errors_with_the_usage_line() {
        for args in
            [vec!["--nope"], vec!["-x"], vec!["--port"], vec!["--csv=yes"], vec!["1", "2", "3"]]
        {
            match cmd().parse(args.clone()) {
                Err(err @ Error::Usage(_)) => {
                    assert_eq!(err.exit_code(), 2);
                    assert!(err.to_string().contains("usage: demo"), "{args:?}: {err}");
                }
                other => panic!("{args:?}: expected a usage error, got {other:?}"),
            }
        }
    }

    #[test]
    fn bad_values_name_the_argument() {
        let m = cmd().parse(["--port", "99999", "abc"]).unwrap();
        let err = m.number::<u16>("port", 1, u16::MAX).unwrap_err().to_string();
        assert!(err.contains("'99999' for --port"), "{err}");
        let err = m.number::<u32>("COUNT", 0, 9).unwrap_err().to_string();
        assert!(err.contains("'abc' for COUNT"), "{err}");
    }

    #[test]
    fn timeouts_must_be_positive() {
        let m = Command::new("t", "t")
            .flag("a", "S", "0", "")
            .flag("b", "S", "0.5", "")
            .parse(Vec::<String>::new())
            .unwrap();
        let err = m.timeout("a").unwrap_err().to_string();
        assert!(err.starts_with("--a must be more than 0\n"), "{err}");
        assert_eq!(m.timeout("b").unwrap(), Duration::from_millis(500));
    }

    #[test]
    fn number_refuses_small_values() {
        let m = cmd().parse(["0"]).unwrap();
        let err = m.number::<u32>("COUNT", 1, 9).unwrap_err().to_string();
        assert!(
            err.starts_with("invalid value '0' for COUNT: expected a whole number from 1 to 9\n"),
            "{err}"
        );
        assert_eq!(m.number::<u32>("COUNT", 0, 9).unwrap(), 0);
    }

    #[test]
    fn seconds_accept_fractions_and_refuse_negatives() {
        let m = Command::new("t", "t")
            .flag("a", "S", "0.25", "")
            .flag("b", "S", "-1", "")
            .flag("c", "S", "inf", "")
            .parse(Vec::<String>::new())
            .unwrap();
        assert_eq!(m.seconds("a").unwrap(), Duration::from_millis(250));
        assert!(m.seconds("b").is_err());
        assert!(m.seconds("c").is_err());
    }

    fn durations() -> Command {
        Command::new("t", "test")
            .flag("delay", "DURATION", "0", "pause")
            .flag("count", "N", "5", "how many")
            .short('c')
            .positional_rest("SENTENCE", "words")
    }

    #[test]
    fn durations_take_units_and_bare_numbers_keep_theirs() {
        let cases = [
            ("20ms", Unit::Seconds, 20_000),
            ("1.5s", Unit::Millis, 1_500_000),
            ("2m", Unit::Seconds, 120_000_000),
            ("500us", Unit::Seconds, 500),
            ("20", Unit::Millis, 20_000),
            ("0.25", Unit::Seconds, 250_000),
            ("1e3ms", Unit::Seconds, 1_000_000),
        ];
        for (text, unit, micros) in cases {
            let got = parse_duration(text, unit).map(|d| d.as_micros());
            assert_eq!(got, Some(micros), "{text}");
        }
        for bad in ["", "ms", "-1", "1e30", "NaN", "inf", "2 weeks", "25h", "1.5x"] {
            assert_eq!(parse_duration(bad, Unit::Seconds), None, "{bad}");
        }
        let m = durations().parse(["--delay", "1e300"]).unwrap();
        let err = m.duration("delay", Unit::Millis).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("a bare number is milliseconds"), "{err}");
    }

    #[test]
    fn numbers_are_range_checked_never_panicking() {
        for bad in ["0", "-1", "1.5", "1e30", "NaN", "", "18446744073709551615", "abc"] {
            let m = durations().parse(["--count", bad]).unwrap();
            let err = m.number::<u32>("count", 1, 1000).unwrap_err();
            assert!(err.to_string().contains("from 1 to 1000"), "{bad}: {err}");
            let err = m.float("count", 0.5, 100.0);
            assert!(bad == "1.5" || err.is_err(), "{bad}");
        }
        let m = durations().parse(["-c", "7"]).unwrap();
        assert_eq!(m.number::<u32>("count", 1, 1000).unwrap(), 7);
        let m = durations().parse(["-c7"]).unwrap();
        assert_eq!(m.number::<u32>("count", 1, 1000).unwrap(), 7);
    }

    #[test]
    fn extra_words_join_and_misspelled_flags_get_a_suggestion() {
        let m = durations().parse(["hello", "big", "world"]).unwrap();
        assert_eq!(m.value("SENTENCE"), "hello big world");
        let err = durations().parse(["--dealy", "3"]).unwrap_err().to_string();
        assert!(err.contains("did you mean --delay?"), "{err}");
        let err = durations().parse(["--zzz"]).unwrap_err().to_string();
        assert!(!err.contains("did you mean"), "{err}");
        let err = durations().parse(["-t", "3"]).unwrap_err().to_string();
        assert!(err.contains("unknown flag '-t'"), "{err}");
        assert!(durations().help_text().contains("-c, --count N"));
    }
}
