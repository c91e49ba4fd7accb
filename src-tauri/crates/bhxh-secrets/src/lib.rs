//! Secrets of BHXH Desk, kept only in the operating system's keyring.
//!
//! The database key, the file-store key and the HQ sync token never touch a
//! file: they live in Windows Credential Manager, the macOS Keychain or the
//! Secret Service on Linux (GNOME Keyring, KWallet), reached through
//! `keyring-core` and the store crate for each OS.
//!
//! When no keyring is reachable this crate says so ([`SecretError::Unavailable`]);
//! it never falls back to a plain file or an in-memory store.

use std::fmt;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use zeroize::Zeroizing;

/// Everything that can go wrong when reaching the keyring.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No keyring service answered (no D-Bus session, no Secret Service daemon, …).
    #[error(
        "Không kết nối được kho khóa bí mật của hệ điều hành ({backend}). \
         Chi tiết: {detail}"
    )]
    Unavailable {
        backend: &'static str,
        detail: String,
    },
    /// The keyring answered but refused access (typically: it is locked).
    #[error(
        "Kho khóa bí mật của hệ điều hành từ chối truy cập (có thể đang bị khóa). Chi tiết: {0}"
    )]
    Locked(String),
    /// A secret was found but is not in the expected form.
    #[error("Mục \"{name}\" trong kho khóa bí mật không đúng định dạng: {detail}")]
    Malformed { name: String, detail: String },
    /// Any other failure reported by the keyring.
    #[error("Kho khóa bí mật báo lỗi khi xử lý mục \"{name}\": {detail}")]
    Platform { name: String, detail: String },
    /// The system random generator failed.
    #[error("Không tạo được khóa ngẫu nhiên: {0}")]
    Random(String),
}

impl SecretError {
    /// What the user (or IT staff) can do about it, in Vietnamese.
    pub fn hint(&self) -> &'static str {
        match self {
            SecretError::Unavailable { .. } => KEYRING_HINT,
            SecretError::Locked(_) => {
                "Mở khóa kho khóa bí mật (đăng nhập lại phiên làm việc của hệ điều hành), rồi mở lại BHXH Desk."
            }
            SecretError::Malformed { .. } | SecretError::Platform { .. } => {
                "Liên hệ bộ phận CNTT: kho khóa bí mật cần được kiểm tra; dữ liệu có thể khôi phục từ bản sao lưu."
            }
            SecretError::Random(_) => "Khởi động lại máy tính rồi thử lại.",
        }
    }
}

#[cfg(target_os = "linux")]
const KEYRING_HINT: &str = "Trên Linux, BHXH Desk cần dịch vụ Secret Service (GNOME Keyring hoặc KWallet) \
trong phiên đăng nhập: cài gói gnome-keyring, đăng nhập vào phiên đồ họa để kho khóa được mở khóa, \
rồi mở lại BHXH Desk. Khóa không bao giờ được lưu ra tệp.";
#[cfg(windows)]
const KEYRING_HINT: &str = "BHXH Desk dùng Windows Credential Manager: hãy đăng nhập Windows bằng tài khoản \
của mình (không dùng tài khoản dịch vụ) rồi mở lại BHXH Desk.";
#[cfg(target_os = "macos")]
const KEYRING_HINT: &str =
    "BHXH Desk dùng macOS Keychain: hãy mở khóa Keychain rồi mở lại BHXH Desk.";
#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
const KEYRING_HINT: &str = "Hệ điều hành này chưa có kho khóa bí mật được hỗ trợ.";

/// A 256-bit random key that wipes itself from memory when dropped.
#[derive(Clone)]
pub struct Key256(Zeroizing<[u8; 32]>);

impl Key256 {
    /// A fresh key from the operating system's random generator.
    pub fn generate() -> Result<Self, SecretError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| SecretError::Random(e.to_string()))?;
        Ok(Key256(bytes))
    }

    /// Build a key from exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(Key256(Zeroizing::new(arr)))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, as SQLCipher's raw-key syntax wants it.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }
}

impl fmt::Debug for Key256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key256(…)")
    }
}

/// The OS keyring, under one service name (`bhxh-desk` in production).
#[derive(Clone)]
pub struct Keyring {
    store: Arc<CredentialStore>,
    service: String,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("backend", &BACKEND)
            .field("service", &self.service)
            .finish()
    }
}

#[cfg(target_os = "linux")]
const BACKEND: &str = "Secret Service";
#[cfg(windows)]
const BACKEND: &str = "Windows Credential Manager";
#[cfg(target_os = "macos")]
const BACKEND: &str = "macOS Keychain";
#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
const BACKEND: &str = "không có";

impl Keyring {
    /// Connect to this operating system's native keyring.
    pub fn open_native(service: &str) -> Result<Self, SecretError> {
        let store = native_store()?;
        Ok(Keyring {
            store,
            service: service.to_owned(),
        })
    }

    /// The name of the keyring backend, for messages and logs.
    pub fn backend(&self) -> &'static str {
        BACKEND
    }

    fn entry(&self, name: &str) -> Result<Entry, SecretError> {
        Entry::new_in_store(&self.store, &self.service, name).map_err(|e| map_err(name, e))
    }

    /// Read a secret; `Ok(None)` when there is no such entry.
    pub fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SecretError> {
        match self.entry(name)?.get_secret() {
            Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(name, e)),
        }
    }

    /// Create or replace a secret.
    pub fn set(&self, name: &str, secret: &[u8]) -> Result<(), SecretError> {
        self.entry(name)?
            .set_secret(secret)
            .map_err(|e| map_err(name, e))
    }

    /// Remove a secret; removing one that is absent is not an error.
    pub fn delete(&self, name: &str) -> Result<(), SecretError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(name, e)),
        }
    }

    /// Read a 256-bit key stored under `name`.
    pub fn get_key(&self, name: &str) -> Result<Option<Key256>, SecretError> {
        let Some(bytes) = self.get(name)? else {
            return Ok(None);
        };
        Key256::from_bytes(&bytes)
            .map(Some)
            .ok_or_else(|| SecretError::Malformed {
                name: name.to_owned(),
                detail: format!("cần 32 byte, có {} byte", bytes.len()),
            })
    }

    /// Store a 256-bit key under `name`, then read it back to be sure the
    /// keyring really kept it (a key that was not kept means lost data).
    pub fn put_key(&self, name: &str, key: &Key256) -> Result<(), SecretError> {
        self.set(name, key.as_bytes())?;
        match self.get_key(name)? {
            Some(back) if back.as_bytes() == key.as_bytes() => Ok(()),
            _ => Err(SecretError::Platform {
                name: name.to_owned(),
                detail: "khóa vừa ghi không đọc lại được".to_owned(),
            }),
        }
    }
}

fn map_err(name: &str, e: keyring_core::Error) -> SecretError {
    match e {
        keyring_core::Error::NoStorageAccess(detail) => SecretError::Locked(detail.to_string()),
        keyring_core::Error::PlatformFailure(detail) => SecretError::Unavailable {
            backend: BACKEND,
            detail: detail.to_string(),
        },
        keyring_core::Error::NoDefaultStore => SecretError::Unavailable {
            backend: BACKEND,
            detail: "chưa có kho khóa".to_owned(),
        },
        keyring_core::Error::BadEncoding(_) | keyring_core::Error::BadDataFormat(..) => {
            SecretError::Malformed {
                name: name.to_owned(),
                detail: e.to_string(),
            }
        }
        other => SecretError::Platform {
            name: name.to_owned(),
            detail: other.to_string(),
        },
    }
}

#[cfg(target_os = "linux")]
fn native_store() -> Result<Arc<CredentialStore>, SecretError> {
    let store =
        zbus_secret_service_keyring_store::Store::new().map_err(|e| SecretError::Unavailable {
            backend: BACKEND,
            detail: e.to_string(),
        })?;
    Ok(store)
}

#[cfg(windows)]
fn native_store() -> Result<Arc<CredentialStore>, SecretError> {
    let store =
        windows_native_keyring_store::Store::new().map_err(|e| SecretError::Unavailable {
            backend: BACKEND,
            detail: e.to_string(),
        })?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn native_store() -> Result<Arc<CredentialStore>, SecretError> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(|e| {
        SecretError::Unavailable {
            backend: BACKEND,
            detail: e.to_string(),
        }
    })?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
fn native_store() -> Result<Arc<CredentialStore>, SecretError> {
    Err(SecretError::Unavailable {
        backend: BACKEND,
        detail: "hệ điều hành không được hỗ trợ".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_differ_and_round_trip_through_bytes() {
        let a = Key256::generate().unwrap();
        let b = Key256::generate().unwrap();
        assert_ne!(a.as_bytes(), b.as_bytes());
        let c = Key256::from_bytes(a.as_bytes()).unwrap();
        assert_eq!(a.as_bytes(), c.as_bytes());
        assert_eq!(a.to_hex().len(), 64);
        assert!(Key256::from_bytes(&[0u8; 31]).is_none());
    }

    #[test]
    fn debug_never_prints_key_material() {
        let k = Key256::from_bytes(&[0xAB; 32]).unwrap();
        assert!(!format!("{k:?}").contains("ab"));
        assert!(!format!("{k:?}").contains("171"));
    }
}
