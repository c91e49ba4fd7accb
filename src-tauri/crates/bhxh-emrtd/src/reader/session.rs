//! A card session: the transport, the secure messaging state, and what it takes to keep a read
//! going — opening the chip (EF.CardAccess, then PACE or BAC, then SELECT of the eMRTD
//! application), sending every command under secure messaging, and recovering from a card reset
//! by reconnecting, authenticating again and selecting the current file again.
//!
//! The protocols ([`crate::protocol`]) build and check the APDUs; the session owns the state they
//! change (the keys, the send sequence counter, the selected file) and the counters of the read.
//! It implements [`Channel`] for the READ BINARY engine, so that engine never sees a reset.
//!
//! What the chip may answer here:
//! - `SELECT MF` is never sent (Vietnamese chips answer `6D00`); EF.CardAccess is read by its
//!   short EF identifier before anything is selected, and the application by its AID.
//! - A chip that refuses PACE, when the MRZ fields are known, is opened with BAC.
//! - A reset card (someone else reset it) is reconnected, authenticated again and the read
//!   resumes at the same offset, up to [`crate::reader::ReadOptions::max_resumes`] times.

use super::{ReadError, ReadStats};
use crate::access::AccessKey;
use crate::lds::{EF_COM, EMRTD_AID};
use crate::protocol::bac::{BacError, BacKeys};
use crate::protocol::chip_auth::{self, CaOutcome, CaParams};
use crate::protocol::pace::{self, PaceInfo, Password};
use crate::protocol::read_binary::{Channel, DEFAULT_MAX_CHUNK, select_ef, tlv_total_length};
use crate::protocol::secure_messaging::SecureMessaging;
use crate::transport::{RawResponse, Transport, TransportError};

/// A card session: the transport, the secure messaging state and the counters.
pub(super) struct Session<'t, T: Transport + ?Sized> {
    pub(super) transport: &'t mut T,
    pub(super) key: AccessKey,
    /// Try PACE first ([`ReadOptions::pace`]).
    pub(super) pace: bool,
    /// How the last session was opened ("BAC", "PACE (CAN, ECDH-GM, AES-128, …)").
    pub(super) access: String,
    pub(super) sm: Option<SecureMessaging>,
    /// The file currently selected (to re-select after a resume).
    pub(super) selected: Option<u16>,
    pub(super) stats: ReadStats,
    pub(super) max_resumes: u32,
    /// Whether to try short EF identifiers (cleared once the card refuses one).
    pub(super) short_ef_ids: bool,
}

/// `N` random bytes from the operating system.
pub(super) fn random<const N: usize>() -> Result<[u8; N], ReadError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| ReadError::Random(e.to_string()))?;
    Ok(out)
}

impl<T: Transport + ?Sized> Session<'_, T> {
    /// Sends one APDU as is.
    pub(super) fn raw(&mut self, step: &str, command: &[u8]) -> Result<RawResponse, ReadError> {
        self.stats.apdus = self.stats.apdus.saturating_add(1);
        self.transport
            .transmit(command)
            .map_err(|source| ReadError::Transport {
                step: step.to_string(),
                source,
            })
    }

    /// Sends one APDU, protected when a session is established.
    pub(super) fn send(&mut self, step: &str, command: &[u8]) -> Result<RawResponse, ReadError> {
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
    pub(super) fn open(&mut self) -> Result<(), ReadError> {
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
    fn card_access(&mut self) -> Result<Option<PaceInfo>, ReadError> {
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
        match pace::parse_card_access(&r.data) {
            Ok(infos) => Ok(pace::choose(&infos).cloned()),
            // A file that does not parse offers nothing usable: BAC.
            Err(_) => Ok(None),
        }
    }

    /// PACE over plain APDUs; on success, secure messaging with the session keys.
    fn run_pace(&mut self, info: &PaceInfo, password: &Password) -> Result<(), ReadError> {
        use pace::{Answer, PaceError};
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
        let outcome = pace::establish(&mut transmit, info, password, &mut pace::random_scalar);
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
    pub(super) fn resuming<R>(
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

    /// Chip Authentication with `p`, then one READ BINARY of EF.COM under the new keys: only
    /// a chip holding the DG14 private key can answer it.
    pub(super) fn chip_authenticate(
        &mut self,
        p: &CaParams,
        com: Option<&[u8]>,
    ) -> Result<CaOutcome, ReadError> {
        use crate::crypto::weierstrass::fixed_be;
        use pace::{kdf, random_scalar, session};
        let key = random_scalar(&p.curve.n).map_err(|e| ReadError::Random(e.to_string()))?;
        let (Some(eph), Some(shared)) = (
            p.curve.mul_point(&key, &p.curve.base_point()),
            p.curve.mul_point(&key, &p.chip_key),
        ) else {
            return Ok(CaOutcome::Unsupported("curve arithmetic failed".into()));
        };
        for (step, cmd) in chip_auth::commands(p, &p.curve.encode_point(&eph)) {
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
        let protocol = format!(
            "ECDH, {}, {}, version {}",
            p.cipher.name(),
            p.curve_name,
            p.version
        );
        Ok(match answer {
            Ok(r) if matches!(r.sw, 0x9000 | 0x6282) => {
                if com.is_some_and(|c| c.starts_with(&r.data)) && !r.data.is_empty() {
                    CaOutcome::Passed { protocol }
                } else {
                    CaOutcome::WrongData { protocol }
                }
            }
            Ok(r) => CaOutcome::NotAgreed { sw: r.sw, protocol },
            Err(ReadError::SecureMessaging { .. }) => CaOutcome::BadAnswer { protocol },
            Err(e) => return Err(e),
        })
    }
}

impl<T: Transport + ?Sized> Channel for Session<'_, T> {
    type Error = ReadError;

    fn exchange(&mut self, step: &str, command: &[u8]) -> Result<RawResponse, ReadError> {
        self.resuming(|s| s.send(step, command))
    }

    fn selected(&mut self, fid: u16) {
        self.selected = Some(fid);
    }

    fn short_ef_ids(&self) -> bool {
        self.short_ef_ids
    }

    fn no_short_ef_ids(&mut self) {
        self.short_ef_ids = false;
    }

    fn received(&mut self, bytes: usize) {
        self.stats.bytes = self.stats.bytes.saturating_add(bytes);
    }
}
