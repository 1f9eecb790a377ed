//! `link-emulator`: a relay that makes the path between a client and a server
//! slow, jittery and lossy; see `socket_labs::link_emulator`.

use socket_labs::cli::{self, Command, Matches};
use socket_labs::error::Result;
use socket_labs::link_emulator::{self, split_host_port, Impairments, Settings};
use socket_labs::net::{self, Family};
use socket_labs::outln;
use socket_labs::output::Log;
use socket_labs::rng::Rng;
use std::process::ExitCode;
use std::time::Duration;

/// How often an open-ended run prints its running totals (when they changed).
const TOTALS_EVERY: Duration = Duration::from_secs(10);

fn command() -> Command {
    Command::new(
        "link-emulator",
        "a bad network on your desk: relays UDP datagrams or TCP connections to a server, \
         adding delay, jitter, loss, duplication, reordering and a rate limit",
    )
    .option(
        "listen",
        "ADDR",
        "where clients send or connect, HOST:PORT (port 0 = any free port) [required]",
    )
    .option("to", "ADDR", "the real server, HOST:PORT [required]")
    .switch("udp", "relay UDP datagrams (the default)")
    .switch("tcp", "relay TCP connections (delay, jitter and rate only)")
    .flag("delay", "MS", "0", "one-way delay added in each direction, in ms")
    .flag(
        "jitter",
        "MS",
        "0",
        "each delay varies uniformly within ± this many ms (never below 0)",
    )
    .flag("loss", "PCT", "0", "chance that a datagram is lost, per direction, in %")
    .flag("duplicate", "PCT", "0", "chance that a datagram arrives twice, in %")
    .flag(
        "reorder",
        "PCT",
        "0",
        "chance that a datagram is held back until the next one has passed it, in %",
    )
    .option(
        "rate",
        "KBIT",
        "link rate per direction in kbit/s, counting payload bytes [default: unlimited]",
    )
    .option(
        "seed",
        "N",
        "seed for every random decision; same seed, same decisions [default: from the clock, printed]",
    )
    .option(
        "duration",
        "SECS",
        "stop after SECS and print the summary [default: run until killed]",
    )
    .flag(
        "idle",
        "SECS",
        "30",
        "forget a UDP client, or close a TCP connection, silent this long",
    )
    .switch("verbose", "print the fate of every datagram")
    .example(
        "link-emulator --listen 127.0.0.1:6065 --to 127.0.0.1:5065 --delay 20 --loss 10 --seed 1",
    )
}

/// A number of milliseconds, 0 or more.
fn millis(m: &Matches, name: &str) -> Result<Duration> {
    let value: f64 = m.parse(name)?;
    if !value.is_finite() || value < 0.0 {
        return Err(m.bad(format!(
            "invalid value '{}' for --{name}: expected a number of ms, 0 or more",
            m.value(name)
        )));
    }
    Ok(Duration::from_secs_f64(value / 1000.0))
}

fn required<'a>(m: &'a Matches, name: &str, example: &str) -> Result<&'a str> {
    m.get(name).ok_or_else(|| {
        m.bad(format!(
            "--{name} ADDR is required (for example --{name} {example})"
        ))
    })
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let listen = required(&m, "listen", "127.0.0.1:6065")?;
    let to = required(&m, "to", "127.0.0.1:5065")?;
    let tcp = m.is_set("tcp");
    if tcp && m.is_set("udp") {
        return Err(m.bad("choose one of --udp and --tcp".to_string()));
    }
    let link = Impairments {
        delay: millis(&m, "delay")?,
        jitter: millis(&m, "jitter")?,
        loss: m.parse("loss")?,
        duplicate: m.parse("duplicate")?,
        reorder: m.parse("reorder")?,
        rate_kbit: m.parse_opt("rate")?,
    };
    link.validate().map_err(|e| m.bad(e.to_string()))?;
    if tcp && link.has_datagram_only() {
        return Err(m.bad(
            "--loss, --duplicate and --reorder apply to --udp only: \
             TCP repairs loss itself and delivers bytes once, in order"
                .to_string(),
        ));
    }
    // A short seed is easy to type again.
    let seed = match m.parse_opt::<u64>("seed")? {
        Some(seed) => seed,
        None => Rng::from_time().below(1_000_000),
    };
    let duration = match m.get("duration") {
        Some(_) => Some(m.seconds("duration")?),
        None => None,
    };
    let idle = m.seconds("idle")?;
    if idle < Duration::from_millis(10) {
        return Err(m.bad("--idle must be at least 0.01 s".to_string()));
    }
    let (listen_host, listen_port) = split_host_port(listen).map_err(|e| m.bad(e.to_string()))?;
    let (to_host, to_port) = split_host_port(to).map_err(|e| m.bad(e.to_string()))?;
    let server = net::resolve(&to_host, to_port, Family::Any)?[0];
    let settings = Settings {
        link,
        seed,
        idle,
        verbose: m.is_set("verbose"),
    };

    // Bind, say where, and only then start relaying, so the `listening on`
    // line is always the first.
    let (local, start): (_, Box<dyn FnOnce() -> Result<link_emulator::Emulator>>) = if tcp {
        let listener = net::bind_tcp(&listen_host, listen_port)?;
        let local = net::local_addr_of(listener.local_addr())?;
        (
            local,
            Box::new(move || link_emulator::start_tcp(listener, server, settings, Log::stdout())),
        )
    } else {
        let socket = net::bind_udp(&listen_host, listen_port)?;
        let local = net::local_addr_of(socket.local_addr())?;
        (
            local,
            Box::new(move || link_emulator::start_udp(socket, server, settings, Log::stdout())),
        )
    };
    if let Err(e) = link_emulator::check_target(local, server) {
        return Err(m.bad(e.to_string()));
    }
    net::announce("link-emulator", local);
    outln!(
        "relaying {} {local} -> {server}; each direction: {link}; seed {seed}",
        if tcp { "tcp" } else { "udp" }
    );
    let emulator = start()?;

    match duration {
        Some(duration) => {
            // The run length the user asked for, not a synchronisation.
            std::thread::sleep(duration);
            outln!("{}", emulator.report());
            Ok(())
        }
        None => {
            // std cannot catch Ctrl-C without unsafe code or a dependency, so an
            // open-ended run shows its totals as it goes instead of at the end.
            let mut last = emulator.report().ways;
            loop {
                std::thread::sleep(TOTALS_EVERY);
                let report = emulator.report();
                if report.ways != last {
                    last = report.ways;
                    outln!("{}", report.one_line());
                }
            }
        }
    }
}

fn main() -> ExitCode {
    cli::main(run)
}
