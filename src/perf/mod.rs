//! Part 2, Question 2 of Assignment 3: an iperf-like tool built on UDP echo.
//!
//! Read [`client`] first: it keeps datagrams in flight for a number of
//! seconds and reports, second by second, how many bytes came back and how
//! long they took. [`server`] is a silent echo.
//!
//! | original script | module | binary | default address |
//! |---|---|---|---|
//! | `server.py` (echo) | [`server`] | `perf-server` | UDP 127.0.0.1:5048 |
//! | `client.py` (iperf-like) | [`client`] | `perf-client` | |

pub mod client;
pub mod server;

/// The UDP port both programs use unless told otherwise (the original's).
pub const DEFAULT_PORT: u16 = 5048;
