//! `udp-upper-client`: sends a sentence in one datagram and prints the reply. See `socket_labs::uppercase::udp_client`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::uppercase::udp_client::run)
}
