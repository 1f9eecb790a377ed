//! `udp-rtt-client`: times request/reply exchanges with udp-upper-server. See `socket_labs::rtt::udp_client`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::rtt::udp_client::run)
}
