//! The Windows spooler driven from the command line, for running it under
//! Wine against a private CUPS (`scripts/check-windows.sh --wine`): prints
//! the queues as the spooler lists them, one per line ("* " before the
//! default), then, given a PDF, prints it on the default queue and says the
//! job id or the error.
//!
//! `spooler_probe.exe [FILE.pdf]`

#[cfg(windows)]
fn main() -> std::process::ExitCode {
    use bhxh_print::{Printer, Spooler};
    let queues = match Spooler.queues() {
        Ok(q) => q,
        Err(e) => {
            println!("error {}: {e}", e.cause());
            return std::process::ExitCode::from(1);
        }
    };
    for q in &queues {
        println!("{}{}", if q.is_default { "* " } else { "  " }, q.name);
    }
    let Some(path) = std::env::args().nth(1) else {
        return std::process::ExitCode::SUCCESS;
    };
    let pdf = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            println!("error io: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match Spooler.print_pdf(None, "BHXH Desk - probe", &pdf) {
        Ok(s) => {
            println!("job {} {}", s.queue, s.job_id);
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            println!("error {}: {e}", e.cause());
            std::process::ExitCode::from(1)
        }
    }
}

#[cfg(not(windows))]
fn main() {
    eprintln!(
        "spooler_probe chạy trên Windows (hoặc Wine): cargo build --target x86_64-pc-windows-gnu"
    );
}
