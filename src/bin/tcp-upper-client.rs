//! `tcp-upper-client`: sends a sentence over a fresh connection and prints the reply. See `socket_labs::uppercase::tcp_client`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::uppercase::tcp_client::run)
}
