//! `bhxh-desk-cli`: BHXH Desk's commands without the window.

fn main() -> std::process::ExitCode {
    match bhxh_cli::dispatch(std::env::args_os()) {
        bhxh_cli::Invocation::Exit(code) => code,
        bhxh_cli::Invocation::Gui { .. } => {
            eprintln!(
                "Cửa sổ BHXH Desk chỉ có trong chương trình bhxh-desk; bhxh-desk-cli chỉ chạy lệnh."
            );
            std::process::ExitCode::from(2)
        }
    }
}
