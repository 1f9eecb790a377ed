//! `tcp-rtt-client`: times the handshake and the request/reply with tcp-upper-server. See `socket_labs::rtt::tcp_client`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::rtt::tcp_client::run)
}
