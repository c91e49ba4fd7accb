//! The private temporary file a job goes through: a directory of its own
//! (0700) under the temporary folder (`TMPDIR`, else `/tmp`), the file in it
//! 0600, both removed when the [`SpoolFile`] is dropped — after the print
//! system took the job, or on any error. A process killed in between leaves
//! its directory behind: [`sweep`] removes such leftovers, which the desk
//! does when it opens.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::PrintError;

/// The name every private job directory starts with.
const PREFIX: &str = "bhxh-desk-in-";

/// Remove the job directories under `root` (the temporary folder when
/// `None`) older than `age`: what a process killed while printing left.
/// Returns how many went; what cannot be removed (another user's) is left.
pub fn sweep(root: Option<&Path>, age: std::time::Duration) -> usize {
    let root = root.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let Ok(entries) = std::fs::read_dir(&root) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        if !name.to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|elapsed| elapsed >= age);
        if old
            && e.file_type().is_ok_and(|t| t.is_dir())
            && std::fs::remove_dir_all(e.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

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
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        builder.prefix(PREFIX);
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

    #[test]
    fn leftovers_of_a_killed_print_are_swept_and_nothing_else() {
        let root = tempfile::tempdir().unwrap();
        let left = SpoolFile::new_in(root.path(), "job.pdf", b"%PDF").unwrap();
        let dir = left.dir().to_path_buf();
        // As if the process died: the directory stays.
        std::mem::forget(left);
        std::fs::create_dir(root.path().join("other")).unwrap();
        assert_eq!(
            sweep(Some(root.path()), std::time::Duration::from_secs(3600)),
            0
        );
        assert!(dir.exists());
        assert_eq!(sweep(Some(root.path()), std::time::Duration::ZERO), 1);
        assert!(!dir.exists());
        assert!(root.path().join("other").exists());
    }
}
