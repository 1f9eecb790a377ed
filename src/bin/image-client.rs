//! `image-client`: receives a file from image-server and saves it when complete.
//! See `socket_labs::image_transfer::client`.

fn main() -> std::process::ExitCode {
    socket_labs::cli::start(socket_labs::image_transfer::client::run)
}
