//! `cargo run`: a guided run of every exercise, in reading order.
//!
//! Each *stop* of the tour starts its server(s) in-process on a free loopback
//! port (port 0), runs the client against it with a small fixed input, prints
//! what both sides say under a heading, and checks the result. The heading also
//! shows the commands that run the same exercise by hand in two terminals.
//! Graphs go into `target/tour/`. The tour ends with one PASS/FAIL line per
//! stop and exits 1 if any stop failed, so it doubles as a smoke test.
//!
//! Adding an exercise to the tour means writing one `fn(&Context) -> Result<()>`
//! in a file of this module and one entry in [`stops`].

use crate::error::{Error, Result};
use crate::output::Log;
use std::path::PathBuf;
use std::time::Instant;

mod dual_stack;
mod experiment4;
mod file_transfer;
mod image_transfer;
mod link_emulator;
mod questions;
mod udp;

/// One exercise of the tour.
pub struct Stop {
    /// Short name, used in the summary and with `tour --only`.
    pub name: &'static str,
    /// Heading: what the exercise is and where it comes from.
    pub title: &'static str,
    /// The commands that run the exercise by hand, one per terminal.
    pub by_hand: &'static [&'static str],
    /// Runs the exercise and checks its result.
    pub run: fn(&Context) -> Result<()>,
}

/// What every stop gets: where to write files, and how servers should log.
pub struct Context {
    /// Directory for graphs and received files (`target/tour`).
    pub out_dir: PathBuf,
}

impl Context {
    /// Prints the command that does by hand what the stop is about to do.
    /// Stops print these as they run, with the real port, so that each line
    /// is exactly what the tour runs (a stop's static `by_hand` list is for
    /// lines that need no port).
    pub fn by_hand(&self, command: impl std::fmt::Display) {
        // A long command continues on the next line after a `\`, as a shell reads it.
        let lines = crate::output::wrap(&command.to_string(), 84);
        crate::outln!("   by hand: {}", lines.join(" \\\n              "));
    }

    /// Prints `line` as the by-hand command (`cargo run -q --bin` before the
    /// program's name) and parses the words after that name, after the last
    /// `| ` of a pipe, as the program's command line: so a stop runs exactly
    /// what it prints. Words are split at spaces, without quoting.
    ///
    /// # Errors
    ///
    /// A usage error when the line is not a valid command line of `A`.
    pub fn args<A: crate::cli::Args>(&self, line: &str) -> Result<A> {
        let (pipe, command) = match line.rfind("| ") {
            Some(at) => line.split_at(at + 2),
            None => ("", line),
        };
        let (program, rest) = command.split_once(' ').unwrap_or((command, ""));
        self.by_hand(format!("{pipe}cargo run -q --bin {program} -- {rest}"));
        A::from_matches(&A::command().parse(rest.split(' ').filter(|w| !w.is_empty()))?)
    }

    /// The log a stop gives to its in-process servers: indented under the heading.
    pub fn server_log(&self) -> Log {
        Log::prefixed("    [server] ")
    }
}

/// All stops, in reading order (from the uppercase pair to the iperf-like tool).
pub fn stops() -> Vec<Stop> {
    let mut stops = Vec::new();
    stops.extend(experiment4::stops());
    stops.extend(questions::stops());
    stops.extend(file_transfer::stops());
    stops.extend(dual_stack::stops());
    stops.extend(image_transfer::stops());
    stops.extend(udp::stops());
    stops.extend(link_emulator::stops());
    stops
}

/// Runs the stops whose name contains `only` (all when `None`), prints a summary,
/// and returns whether all of them passed.
///
/// # Errors
///
/// `cannot create target/tour: ...` when the output directory cannot be made;
/// a stop's own failure is reported in the summary, not as an error.
pub fn run(out_dir: PathBuf, only: Option<&str>) -> Result<bool> {
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| Error::io(format!("cannot create {}", out_dir.display()), &e))?;
    let context = Context { out_dir };
    let selected: Vec<Stop> =
        stops().into_iter().filter(|s| only.map_or(true, |o| s.name.contains(o))).collect();
    if selected.is_empty() {
        return Err(Error::usage(format!(
            "no tour stop matches '{}'; the stops are: {}",
            only.unwrap_or(""),
            stops().iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
        )));
    }

    crate::outln!("socket-labs tour: every exercise, run on free loopback ports.");
    crate::outln!("Files the tour writes go to {}.", crate::paths::shown(&context.out_dir));
    let mut results = Vec::new();
    for (i, stop) in selected.iter().enumerate() {
        crate::outln!();
        crate::outln!("== {}. {} ==", i + 1, stop.title);
        for line in stop.by_hand {
            crate::outln!("   by hand: {line}");
        }
        crate::outln!();
        let started = Instant::now();
        let result = (stop.run)(&context);
        results.push((stop.name, result.is_ok(), started.elapsed()));
        if let Err(err) = &result {
            crate::outln!("    FAILED: {err}");
        }
    }

    crate::outln!();
    crate::outln!("== summary ==");
    for (name, ok, took) in &results {
        let verdict = if *ok { "PASS" } else { "FAIL" };
        crate::outln!("{verdict}  {name:<18} {:>8.0} ms", took.as_secs_f64() * 1000.0);
    }
    let passed = results.iter().filter(|r| r.1).count();
    crate::outln!("{passed} passed, {} failed", results.len() - passed);
    Ok(passed == results.len())
}

/// Turns "the stop did not see what it expected" into an error for the summary.
pub(crate) fn check(ok: bool, what: impl Into<String>) -> Result<()> {
    ok.then_some(()).ok_or_else(|| Error::failed("unexpected result", what))
}
