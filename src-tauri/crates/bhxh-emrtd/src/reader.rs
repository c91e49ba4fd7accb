//! Reading a card end to end over any [`Transport`]: select the eMRTD application, BAC,
//! then under secure messaging every file, then parsing and passive authentication.
//!
//! ```no_run
//! # #[cfg(feature = "pcsc")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use bhxh_emrtd::pcsc_transport::Pcsc;
//! use bhxh_emrtd::reader::{AccessKey, ReadOptions, read_card};
//! use bhxh_emrtd::trust::TrustStore;
//! let pcsc = Pcsc::establish()?;
//! let reader = pcsc.wait_for_card(None, std::time::Duration::from_secs(30))?;
//! let mut card = pcsc.connect(Some(&reader))?;
//! let key = AccessKey::from_cccd("001093047064", "930105", "330105")?;
//! let (trust, _) = TrustStore::load_dir(std::path::Path::new("csca"))?;
//! let result = read_card(&mut card, &key, &trust, &ReadOptions::default(), &mut |p| {
//!     println!("{}: {}/{:?}", p.file, p.read, p.total);
//! })?;
//! println!("{}", result.verdict.render_text());
//! # Ok(()) }
//! # #[cfg(not(feature = "pcsc"))]
//! # fn main() {}
//! ```
//!
//! What the chip may answer, and what this module makes of it:
//! - `SELECT MF` is never sent (Vietnamese chips answer `6D00`); the application is selected
//!   by its AID.
//! - A data group answering `6A82` is absent, `6982` protected (DG3 needs Extended Access
//!   Control): both are recorded in [`ReadResult::unavailable`], not errors.
//! - READ BINARY: chunks of at most [`ReadOptions::max_chunk`] bytes; `6282` (end of file
//!   reached), `6Cxx` (retry with the exact length), `6B00` (offset past the end), `61xx`
//!   (GET RESPONSE), `6700` (smaller chunks); offsets above `7FFF` use the odd INS `B1`.
//! - Active Authentication: when DG15 was read, INTERNAL AUTHENTICATE with a random 8-byte
//!   challenge under secure messaging; the result is the check
//!   [`crate::verify::Check::ActiveAuthentication`] in the verdict (see [`crate::protocol::active`]).
//! - A reset card (someone else reset it) is reconnected, authenticated again and the read
//!   resumes at the same offset; a removed card ends the read with
//!   [`ReadError::is_card_removed`].

use crate::lds::com::{Com, parse_com};
use crate::lds::dg13::{Dg13, parse_dg13};
use crate::lds::dg14::parse_dg14;
use crate::lds::dg15::parse_dg15;
use crate::lds::mrz::{Mrz, parse_dg1};
use crate::lds::sod::parse_sod;
use crate::lds::{DgNumber, LdsFile};
use crate::protocol::active::{AaOutcome, CHALLENGE_LEN, internal_authenticate_command};
// The old path `reader::AccessKey`, until the callers follow.
#[doc(hidden)]
pub use crate::access::AccessKey;
use crate::protocol::bac::{BacError, BacKeys};
use crate::protocol::secure_messaging::{SecureMessaging, SmError};
use crate::transport::{RawResponse, Transport, TransportError};
use crate::verify::active::active_authentication_check;
use crate::verify::passive::{PassiveAuthReport, passive_authentication};
use crate::verify::trust::TrustStore;
use crate::verify::verdict::Verdict;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime};
use thiserror::Error;

/// The eMRTD application identifier (ICAO 9303-10).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// The file identifier of EF.COM.
pub const EF_COM: u16 = 0x011E;
/// The file identifier of EF.SOD.
pub const EF_SOD: u16 = 0x011D;

/// The largest READ BINARY chunk that fits a short secure messaging response (3DES).
pub const DEFAULT_MAX_CHUNK: u8 = 0xDF;

/// How to read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The largest READ BINARY chunk (at most [`DEFAULT_MAX_CHUNK`] under 3DES SM; some chips
    /// need `0xA0`).
    pub max_chunk: u8,
    /// Data groups to try even when neither EF.COM nor EF.SOD lists them.
    pub data_groups: Vec<DgNumber>,
    /// When certificate validity is checked; `None` = now.
    pub at: Option<SystemTime>,
    /// How many times a reset card is reconnected and the read resumed.
    pub max_resumes: u32,
    /// Run Active Authentication (INTERNAL AUTHENTICATE with the DG15 key) after the read.
    pub active_authentication: bool,
    /// Read each file by its short EF identifier (READ BINARY with P1 = `80 | SFI`), which
    /// selects it in the same command: one APDU less per file. A card that refuses it gets
    /// a SELECT instead (ICAO 9303-10 §3.6 says every LDS file has one).
    pub short_ef_ids: bool,
    /// Try PACE first when EF.CardAccess offers a protocol this crate implements; BAC when it
    /// does not, or when PACE fails and the MRZ fields are known.
    pub pace: bool,
    /// Run Chip Authentication with the DG14 key after the read (and AA), then confirm that
    /// the chip answers under the keys it agreed.
    pub chip_authentication: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_chunk: DEFAULT_MAX_CHUNK,
            data_groups: [1, 2, 13, 14, 15]
                .into_iter()
                .filter_map(DgNumber::new)
                .collect(),
            at: None,
            max_resumes: 2,
            active_authentication: true,
            short_ef_ids: true,
            pace: true,
            chip_authentication: true,
        }
    }
}

/// Progress of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The file being read.
    pub file: LdsFile,
    /// Bytes read so far.
    pub read: usize,
    /// The file's size, once its header was read.
    pub total: Option<usize>,
}

/// Why a file is not in the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// `6A82`: the card has no such file.
    Absent,
    /// `6982`: the file needs more access rights (DG3/DG4: Extended Access Control).
    Protected,
}

/// Counters of one read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadStats {
    /// Command APDUs sent (including GET RESPONSE and retries).
    pub apdus: u32,
    /// File bytes read.
    pub bytes: usize,
    /// From SELECT application to the last file byte (parsing and passive authentication
    /// not included).
    pub duration: Duration,
    /// How often a reset card was reconnected and the read resumed.
    pub resumes: u32,
}

/// Everything read from a card, parsed and judged.
#[derive(Debug, Clone)]
pub struct ReadResult {
    /// EF.COM as read.
    pub com: Option<Vec<u8>>,
    /// EF.SOD as read.
    pub sod: Option<Vec<u8>>,
    /// The data groups read, exactly as stored.
    pub data_groups: BTreeMap<DgNumber, Vec<u8>>,
    /// Files that were tried and are absent or protected.
    pub unavailable: Vec<(LdsFile, Unavailable)>,
    /// Parsed EF.COM.
    pub com_parsed: Option<Com>,
    /// The MRZ from DG1.
    pub mrz: Option<Mrz>,
    /// The Vietnamese personal data from DG13.
    pub dg13: Option<Dg13>,
    /// Files that were read but did not parse (file name and reason).
    pub parse_problems: Vec<String>,
    /// Passive authentication.
    pub report: PassiveAuthReport,
    /// The verdict for the counter.
    pub verdict: Verdict,
    /// APDU count and timing.
    pub stats: ReadStats,
    /// How the chip was opened: "BAC", or "PACE (CAN, ECDH-GM, AES-128, brainpoolP256r1)".
    pub access: String,
}

/// Why a read failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReadError {
    /// The access data typed in is malformed.
    #[error("invalid access data: {0}")]
    InvalidAccessKey(String),
    /// The APDU could not be exchanged (card removed, reader gone, …).
    #[error("{step}: {source}")]
    Transport {
        /// What was being done (`READ BINARY DG2 at offset 448`).
        step: String,
        /// The transport failure.
        source: TransportError,
    },
    /// The chip refused BAC: the access data does not match the card.
    #[error(
        "BAC failed: the chip rejected the access key ({detail}); check the ID number, date of birth and date of expiry"
    )]
    AccessDenied {
        /// The status word or check that failed.
        detail: String,
    },
    /// A command got an unexpected status word.
    #[error("{step}: the chip answered {sw:04X}")]
    Status {
        /// The command (`SELECT eMRTD application`, `READ BINARY EF.SOD at offset 0`).
        step: String,
        /// The status word.
        sw: u16,
    },
    /// A secure messaging response did not verify or decode.
    #[error("{step}: secure messaging: {source}")]
    SecureMessaging {
        /// The command.
        step: String,
        /// What was wrong.
        source: SmError,
    },
    /// The chip's answer is malformed.
    #[error("{step}: {what}")]
    BadResponse {
        /// The command.
        step: String,
        /// What was wrong.
        what: String,
    },
    /// The operating system's random generator failed.
    #[error("no randomness for BAC: {0}")]
    Random(String),
    /// Only a CAN was given, and the chip offers no PACE this crate can run.
    #[error(
        "the chip offers no PACE this reader can run; BAC needs the ID number, date of birth and date of expiry"
    )]
    NeedsMrz,
    /// PACE failed and BAC could not be tried (only a CAN was given).
    #[error(
        "PACE failed: {source}; check the CAN (on a CCCD, the last 6 digits of the ID), or give the ID number and dates"
    )]
    Pace {
        /// What failed.
        source: crate::protocol::pace::PaceError,
    },
}

impl ReadError {
    /// Whether the card was removed (or the reader lost it) during the read.
    pub fn is_card_removed(&self) -> bool {
        matches!(
            self,
            Self::Transport {
                source: TransportError::CardRemoved | TransportError::NoCard(_),
                ..
            }
        )
    }

    /// Whether the access data is wrong (or malformed).
    pub fn is_access_denied(&self) -> bool {
        match self {
            Self::AccessDenied { .. } | Self::InvalidAccessKey(_) => true,
            Self::Pace { source } => source.is_wrong_password(),
            _ => false,
        }
    }
}

/// What Chip Authentication came to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CaOutcome {
    NotAvailable,
    Unsupported(String),
    Refused { step: &'static str, sw: u16 },
    Failed(String),
    Passed(String),
}

impl CaOutcome {
    fn check(self) -> crate::verify::CheckResult {
        use crate::verify::Status;
        let (status, detail) = match self {
            CaOutcome::NotAvailable => (
                Status::NotChecked,
                "not available: DG14 offers no Chip Authentication".to_string(),
            ),
            CaOutcome::Unsupported(r) => (Status::Unverifiable, format!("not supported: {r}")),
            CaOutcome::Refused { step, sw } => (
                Status::Failed,
                format!("{step} answered {sw:04X} although DG14 offers Chip Authentication"),
            ),
            CaOutcome::Failed(r) => (Status::Failed, r),
            CaOutcome::Passed(what) => (
                Status::Passed,
                format!(
                    "the chip holds the private key of DG14 and answered under the keys it agreed ({what})"
                ),
            ),
        };
        crate::verify::CheckResult {
            check: crate::verify::Check::ChipAuthentication,
            status,
            detail,
        }
    }
}

/// The outcome of reading one file.
enum FileRead {
    Data(Vec<u8>),
    Unavailable(Unavailable),
}

/// A card session: the transport, the secure messaging state and the counters.
struct Session<'t, T: Transport + ?Sized> {
    transport: &'t mut T,
    key: AccessKey,
    /// Try PACE first ([`ReadOptions::pace`]).
    pace: bool,
    /// How the last session was opened ("BAC", "PACE (CAN, ECDH-GM, AES-128, …)").
    access: String,
    sm: Option<SecureMessaging>,
    /// The file currently selected (to re-select after a resume).
    selected: Option<u16>,
    stats: ReadStats,
    max_resumes: u32,
    /// Whether to try short EF identifiers (cleared once the card refuses one).
    short_ef_ids: bool,
}

fn random<const N: usize>() -> Result<[u8; N], ReadError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| ReadError::Random(e.to_string()))?;
    Ok(out)
}

fn select_ef(fid: u16) -> Vec<u8> {
    let [hi, lo] = fid.to_be_bytes();
    vec![0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]
}

/// The short EF identifier of an LDS file (`0101`–`0110` → 1–16, `011D` EF.SOD → 29,
/// `011E` EF.COM → 30): the low five bits of its file identifier.
fn short_ef_id(fid: u16) -> Option<u8> {
    let [hi, lo] = fid.to_be_bytes();
    let sfi = lo & 0x1F;
    (hi == 0x01 && lo & 0xE0 == 0 && (1..=30).contains(&sfi)).then_some(sfi)
}

/// The length of a complete BER-TLV object from its first bytes, if they suffice.
fn tlv_total_length(head: &[u8]) -> Option<usize> {
    let first = *head.first()?;
    let mut i = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *head.get(i)?;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i > 4 {
                return None;
            }
        }
    }
    let l0 = *head.get(i)?;
    i += 1;
    let len = match l0 {
        0..=0x7F => usize::from(l0),
        0x81..=0x84 => {
            let n = usize::from(l0 & 0x7F);
            let bytes = head.get(i..i + n)?;
            i += n;
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        }
        _ => return None,
    };
    i.checked_add(len)
}

impl<T: Transport + ?Sized> Session<'_, T> {
    /// Sends one APDU as is.
    fn raw(&mut self, step: &str, command: &[u8]) -> Result<RawResponse, ReadError> {
        self.stats.apdus = self.stats.apdus.saturating_add(1);
        self.transport
            .transmit(command)
            .map_err(|source| ReadError::Transport {
                step: step.to_string(),
                source,
            })
    }

    /// Sends one APDU, protected when a session is established.
    fn send(&mut self, step: &str, command: &[u8]) -> Result<RawResponse, ReadError> {
        let Some(sm) = self.sm.as_mut() else {
            return self.raw(step, command);
        };
        let protected = sm
            .protect(command)
            .map_err(|source| ReadError::SecureMessaging {
                step: step.to_string(),
                source,
            })?;
        let response = self.raw(step, &protected)?;
        let Some(sm) = self.sm.as_mut() else {
            return Ok(response);
        };
        let plain =
            sm.unprotect(&response.to_bytes())
                .map_err(|source| ReadError::SecureMessaging {
                    step: step.to_string(),
                    source,
                })?;
        Ok(RawResponse {
            data: plain.data,
            sw: plain.sw,
        })
    }

    /// Opens a session: PACE when EF.CardAccess offers it (and the access data gives a
    /// password), else BAC; then the eMRTD application is selected.
    fn open(&mut self) -> Result<(), ReadError> {
        self.sm = None;
        self.selected = None;
        let mut pace_failure = None;
        if self.pace
            && let Some(password) = self.key.pace_password()
            && let Some(info) = self.card_access()?
        {
            match self.run_pace(&info, &password) {
                Ok(()) => return self.select_application(),
                Err(ReadError::Pace { source }) if self.key.bac_keys().is_some() => {
                    // Vietnamese chips are reported to refuse some PACE variants: BAC next.
                    self.sm = None;
                    pace_failure = Some(source);
                }
                Err(e) => return Err(e),
            }
        }
        let Some(bac) = self.key.bac_keys() else {
            return Err(ReadError::NeedsMrz);
        };
        self.open_bac(&bac)?;
        self.access = match pace_failure {
            Some(e) => format!("BAC (PACE failed: {e})"),
            None => "BAC".into(),
        };
        Ok(())
    }

    /// EF.CardAccess, read by its short EF identifier before any application is selected
    /// (Vietnamese chips answer `SELECT MF` with `6D00`): the protocol to run, if any.
    fn card_access(&mut self) -> Result<Option<crate::protocol::pace::PaceInfo>, ReadError> {
        let step = "READ BINARY EF.CardAccess";
        let mut r = self.raw(step, &[0x00, 0xB0, 0x9C, 0x00, DEFAULT_MAX_CHUNK])?;
        if !matches!(r.sw, 0x9000 | 0x6282) || r.data.is_empty() {
            return Ok(None);
        }
        // A longer file (rare): the rest by offset, the file now being selected.
        let mut guard = 0;
        while let Some(total) = tlv_total_length(&r.data)
            && r.data.len() < total
            && guard < 64
        {
            guard += 1;
            let [hi, lo] = u16::try_from(r.data.len()).unwrap_or(0).to_be_bytes();
            let more = self.raw(step, &[0x00, 0xB0, hi & 0x7F, lo, DEFAULT_MAX_CHUNK])?;
            if !matches!(more.sw, 0x9000 | 0x6282) || more.data.is_empty() {
                break;
            }
            r.data.extend_from_slice(&more.data);
        }
        match crate::protocol::pace::parse_card_access(&r.data) {
            Ok(infos) => Ok(crate::protocol::pace::choose(&infos).cloned()),
            // A file that does not parse offers nothing usable: BAC.
            Err(_) => Ok(None),
        }
    }

    /// PACE over plain APDUs; on success, secure messaging with the session keys.
    fn run_pace(
        &mut self,
        info: &crate::protocol::pace::PaceInfo,
        password: &crate::protocol::pace::Password,
    ) -> Result<(), ReadError> {
        use crate::protocol::pace::{Answer, PaceError};
        let mut transport_error = None;
        let mut transmit = |step: &'static str, cmd: &[u8]| match self.raw(step, cmd) {
            Ok(r) => Ok(Answer {
                data: r.data,
                sw: r.sw,
            }),
            Err(e) => {
                let msg = e.to_string();
                transport_error = Some(e);
                Err(PaceError::BadResponse { step, what: msg })
            }
        };
        let outcome = crate::protocol::pace::establish(
            &mut transmit,
            info,
            password,
            &mut crate::protocol::pace::random_scalar,
        );
        if let Some(e) = transport_error {
            // A removed or reset card is not a PACE failure: resume or report it as such.
            return Err(e);
        }
        let done = outcome.map_err(|source| ReadError::Pace { source })?;
        self.sm = Some(done.sm);
        self.access = done.description;
        Ok(())
    }

    /// SELECT the eMRTD application (under secure messaging after PACE).
    fn select_application(&mut self) -> Result<(), ReadError> {
        let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x07];
        select.extend_from_slice(&EMRTD_AID);
        let step = "SELECT eMRTD application";
        let r = self.send(step, &select)?;
        if r.sw != 0x9000 {
            return Err(ReadError::Status {
                step: step.into(),
                sw: r.sw,
            });
        }
        Ok(())
    }

    /// Selects the application and runs BAC.
    fn open_bac(&mut self, key: &BacKeys) -> Result<(), ReadError> {
        let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x07];
        select.extend_from_slice(&EMRTD_AID);
        let step = "SELECT eMRTD application";
        let r = self.raw(step, &select)?;
        if r.sw != 0x9000 {
            // Some chips want P2 = 00 (return FCI) with Le.
            let mut alt = select.clone();
            if let Some(p2) = alt.get_mut(3) {
                *p2 = 0x00;
            }
            alt.push(0x00);
            let r2 = self.raw(step, &alt)?;
            if r2.sw != 0x9000 && r2.sw & 0xFF00 != 0x6100 {
                return Err(ReadError::Status {
                    step: step.into(),
                    sw: r.sw,
                });
            }
        }
        let step = "GET CHALLENGE";
        let r = self.raw(step, &[0x00, 0x84, 0x00, 0x00, 0x08])?;
        if r.sw != 0x9000 {
            return Err(ReadError::Status {
                step: step.into(),
                sw: r.sw,
            });
        }
        let rnd_ic: [u8; 8] = r
            .data
            .as_slice()
            .try_into()
            .map_err(|_| ReadError::BadResponse {
                step: step.into(),
                what: format!("challenge has {} bytes, expected 8", r.data.len()),
            })?;
        let rnd_ifd = random::<8>()?;
        let k_ifd = random::<16>()?;
        let mut cmd = vec![0x00, 0x82, 0x00, 0x00, 0x28];
        cmd.extend(key.authenticate_command(&rnd_ic, &rnd_ifd, &k_ifd));
        cmd.push(0x28);
        let r = self.raw("EXTERNAL AUTHENTICATE", &cmd)?;
        match r.sw {
            0x9000 => {}
            0x6300 | 0x6982 | 0x6988 | 0x6A80 => {
                return Err(ReadError::AccessDenied {
                    detail: format!("EXTERNAL AUTHENTICATE answered {:04X}", r.sw),
                });
            }
            sw => {
                return Err(ReadError::Status {
                    step: "EXTERNAL AUTHENTICATE".into(),
                    sw,
                });
            }
        }
        let sm = key
            .complete(&r.data, &rnd_ic, &rnd_ifd, &k_ifd)
            .map_err(|e| match e {
                BacError::BadMac => ReadError::AccessDenied {
                    detail: "the chip's EXTERNAL AUTHENTICATE answer does not verify".into(),
                },
                other => ReadError::BadResponse {
                    step: "EXTERNAL AUTHENTICATE".into(),
                    what: other.to_string(),
                },
            })?;
        self.sm = Some(sm);
        Ok(())
    }

    /// Runs `op`; when the card was reset, reconnects, re-authenticates, re-selects the
    /// current file and runs it again.
    fn resuming<R>(
        &mut self,
        mut op: impl FnMut(&mut Self) -> Result<R, ReadError>,
    ) -> Result<R, ReadError> {
        loop {
            match op(self) {
                Err(ReadError::Transport {
                    source: TransportError::CardReset,
                    ..
                }) if self.stats.resumes < self.max_resumes => {
                    self.stats.resumes += 1;
                    let selected = self.selected;
                    self.transport
                        .reconnect()
                        .map_err(|source| ReadError::Transport {
                            step: "reconnecting after a card reset".into(),
                            source,
                        })?;
                    self.open()?;
                    if let Some(fid) = selected {
                        let r = self.send("SELECT EF again after a reset", &select_ef(fid))?;
                        if r.sw != 0x9000 {
                            return Err(ReadError::Status {
                                step: format!("SELECT EF {fid:04X} again after a reset"),
                                sw: r.sw,
                            });
                        }
                        self.selected = Some(fid);
                    }
                }
                other => return other,
            }
        }
    }

    /// One READ BINARY of `le` bytes at `offset` (with `sfi`: of the file with that short
    /// EF identifier, selecting it; `offset` is then at most 255); returns the data and the
    /// status word.
    fn read_binary(
        &mut self,
        file: LdsFile,
        sfi: Option<u8>,
        offset: usize,
        le: u8,
    ) -> Result<RawResponse, ReadError> {
        let step = format!("READ BINARY {file} at offset {offset}");
        let mut r = if let Some(sfi) = sfi {
            let p2 = u8::try_from(offset).map_err(|_| ReadError::BadResponse {
                step: step.clone(),
                what: "offset too large for a read by short EF identifier".into(),
            })?;
            self.resuming(|s| s.send(&step, &[0x00, 0xB0, 0x80 | sfi, p2, le]))?
        } else if offset <= 0x7FFF {
            let [hi, lo] = u16::try_from(offset).unwrap_or(0).to_be_bytes();
            self.resuming(|s| s.send(&step, &[0x00, 0xB0, hi, lo, le]))?
        } else {
            // Odd INS: the offset in DO'54', the data comes back in DO'53'.
            let off = u32::try_from(offset).map_err(|_| ReadError::BadResponse {
                step: step.clone(),
                what: "offset too large".into(),
            })?;
            let bytes = off.to_be_bytes();
            let start = bytes.iter().position(|b| *b != 0).unwrap_or(3);
            let off_bytes = bytes.get(start..).unwrap_or(&[]);
            let do54 = crate::lds::tlv::encode(0x54, off_bytes);
            let mut cmd = vec![0x00, 0xB1, 0x00, 0x00];
            cmd.push(u8::try_from(do54.len()).unwrap_or(0));
            cmd.extend_from_slice(&do54);
            cmd.push(le.saturating_add(4));
            let mut r = self.resuming(|s| s.send(&step, &cmd))?;
            if !r.data.is_empty() {
                let value = crate::lds::tlv::TlvReader::new(&r.data)
                    .find(0x53)
                    .ok()
                    .flatten()
                    .map(|t| t.value.to_vec())
                    .ok_or_else(|| ReadError::BadResponse {
                        step: step.clone(),
                        what: "READ BINARY (B1) answer has no DO'53'".into(),
                    })?;
                r.data = value;
            }
            r
        };
        // 61xx: more data waits; fetch it with GET RESPONSE.
        let mut guard = 0;
        while r.sw & 0xFF00 == 0x6100 && guard < 16 {
            guard += 1;
            let [_, xx] = r.sw.to_be_bytes();
            let more = self.resuming(|s| {
                s.send(
                    &format!("GET RESPONSE for {file} at offset {offset}"),
                    &[0x00, 0xC0, 0x00, 0x00, xx],
                )
            })?;
            r.data.extend_from_slice(&more.data);
            r.sw = more.sw;
        }
        Ok(r)
    }

    /// Chip Authentication with `p`, then one READ BINARY of EF.COM under the new keys: only
    /// a chip holding the DG14 private key can answer it.
    fn chip_authenticate(
        &mut self,
        p: &crate::protocol::chip_auth::CaParams,
        com: Option<&[u8]>,
    ) -> Result<CaOutcome, ReadError> {
        use crate::crypto::weierstrass::fixed_be;
        use crate::protocol::pace::{kdf, random_scalar, session};
        let key = random_scalar(&p.curve.n).map_err(|e| ReadError::Random(e.to_string()))?;
        let (Some(eph), Some(shared)) = (
            p.curve.mul_point(&key, &p.curve.base_point()),
            p.curve.mul_point(&key, &p.chip_key),
        ) else {
            return Ok(CaOutcome::Unsupported("curve arithmetic failed".into()));
        };
        for (step, cmd) in crate::protocol::chip_auth::commands(p, &p.curve.encode_point(&eph)) {
            let r = self.send(step, &cmd)?;
            if r.sw != 0x9000 {
                return Ok(CaOutcome::Refused { step, sw: r.sw });
            }
        }
        let k = fixed_be(&shared.x, p.curve.field_len());
        let Some(sm) = session(p.cipher, &kdf(&k, 1, p.cipher), &kdf(&k, 2, p.cipher)) else {
            return Ok(CaOutcome::Unsupported("session key length".into()));
        };
        self.sm = Some(sm);
        let step = "READ BINARY EF.COM under the Chip Authentication keys";
        let answer = if self.short_ef_ids {
            self.send(step, &[0x00, 0xB0, 0x9E, 0x00, 0x04])
        } else {
            match self.send(step, &select_ef(EF_COM)) {
                Ok(r) if r.sw == 0x9000 => self.send(step, &[0x00, 0xB0, 0x00, 0x00, 0x04]),
                other => other,
            }
        };
        let what = format!(
            "ECDH, {}, {}, version {}",
            p.cipher.name(),
            p.curve_name,
            p.version
        );
        Ok(match answer {
            Ok(r) if matches!(r.sw, 0x9000 | 0x6282) => {
                if com.is_some_and(|c| c.starts_with(&r.data)) && !r.data.is_empty() {
                    CaOutcome::Passed(what)
                } else {
                    CaOutcome::Failed(format!(
                        "under the new keys the chip answered other data than EF.COM ({what})"
                    ))
                }
            }
            Ok(r) => CaOutcome::Failed(format!(
                "the chip answered {:04X} under the new keys: it did not agree them ({what})",
                r.sw
            )),
            Err(ReadError::SecureMessaging { .. }) => CaOutcome::Failed(format!(
                "the chip's answer does not verify under the new keys: it does not hold the \
                 DG14 private key ({what})"
            )),
            Err(e) => return Err(e),
        })
    }

    /// SELECT an elementary file by its identifier; `Some` when the card has it not or
    /// protects it.
    fn select(&mut self, file: LdsFile, fid: u16) -> Result<Option<Unavailable>, ReadError> {
        let step = format!("SELECT {file}");
        let r = self.resuming(|s| s.send(&step, &select_ef(fid)))?;
        match r.sw {
            0x9000 => {
                self.selected = Some(fid);
                Ok(None)
            }
            0x6A82 => Ok(Some(Unavailable::Absent)),
            0x6982 => Ok(Some(Unavailable::Protected)),
            sw => Err(ReadError::Status { step, sw }),
        }
    }

    /// Selects and reads one file.
    fn read_file(
        &mut self,
        file: LdsFile,
        fid: u16,
        max_chunk: u8,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<FileRead, ReadError> {
        // By short EF identifier, the first READ BINARY selects the file; otherwise SELECT.
        let mut sfi = short_ef_id(fid).filter(|_| self.short_ef_ids);
        if sfi.is_none()
            && let Some(unavailable) = self.select(file, fid)?
        {
            return Ok(FileRead::Unavailable(unavailable));
        }
        let mut data: Vec<u8> = Vec::new();
        let mut total: Option<usize> = None;
        let mut chunk = max_chunk.max(1);
        let mut exact: Option<u8> = None;
        let mut retries = 0u32;
        progress(&Progress {
            file,
            read: 0,
            total: None,
        });
        loop {
            let offset = data.len();
            let want = match total {
                Some(t) if offset >= t => break,
                Some(t) => u8::try_from((t - offset).min(usize::from(chunk))).unwrap_or(chunk),
                // First the header, to learn the size; without one, whole chunks to the end.
                None if offset == 0 => chunk.min(8),
                None => chunk,
            };
            let le = exact.take().unwrap_or(want);
            let by_sfi = sfi.filter(|_| offset == 0);
            let r = self.read_binary(file, by_sfi, offset, le)?;
            let step = || format!("READ BINARY {file} at offset {offset}");
            let mut at_end = false;
            if by_sfi.is_some() {
                match r.sw {
                    0x9000 | 0x6282 => {
                        // Selected by this very read (and again after a reset).
                        self.selected = Some(fid);
                        sfi = None;
                    }
                    0x6A82 => return Ok(FileRead::Unavailable(Unavailable::Absent)),
                    0x6982 => return Ok(FileRead::Unavailable(Unavailable::Protected)),
                    sw if sw & 0xFF00 == 0x6C00 || sw == 0x6700 => {}
                    _ => {
                        // No short EF identifiers on this card (6A86, 6D00, 6B00…): SELECT,
                        // for this file and the rest of the session.
                        self.short_ef_ids = false;
                        sfi = None;
                        if let Some(unavailable) = self.select(file, fid)? {
                            return Ok(FileRead::Unavailable(unavailable));
                        }
                        continue;
                    }
                }
            }
            match r.sw {
                0x9000 => {}
                0x6282 => at_end = true,
                0x6B00 if offset > 0 => at_end = true,
                0x6982 if offset == 0 => {
                    return Ok(FileRead::Unavailable(Unavailable::Protected));
                }
                0x6A82 if offset == 0 => return Ok(FileRead::Unavailable(Unavailable::Absent)),
                sw if sw & 0xFF00 == 0x6C00 && retries < 4 => {
                    retries += 1;
                    let [_, xx] = sw.to_be_bytes();
                    exact = Some(if xx == 0 { chunk } else { xx.min(chunk) });
                    continue;
                }
                0x6700 if chunk > 0x10 && retries < 4 => {
                    retries += 1;
                    chunk /= 2;
                    continue;
                }
                sw => return Err(ReadError::Status { step: step(), sw }),
            }
            retries = 0;
            if r.data.is_empty() {
                at_end = true;
            }
            data.extend_from_slice(&r.data);
            if total.is_none() {
                total = tlv_total_length(&data);
            }
            self.stats.bytes = self.stats.bytes.saturating_add(r.data.len());
            progress(&Progress {
                file,
                read: data.len(),
                total,
            });
            if at_end {
                break;
            }
        }
        if let Some(t) = total {
            if data.len() > t {
                data.truncate(t);
            } else if data.len() < t {
                return Err(ReadError::BadResponse {
                    step: format!("READ BINARY {file}"),
                    what: format!("the file ended after {} of {t} bytes", data.len()),
                });
            }
        }
        Ok(FileRead::Data(data))
    }
}

/// Reads the card on `transport` with `key`, then parses and judges what was read against
/// `trust`.
///
/// `progress` is called when a file starts and after every chunk.
pub fn read_card<T: Transport + ?Sized>(
    transport: &mut T,
    key: &AccessKey,
    trust: &TrustStore,
    options: &ReadOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ReadResult, ReadError> {
    let started = Instant::now();
    let mut session = Session {
        transport,
        key: key.clone(),
        pace: options.pace,
        access: String::new(),
        sm: None,
        selected: None,
        stats: ReadStats::default(),
        max_resumes: options.max_resumes,
        short_ef_ids: options.short_ef_ids,
    };
    session.resuming(Session::open)?;

    let mut unavailable = Vec::new();
    let mut parse_problems = Vec::new();
    let chunk = options.max_chunk;

    let mut read_one = |session: &mut Session<'_, T>,
                        file: LdsFile,
                        fid: u16,
                        unavailable: &mut Vec<(LdsFile, Unavailable)>|
     -> Result<Option<Vec<u8>>, ReadError> {
        match session.read_file(file, fid, chunk, progress)? {
            FileRead::Data(d) => Ok(Some(d)),
            FileRead::Unavailable(u) => {
                unavailable.push((file, u));
                Ok(None)
            }
        }
    };

    let com = read_one(&mut session, LdsFile::Com, EF_COM, &mut unavailable)?;
    let com_parsed = com.as_deref().and_then(|c| match parse_com(c) {
        Ok(c) => Some(c),
        Err(e) => {
            parse_problems.push(e.to_string());
            None
        }
    });
    let sod = read_one(&mut session, LdsFile::Sod, EF_SOD, &mut unavailable)?;

    let mut wanted: BTreeSet<DgNumber> = options.data_groups.iter().copied().collect();
    if let Some(c) = &com_parsed {
        wanted.extend(c.data_groups());
    }
    if let Some(parsed) = sod.as_deref().and_then(|s| parse_sod(s).ok()) {
        wanted.extend(parsed.lds.dg_hashes.keys().copied());
    }
    let mut data_groups = BTreeMap::new();
    for dg in wanted {
        if let Some(bytes) = read_one(
            &mut session,
            LdsFile::Dg(dg),
            dg.file_id(),
            &mut unavailable,
        )? {
            data_groups.insert(dg, bytes);
        }
    }

    // Active Authentication (ICAO 9303-11 §6.1): the chip signs a fresh challenge with the
    // private key of DG15. Judged after passive authentication, below.
    let dg15 = data_groups.get(&DgNumber::DG15).map(|b| parse_dg15(b));
    let aa_outcome = match &dg15 {
        _ if !options.active_authentication => None,
        None => Some(AaOutcome::NotAvailable),
        Some(Err(e)) => Some(AaOutcome::BadDg15(e.to_string())),
        Some(Ok(_)) => {
            let challenge = random::<CHALLENGE_LEN>()?;
            let cmd = internal_authenticate_command(&challenge);
            let r = session.resuming(|s| s.send("INTERNAL AUTHENTICATE", &cmd))?;
            Some(if r.sw == 0x9000 {
                AaOutcome::Answer {
                    challenge,
                    response: r.data,
                }
            } else {
                AaOutcome::Refused(r.sw)
            })
        }
    };
    // Chip Authentication (ICAO 9303-11 §6.2) with the DG14 key, last: the session ends
    // under the keys it agreed, confirmed by one more read. Judged below.
    let ca_outcome = if options.chip_authentication {
        Some(
            match data_groups.get(&DgNumber::DG14).map(|b| parse_dg14(b)) {
                None => CaOutcome::NotAvailable,
                Some(Err(e)) => CaOutcome::Unsupported(format!("DG14 does not parse: {e}")),
                Some(Ok(dg14)) => match crate::protocol::chip_auth::plan(&dg14) {
                    crate::protocol::chip_auth::CaPlan::NotAvailable => CaOutcome::NotAvailable,
                    crate::protocol::chip_auth::CaPlan::Unsupported(r) => CaOutcome::Unsupported(r),
                    crate::protocol::chip_auth::CaPlan::Ready(p) => {
                        session.chip_authenticate(&p, com.as_deref())?
                    }
                },
            },
        )
    } else {
        None
    };
    let mut stats = session.stats;
    stats.duration = started.elapsed();

    let mrz = data_groups
        .get(&DgNumber::DG1)
        .and_then(|b| match parse_dg1(b) {
            Ok(m) => Some(m),
            Err(e) => {
                parse_problems.push(format!("DG1: {e}"));
                None
            }
        });
    let dg13 = data_groups
        .get(&DgNumber::DG13)
        .and_then(|b| match parse_dg13(b) {
            Ok(d) => Some(d),
            Err(e) => {
                parse_problems.push(e.to_string());
                None
            }
        });
    let mut report = passive_authentication(
        sod.as_deref().unwrap_or(&[]),
        &data_groups,
        trust,
        options.at.unwrap_or_else(SystemTime::now),
    );
    if let Some(outcome) = &aa_outcome {
        let dg14 = data_groups
            .get(&DgNumber::DG14)
            .and_then(|b| parse_dg14(b).ok());
        let dg15 = dg15.as_ref().and_then(|d| d.as_ref().ok());
        report
            .checks
            .push(active_authentication_check(outcome, dg15, dg14.as_ref()));
    }
    if let Some(outcome) = ca_outcome {
        report.checks.push(outcome.check());
    }
    let verdict = Verdict::from_report(&report);
    Ok(ReadResult {
        com,
        sod,
        data_groups,
        unavailable,
        com_parsed,
        mrz,
        dg13,
        parse_problems,
        report,
        verdict,
        stats,
        access: session.access.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lds::tlv::TlvWriter;
    use crate::testing::fake_chip::{
        FakeChip, Short, assert_genuine_and_complete, card, read, read_options as options,
    };
    use crate::testing::fixtures::trust;

    #[test]
    fn files_are_read_by_short_ef_identifier_and_selected_only_when_the_card_refuses_it() {
        let selects = |log: &[Vec<u8>]| log.iter().filter(|c| c[1] == 0xA4 && c[2] == 0x02).count();
        // (under secure messaging: the plain probe of EF.CardAccess is not a file read)
        let sfi_reads = |log: &[Vec<u8>]| {
            log.iter()
                .filter(|c| c[0] & 0x0C == 0x0C && c[1] == 0xB0 && c[2] & 0x80 != 0)
                .count()
        };
        let mut chip = FakeChip::new(card());
        let by_sfi = read(&mut chip, &options()).0.unwrap();
        assert_genuine_and_complete(&by_sfi);
        assert_eq!(selects(&chip.log), 0, "no SELECT EF at all");
        // EF.COM, EF.SOD, DG1, DG2, DG3 (protected), DG13, DG14, DG15: one each
        let files = 2 + by_sfi.data_groups.len() + by_sfi.unavailable.len();
        assert_eq!(files, 8);
        assert_eq!(sfi_reads(&chip.log), files);

        // A card without them: refused once, then SELECT for every file; the same read.
        let mut old = FakeChip::new(card());
        old.sfi = false;
        let by_select = read(&mut old, &options()).0.unwrap();
        assert_genuine_and_complete(&by_select);
        assert_eq!(sfi_reads(&old.log), 1, "tried once only");
        assert_eq!(selects(&old.log), files);
        assert_eq!(by_select.data_groups, by_sfi.data_groups);
        let files = u32::try_from(files).unwrap();
        assert_eq!(by_select.stats.apdus, by_sfi.stats.apdus + files + 1);

        // Turned off: SELECT only.
        let mut chip = FakeChip::new(card());
        let off = ReadOptions {
            short_ef_ids: false,
            ..options()
        };
        let selected = read(&mut chip, &off).0.unwrap();
        assert_eq!(sfi_reads(&chip.log), 0);
        assert_eq!(selected.stats.apdus, by_sfi.stats.apdus + files);
    }

    #[test]
    fn short_ef_identifiers_are_those_of_the_lds_files() {
        assert_eq!(short_ef_id(0x0101), Some(1));
        assert_eq!(short_ef_id(0x0110), Some(16));
        assert_eq!(short_ef_id(EF_SOD), Some(0x1D));
        assert_eq!(short_ef_id(EF_COM), Some(0x1E));
        assert_eq!(short_ef_id(0x0100), None);
        assert_eq!(short_ef_id(0x011C + 0x20), None);
        assert_eq!(short_ef_id(0x011F), None);
        assert_eq!(short_ef_id(0x3F00), None);
    }

    #[test]
    fn reads_every_file_and_judges_the_card() {
        let mut chip = FakeChip::new(card());
        let (result, events) = read(&mut chip, &options());
        let result = result.unwrap();
        assert_genuine_and_complete(&result);
        assert_eq!(result.stats.apdus, chip.apdus);
        assert_eq!(result.com_parsed.as_ref().unwrap().data_groups().len(), 6);
        // EF.CardAccess is asked for first, by SFI (this chip has none: BAC); SELECT MF is
        // never sent; the application is selected by AID.
        assert_eq!(chip.log[0], hex::decode("00B09C00DF").unwrap());
        assert_eq!(
            chip.log[1],
            hex::decode("00A4040C07A0000002471001").unwrap()
        );
        assert_eq!(result.access, "BAC");
        // Progress: each file starts at 0 and ends with its full size.
        let sod_len = card()[&EF_SOD].len();
        assert!(events.contains(&Progress {
            file: LdsFile::Sod,
            read: 0,
            total: None
        }));
        assert!(events.contains(&Progress {
            file: LdsFile::Sod,
            read: sod_len,
            total: Some(sod_len)
        }));
        // No chunk above 0xDF.
        assert!(
            events
                .windows(2)
                .all(|w| w[0].file != w[1].file || w[1].read - w[0].read <= 0xDF)
        );
    }

    #[test]
    fn active_authentication_passes_with_the_dg15_key() {
        use crate::verify::{Check, Status};
        let mut chip = FakeChip::new(card());
        let (result, _) = read(&mut chip, &options());
        let result = result.unwrap();
        let aa = result.report.get(Check::ActiveAuthentication).unwrap();
        assert_eq!(aa.status, Status::Passed, "{}", aa.detail);
        assert!(
            aa.detail
                .contains("ISO/IEC 9796-2 scheme 1 with SHA-1, RSA-1024")
        );
        // INTERNAL AUTHENTICATE, under secure messaging, once, after the files.
        let ia: Vec<_> = chip.log.iter().filter(|c| c[..2] == [0x0C, 0x88]).collect();
        assert_eq!(ia.len(), 1);
        assert_eq!(chip.log.last().map(|c| c[1]), Some(0x88));
        assert!(
            result
                .verdict
                .checks
                .iter()
                .any(|c| c.check == Check::ActiveAuthentication)
        );

        // Switched off: not sent, not in the checks.
        let mut chip = FakeChip::new(card());
        let opts = ReadOptions {
            active_authentication: false,
            ..options()
        };
        let result = read(&mut chip, &opts).0.unwrap();
        assert!(result.report.get(Check::ActiveAuthentication).is_none());
        assert!(!chip.log.iter().any(|c| c[1] == 0x88));
    }

    #[test]
    fn a_cloned_chip_fails_active_authentication() {
        use crate::verify::{Check, Status};
        let mut chip = FakeChip::new(card());
        chip.aa_key =
            Some(std::fs::read(crate::testing::fixtures::testdata("aa/clone-key.der")).unwrap());
        let result = read(&mut chip, &options()).0.unwrap();
        let aa = result.report.get(Check::ActiveAuthentication).unwrap();
        assert_eq!(aa.status, Status::Failed, "{}", aa.detail);
        assert!(
            aa.detail.contains("does not verify with the DG15 key"),
            "{}",
            aa.detail
        );
        assert_eq!(
            result.verdict.kind,
            crate::verify::verdict::VerdictKind::ChipNotGenuine
        );
        assert_eq!(
            result.verdict.headline,
            "Thẻ không phải thẻ thật – chip có thể đã bị sao chép"
        );
        // Every data group is still what EF.SOD signed: only the key is wrong.
        assert!(
            result
                .report
                .checks
                .iter()
                .all(|c| c.check == Check::ActiveAuthentication
                    || c.status == Status::Passed
                    || c.status == Status::NotChecked)
        );

        // A chip that refuses INTERNAL AUTHENTICATE although it has DG15.
        let mut chip = FakeChip::new(card());
        chip.aa_key = None;
        let result = read(&mut chip, &options()).0.unwrap();
        let aa = result.report.get(Check::ActiveAuthentication).unwrap();
        assert_eq!(aa.status, Status::Failed);
        assert!(aa.detail.contains("6D00"), "{}", aa.detail);
        assert_eq!(
            result.verdict.kind,
            crate::verify::verdict::VerdictKind::ChipNotGenuine
        );
    }

    #[test]
    fn short_reads_6282_6c_61_and_wrong_length() {
        for short in [Short::Sw6282, Short::Sw6C, Short::Split61] {
            let mut chip = FakeChip::new(card());
            chip.short = short;
            let (result, _) = read(&mut chip, &options());
            assert_genuine_and_complete(&result.unwrap());
        }
        // A file shorter than the 8-byte header read: 6282 with what is there, or 6C05.
        let tiny = vec![0x6B, 0x03, 0x01, 0x02, 0x03];
        for short in [Short::Sw6282, Short::Sw6C] {
            let mut files = card();
            files.insert(0x010B, tiny.clone());
            let mut chip = FakeChip::new(files);
            chip.short = short;
            let mut opts = options();
            opts.data_groups.push(DgNumber::new(11).unwrap());
            let (result, _) = read(&mut chip, &opts);
            let result = result.unwrap();
            assert_eq!(
                result.data_groups.get(&DgNumber::new(11).unwrap()),
                Some(&tiny)
            );
            assert_eq!(result.data_groups.len(), 6);
        }
        // A chip that only takes 0xA0 bytes at a time: 6700, then smaller chunks.
        let mut chip = FakeChip::new(card());
        chip.max_le = 0xA0;
        let (result, _) = read(&mut chip, &options());
        assert_genuine_and_complete(&result.unwrap());
    }

    #[test]
    fn offsets_above_7fff_use_odd_ins() {
        let mut files = card();
        let mut big = TlvWriter::new();
        let payload: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        big.put(0x75, &payload);
        let big = big.into_bytes();
        files.insert(DgNumber::DG2.file_id(), big.clone());
        let mut chip = FakeChip::new(files);
        let (result, _) = read(&mut chip, &options());
        let result = result.unwrap();
        assert_eq!(result.data_groups.get(&DgNumber::DG2), Some(&big));
        assert!(chip.log.iter().any(|c| c[..2] == [0x0C, 0xB1]));
        // DG2 is not what EF.SOD signed.
        assert_eq!(
            result.verdict.kind,
            crate::verify::verdict::VerdictKind::DataAltered
        );
    }

    #[test]
    fn a_reset_card_is_reauthenticated_and_the_read_resumes() {
        let mut chip = FakeChip::new(card());
        chip.reset_at = Some(12);
        let (result, _) = read(&mut chip, &options());
        let result = result.unwrap();
        assert_eq!(result.stats.resumes, 1);
        assert_genuine_and_complete(&result);
    }

    #[test]
    fn a_removed_card_names_the_step() {
        let mut chip = FakeChip::new(card());
        chip.remove_at = Some(12);
        let (result, _) = read(&mut chip, &options());
        let err = result.unwrap_err();
        assert!(err.is_card_removed(), "{err:?}");
        assert!(err.to_string().contains("removed"), "{err}");
        assert!(
            err.to_string().contains("EF.SOD") || err.to_string().contains("EF.COM"),
            "{err}"
        );
    }

    #[test]
    fn a_wrong_key_is_access_denied() {
        let mut chip = FakeChip::new(card());
        let wrong = AccessKey::from_cccd("001093047064", "930105", "330106").unwrap();
        let err =
            read_card(&mut chip, &wrong, &trust("trust"), &options(), &mut |_| {}).unwrap_err();
        assert!(err.is_access_denied());
        assert!(err.to_string().contains("6300"), "{err}");
    }

    #[test]
    fn absent_files_are_not_errors() {
        let mut files = card();
        files.remove(&DgNumber::DG15.file_id());
        let mut chip = FakeChip::new(files);
        let mut opts = options();
        opts.data_groups.push(DgNumber::new(11).unwrap());
        let (result, _) = read(&mut chip, &opts);
        let result = result.unwrap();
        assert!(
            result
                .unavailable
                .contains(&(LdsFile::Dg(DgNumber::DG15), Unavailable::Absent))
        );
        assert!(
            result
                .unavailable
                .contains(&(LdsFile::Dg(DgNumber::new(11).unwrap()), Unavailable::Absent))
        );
        // DG15 is listed in EF.SOD but was not read: not checked, the rest is genuine.
        assert_eq!(
            result.verdict.kind,
            crate::verify::verdict::VerdictKind::Genuine
        );
        // No DG15: Active Authentication is "not available", not a failure, and not sent.
        let aa = result
            .report
            .get(crate::verify::Check::ActiveAuthentication)
            .unwrap();
        assert_eq!(aa.status, crate::verify::Status::NotChecked);
        assert!(aa.detail.starts_with("not available"), "{}", aa.detail);
        assert!(!chip.log.iter().any(|c| c[1] == 0x88));
    }

    #[test]
    fn an_unauthenticated_read_is_refused_by_the_fake_chip() {
        // The fake enforces "BAC required" like the emulator: a plain READ BINARY gets 6982.
        let mut chip = FakeChip::new(card());
        let r = chip.transmit(&hex::decode("00B0000004").unwrap()).unwrap();
        assert_eq!(r.sw, 0x6982);
    }

    #[test]
    fn tlv_lengths_from_headers() {
        assert_eq!(tlv_total_length(&[0x60, 0x18]), Some(26));
        assert_eq!(tlv_total_length(&[0x77, 0x82, 0x04, 0x7E]), Some(4 + 0x47E));
        assert_eq!(tlv_total_length(&[0x5F, 0x1F, 0x81, 0x5A]), Some(4 + 0x5A));
        assert_eq!(tlv_total_length(&[0x77, 0x82, 0x04]), None);
        assert_eq!(tlv_total_length(&[0x77, 0x80]), None);
        assert_eq!(tlv_total_length(&[]), None);
    }
}
