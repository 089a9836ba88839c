//! The `pipit` binary: everything happens in the library's `cli::run`.

fn main() -> std::process::ExitCode {
    pipit::cli::run(std::env::args_os())
}
