//! Reading a card end to end over any [`Transport`]: open the chip, read every file under
//! secure messaging, run the anti-cloning protocols, then parse and judge what was read.
//!
//! This is the crate's orchestration and its main entry point, [`read_card`]; everything it
//! calls lives in the layer that owns it (what is on the chip in [`crate::lds`], how to talk to
//! it in [`crate::protocol`], trust in [`crate::verify`]), so this module only decides the order
//! and turns the outcome into one [`ReadResult`].
//!
//! ```no_run
//! # #[cfg(feature = "pcsc")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use bhxh_emrtd::{AccessKey, Pcsc, ReadOptions, TrustStore, read_card};
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
//! The order of a read, and why:
//! 1. Open the chip (the session, `reader/session.rs`): EF.CardAccess, then PACE with the CAN
//!    when the chip offers it, else BAC with the MRZ fields (also when PACE fails and the MRZ
//!    fields are known); then SELECT of the eMRTD application.
//! 2. EF.COM and EF.SOD, then every data group either lists, plus
//!    [`ReadOptions::data_groups`], each with the robust READ BINARY engine
//!    ([`crate::protocol::read_binary`]). A data group answering `6A82` is absent, `6982`
//!    protected (DG3 needs Extended Access Control): both are recorded in
//!    [`ReadResult::unavailable`], not errors.
//! 3. Active Authentication when DG15 was read (INTERNAL AUTHENTICATE with a random 8-byte
//!    challenge, [`crate::protocol::active`]), then Chip Authentication with the DG14 key
//!    ([`crate::protocol::chip_auth`]) last, because it replaces the session keys.
//! 4. Parsing (DG1, DG13, EF.COM), passive authentication against the trust store, the AA and
//!    CA checks added, and the verdict ([`crate::verify`]).
//!
//! A reset card (someone else reset it) is reconnected, authenticated again and the read resumes
//! at the same offset; a removed card ends the read with [`ReadError::is_card_removed`].

mod session;

use crate::access::AccessKey;
use crate::lds::com::{Com, parse_com};
use crate::lds::dg13::{Dg13, parse_dg13};
use crate::lds::dg14::parse_dg14;
use crate::lds::dg15::parse_dg15;
use crate::lds::mrz::{Mrz, parse_dg1};
use crate::lds::sod::parse_sod;
use crate::lds::{DgNumber, EF_COM, EF_SOD, LdsFile};
use crate::protocol::active::{AaOutcome, CHALLENGE_LEN, internal_authenticate};
use crate::protocol::chip_auth::{self, CaOutcome, CaPlan};
use crate::protocol::pace::PaceError;
use crate::protocol::read_binary::{DEFAULT_MAX_CHUNK, FileRead, ReadBinaryError, read_file};
pub use crate::protocol::read_binary::{Progress, Unavailable};
use crate::protocol::secure_messaging::SmError;
use crate::transport::{Transport, TransportError};
use crate::verify::active::active_authentication_check;
use crate::verify::chip_auth::chip_authentication_check;
use crate::verify::passive::{PassiveAuthReport, passive_authentication_of_chip};
use crate::verify::trust::TrustStore;
use crate::verify::verdict::Verdict;
use session::{Session, random};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime};
use thiserror::Error;

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
        source: PaceError,
    },
}

impl From<ReadBinaryError> for ReadError {
    fn from(e: ReadBinaryError) -> Self {
        match e {
            ReadBinaryError::Status { step, sw } => Self::Status { step, sw },
            ReadBinaryError::BadResponse { step, what } => Self::BadResponse { step, what },
        }
    }
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
        match read_file(session, file, fid, chunk, progress)? {
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
    // The data groups the issuer signed: each must come back (see `verify::presence`).
    let signed: BTreeSet<DgNumber> = sod
        .as_deref()
        .and_then(|s| parse_sod(s).ok())
        .map(|parsed| parsed.lds.dg_hashes.keys().copied().collect())
        .unwrap_or_default();
    wanted.extend(signed.iter().copied());
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

    // Signed data groups the chip answered 6A82 or 6982 for.
    let withheld: BTreeMap<DgNumber, Unavailable> = unavailable
        .iter()
        .filter_map(|(file, why)| match file {
            LdsFile::Dg(n) if signed.contains(n) => Some((*n, *why)),
            _ => None,
        })
        .collect();

    // Active Authentication (ICAO 9303-11 §6.1): the chip signs a fresh challenge with the
    // private key of DG15. Judged after passive authentication, below. A DG15 that EF.SOD
    // lists and the chip withholds fails it, whatever the options.
    let dg15 = data_groups.get(&DgNumber::DG15).map(|b| parse_dg15(b));
    let aa_outcome = match &dg15 {
        None if withheld.contains_key(&DgNumber::DG15) => withheld
            .get(&DgNumber::DG15)
            .map(|why| AaOutcome::Withheld(*why)),
        _ if !options.active_authentication => None,
        None => Some(AaOutcome::NotAvailable),
        Some(Err(e)) => Some(AaOutcome::BadDg15(e.to_string())),
        Some(Ok(_)) => Some(internal_authenticate(
            random::<CHALLENGE_LEN>()?,
            |step, cmd| session.resuming(|s| s.send(step, cmd)),
        )?),
    };
    // Chip Authentication (ICAO 9303-11 §6.2) with the DG14 key, last: the session ends
    // under the keys it agreed, confirmed by one more read. Judged below.
    let ca_outcome = if let Some(why) = withheld.get(&DgNumber::DG14) {
        Some(CaOutcome::Withheld(*why))
    } else if options.chip_authentication {
        Some(
            match data_groups.get(&DgNumber::DG14).map(|b| parse_dg14(b)) {
                None => CaOutcome::NotAvailable,
                Some(Err(e)) => CaOutcome::Unsupported(format!("DG14 does not parse: {e}")),
                Some(Ok(dg14)) => match chip_auth::plan(&dg14) {
                    CaPlan::NotAvailable => CaOutcome::NotAvailable,
                    CaPlan::Unsupported(r) => CaOutcome::Unsupported(r),
                    CaPlan::Ready(p) => session.chip_authenticate(&p, com.as_deref())?,
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
    let mut report = passive_authentication_of_chip(
        sod.as_deref().unwrap_or(&[]),
        &data_groups,
        &withheld,
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
        report.checks.push(chip_authentication_check(&outcome));
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
    use crate::testing::fake_chip::{
        FakeChip, assert_genuine_and_complete, card, read, read_options as options,
    };
    use crate::testing::fixtures::trust;
    use crate::verify::verdict::VerdictKind;
    use crate::verify::{Check, Status};

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
    fn absent_files_that_the_sod_does_not_list_are_not_errors() {
        let mut chip = FakeChip::new(card());
        let mut opts = options();
        opts.data_groups.push(DgNumber::new(11).unwrap());
        let (result, _) = read(&mut chip, &opts);
        let result = result.unwrap();
        assert!(
            result
                .unavailable
                .contains(&(LdsFile::Dg(DgNumber::new(11).unwrap()), Unavailable::Absent))
        );
        // DG3 is protected (6982), as Extended Access Control wants: not checked, not held
        // against the card.
        let dg3 = result
            .report
            .get(Check::DataGroupHash(DgNumber::DG3))
            .unwrap();
        assert_eq!(dg3.status, Status::NotChecked);
        assert!(dg3.detail_vi.contains("(EAC)"), "{}", dg3.detail_vi);
        assert_eq!(result.verdict.kind, VerdictKind::Genuine);
    }

    /// Reads the generated card with the files `without` removed and `refusals` added.
    fn read_card_with(
        without: &[DgNumber],
        refusals: &[(DgNumber, u16)],
        opts: &ReadOptions,
    ) -> (Result<ReadResult, ReadError>, FakeChip) {
        let mut files = card();
        for n in without {
            files.remove(&n.file_id());
        }
        let mut chip = FakeChip::new(files);
        for (n, sw) in refusals {
            chip.refusals.insert(n.file_id(), *sw);
        }
        let (result, _) = read(&mut chip, opts);
        (result, chip)
    }

    #[test]
    fn a_copy_on_a_blank_chip_without_dg14_and_dg15_is_a_cloned_chip() {
        // Issue #11: EF.COM, EF.SOD, DG1, DG2 and DG13 of a genuine card on a chip that
        // answers "file not found" for DG14 and DG15 (it has neither key).
        let (result, chip) = read_card_with(&[DgNumber::DG14, DgNumber::DG15], &[], &options());
        let result = result.unwrap();
        assert_eq!(
            result.verdict.kind,
            VerdictKind::ChipNotGenuine,
            "{}",
            result.verdict.render_text()
        );
        assert!(!result.verdict.kind.is_genuine());
        let aa = result.report.get(Check::ActiveAuthentication).unwrap();
        assert_eq!(aa.status, Status::Failed);
        assert_eq!(
            aa.detail_en,
            "EF.SOD lists DG15 but the chip answered 6A82 (file not found): it withholds the \
             Active Authentication key (ICAO 9303 never protects DG15)"
        );
        assert!(aa.detail_vi.contains("DG15") && aa.detail_vi.contains("sao chép"));
        // Chip Authentication is judged too, although the options leave it out.
        let ca = result.report.get(Check::ChipAuthentication).unwrap();
        assert_eq!(ca.status, Status::Failed);
        assert!(
            ca.detail_en
                .starts_with("EF.SOD lists DG14 but the chip answered 6A82")
        );
        // The data groups it did return are intact; the withheld ones are named.
        let dg15 = result
            .report
            .get(Check::DataGroupHash(DgNumber::DG15))
            .unwrap();
        assert_eq!(dg15.status, Status::NotChecked);
        assert!(dg15.detail_vi.contains("xem kiểm tra xác thực chủ động"));
        assert_eq!(
            result
                .report
                .get(Check::DataGroupHash(DgNumber::DG13))
                .unwrap()
                .status,
            Status::Passed
        );
        assert_eq!(
            result.verdict.reason_vi.as_deref(),
            Some(aa.detail_vi.as_str())
        );
        // INTERNAL AUTHENTICATE was never sent: there is no key to check it with.
        assert!(!chip.log.iter().any(|c| c[1] == 0x88));
    }

    #[test]
    fn pretending_the_keys_are_protected_is_no_way_out() {
        for (without, refusals) in [
            (vec![], vec![(DgNumber::DG15, 0x6982)]),
            (vec![], vec![(DgNumber::DG14, 0x6982)]),
            (vec![DgNumber::DG14], vec![(DgNumber::DG15, 0x6982)]),
        ] {
            let (result, _) = read_card_with(&without, &refusals, &options());
            let result = result.unwrap();
            assert_eq!(
                result.verdict.kind,
                VerdictKind::ChipNotGenuine,
                "{refusals:?}: {}",
                result.verdict.render_text()
            );
            assert!(
                result.verdict.reason.as_deref().unwrap().contains("6982"),
                "{:?}",
                result.verdict.reason
            );
        }
    }

    #[test]
    fn a_withheld_dg15_fails_even_with_active_authentication_switched_off() {
        let opts = ReadOptions {
            active_authentication: false,
            ..options()
        };
        let (result, _) = read_card_with(&[DgNumber::DG15], &[], &opts);
        let result = result.unwrap();
        assert_eq!(result.verdict.kind, VerdictKind::ChipNotGenuine);
        // Switched off with DG15 present: nothing proves the chip, nothing speaks against it.
        let (result, _) = read_card_with(&[], &[], &opts);
        assert_eq!(result.unwrap().verdict.kind, VerdictKind::IntegrityOnly);
    }

    #[test]
    fn a_missing_dg1_dg2_or_dg13_is_altered_data_naming_the_group() {
        for (n, name) in [
            (DgNumber::DG1, "DG1 (dòng MRZ)"),
            (DgNumber::DG2, "DG2 (ảnh chân dung)"),
            (DgNumber::DG13, "DG13 (thông tin nhân thân)"),
        ] {
            for (without, refusals, sw) in [
                (vec![n], vec![], "6A82"),
                (vec![], vec![(n, 0x6982)], "6982"),
            ] {
                let (result, _) = read_card_with(&without, &refusals, &options());
                let result = result.unwrap();
                assert_eq!(result.verdict.kind, VerdictKind::DataAltered, "{n} {sw}");
                let reason = result.verdict.reason_vi.as_deref().unwrap();
                assert!(reason.contains(name) && reason.contains(sw), "{reason}");
                assert_eq!(
                    result.report.get(Check::DataGroupHash(n)).unwrap().status,
                    Status::Failed
                );
            }
        }
        // DG3 answered "absent" although EF.SOD lists it (a copy that could not read it).
        let (result, _) = read_card_with(&[], &[(DgNumber::DG3, 0x6A82)], &options());
        let result = result.unwrap();
        assert_eq!(result.verdict.kind, VerdictKind::DataAltered);
        assert!(
            result
                .verdict
                .reason
                .unwrap()
                .contains("DG3 is listed in EF.SOD")
        );
    }

    #[test]
    fn an_empty_or_foreign_key_group_is_altered_data() {
        // DG15 served empty, or DG14 replaced by the DG15 bytes: neither hashes to what EF.SOD
        // says, whatever the anti-cloning checks make of them.
        let mut files = card();
        files.insert(DgNumber::DG15.file_id(), Vec::new());
        let mut chip = FakeChip::new(files);
        let result = read(&mut chip, &options()).0.unwrap();
        assert_eq!(result.verdict.kind, VerdictKind::DataAltered);
        assert_eq!(
            result
                .report
                .get(Check::DataGroupHash(DgNumber::DG15))
                .unwrap()
                .status,
            Status::Failed
        );
        let mut files = card();
        let dg15 = files[&DgNumber::DG15.file_id()].clone();
        files.insert(DgNumber::DG14.file_id(), dg15);
        let mut chip = FakeChip::new(files);
        let result = read(&mut chip, &options()).0.unwrap();
        assert_eq!(result.verdict.kind, VerdictKind::DataAltered);
    }

    #[test]
    fn any_other_status_word_for_a_data_group_ends_the_read() {
        let (result, _) = read_card_with(&[], &[(DgNumber::DG15, 0x6F00)], &options());
        let err = result.unwrap_err();
        assert!(
            matches!(err, ReadError::Status { sw: 0x6F00, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("DG15"), "{err}");
    }
}
