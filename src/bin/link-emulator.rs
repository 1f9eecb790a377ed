//! `link-emulator`: a relay that makes the path between a client and a server
//! slow, jittery and lossy; see `socket_labs::link_emulator`.

fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::link_emulator::run)
}
