//! `dual-stack-client`: pick IPv4 or IPv6, connect, and echo lines.
//! See `socket_labs::dual_stack::client`.

fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::dual_stack::client::run)
}
