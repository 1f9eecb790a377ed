//! `tcp-upper-server`: answers what each connection sends, in capitals. See `socket_labs::uppercase::tcp_server`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::uppercase::tcp_server::run)
}
