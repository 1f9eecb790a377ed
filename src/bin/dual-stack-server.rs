//! `dual-stack-server`: TCP echo on `[::]`, for IPv4 and IPv6 clients on one port.
//! See `socket_labs::dual_stack::server`.

fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::dual_stack::server::run)
}
