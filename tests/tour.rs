//! `cargo run` (the tour) runs every exercise and passes.

mod support;

use std::time::Duration;
use support::{Client, TempDir};

#[test]
fn the_tour_passes_every_stop() {
    // Run from a scratch folder with a relative --out-dir, as `cargo run` does
    // from the repository, so the paths the tour prints are short.
    let dir = TempDir::new();
    let out = Client::new(env!("CARGO_BIN_EXE_tour"))
        .dir(dir.path())
        .args(&["--out-dir", "target/tour"])
        .limit(Duration::from_secs(60))
        .run();
    out.expect_code(0).expect_out("== summary ==");
    let summary = out.out();
    let last = summary.lines().last().unwrap_or("");
    assert!(last.ends_with(" passed, 0 failed"), "{}", out.report());
    assert!(!summary.contains("FAIL "), "{}", out.report());
    // Default output fits 100 columns (a peer's long name could not, so the
    // tour's own names are short).
    let wide = summary.lines().find(|l| l.chars().count() > 100);
    assert_eq!(wide, None, "a tour line is wider than 100 columns");
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
