//! CUPS through its client commands: `lpstat -r` (is the scheduler
//! running), `lpstat -e` (the queues), `lpstat -d` (the default), and
//! `lp -d QUEUE -t TITLE FILE` (a job; it answers "request id is desk-1
//! (1 file(s))"). The commands run in the C locale, so their answers are
//! read the same everywhere; the server is `CUPS_SERVER`'s (or the local
//! scheduler), passed on as `-h`.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use crate::spool::SpoolFile;
use crate::{PrintError, Printer, Queue, Submitted, find_program};

/// The CUPS print system.
#[derive(Debug, Clone, Default)]
pub struct Cups {
    server: Option<String>,
    temp_root: Option<PathBuf>,
}

impl Cups {
    /// The scheduler every CUPS client would use: `CUPS_SERVER` when set,
    /// else the local one.
    pub fn from_env() -> Cups {
        Cups {
            server: std::env::var("CUPS_SERVER")
                .ok()
                .filter(|s| !s.trim().is_empty()),
            temp_root: None,
        }
    }

    /// The scheduler at `server` (`127.0.0.1:631`, or a socket path).
    pub fn with_server(server: impl Into<String>) -> Cups {
        Cups {
            server: Some(server.into()),
            temp_root: None,
        }
    }

    /// Put the private temporary files under `dir` instead of the
    /// temporary folder.
    pub fn temp_root(mut self, dir: impl Into<PathBuf>) -> Cups {
        self.temp_root = Some(dir.into());
        self
    }

    fn run(&self, program: &'static str, args: &[&std::ffi::OsStr]) -> Result<Output, PrintError> {
        let path = find_program(program).ok_or(PrintError::ClientMissing { program })?;
        let mut cmd = Command::new(path);
        cmd.env("LC_ALL", "C")
            .env("LANG", "C")
            .env_remove("LANGUAGE")
            .stdin(Stdio::null());
        if let Some(server) = &self.server {
            cmd.arg("-h").arg(server);
        }
        cmd.args(args).output().map_err(|source| PrintError::Io {
            what: program.to_owned(),
            source,
        })
    }

    fn lpstat(&self, flag: &str) -> Result<Output, PrintError> {
        self.run("lpstat", &[flag.as_ref()])
    }

    /// Whether the scheduler answers.
    fn running(&self) -> Result<bool, PrintError> {
        let out = self.lpstat("-r")?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l.trim() == "scheduler is running"))
    }

    fn not_running(&self) -> PrintError {
        PrintError::NotRunning {
            server: self.server.clone(),
        }
    }

    fn default_queue(&self) -> Result<Option<String>, PrintError> {
        let out = self.lpstat("-d")?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("system default destination:"))
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty()))
    }
}

impl Printer for Cups {
    fn queues(&self) -> Result<Vec<Queue>, PrintError> {
        if !self.running()? {
            return Err(self.not_running());
        }
        let out = self.lpstat("-e")?;
        let default = self.default_queue()?;
        let names = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>();
        Ok(crate::queue_list(names, default.as_deref()))
    }

    fn print_pdf(
        &self,
        queue: Option<&str>,
        title: &str,
        pdf: &[u8],
    ) -> Result<Submitted, PrintError> {
        let queue = crate::choose_queue(&self.queues()?, queue)?;
        let spool = match &self.temp_root {
            Some(root) => SpoolFile::new_in(root, "giay.pdf", pdf)?,
            None => SpoolFile::new("giay.pdf", pdf)?,
        };
        let out = self.run(
            "lp",
            &[
                "-d".as_ref(),
                queue.as_ref(),
                "-t".as_ref(),
                title.as_ref(),
                "--".as_ref(),
                spool.path().as_os_str(),
            ],
        );
        // lp has copied the job into the scheduler's spool (or failed): the
        // private copy goes now, whatever happened.
        drop(spool);
        let out = out?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success()
            && let Some(job_id) = parse_request_id(&stdout)
        {
            return Ok(Submitted { queue, job_id });
        }
        if stderr.contains("does not exist") {
            if !self.running()? {
                return Err(self.not_running());
            }
            return Err(PrintError::UnknownQueue { queue });
        }
        if !self.running()? {
            return Err(self.not_running());
        }
        let detail = [stderr.trim(), stdout.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Err(PrintError::Refused {
            detail: if detail.is_empty() {
                format!("lp kết thúc với {}", out.status)
            } else {
                detail
            },
        })
    }
}

/// The job id in lp's answer: "request id is desk-1 (1 file(s))" → "desk-1".
fn parse_request_id(stdout: &str) -> Option<String> {
    stdout.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("request id is ")?;
        let id = rest.split_whitespace().next()?;
        (!id.is_empty()).then(|| id.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_id_is_read_from_lps_answer() {
        assert_eq!(
            parse_request_id("request id is desk-1 (1 file(s))\n").as_deref(),
            Some("desk-1")
        );
        assert_eq!(
            parse_request_id("request id is Máy_in-27 (1 file(s))").as_deref(),
            Some("Máy_in-27")
        );
        assert_eq!(parse_request_id("lp: Error"), None);
    }
}
