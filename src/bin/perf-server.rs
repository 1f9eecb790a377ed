//! `perf-server`: silent UDP echo for `perf-client`; see `socket_labs::perf::server`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::perf::server::run)
}
