//! `no-server`: what TCP and UDP clients see when no server is listening
//! (Experiment 4, Task 5). See `socket_labs::no_server` for the lesson.

fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::no_server::run)
}
