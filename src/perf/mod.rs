//! Assignment 3, Part 2 Q2: an iperf-like tool built on UDP echo.
//!
//! | original script | module | binary | default address |
//! |---|---|---|---|
//! | `server.py` (echo) | [`server`] | `perf-server` | UDP 127.0.0.1:5048 |
//! | `client.py` (iperf-like) | [`client`] | `perf-client` | |
//!
//! Read [`client`] first: it keeps datagrams in flight for a number of
//! seconds and reports, second by second, how many payload bytes came back
//! (goodput) and how long they took. [`server`] is a silent echo. The
//! handout is `docs/perf.md`.

pub mod client;
pub mod server;

/// The UDP port both programs use unless told otherwise (the original's).
pub const DEFAULT_PORT: u16 = 5048;
