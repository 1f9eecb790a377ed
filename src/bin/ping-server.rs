//! `ping-server`: UDP echo for `ping-client`; see `socket_labs::ping::server`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::ping::server::run)
}
