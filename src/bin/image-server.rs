//! `image-server`: sends a file (an image) to each client, then closes.
//! See `socket_labs::image_transfer::server`.

fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::image_transfer::server::run)
}
