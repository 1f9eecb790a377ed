//! # socket-labs: classic socket-programming labs in plain Rust
//!
//! (The front page is completed as the exercises land; see `README.md`.)

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
pub mod clock;
pub mod error;
pub mod link_emulator;
pub mod net;
pub mod output;
pub mod perf;
pub mod ping;
pub mod prompt;
pub mod rng;
pub mod server;
pub mod stats;
pub mod svg;
pub mod tour;
