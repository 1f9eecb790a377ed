//! `file-server`: serves the files of a folder word by word (Assignment 3,
//! Part 1). See `socket_labs::file_transfer::server`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::file_transfer::server::run)
}
