//! A small command-line parser, and the `main` wrapper every binary uses.
//!
//! The crate has no dependencies (SPEC section 1), so instead of `clap` each binary
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
//! assert_eq!(m.parse::<u16>("port").unwrap(), 6000);  // given as --port=6000
//! assert_eq!(m.parse::<u32>("COUNT").unwrap(), 3);    // the first positional
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
use std::str::FromStr;
use std::time::Duration;

/// Runs a binary's body and turns its result into an exit code and at most one line.
///
/// * `Ok(())`: exit 0.
/// * [`Error::Help`]: the help goes to stdout, exit 0.
/// * [`Error::Exit`]: the program already reported; exit with its code.
/// * any other error: `error: <message>` on stderr, exit 1 (run time) or 2 (usage).
///
/// Every `src/bin/*.rs` is `fn main() -> ExitCode { cli::main(run) }`.
pub fn main(run: impl FnOnce() -> Result<()>) -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Help(text)) => {
            crate::output::write_str(&text);
            ExitCode::SUCCESS
        }
        Err(Error::Exit(code)) => ExitCode::from(code),
        Err(err) => {
            // stderr is unbuffered; ignore a failure to write to it, there is no one to tell.
            let _ = writeln!(std::io::stderr(), "error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// One flag, switch or positional argument of a [`Command`].
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
    let code = main(|| {
        let matches = match A::command().parse_env() {
            Err(Error::Help(text)) => {
                crate::output::write_str(&text);
                return Ok(());
            }
            other => other?,
        };
        run(A::from_matches(&matches)?)
    });
    // Let a server's queued log lines reach stdout before the process ends.
    crate::output::flush_log(Duration::from_secs(1));
    code
}

#[derive(Debug, Clone)]
struct Arg {
    /// Flag name without dashes (`port`), or the positional's name (`COUNT`).
    name: &'static str,
    /// `Some("PORT")` for a flag that takes a value, `None` for a switch.
    value_name: Option<&'static str>,
    /// The value used when the argument is not given.
    default: Option<&'static str>,
    help: &'static str,
    positional: bool,
    /// A positional that takes all the remaining words, joined by spaces.
    rest: bool,
    /// A one-letter alias (`-c` for `--count`).
    short: Option<char>,
}

/// The description of one program's command line; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Command {
    name: &'static str,
    about: &'static str,
    args: Vec<Arg>,
    examples: Vec<&'static str>,
}

impl Command {
    /// Starts a description for the program `name` with a one-line summary.
    pub fn new(name: &'static str, about: &'static str) -> Command {
        Command { name, about, args: Vec::new(), examples: Vec::new() }
    }

    /// A flag `--name VALUE` with a default value.
    pub fn flag(
        mut self,
        name: &'static str,
        value_name: &'static str,
        default: &'static str,
        help: &'static str,
    ) -> Command {
        self.args.push(Arg {
            name,
            value_name: Some(value_name),
            default: Some(default),
            help,
            positional: false,
            rest: false,
            short: None,
        });
        self
    }

    /// A flag `--name VALUE` that may be left out (no default): see [`Matches::get`].
    pub fn option(
        mut self,
        name: &'static str,
        value_name: &'static str,
        help: &'static str,
    ) -> Command {
        self.args.push(Arg {
            name,
            value_name: Some(value_name),
            default: None,
            help,
            positional: false,
            rest: false,
            short: None,
        });
        self
    }

    /// A switch `--name` that is either present or not: see [`Matches::is_set`].
    pub fn switch(mut self, name: &'static str, help: &'static str) -> Command {
        self.args.push(Arg {
            name,
            value_name: None,
            default: None,
            help,
            positional: false,
            rest: false,
            short: None,
        });
        self
    }

    /// An optional positional argument with a default value.
    pub fn positional(
        mut self,
        name: &'static str,
        default: &'static str,
        help: &'static str,
    ) -> Command {
        self.args.push(Arg {
            name,
            value_name: Some(name),
            default: Some(default),
            help,
            positional: true,
            rest: false,
            short: None,
        });
        self
    }

    /// An optional positional argument with no default; the program usually
    /// prompts for it when it is missing (as the original scripts did with `input()`).
    pub fn positional_opt(mut self, name: &'static str, help: &'static str) -> Command {
        self.args.push(Arg {
            name,
            value_name: Some(name),
            default: None,
            help,
            positional: true,
            rest: false,
            short: None,
        });
        self
    }
    /// Gives the last declared flag a one-letter alias: `-c 5` means `--count 5`.
    pub fn short(mut self, letter: char) -> Command {
        if let Some(arg) = self.args.last_mut() {
            arg.short = Some(letter);
        }
        self
    }

    /// A last positional that takes every remaining word, joined with single
    /// spaces as `echo` does: `tcp-upper-client hello world` sends "hello world".
    pub fn positional_rest(mut self, name: &'static str, help: &'static str) -> Command {
        self.args.push(Arg {
            name,
            value_name: Some(name),
            default: None,
            help,
            positional: true,
            rest: true,
            short: None,
        });
        self
    }

    /// An example command line shown at the end of `--help`.
    pub fn example(mut self, line: &'static str) -> Command {
        self.examples.push(line);
        self
    }

    /// The one-line usage: `usage: ping-client [OPTIONS] [COUNT] [INTERVAL] [SIZE]`.
    pub fn usage(&self) -> String {
        let mut line = format!("usage: {} [OPTIONS]", self.name);
        for arg in self.args.iter().filter(|a| a.positional) {
            line.push_str(&format!(" [{}]", arg.name));
        }
        line
    }

    /// The full text printed by `--help`: summary, usage, every argument with its
    /// default, and the examples.
    pub fn help_text(&self) -> String {
        let mut rows: Vec<(String, String)> = Vec::new();
        let positionals: Vec<&Arg> = self.args.iter().filter(|a| a.positional).collect();
        let flags: Vec<&Arg> = self.args.iter().filter(|a| !a.positional).collect();
        let describe = |arg: &Arg| match arg.default {
            Some("") => format!("{} [default: none]", arg.help),
            Some(d) => format!("{} [default: {d}]", arg.help),
            None => arg.help.to_string(),
        };
        for arg in &positionals {
            rows.push((arg.name.to_string(), describe(arg)));
        }
        for arg in &flags {
            let short = arg.short.map(|c| format!("-{c}, ")).unwrap_or_default();
            let left = match arg.value_name {
                Some(v) => format!("{short}--{} {v}", arg.name),
                None => format!("{short}--{}", arg.name),
            };
            rows.push((left, describe(arg)));
        }
        rows.push(("-h, --help".to_string(), "print this help".to_string()));
        let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);

        let mut text = format!("{} — {}\n\n{}\n", self.name, self.about, self.usage());
        let mut section = |title: &str, range: std::ops::Range<usize>| {
            if range.is_empty() {
                return;
            }
            text.push_str(&format!("\n{title}:\n"));
            for (left, right) in &rows[range] {
                text.push_str(&format!("  {left:width$}  {right}\n"));
            }
        };
        section("arguments", 0..positionals.len());
        section("options", positionals.len()..rows.len());
        if !self.examples.is_empty() {
            text.push_str("\nexample:\n");
            for example in &self.examples {
                text.push_str(&format!("  {example}\n"));
            }
        }
        text
    }

    /// Parses the process's own arguments (skipping the program name).
    ///
    /// # Errors
    ///
    /// [`Error::Help`] for `--help`, [`Error::Usage`] for anything malformed,
    /// including an argument that is not valid UTF-8.
    pub fn parse_env(&self) -> Result<Matches> {
        let mut args = Vec::new();
        for arg in std::env::args_os().skip(1) {
            match arg.into_string() {
                Ok(text) => args.push(text),
                Err(raw) => {
                    return Err(self.bad(format!("argument {raw:?} is not valid UTF-8")));
                }
            }
        }
        self.parse(args)
    }

    /// Parses the given arguments (without the program name).
    ///
    /// # Errors
    ///
    /// [`Error::Help`] when `-h` or `--help` is present; [`Error::Usage`] for an
    /// unknown flag, a flag without its value, a value given to a switch, or too
    /// many positionals.
    pub fn parse<I, S>(&self, args: I) -> Result<Matches>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut given: HashMap<&'static str, String> = HashMap::new();
        let mut positionals = self.args.iter().filter(|a| a.positional);
        let mut only_positionals = false;
        let mut args = args.into_iter().map(Into::into);
        let mut last_rest: Option<&'static str> = None;

        while let Some(arg) = args.next() {
            if !only_positionals && (arg == "-h" || arg == "--help") {
                return Err(Error::Help(self.help_text()));
            }
            if !only_positionals && arg == "--" {
                only_positionals = true;
                continue;
            }
            if !only_positionals && arg.starts_with("--") {
                let body = &arg[2..];
                let (name, inline) = match body.find('=') {
                    Some(at) => (&body[..at], Some(body[at + 1..].to_string())),
                    None => (body, None),
                };
                let spec = self
                    .args
                    .iter()
                    .find(|a| !a.positional && a.name == name)
                    .ok_or_else(|| self.unknown(&format!("--{name}")))?;
                let value = match (spec.value_name, inline) {
                    (None, None) => String::new(),
                    (None, Some(_)) => {
                        return Err(self.bad(format!("--{name} takes no value")));
                    }
                    (Some(_), Some(v)) => v,
                    (Some(v), None) => args
                        .next()
                        .ok_or_else(|| self.bad(format!("--{name} needs a value ({v})")))?,
                };
                given.insert(spec.name, value);
                continue;
            }
            if !only_positionals && arg.starts_with('-') && arg.len() > 1 && !looks_numeric(&arg) {
                // A one-letter alias, `-c 5` or `-c5`, as ping users type it.
                let letter = arg[1..].chars().next();
                let spec = self
                    .args
                    .iter()
                    .find(|a| !a.positional && a.short.is_some() && a.short == letter)
                    .ok_or_else(|| self.unknown(&arg))?;
                let glued = &arg[1 + letter.map_or(0, char::len_utf8)..];
                let value = match (spec.value_name, glued.is_empty()) {
                    (None, true) => String::new(),
                    (None, false) => return Err(self.unknown(&arg)),
                    (Some(_), false) => glued.to_string(),
                    (Some(v), true) => args
                        .next()
                        .ok_or_else(|| self.bad(format!("{} needs a value ({v})", &arg)))?,
                };
                given.insert(spec.name, value);
                continue;
            }
            if let Some(rest) = last_rest {
                // Extra words of a sentence, joined with spaces as `echo` does.
                if let Some(text) = given.get_mut(rest) {
                    text.push(' ');
                    text.push_str(&arg);
                }
                continue;
            }
            let spec = positionals
                .next()
                .ok_or_else(|| self.bad(format!("unexpected argument '{arg}'")))?;
            if spec.rest {
                last_rest = Some(spec.name);
            }
            given.insert(spec.name, arg);
        }

        let mut values = HashMap::new();
        let mut switches = Vec::new();
        for spec in &self.args {
            match (given.remove(spec.name), spec.value_name, spec.default) {
                (Some(_), None, _) => switches.push(spec.name),
                (Some(v), Some(_), _) => {
                    values.insert(spec.name, v);
                }
                (None, _, Some(d)) => {
                    values.insert(spec.name, d.to_string());
                }
                (None, _, None) => {}
            }
        }
        Ok(Matches { usage: self.usage(), values, switches })
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

/// `-5` or `-0.5` is a value (for example a negative number), not a flag.
fn looks_numeric(arg: &str) -> bool {
    arg[1..].parse::<f64>().is_ok()
}

/// The parsed command line: values (given or default) and switches.
#[derive(Debug, Clone)]
pub struct Matches {
    usage: String,
    values: HashMap<&'static str, String>,
    switches: Vec<&'static str>,
}

impl Matches {
    /// The value of a flag or positional: the one given, else its default, else `None`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Like [`get`](Self::get), for arguments that always have a value (they have a
    /// default). An undeclared name gives the empty string.
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// True when the switch `--name` was given.
    pub fn is_set(&self, name: &str) -> bool {
        self.switches.contains(&name)
    }

    /// Parses the value of `name` as a `T` (a number, an address, ...).
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] naming the argument and the bad value, or saying it is missing.
    pub fn parse<T: FromStr>(&self, name: &str) -> Result<T> {
        match self.parse_opt(name)? {
            Some(value) => Ok(value),
            None => Err(self.bad(format!("missing value for {}", display_name(name)))),
        }
    }

    /// Like [`parse`](Self::parse), but `Ok(None)` when the argument was not given
    /// and has no default.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] when the value does not parse.
    pub fn parse_opt<T: FromStr>(&self, name: &str) -> Result<Option<T>> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => text.trim().parse::<T>().map(Some).map_err(|_| {
                self.bad(format!(
                    "invalid value '{text}' for {}: expected {}",
                    display_name(name),
                    expected::<T>()
                ))
            }),
        }
    }

    /// Like [`parse`](Self::parse), and the value must be at least `min`
    /// (`--count 0` makes no sense, for example).
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] when the value does not parse or is below `min`.
    pub fn parse_min<T>(&self, name: &str, min: T) -> Result<T>
    where
        T: FromStr + PartialOrd + std::fmt::Display,
    {
        let value: T = self.parse(name)?;
        if value < min {
            return Err(self.bad(format!("{} must be at least {min}", display_name(name))));
        }
        Ok(value)
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
        T: FromStr + PartialOrd + std::fmt::Display + Copy,
    {
        let text = self.value(name).trim();
        match text.parse::<T>() {
            Ok(value) if value >= lo && value <= hi => Ok(value),
            _ => Err(self.bad(format!(
                "invalid value '{}' for {}: expected a whole number from {lo} to {hi}",
                self.value(name),
                display_name(name)
            ))),
        }
    }

    /// A decimal number from `lo` to `hi`, both included; NaN and infinities
    /// are refused.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] when the value is not such a number.
    pub fn float(&self, name: &str, lo: f64, hi: f64) -> Result<f64> {
        let text = self.value(name).trim();
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() && value >= lo && value <= hi => Ok(value),
            _ => Err(self.bad(format!(
                "invalid value '{}' for {}: expected a number from {lo} to {hi}",
                self.value(name),
                display_name(name)
            ))),
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
        parse_duration(self.value(name), unit).ok_or_else(|| {
            self.bad(format!(
                "invalid value '{}' for {}: expected a duration such as 20ms, 1.5s or 2m \
                 (a bare number is {}), from 0 to 24h",
                self.value(name),
                display_name(name),
                unit.name()
            ))
        })
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

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Millis => "milliseconds",
            Unit::Seconds => "seconds",
        }
    }
}

/// Reads `20ms`, `1.5s`, `2m`, `1h`, `500us`, or a bare number in `unit`.
/// Returns `None` for anything else, or for more than 24 hours.
pub fn parse_duration(text: &str, unit: Unit) -> Option<Duration> {
    let text = text.trim();
    let split =
        text.find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E').unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let scale = match suffix {
        "" => match unit {
            Unit::Millis => 1e-3,
            Unit::Seconds => 1.0,
        },
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    let value: f64 = number.trim().parse().ok()?;
    let secs = value * scale;
    if !secs.is_finite() || !(0.0..=86_400.0).contains(&secs) {
        return None;
    }
    Some(Duration::from_secs_f64(secs))
}

/// `--port` for flags, `COUNT` for positionals (which are written in capitals).
fn display_name(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
        name.to_string()
    } else {
        format!("--{name}")
    }
}

/// A few words on what a type expects, for error messages.
fn expected<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    if name == "u16" {
        "a whole number from 0 to 65535"
    } else if name.starts_with('u') || name.starts_with('i') {
        "a whole number"
    } else if name.starts_with('f') {
        "a number"
    } else if name.ends_with("IpAddr") {
        "an IP address"
    } else {
        "a valid value"
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
        assert_eq!(m.parse::<u32>("COUNT").unwrap(), 6);
        assert!(!m.is_set("csv"));
    }

    #[test]
    fn flags_take_separate_or_inline_values() {
        let m = cmd().parse(["--port", "7", "--out=x.svg", "--csv", "9", "bob"]).unwrap();
        assert_eq!(m.parse::<u16>("port").unwrap(), 7);
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
        assert!(m.parse::<u32>("COUNT").is_err());
    }

    #[test]
    fn help_is_reported_as_help() {
        match cmd().parse(["3", "--help"]) {
            Err(Error::Help(text)) => {
                assert!(text.contains("usage: demo [OPTIONS] [COUNT] [NAME]"));
                assert!(text.contains("--port PORT"));
                assert!(text.contains("[default: 5065]"));
                assert!(text.contains("demo --port 1 3"));
            }
            other => panic!("expected help, got {other:?}"),
        }
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
        let err = m.parse::<u16>("port").unwrap_err().to_string();
        assert!(err.contains("'99999' for --port"), "{err}");
        let err = m.parse::<u32>("COUNT").unwrap_err().to_string();
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
    fn parse_min_refuses_small_values() {
        let m = cmd().parse(["0"]).unwrap();
        let err = m.parse_min::<u32>("COUNT", 1).unwrap_err().to_string();
        assert!(err.starts_with("COUNT must be at least 1\n"), "{err}");
        assert_eq!(m.parse_min::<u32>("COUNT", 0).unwrap(), 0);
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
