//! `udp-upper-server`: replies to every datagram with its text in capitals. See `socket_labs::uppercase::udp_server`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::uppercase::udp_server::run)
}
