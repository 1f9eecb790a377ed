//! `perf-client`: iperf-like UDP measurement; see `socket_labs::perf::client`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::perf::client::run)
}
