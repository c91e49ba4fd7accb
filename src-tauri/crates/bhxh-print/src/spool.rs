//! The private temporary file a job goes through: a directory of its own
//! (0700) under the temporary folder (`TMPDIR`, else `/tmp`), the file in it
//! 0600, both removed when the [`SpoolFile`] is dropped — after the print
//! system took the job, or on any error.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::PrintError;

/// A private copy of a job's bytes, removed on drop.
#[derive(Debug)]
pub struct SpoolFile {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl SpoolFile {
    /// Write `bytes` into a new private file named `name` (no path).
    pub fn new(name: &str, bytes: &[u8]) -> Result<SpoolFile, PrintError> {
        Self::new_in(&std::env::temp_dir(), name, bytes)
    }

    /// The same under `root` instead of the temporary folder.
    pub fn new_in(root: &Path, name: &str, bytes: &[u8]) -> Result<SpoolFile, PrintError> {
        let io = |what: &str| {
            let what = what.to_owned();
            move |source| PrintError::Io { what, source }
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix("bhxh-desk-in-");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let dir = builder.tempdir_in(root).map_err(io("thư mục tạm riêng"))?;
        let path = dir.path().join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&path).map_err(io("tệp tạm"))?;
        f.write_all(bytes).map_err(io("tệp tạm"))?;
        f.flush().map_err(io("tệp tạm"))?;
        Ok(SpoolFile { dir, path })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_private_and_gone_on_drop() {
        let root = tempfile::tempdir().unwrap();
        let f = SpoolFile::new_in(root.path(), "job.pdf", b"%PDF-1.7").unwrap();
        assert_eq!(std::fs::read(f.path()).unwrap(), b"%PDF-1.7");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(f.path()), 0o600);
            assert_eq!(mode(f.dir()), 0o700);
        }
        drop(f);
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    }
}
