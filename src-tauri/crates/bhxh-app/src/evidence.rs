//! Evidence files of a task's monthly progress: sealed in the desk's file
//! store (encrypted at rest, like the scans), recorded by
//! `bhxh_core::progress::evidence`, exported decrypted on request.

use std::path::PathBuf;

use bhxh_core::CoreError;
use bhxh_core::office::accounts::Role;
use bhxh_core::office::audit::{self, Event};
use bhxh_core::progress::Month;
use bhxh_core::progress::evidence::{self, Evidence, NewEvidence};

use crate::{Desk, DeskError, paths};

/// The media type the desk records, from the file name.
fn media_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "tif" | "tiff" => "image/tiff",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}

impl Desk {
    /// Attach a file as evidence of `task`'s progress in `month` (supervisor
    /// or administrator): sealed first, then recorded and audited.
    pub fn progress_evidence_add(
        &mut self,
        month: &str,
        task: u32,
        name: &str,
        bytes: &[u8],
    ) -> Result<Evidence, DeskError> {
        let actor = self.authorize(&[Role::Supervisor, Role::Administrator])?;
        let month = Month::parse(month)?;
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size == 0 || size > evidence::MAX_BYTES {
            return Err(CoreError::invalid(
                "file",
                format!(
                    "Tệp minh chứng phải có nội dung và không quá {} MB.",
                    evidence::MAX_BYTES / 1024 / 1024
                ),
            )
            .into());
        }
        let clean = evidence::clean_name(name)?;
        let sha = self.files()?.put(bytes)?;
        let now = self.now();
        let tx = self.store.write()?;
        let saved = evidence::add(
            &tx,
            &actor,
            month,
            task,
            &NewEvidence {
                sha256: &sha,
                file_name: &clean,
                media_type: media_type(&clean),
                bytes: size,
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(saved)
    }

    /// The month's evidence files.
    pub fn progress_evidence(&mut self, month: &str) -> Result<Vec<Evidence>, DeskError> {
        self.authorize(&[])?;
        Ok(evidence::list(self.store.conn(), Month::parse(month)?)?)
    }

    /// Write one evidence file, decrypted, into `dir` (created if needed);
    /// returns its path. Audited as an export.
    pub fn progress_evidence_export(
        &mut self,
        id: i64,
        dir: &std::path::Path,
    ) -> Result<PathBuf, DeskError> {
        let actor = self.authorize(&[])?;
        let e = evidence::get(self.store.conn(), id)?;
        let bytes = self.files()?.get(&e.sha256)?;
        std::fs::create_dir_all(dir).map_err(|source| DeskError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(format!("{}-NV{}-{}", e.period, e.task_number, e.file_name));
        paths::write_atomic(&path, &bytes)?;
        audit::append(
            self.store.conn(),
            &actor,
            &Event {
                action: "export",
                entity: "progress_evidence",
                entity_id: &id.to_string(),
                detail: serde_json::json!({ "file": e.file_name, "to": path.display().to_string() }),
            },
            &self.now(),
        )?;
        Ok(path)
    }

    /// The same into the Documents folder (`BHXH Desk/Minh chứng`).
    pub fn progress_evidence_export_to_documents(&mut self, id: i64) -> Result<PathBuf, DeskError> {
        let dir = self.output_dir("Minh chứng", "minh-chung")?;
        self.progress_evidence_export(id, &dir)
    }
}
