//! `bhxh-hq`: BHXH Desk's HQ server and its admin commands.

fn main() -> std::process::ExitCode {
    bhxh_hq::cli::main_with_args(std::env::args_os())
}
