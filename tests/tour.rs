//! `cargo run` (the tour) runs every exercise and passes.

mod support;

use std::time::Duration;
use support::{Client, TempDir};

#[test]
fn the_tour_passes_every_stop() {
    let dir = TempDir::new();
    let out_dir = dir.join("tour");
    let out = Client::new(env!("CARGO_BIN_EXE_tour"))
        .args(&["--out-dir", out_dir.to_str().unwrap()])
        .limit(Duration::from_secs(60))
        .run();
    out.expect_code(0).expect_out("== summary ==");
    let summary = out.out();
    let last = summary.lines().last().unwrap_or("");
    assert!(last.ends_with(" passed, 0 failed"), "{}", out.report());
    assert!(!summary.contains("FAIL "), "{}", out.report());
}

#[test]
fn the_tour_can_run_one_stop_and_rejects_unknown_ones() {
    let out = Client::new(env!("CARGO_BIN_EXE_tour")).args(&["--only", "tcp-upper"]).run();
    out.expect_code(0).expect_out("1 passed, 0 failed");
    Client::new(env!("CARGO_BIN_EXE_tour"))
        .args(&["--only", "no-such-stop"])
        .run()
        .expect_code(2)
        .expect_err("no tour stop matches 'no-such-stop'");
}
