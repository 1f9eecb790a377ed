//! `file-client`: fetches a file from `file-server` word by word and saves the
//! copy (Assignment 3, Part 1). See `socket_labs::file_transfer::client`.
fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::file_transfer::client::run)
}
