//! The sealed file store of digitised papers, beside the database: its key
//! lives only in the OS keyring, it is opened once per desk, and `db check`
//! re-verifies every file in it.

use std::sync::Arc;

use bhxh_files::FileStore;
use bhxh_secrets::Key256;

use crate::{Desk, DeskError};

impl Desk {
    /// The sealed store of digitised papers; its key is made at first use
    /// and kept only in the OS keyring. Never made again: when the key is
    /// missing while sealed files are there, a new key would make every one
    /// of them unreadable, so this refuses ([`DeskError::FilesKeyMissing`]).
    pub(crate) fn files(&self) -> Result<Arc<FileStore>, DeskError> {
        let mut cached = self
            .files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(store) = cached.as_ref() {
            return Ok(Arc::clone(store));
        }
        let name = self.dir.files_key_name();
        let key = match self.keyring.get_key(&name)? {
            Some(k) => k,
            None => {
                // Under the key lock: another process may be making it now.
                let _lock = self.dir.lock_keys()?;
                match self.keyring.get_key(&name)? {
                    Some(k) => k,
                    None => {
                        let files_dir = self.dir.files_dir();
                        let sealed_files = bhxh_files::sealed_count(&files_dir)?;
                        if sealed_files > 0 {
                            return Err(DeskError::FilesKeyMissing {
                                dir: files_dir,
                                sealed_files,
                            });
                        }
                        let k = bhxh_secrets::Key256::generate()?;
                        self.keyring.put_key(&name, &k)?;
                        k
                    }
                }
            }
        };
        let store = Arc::new(FileStore::open(&self.dir.files_dir(), &key)?);
        *cached = Some(Arc::clone(&store));
        Ok(store)
    }

    /// The key that signs the QR codes of the papers this store prints
    /// (HMAC, `bhxh_core::dossiers::qr`): kept only in the OS keyring, made
    /// at first use, never over an entry that exists. Losing it loses no
    /// data: receipts printed before it are then refused as covers by the
    /// scan inbox (their parts go to triage) until printed again.
    pub(crate) fn paper_key(&self) -> Result<Key256, DeskError> {
        let mut cached = self
            .paper_key
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(key) = cached.as_ref() {
            return Ok(key.clone());
        }
        let name = self.dir.paper_key_name();
        let key = match self.keyring.get_key(&name)? {
            Some(k) => k,
            None => {
                let _lock = self.dir.lock_keys()?;
                match self.keyring.get_key(&name)? {
                    Some(k) => k,
                    None => {
                        let k = Key256::generate()?;
                        self.keyring.put_key(&name, &k)?;
                        k
                    }
                }
            }
        };
        *cached = Some(key.clone());
        Ok(key)
    }

    /// Sealed files no record refers to, an hour old or more (debris of an
    /// import interrupted before it committed; never a file another desk
    /// is recording right now), are removed. Everything a record refers to
    /// (papers, results, the scan inbox's files, progress evidence) is kept.
    pub(crate) fn sweep_files(&self, store: &FileStore) -> Result<(), DeskError> {
        let referenced = bhxh_core::progress::evidence::sealed_in_use(&*self.store.conn()?)?
            .into_iter()
            .collect();
        let swept = store.sweep_unreferenced(&referenced, std::time::Duration::from_secs(3600))?;
        if swept > 0 {
            tracing::info!(swept, "removed sealed files no record refers to");
        }
        Ok(())
    }

    /// Re-verify every sealed file and that each file the store refers to
    /// is there: the problems found (empty when all is well).
    pub fn files_check(&self) -> Result<Vec<String>, DeskError> {
        let referenced = bhxh_core::progress::evidence::sealed_in_use(&*self.store.conn()?)?;
        if !self.dir.files_dir().exists() {
            return Ok(referenced
                .iter()
                .map(|h| format!("Thiếu tệp {h} trong kho tệp số hóa."))
                .collect());
        }
        let store = match self.files() {
            Ok(store) => store,
            // Said as a problem of the check, not a failure of it.
            Err(e @ DeskError::FilesKeyMissing { .. }) => return Ok(vec![e.to_string()]),
            Err(e) => return Err(e),
        };
        let mut problems: Vec<String> =
            store.verify_all()?.into_iter().map(|p| p.message).collect();
        for h in referenced {
            if !store.contains(&h) {
                problems.push(format!("Thiếu tệp {h} trong kho tệp số hóa."));
            }
        }
        Ok(problems)
    }
}
