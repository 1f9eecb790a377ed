//! Every binary follows the command-line conventions of SPEC section 3:
//! `--help` prints usage with defaults and an example (exit 0); an unknown flag
//! prints `error: ...` and a usage line (exit 2).

mod support;

use support::Client;

const BINARIES: &[(&str, &str)] = &[
    ("tour", env!("CARGO_BIN_EXE_tour")),
    ("udp-upper-server", env!("CARGO_BIN_EXE_udp-upper-server")),
    ("udp-upper-client", env!("CARGO_BIN_EXE_udp-upper-client")),
    ("udp-rtt-client", env!("CARGO_BIN_EXE_udp-rtt-client")),
    ("tcp-upper-server", env!("CARGO_BIN_EXE_tcp-upper-server")),
    ("tcp-upper-client", env!("CARGO_BIN_EXE_tcp-upper-client")),
    ("tcp-rtt-client", env!("CARGO_BIN_EXE_tcp-rtt-client")),
    ("rtt-compare", env!("CARGO_BIN_EXE_rtt-compare")),
    ("no-server", env!("CARGO_BIN_EXE_no-server")),
    ("file-server", env!("CARGO_BIN_EXE_file-server")),
    ("dual-stack-server", env!("CARGO_BIN_EXE_dual-stack-server")),
    ("dual-stack-client", env!("CARGO_BIN_EXE_dual-stack-client")),
    ("image-server", env!("CARGO_BIN_EXE_image-server")),
    ("image-client", env!("CARGO_BIN_EXE_image-client")),
    ("ping-server", env!("CARGO_BIN_EXE_ping-server")),
    ("ping-client", env!("CARGO_BIN_EXE_ping-client")),
    ("perf-server", env!("CARGO_BIN_EXE_perf-server")),
    ("perf-client", env!("CARGO_BIN_EXE_perf-client")),
    ("link-emulator", env!("CARGO_BIN_EXE_link-emulator")),
    ("file-client", env!("CARGO_BIN_EXE_file-client")),
];

#[test]
fn help_shows_usage_defaults_and_an_example() {
    for (name, bin) in BINARIES {
        let out = Client::new(bin).args(&["--help"]).run();
        out.expect_code(0)
            .expect_out(&format!("usage: {name} [OPTIONS]"))
            .expect_out("[default: ")
            .expect_out("example:");
        assert!(out.err().is_empty(), "{}", out.report());
    }
}

#[test]
fn unknown_flag_exits_2_with_error_and_usage() {
    for (name, bin) in BINARIES {
        let out = Client::new(bin).args(&["--no-such-flag"]).run();
        out.expect_code(2)
            .expect_err("error: unknown flag '--no-such-flag'")
            .expect_err(&format!("usage: {name}"));
        assert!(out.out().is_empty(), "{}", out.report());
    }
}

#[test]
fn bad_values_exit_2() {
    let client = env!("CARGO_BIN_EXE_udp-rtt-client");
    for args in [
        &["--port", "70000"][..],
        &["--count", "0"],
        &["--timeout", "-1"],
        &["--count", "x"],
    ] {
        Client::new(client)
            .args(args)
            .run()
            .expect_code(2)
            .expect_err("error: ");
    }
}
