//! `ping-client`: RTT and loss over UDP; see `socket_labs::ping::client`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::ping::client::run)
}
