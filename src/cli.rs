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
        Command {
            name,
            about,
            args: Vec::new(),
            examples: Vec::new(),
        }
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
            let left = match arg.value_name {
                Some(v) => format!("--{} {v}", arg.name),
                None => format!("--{}", arg.name),
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
                    .ok_or_else(|| self.bad(format!("unknown flag '--{name}'")))?;
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
                return Err(self.bad(format!("unknown flag '{arg}'")));
            }
            let spec = positionals
                .next()
                .ok_or_else(|| self.bad(format!("unexpected argument '{arg}'")))?;
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
        Ok(Matches {
            usage: self.usage(),
            values,
            switches,
        })
    }

    fn bad(&self, message: String) -> Error {
        Error::Usage(format!("{message}\n{} (see --help)", self.usage()))
    }
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

    /// A number of seconds (`1`, `0.25`) as a [`Duration`]. Must be finite and not negative.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] when the value is not such a number.
    pub fn seconds(&self, name: &str) -> Result<Duration> {
        let secs: f64 = self.parse(name)?;
        if !(0.0..=1e9).contains(&secs) {
            return Err(self.bad(format!(
                "invalid value '{}' for {}: expected a number of seconds, 0 or more",
                self.value(name),
                display_name(name)
            )));
        }
        Ok(Duration::from_secs_f64(secs))
    }

    /// Like [`seconds`](Self::seconds), but 0 is refused too: a timeout of
    /// zero would mean "fail at once" for a read, and the OS rejects it.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] when the value is not a number of seconds above 0.
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
        let m = cmd()
            .parse(["--port", "7", "--out=x.svg", "--csv", "9", "bob"])
            .unwrap();
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
        for args in [
            vec!["--nope"],
            vec!["-x"],
            vec!["--port"],
            vec!["--csv=yes"],
            vec!["1", "2", "3"],
        ] {
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
}
