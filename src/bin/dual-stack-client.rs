//! `dual-stack-client`: pick IPv4 or IPv6, connect, and echo lines.
//! See `socket_labs::dual_stack`.

use socket_labs::cli::{self, Command, Matches};
use socket_labs::dual_stack::client::{family_name, parse_family, run_lines, EchoClient};
use socket_labs::dual_stack::DEFAULT_PORT;
use socket_labs::error::Result;
use socket_labs::net::Family;
use socket_labs::{outln, prompt};
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "dual-stack-client",
        "TCP echo client that connects over the IP version you choose",
    )
    .option(
        "family",
        "4|6",
        "IP version to use; asked for when missing (Enter = 4)",
    )
    .positional_opt(
        "HOST",
        "server name or address; asked for when missing (Enter = localhost)",
    )
    .positional_opt(
        "PORT",
        "server TCP port; asked for when missing (Enter = 4567)",
    )
    .option("host", "HOST", "the same as the HOST argument")
    .option("port", "PORT", "the same as the PORT argument")
    .flag("timeout", "SECS", "5", "how long to wait for each echo")
    .example("dual-stack-client --family 6 ::1 4567")
}

/// The value of a setting that may come as a positional or as a flag, not both.
fn one_of<'a>(m: &'a Matches, positional: &str, flag: &str) -> Result<Option<&'a str>> {
    match (m.get(positional), m.get(flag)) {
        (Some(_), Some(_)) => Err(m.bad(format!(
            "{positional} was given twice (as an argument and as --{flag})"
        ))),
        (one, other) => Ok(one.or(other)),
    }
}

/// The family from `--family`, or from the original's menu.
fn family(m: &Matches) -> Result<Option<Family>> {
    let answer = match m.get("family") {
        Some(text) => text.to_string(),
        None => {
            outln!("Choose the IP version:");
            outln!("1 -> IPv4");
            outln!("2 -> IPv6");
            match prompt::ask("Enter 1 or 2: ")? {
                Some(answer) if answer.trim().is_empty() => "4".to_string(),
                Some(answer) => answer,
                None => return Ok(None),
            }
        }
    };
    parse_family(&answer).map(Some).ok_or_else(|| {
        m.bad(format!(
            "invalid IP version '{}': expected 4 or 6 (1 or 2 at the prompt)",
            answer.trim()
        ))
    })
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let timeout = m.timeout("timeout")?;
    let host_arg = one_of(&m, "HOST", "host")?;
    let port_arg = one_of(&m, "PORT", "port")?;

    // Ask only for what is missing, in the original's order; end of input ends quietly.
    let family = match family(&m)? {
        Some(family) => family,
        None => return Ok(()),
    };
    let host = match prompt::arg_or_ask(host_arg, "Hostname: ", "localhost")? {
        Some(host) => host,
        None => return Ok(()),
    };
    let default_port = DEFAULT_PORT.to_string();
    let port = match prompt::arg_or_ask(port_arg, "Port number: ", &default_port)? {
        Some(text) => text.trim().parse::<u16>().map_err(|_| {
            m.bad(format!(
                "invalid port '{text}': expected a whole number from 0 to 65535"
            ))
        })?,
        None => return Ok(()),
    };

    let mut client = EchoClient::connect(&host, port, family, timeout)?;
    let peer = client.peer();
    outln!(
        "connected to {peer} ({}) from {}",
        family_name(&peer),
        client.local()?
    );
    outln!("Type a line and press Enter to send it; 'end' or end of input (Ctrl-D) closes.");
    let stdin = std::io::stdin();
    let totals = run_lines(&mut client, &mut stdin.lock(), "Data to send: ")?;
    client.close();
    outln!(
        "connection closed: {} {}, {} bytes sent and echoed back",
        totals.lines,
        if totals.lines == 1 { "line" } else { "lines" },
        totals.bytes
    );
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
