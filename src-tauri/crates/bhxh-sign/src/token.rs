//! The office's USB token through PKCS#11 (`cryptoki`): which tokens are
//! inserted, which signing keys they hold (each with its certificate), and a
//! signing session opened with the PIN the officer types.
//!
//! The PIN is never stored and never retried: one wrong PIN is one failed
//! login, reported with what the token says about the tries left
//! (`CKF_USER_PIN_COUNT_LOW`, `CKF_USER_PIN_FINAL_TRY`, `CKF_USER_PIN_LOCKED`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use bhxh_emrtd::lds::sod::StoredCertificate;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use sha2::Digest;

use crate::error::{PinTries, SignError};

/// Where the Vietnamese CAs' token drivers usually install their PKCS#11
/// module, offered to the administrator when present (plus SoftHSM2 and
/// OpenSC, which tests and some offices use).
pub const KNOWN_MODULES: &[(&str, &str)] = &[
    ("VNPT-CA", "/usr/lib/libvnpt-ca.so"),
    ("Viettel-CA", "/usr/lib/libViettel-CA_v6.so"),
    ("FPT-CA", "/usr/lib/libfpt-ca.so"),
    ("BKAV-CA", "/usr/lib/libbkavca.so"),
    ("SafeNet eToken (VGCA, MISA-CA)", "/usr/lib/libeTPkcs11.so"),
    ("OpenSC", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
    ("SoftHSM2", "/usr/lib/softhsm/libsofthsm2.so"),
    (
        "VNPT-CA (Windows)",
        "C:\\Windows\\System32\\vnpt-ca_csp11.dll",
    ),
    (
        "Viettel-CA (Windows)",
        "C:\\Windows\\System32\\viettel-ca_v6.dll",
    ),
    (
        "SafeNet eToken (Windows)",
        "C:\\Windows\\System32\\eTPKCS11.dll",
    ),
];

/// The known modules installed on this machine: (name, path).
pub fn installed_modules() -> Vec<(String, PathBuf)> {
    KNOWN_MODULES
        .iter()
        .filter(|(_, p)| Path::new(p).is_file())
        .map(|(n, p)| ((*n).to_owned(), PathBuf::from(p)))
        .collect()
}

/// One PKCS#11 context per module file for the whole process: a module is
/// initialised once (a second `C_Initialize` fails), and finalising it while
/// another part of the program uses it would pull the token from under it.
fn context(path: &Path) -> Result<Pkcs11, SignError> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let module_err = |detail: String| SignError::Module {
        path: path.to_owned(),
        detail,
    };
    if !path.is_file() {
        return Err(module_err("không có tệp này".into()));
    }
    let key = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let map = CONTEXTS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = map
        .lock()
        .map_err(|_| module_err("trạng thái nội bộ bị hỏng".into()))?;
    if let Some(ctx) = map.get(&key) {
        return Ok(ctx.clone());
    }
    let ctx = Pkcs11::new(&key).map_err(|e| module_err(e.to_string()))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(module_err(e.to_string())),
    }
    map.insert(key, ctx.clone());
    Ok(ctx)
}

/// A token as the module lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub slot: u64,
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    /// What the token says about the user PIN.
    pub pin: PinState,
}

/// The user PIN's state, from the token's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinState {
    Ok,
    CountLow,
    FinalTry,
    Locked,
}

impl PinState {
    pub fn label_vi(self) -> &'static str {
        match self {
            PinState::Ok => "bình thường",
            PinState::CountLow => "đã nhập sai PIN, còn ít lần thử",
            PinState::FinalTry => "chỉ còn một lần thử PIN",
            PinState::Locked => "PIN đã bị khóa",
        }
    }
}

/// A signing key with its certificate, as the token lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub label: String,
    pub id_hex: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    /// Validity end, `YYYY-MM-DD HH:MM:SS UTC`.
    pub not_after: String,
}

/// A loaded PKCS#11 module.
pub struct Module {
    ctx: Pkcs11,
    path: PathBuf,
}

fn ck(during: &'static str) -> impl Fn(CkError) -> SignError {
    move |e| match e {
        CkError::Pkcs11(RvError::DeviceRemoved | RvError::TokenNotPresent, _) => {
            SignError::TokenRemoved
        }
        CkError::Pkcs11(RvError::PinLocked, _) => SignError::PinLocked,
        other => SignError::Token {
            during,
            detail: other.to_string(),
        },
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

impl Module {
    /// Load the module at `path` (the token's driver).
    pub fn open(path: &Path) -> Result<Self, SignError> {
        Ok(Self {
            ctx: context(path)?,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tokens inserted now. A slot whose token cannot be read at this
    /// moment — pulled out between the two questions, or gone from under a
    /// driver that still lists its slot (SoftHSM2 answers
    /// `CKR_GENERAL_ERROR` for a deleted token) — is left out: to the
    /// officer that token is not there.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>, SignError> {
        let slots = self
            .ctx
            .get_slots_with_token()
            .map_err(ck("liệt kê các khe cắm"))?;
        let mut out = Vec::new();
        for slot in slots {
            let Ok(info) = self.ctx.get_token_info(slot) else {
                continue;
            };
            if !info.token_initialized() {
                continue;
            }
            out.push(TokenInfo {
                slot: slot.id(),
                label: info.label().trim().to_owned(),
                manufacturer: info.manufacturer_id().trim().to_owned(),
                model: info.model().trim().to_owned(),
                serial: info.serial_number().trim().to_owned(),
                pin: pin_state(&info),
            });
        }
        Ok(out)
    }

    fn slot_of(&self, token: Option<&str>) -> Result<(Slot, TokenInfo), SignError> {
        let tokens = self.tokens()?;
        let found = match token {
            Some(label) => tokens.into_iter().find(|t| t.label == label),
            None => tokens.into_iter().next(),
        };
        let t = found.ok_or_else(|| SignError::NoToken {
            label: token.map(str::to_owned),
        })?;
        let slot = self
            .ctx
            .get_slots_with_token()
            .map_err(ck("liệt kê các khe cắm"))?
            .into_iter()
            .find(|s| s.id() == t.slot)
            .ok_or(SignError::TokenRemoved)?;
        Ok((slot, t))
    }

    /// The signing keys' certificates on a token (read without the PIN;
    /// CA certificates the token also carries are left out).
    pub fn keys(&self, token: Option<&str>) -> Result<Vec<KeyInfo>, SignError> {
        let (slot, _) = self.slot_of(token)?;
        let session = self
            .ctx
            .open_ro_session(slot)
            .map_err(ck("mở phiên làm việc"))?;
        Ok(certificates(&session)?
            .into_iter()
            .filter(|c| !c.is_ca)
            .map(|c| c.info)
            .collect())
    }

    /// Log in with `pin` and pick the signing key (`key`: its label, or the
    /// only one). The PIN is used once, for this login, and not kept.
    pub fn login(
        &self,
        token: Option<&str>,
        key: Option<&str>,
        pin: &str,
    ) -> Result<TokenSigner, SignError> {
        let (slot, info) = self.slot_of(token)?;
        if info.pin == PinState::Locked {
            return Err(SignError::PinLocked);
        }
        let ti = self
            .ctx
            .get_token_info(slot)
            .map_err(ck("đọc thông tin token"))?;
        let (min, max) = (ti.min_pin_length(), ti.max_pin_length());
        if pin.is_empty() || pin.len() < min || (max > 0 && pin.len() > max) {
            return Err(SignError::PinLength {
                min: min.max(1),
                max,
            });
        }
        let session = self
            .ctx
            .open_ro_session(slot)
            .map_err(ck("mở phiên làm việc"))?;
        let secret = AuthPin::from(pin.to_owned());
        match session.login(UserType::User, Some(&secret)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => {
                // What the token says now, after this failure.
                let tries = match self.ctx.get_token_info(slot).map(|i| pin_state(&i)) {
                    Ok(PinState::Locked) => return Err(SignError::PinLocked),
                    Ok(PinState::FinalTry) => PinTries::FinalTry,
                    Ok(PinState::CountLow) => PinTries::Low,
                    _ => PinTries::Unknown,
                };
                return Err(SignError::WrongPin { tries });
            }
            Err(CkError::Pkcs11(RvError::PinLenRange, _)) => {
                return Err(SignError::PinLength {
                    min: min.max(1),
                    max,
                });
            }
            Err(e) => return Err(ck("đăng nhập token")(e)),
        }
        let certs = certificates(&session)?;
        let keys = session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .map_err(ck("tìm khóa ký"))?;
        let mut pairs = Vec::new();
        for handle in keys {
            let (label, id, kind) = key_attributes(&session, handle)?;
            let cert = certs
                .iter()
                .find(|c| !id.is_empty() && c.id == id)
                .or_else(|| certs.iter().find(|c| !label.is_empty() && c.label == label));
            if let Some(cert) = cert {
                pairs.push((handle, label, kind, cert.clone()));
            }
        }
        let chosen = match key {
            Some(wanted) => pairs
                .into_iter()
                .find(|(_, label, _, c)| label == wanted || c.label == wanted)
                .ok_or_else(|| SignError::NoKey {
                    label: Some(wanted.to_owned()),
                })?,
            None => match pairs.len() {
                0 => return Err(SignError::NoKey { label: None }),
                1 => pairs.remove(0),
                n => {
                    return Err(SignError::KeyNotChosen {
                        count: n,
                        labels: pairs
                            .iter()
                            .map(|p| p.1.clone())
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            },
        };
        let (handle, _, kind, cert) = chosen;
        let algorithm = match kind {
            k if k == KeyType::RSA => KeyAlgorithm::Rsa,
            k if k == KeyType::EC => ec_algorithm(&cert.stored)?,
            other => return Err(SignError::KeyType(format!("{other:?}"))),
        };
        let ca_certificates = certs
            .iter()
            .filter(|c| c.is_ca)
            .map(|c| c.stored.der.clone())
            .collect();
        Ok(TokenSigner {
            session,
            key: handle,
            algorithm,
            certificate: cert.stored.der,
            ca_certificates,
        })
    }
}

fn pin_state(info: &cryptoki::slot::TokenInfo) -> PinState {
    if info.user_pin_locked() {
        PinState::Locked
    } else if info.user_pin_final_try() {
        PinState::FinalTry
    } else if info.user_pin_count_low() {
        PinState::CountLow
    } else {
        PinState::Ok
    }
}

#[derive(Clone)]
struct TokenCert {
    label: String,
    id: Vec<u8>,
    is_ca: bool,
    stored: StoredCertificate,
    info: KeyInfo,
}

fn certificates(session: &Session) -> Result<Vec<TokenCert>, SignError> {
    let handles = session
        .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
        .map_err(ck("đọc chứng thư số"))?;
    let mut out = Vec::new();
    for h in handles {
        let attrs = session
            .get_attributes(
                h,
                &[
                    AttributeType::Label,
                    AttributeType::Id,
                    AttributeType::Value,
                ],
            )
            .map_err(ck("đọc chứng thư số"))?;
        let (mut label, mut id, mut value) = (String::new(), Vec::new(), Vec::new());
        for a in attrs {
            match a {
                Attribute::Label(l) => label = text(&l),
                Attribute::Id(i) => id = i,
                Attribute::Value(v) => value = v,
                _ => {}
            }
        }
        // A certificate that does not decode is not one the desk can sign with.
        let Ok(stored) = StoredCertificate::from_der(&value) else {
            continue;
        };
        let is_ca = crate::verify::is_ca(&stored);
        let info = KeyInfo {
            label: label.clone(),
            id_hex: hex::encode(&id),
            subject: stored.subject(),
            issuer: stored.issuer(),
            serial: stored.serial(),
            not_after: bhxh_emrtd::verify::trust::format_utc(
                stored
                    .certificate
                    .tbs_certificate()
                    .validity()
                    .not_after
                    .to_unix_duration()
                    .as_secs(),
            ),
        };
        out.push(TokenCert {
            label,
            id,
            is_ca,
            stored,
            info,
        });
    }
    Ok(out)
}

fn key_attributes(
    session: &Session,
    handle: ObjectHandle,
) -> Result<(String, Vec<u8>, KeyType), SignError> {
    let attrs = session
        .get_attributes(
            handle,
            &[
                AttributeType::Label,
                AttributeType::Id,
                AttributeType::KeyType,
            ],
        )
        .map_err(ck("đọc khóa ký"))?;
    let (mut label, mut id, mut kind) = (String::new(), Vec::new(), KeyType::RSA);
    for a in attrs {
        match a {
            Attribute::Label(l) => label = text(&l),
            Attribute::Id(i) => id = i,
            Attribute::KeyType(k) => kind = k,
            _ => {}
        }
    }
    Ok((label, id, kind))
}

fn ec_algorithm(cert: &StoredCertificate) -> Result<KeyAlgorithm, SignError> {
    let spki = cert.certificate.tbs_certificate().subject_public_key_info();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<const_oid::ObjectIdentifier>().ok())
        .map(|o| o.to_string())
        .unwrap_or_default();
    match curve.as_str() {
        "1.2.840.10045.3.1.7" => Ok(KeyAlgorithm::EcdsaP256),
        "1.3.132.0.34" => Ok(KeyAlgorithm::EcdsaP384),
        other => Err(SignError::KeyType(format!("EC {other}"))),
    }
}

/// The key types the desk signs with, and the hash each signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256.
    Rsa,
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384,
}

impl KeyAlgorithm {
    /// The digest the CMS uses with this key.
    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        match self {
            KeyAlgorithm::Rsa | KeyAlgorithm::EcdsaP256 => {
                let mut h = sha2::Sha256::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().to_vec()
            }
            KeyAlgorithm::EcdsaP384 => {
                let mut h = sha2::Sha384::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().to_vec()
            }
        }
    }

    /// The digest algorithm's OID.
    pub fn digest_oid(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa | KeyAlgorithm::EcdsaP256 => "2.16.840.1.101.3.4.2.1",
            KeyAlgorithm::EcdsaP384 => "2.16.840.1.101.3.4.2.2",
        }
    }

    /// The CMS signature algorithm's OID.
    pub fn signature_oid(self) -> &'static str {
        match self {
            // sha256WithRSAEncryption
            KeyAlgorithm::Rsa => "1.2.840.113549.1.1.11",
            // ecdsa-with-SHA256 / SHA384
            KeyAlgorithm::EcdsaP256 => "1.2.840.10045.4.3.2",
            KeyAlgorithm::EcdsaP384 => "1.2.840.10045.4.3.3",
        }
    }
}

/// What signs a CMS: the token after login, or a key in tests.
pub trait RawSigner {
    /// The signer's certificate, DER.
    fn certificate(&self) -> &[u8];
    /// CA certificates the signer carries (the token's own copies), DER.
    fn ca_certificates(&self) -> &[Vec<u8>];
    fn algorithm(&self) -> KeyAlgorithm;
    /// Sign `message` (the DER of the signed attributes): PKCS#1 v1.5 for
    /// RSA, DER `Ecdsa-Sig-Value` for ECDSA, as CMS carries them.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// A logged-in token session with its chosen key.
pub struct TokenSigner {
    session: Session,
    key: ObjectHandle,
    algorithm: KeyAlgorithm,
    certificate: Vec<u8>,
    ca_certificates: Vec<Vec<u8>>,
}

/// `DigestInfo` prefix for SHA-256 (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

impl RawSigner for TokenSigner {
    fn certificate(&self) -> &[u8] {
        &self.certificate
    }
    fn ca_certificates(&self) -> &[Vec<u8>] {
        &self.ca_certificates
    }
    fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let digest = self.algorithm.digest(&[message]);
        match self.algorithm {
            KeyAlgorithm::Rsa => {
                // CKM_RSA_PKCS over the DigestInfo: every token has it, where
                // CKM_SHA256_RSA_PKCS is missing from some older ones.
                let mut info = SHA256_DIGEST_INFO.to_vec();
                info.extend_from_slice(&digest);
                self.session
                    .sign(&Mechanism::RsaPkcs, self.key, &info)
                    .map_err(ck("ký"))
            }
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => {
                let raw = self
                    .session
                    .sign(&Mechanism::Ecdsa, self.key, &digest)
                    .map_err(ck("ký"))?;
                ecdsa_der(&raw)
            }
        }
    }
}

impl Drop for TokenSigner {
    fn drop(&mut self) {
        // Best effort: closing the session logs out anyway.
        let _ = self.session.logout();
    }
}

/// PKCS#11 gives ECDSA signatures as `r ‖ s`; CMS wants
/// `SEQUENCE { INTEGER r, INTEGER s }`.
pub fn ecdsa_der(raw: &[u8]) -> Result<Vec<u8>, SignError> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return Err(SignError::Der(format!(
            "chữ ký ECDSA dài {} byte (phải là r‖s)",
            raw.len()
        )));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let int = |v: &[u8]| {
        let v = match v.iter().position(|b| *b != 0) {
            Some(i) => &v[i..],
            None => &[0u8][..],
        };
        let mut body = Vec::with_capacity(v.len() + 1);
        if v[0] & 0x80 != 0 {
            body.push(0);
        }
        body.extend_from_slice(v);
        bhxh_emrtd::lds::tlv::encode(0x02, &body)
    };
    let mut seq = int(r);
    seq.extend(int(s));
    Ok(bhxh_emrtd::lds::tlv::encode(0x30, &seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_signatures_are_der_encoded_minimally() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80; // r needs a leading zero
        raw[33] = 0x01; // s has leading zeros to drop
        let der = ecdsa_der(&raw).unwrap();
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[2..5], &[0x02, 33, 0x00]);
        let s_at = 2 + 2 + 33;
        assert_eq!(der[s_at], 0x02);
        assert_eq!(der[s_at + 1] as usize, 31);
        assert!(ecdsa_der(&[1, 2, 3]).is_err());
        assert!(ecdsa_der(&[]).is_err());
    }

    #[test]
    fn a_missing_module_is_said_plainly() {
        let Err(e) = Module::open(Path::new("/nonexistent/libtoken.so")) else {
            panic!("a missing module must not load");
        };
        assert!(
            e.to_string()
                .contains("Không nạp được trình điều khiển token")
        );
        assert_eq!(e.code(), "module");
    }
}
