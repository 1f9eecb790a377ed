//! `rtt-compare`: UDP and TCP round trips side by side (Experiment 4, Task 4).
//! See `socket_labs::rtt::compare` for the lesson.

fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::rtt::compare::run)
}
