//! Digital signatures (issue 13): the office's token set up by an
//! administrator, a dossier's PDFs signed by the officer with the PIN typed
//! for that signing (never stored), and the signatures of any PDF verified
//! against the trust folder (`pdf-trust/` in the data directory: the
//! Vietnamese roots, intermediates and CRLs, which HQ can update).
//!
//! With a timestamp server (TSA, RFC 3161) set up, every signature is
//! PAdES B-T: the TSA's timestamp over the signature value is part of it.
//! A TSA set up but unreachable (or answering wrongly) makes the signing
//! fail with the reason; the desk never quietly signs without the timestamp.
//!
//! A signed version is sealed in the file store and recorded beside the
//! assembled PDF, which stays as it was: the signature is an incremental
//! update, so the signed file begins with the assembled file's bytes.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bhxh_core::CoreError;
use bhxh_core::dossiers::signed;
use bhxh_core::office::{self, settings};
use bhxh_sign::ocsp::{OcspCache, OcspClient};
use bhxh_sign::{Module, PdfTrust, RawSigner, SignOptions, Verdict};
use serde::Serialize;

use crate::policy::Action;
use crate::{Desk, DeskError};

/// The trust folder for PDF signatures, in the data directory.
pub const PDF_TRUST_DIR_NAME: &str = "pdf-trust";
/// Where the OCSP answers about signers are kept for offline days (signed
/// answers: certificate serials and times, nothing about a citizen).
pub const OCSP_CACHE_DIR_NAME: &str = "ocsp-cache";

/// The trust folder of `data_dir`, asking a signer's OCSP responder when
/// the folder has no current CRL of its issuer, and keeping its answers.
fn trust_in(data_dir: &Path) -> PdfTrust {
    PdfTrust::load_dir(&data_dir.join(PDF_TRUST_DIR_NAME)).with_ocsp(OcspClient::new(
        Some(OcspCache::new(&data_dir.join(OCSP_CACHE_DIR_NAME))),
        true,
    ))
}

const KEY_MODULE: &str = "signing.module";
const KEY_TOKEN: &str = "signing.token";
const KEY_KEY: &str = "signing.key";
const KEY_TSA: &str = "signing.tsa_url";

/// What `signing configure` does with the timestamp server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsaChange<'a> {
    /// Leave it as it is.
    Keep,
    /// No timestamp server: signatures are PAdES B-B.
    Clear,
    /// Stamp every signature at this `http(s)://` address (PAdES B-T).
    Set(&'a str),
}

/// A module the administrator can pick.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ModuleChoice {
    pub name: String,
    pub path: String,
}

/// A token as listed.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TokenLine {
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    /// What the token says about the PIN, in Vietnamese.
    pub pin_state: String,
    pub pin_locked: bool,
}

/// A key (with its certificate) as listed.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyLine {
    pub label: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_after: String,
}

/// The signing set-up and what the token shows now.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SigningStatus {
    pub module: Option<String>,
    pub token: Option<String>,
    pub key: Option<String>,
    /// The timestamp server (RFC 3161) every signature is stamped by
    /// (PAdES B-T); `None`: signatures are B-B.
    pub tsa_url: Option<String>,
    /// Known modules installed on this machine.
    pub installed_modules: Vec<ModuleChoice>,
    pub tokens: Vec<TokenLine>,
    /// The keys of the chosen token (or the first one).
    pub keys: Vec<KeyLine>,
    /// Why the token cannot be used now (no module set, token missing…).
    pub problem: Option<String>,
    pub trust_dir: String,
    pub trust_roots: u32,
    pub trust_problems: Vec<String>,
}

/// One signature of a PDF, verified.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SignatureLine {
    pub field: String,
    pub signer: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    /// `dd/mm/yyyy HH:MM` (Vietnam time), as claimed by the signer.
    pub signed_at: Option<String>,
    /// `valid`, `indeterminate` or `invalid`.
    pub verdict: String,
    /// PAdES baseline level reached: `B-B`, or `B-T` with a valid timestamp.
    pub level: String,
    /// The timestamp's time, `dd/mm/yyyy HH:MM:SS` (Vietnam time): the
    /// trusted signing time ("dấu thời gian").
    pub timestamp_at: Option<String>,
    /// Who stamped it (the timestamp server's certificate name).
    pub timestamp_authority: Option<String>,
    pub summary: String,
    pub findings: Vec<String>,
    pub covers_whole_file: bool,
    pub trusted: bool,
}

/// The signatures of one of a dossier's PDFs.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ItemSignatures {
    /// `component` or `result`.
    pub kind: String,
    pub number: u32,
    pub label: String,
    /// How many times the desk signed it.
    pub desk_signatures: u32,
    pub signatures: Vec<SignatureLine>,
}

/// What to sign in a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", tag = "kind", content = "number")]
pub enum SignTarget {
    Component(u32),
    Result(u32),
    /// Every PDF of the dossier not yet signed by the desk.
    AllUnsigned,
}

/// One PDF signed.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SignedItem {
    pub kind: String,
    pub number: u32,
    pub label: String,
    pub signer: String,
    pub sha256: String,
    /// Bytes the signature added (the earlier bytes are unchanged).
    pub bytes_added: u32,
}

/// Seconds since the epoch in Vietnam time with `format`.
fn vn_time(t: i64, format: &str) -> Option<String> {
    let vn = chrono::FixedOffset::east_opt(7 * 3600)?;
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.with_timezone(&vn).format(format).to_string())
}

fn to_line(r: bhxh_sign::SignatureReport) -> SignatureLine {
    SignatureLine {
        level: r.level.as_str().to_owned(),
        timestamp_at: r.timestamp_at.and_then(|t| vn_time(t, "%d/%m/%Y %H:%M:%S")),
        timestamp_authority: r.timestamp_authority,
        field: r.field,
        signer: r.signer,
        subject: r.subject,
        issuer: r.issuer,
        serial: r.serial,
        signed_at: r.signed_at.and_then(|t| vn_time(t, "%d/%m/%Y %H:%M")),
        verdict: match r.verdict {
            Verdict::Valid => "valid",
            Verdict::Indeterminate => "indeterminate",
            Verdict::Invalid => "invalid",
        }
        .to_owned(),
        summary: r.summary,
        findings: r.findings,
        covers_whole_file: r.covers_whole_file,
        trusted: r.trusted,
    }
}

/// The logged-in token, the CA certificates to carry, the timestamp server.
type TokenSetUp = (bhxh_sign::TokenSigner, Vec<Vec<u8>>, Option<String>);

fn item_kind(item: signed::Item) -> (String, u32) {
    match item {
        signed::Item::Component(n) => ("component".into(), n),
        signed::Item::Result(n) => ("result".into(), n),
    }
}

impl Desk {
    /// The trust folder for PDF signatures.
    pub fn pdf_trust_dir(&self) -> PathBuf {
        self.data_dir().join(PDF_TRUST_DIR_NAME)
    }

    fn pdf_trust(&self) -> PdfTrust {
        trust_in(self.data_dir())
    }

    /// The module, token, key and timestamp server set up (each `None`
    /// when unset).
    fn signing_settings(&self) -> Result<[Option<String>; 4], DeskError> {
        let conn = self.store.conn()?;
        let get = |k| settings::get(&conn, k).map(|v| v.filter(|s: &String| !s.is_empty()));
        Ok([
            get(KEY_MODULE)?,
            get(KEY_TOKEN)?,
            get(KEY_KEY)?,
            get(KEY_TSA)?,
        ])
    }

    /// Set the token's module (and, optionally, which token and key):
    /// checked by loading the module and listing the token's keys (no PIN),
    /// then saved and audited. Administrators.
    pub fn signing_configure(
        &self,
        module: &Path,
        token: Option<&str>,
        key: Option<&str>,
    ) -> Result<SigningStatus, DeskError> {
        self.signing_configure_with(module, token, key, TsaChange::Keep)
    }

    /// [`Desk::signing_configure`], and the timestamp server: its address
    /// is checked for form only (`http://` or `https://`); whether it
    /// answers shows at the first signing, which fails if it does not.
    pub fn signing_configure_with(
        &self,
        module: &Path,
        token: Option<&str>,
        key: Option<&str>,
        tsa: TsaChange<'_>,
    ) -> Result<SigningStatus, DeskError> {
        self.authorize(Action::ConfigureSigning)?;
        let tsa_url = match tsa {
            TsaChange::Keep => self.signing_settings()?[3].clone(),
            TsaChange::Clear => None,
            TsaChange::Set(url) => Some(bhxh_sign::tsa::check_url(url)?),
        };
        let m = Module::open(module)?;
        let keys = m.keys(token)?;
        if let Some(k) = key
            && !keys.iter().any(|x| x.label == k)
        {
            return Err(bhxh_sign::SignError::NoKey {
                label: Some(k.to_owned()),
            }
            .into());
        }
        let module_text = module.display().to_string();
        self.change(Action::ConfigureSigning, |tx, actor, now| {
            settings::set(tx, KEY_MODULE, &module_text)?;
            settings::set(tx, KEY_TOKEN, token.unwrap_or(""))?;
            settings::set(tx, KEY_KEY, key.unwrap_or(""))?;
            settings::set(tx, KEY_TSA, tsa_url.as_deref().unwrap_or(""))?;
            bhxh_core::office::audit::append(
                tx,
                actor,
                &bhxh_core::office::audit::Event {
                    action: "update",
                    entity: "signing",
                    entity_id: "",
                    detail: serde_json::json!({
                        "module": module_text, "token": token, "key": key,
                        "tsaUrl": tsa_url,
                    }),
                },
                now,
            )?;
            Ok(())
        })?;
        self.signing_status()
    }

    /// The set-up and what the token shows now (any signed-in member of staff).
    pub fn signing_status(&self) -> Result<SigningStatus, DeskError> {
        self.authorize(Action::ViewDossier)?;
        let [module, token, key, tsa_url] = self.signing_settings()?;
        let trust = self.pdf_trust();
        let mut status = SigningStatus {
            module: module.clone(),
            token: token.clone(),
            key,
            tsa_url,
            installed_modules: bhxh_sign::token::installed_modules()
                .into_iter()
                .map(|(name, path)| ModuleChoice {
                    name,
                    path: path.display().to_string(),
                })
                .collect(),
            tokens: Vec::new(),
            keys: Vec::new(),
            problem: None,
            trust_dir: self.pdf_trust_dir().display().to_string(),
            trust_roots: u32::try_from(trust.root_count()).unwrap_or(u32::MAX),
            trust_problems: trust.problems.clone(),
        };
        let Some(module) = module else {
            status.problem = Some(bhxh_sign::SignError::NotConfigured.to_string());
            return Ok(status);
        };
        let listed = Module::open(Path::new(&module)).and_then(|m| {
            let tokens = m.tokens()?;
            let keys = if tokens.is_empty() {
                Vec::new()
            } else {
                m.keys(token.as_deref())?
            };
            Ok((tokens, keys))
        });
        match listed {
            Ok((tokens, keys)) => {
                if tokens.is_empty() {
                    status.problem =
                        Some(bhxh_sign::SignError::NoToken { label: token }.to_string());
                }
                status.tokens = tokens
                    .into_iter()
                    .map(|t| TokenLine {
                        label: t.label,
                        manufacturer: t.manufacturer,
                        model: t.model,
                        serial: t.serial,
                        pin_state: t.pin.label_vi().to_owned(),
                        pin_locked: t.pin == bhxh_sign::PinState::Locked,
                    })
                    .collect();
                status.keys = keys
                    .into_iter()
                    .map(|k| KeyLine {
                        label: k.label,
                        subject: k.subject,
                        issuer: k.issuer,
                        serial: k.serial,
                        not_after: k.not_after,
                    })
                    .collect();
            }
            Err(e) => status.problem = Some(e.to_string()),
        }
        Ok(status)
    }

    /// The token logged in with `pin` (the key set up), its certificate
    /// checked fit to sign now, the CA certificates to carry (from the
    /// trust folder, then the token's own), and the timestamp server.
    fn token_signer(&self, pin: &str) -> Result<TokenSetUp, DeskError> {
        let [module, token, key, tsa_url] = self.signing_settings()?;
        let module = module.ok_or(bhxh_sign::SignError::NotConfigured)?;
        let trust = self.pdf_trust();
        let signer =
            Module::open(Path::new(&module))?.login(token.as_deref(), key.as_deref(), pin)?;
        bhxh_sign::verify::check_signer(signer.certificate(), &trust, SystemTime::now())?;
        let mut chain = trust.chain_of(signer.certificate());
        for ca in signer.ca_certificates() {
            if !chain.contains(ca) {
                chain.push(ca.clone());
            }
        }
        Ok((signer, chain, tsa_url))
    }

    /// Sign a dossier's PDF(s) with the token, the PIN typed for this
    /// signing. Each signature appends to the current PDF; the signed bytes
    /// are sealed and recorded (audited) one item at a time.
    pub fn dossier_sign(
        &self,
        code: &str,
        target: SignTarget,
        pin: &str,
    ) -> Result<Vec<SignedItem>, DeskError> {
        let actor = self.authorize(Action::SignDossier)?;
        let (current, office) = {
            let conn = self.store.conn()?;
            (
                signed::current(&conn, code)?,
                office::get(&conn)?.ok_or(DeskError::NotSetUp)?,
            )
        };
        let chosen: Vec<signed::Current> = match target {
            // Not yet signed by the desk, and not a received PDF that carries
            // its own signature (that one is kept as it came).
            SignTarget::AllUnsigned => {
                let store = self.files()?;
                let mut unsigned = Vec::new();
                for c in current.into_iter().filter(|c| c.signatures == 0) {
                    let bytes = store.get(&c.sha256)?;
                    if bhxh_sign::pdf::signatures(&bytes).is_ok_and(|(_, s)| s.is_empty()) {
                        unsigned.push(c);
                    }
                }
                unsigned
            }
            SignTarget::Component(n) => current
                .into_iter()
                .filter(|c| c.item == signed::Item::Component(n))
                .collect(),
            SignTarget::Result(n) => current
                .into_iter()
                .filter(|c| c.item == signed::Item::Result(n))
                .collect(),
        };
        if chosen.is_empty() {
            return Err(CoreError::invalid(
                "item",
                match target {
                    SignTarget::AllUnsigned => {
                        format!("Hồ sơ {code} không còn tệp PDF nào chưa ký.")
                    }
                    SignTarget::Component(n) => {
                        format!("Thành phần {n} của hồ sơ {code} chưa được số hóa.")
                    }
                    SignTarget::Result(n) => format!("Hồ sơ {code} không có kết quả số {n}."),
                },
            )
            .into());
        }
        let (signer, chain, tsa_url) = self.token_signer(pin)?;
        let store = self.files()?;
        let name = self.full_name_of(&actor);
        let mut out = Vec::new();
        let (holder, _) = signer_identity(signer.certificate())?;
        for cur in chosen {
            let base = store.get(&cur.sha256)?;
            let at = self.now();
            let (rect, appearance) = if cur.signatures == 0 && cur.assembled_by_desk {
                visible_mark(&base, &holder, &office.name, &at)?
            } else {
                (None, None)
            };
            let opts = SignOptions {
                name: name.clone(),
                reason: "Bản sao điện tử".into(),
                location: office.name.clone(),
                at,
                rect,
                appearance,
                tsa_url: tsa_url.clone(),
            };
            let signed_pdf = bhxh_sign::sign_pdf(&base, &signer, &chain, &opts)?;
            let sha = store.put(&signed_pdf)?;
            let (signer_name, serial) = signer_identity(signer.certificate())?;
            self.change_as(&actor, |tx, actor, now| {
                signed::record(
                    tx,
                    actor,
                    code,
                    &signed::Signing {
                        item: cur.item,
                        assembled_sha256: &cur.assembled_sha256,
                        base_sha256: &cur.sha256,
                        sha256: &sha,
                        bytes: signed_pdf.len() as u64,
                        signer: &signer_name,
                        certificate_serial: &serial,
                    },
                    now,
                )?;
                Ok(())
            })?;
            let (kind, number) = item_kind(cur.item);
            out.push(SignedItem {
                kind,
                number,
                label: cur.item.label_vi(),
                signer: signer_name,
                sha256: sha,
                bytes_added: u32::try_from(signed_pdf.len() - base.len()).unwrap_or(u32::MAX),
            });
        }
        Ok(out)
    }

    /// Sign an approved report revision (the newest, or `revision`) with the
    /// token: its PDF signed as it prints, sealed, and from then on what
    /// every print, save and export of that revision gives. Supervisors (who
    /// approve reports); audited.
    pub fn report_sign(
        &self,
        kind: &str,
        period: &str,
        revision: Option<i64>,
        pin: &str,
    ) -> Result<SignedItem, DeskError> {
        let actor = self.authorize(Action::ApproveReport)?;
        let period = Self::report_period(kind, period)?;
        let snapshot =
            bhxh_core::progress::approved_snapshot(&*self.store.conn()?, &period, revision)?;
        let pdf = self.report_pdf(&snapshot)?;
        if bhxh_core::dossiers::signed::report(
            &*self.store.conn()?,
            snapshot.kind.as_str(),
            &snapshot.period,
            snapshot.revision,
        )?
        .is_some()
        {
            return Err(CoreError::Conflict(format!(
                "Báo cáo {} lần {} đã được ký số.",
                snapshot.period, snapshot.revision
            ))
            .into());
        }
        let office = office::get(&*self.store.conn()?)?.ok_or(DeskError::NotSetUp)?;
        let (signer, chain, tsa_url) = self.token_signer(pin)?;
        let opts = SignOptions {
            name: self.full_name_of(&actor),
            reason: format!("Báo cáo {} đã duyệt", snapshot.period_label),
            location: office.name.clone(),
            at: self.now(),
            rect: None,
            appearance: None,
            tsa_url,
        };
        let signed_pdf = bhxh_sign::sign_pdf(&pdf, &signer, &chain, &opts)?;
        let sha = self.files()?.put(&signed_pdf)?;
        let (signer_name, serial) = signer_identity(signer.certificate())?;
        self.change_as(&actor, |tx, actor, now| {
            signed::record_report(
                tx,
                actor,
                &signed::ReportSigning {
                    kind: snapshot.kind.as_str(),
                    period: &snapshot.period,
                    revision: snapshot.revision,
                    sha256: &sha,
                    bytes: signed_pdf.len() as u64,
                    signer: &signer_name,
                    certificate_serial: &serial,
                },
                now,
            )?;
            Ok(())
        })?;
        Ok(SignedItem {
            kind: "report".into(),
            number: u32::try_from(snapshot.revision).unwrap_or(0),
            label: format!(
                "báo cáo {} (lần {})",
                snapshot.period_label, snapshot.revision
            ),
            signer: signer_name,
            sha256: sha,
            bytes_added: u32::try_from(signed_pdf.len() - pdf.len()).unwrap_or(u32::MAX),
        })
    }

    /// `pdf`, a one-stop paper issued electronically, signed with the token
    /// (`pin`, for this signing only) for `actor`: invisibly, as an
    /// incremental update, timestamped when a server is set up. Returns the
    /// signed bytes, the certificate holder and its serial.
    pub(crate) fn sign_paper(
        &self,
        actor: &bhxh_core::office::audit::Actor,
        pdf: &[u8],
        pin: &str,
    ) -> Result<(Vec<u8>, String, String), DeskError> {
        let office = office::get(&*self.store.conn()?)?.ok_or(DeskError::NotSetUp)?;
        let (signer, chain, tsa_url) = self.token_signer(pin)?;
        let opts = SignOptions {
            name: self.full_name_of(actor),
            reason: "Giấy tờ một cửa phát hành điện tử".into(),
            location: office.name.clone(),
            at: self.now(),
            rect: None,
            appearance: None,
            tsa_url,
        };
        let signed_pdf = bhxh_sign::sign_pdf(pdf, &signer, &chain, &opts)?;
        let (holder, serial) = signer_identity(signer.certificate())?;
        Ok((signed_pdf, holder, serial))
    }

    /// The signatures of every PDF of a dossier, verified now.
    pub fn dossier_signatures(&self, code: &str) -> Result<Vec<ItemSignatures>, DeskError> {
        let current = self.read(Action::ViewDossier, |conn, _| {
            Ok(signed::current(conn, code)?)
        })?;
        let store = self.files()?;
        let trust = self.pdf_trust();
        let mut out = Vec::new();
        for cur in current {
            let bytes = store.get(&cur.sha256)?;
            let reports = bhxh_sign::verify_pdf(&bytes, &trust, SystemTime::now())?;
            let (kind, number) = item_kind(cur.item);
            out.push(ItemSignatures {
                kind,
                number,
                label: cur.item.label_vi(),
                desk_signatures: cur.signatures,
                signatures: reports.into_iter().map(to_line).collect(),
            });
        }
        Ok(out)
    }

    /// Verify the signatures of a PDF's bytes (a file a citizen or an
    /// employer sent). An unsigned PDF gives an empty list.
    pub fn pdf_verify(&self, bytes: &[u8]) -> Result<Vec<SignatureLine>, DeskError> {
        pdf_verify_in(self.data_dir(), bytes)
    }
}

/// Where a signature shows on page 1 and what it draws (both `None`: an
/// invisible signature).
type VisibleMark = (Option<[f32; 4]>, Option<Vec<u8>>);

/// The first signature of a PDF the desk assembled is drawn where its
/// stamp is, and in its place (a PDF that came in whole, and a later
/// signature, are invisible): "Bản sao điện tử – ký số bởi …" over the unit
/// and the time. Returns the field's rectangle on page 1 and its drawing.
fn visible_mark(
    pdf: &[u8],
    holder: &str,
    unit: &str,
    at: &chrono::DateTime<chrono::FixedOffset>,
) -> Result<VisibleMark, DeskError> {
    let Some((page_width, page_height)) = bhxh_sign::pdf::first_page_size(pdf) else {
        return Ok((None, None));
    };
    let first = format!("Bản sao điện tử – ký số bởi: {holder}");
    let second = format!("{unit} – {}", at.format("%H:%M ngày %d/%m/%Y"));
    let (mark, width, height) =
        bhxh_report::stamp::signature_mark(&[first.as_str(), second.as_str()], 260.0)
            .map_err(|e| DeskError::Render(e.to_string()))?;
    // On a page narrower than the mark, the mark is made smaller to fit.
    let mut rect = bhxh_sign::pdf::stamp_rect(page_height, width);
    let room = (page_width - 2.0 * rect[0]).max(1.0);
    let scale = (room / width).min(1.0);
    rect[2] = rect[0] + width * scale;
    rect[1] = rect[3] - height * scale;
    Ok((Some(rect), Some(mark)))
}

/// [`Desk::pdf_verify`] with the trust folder of the data directory
/// `data_dir`, without opening the store (nothing personal is read).
pub fn pdf_verify_in(data_dir: &Path, bytes: &[u8]) -> Result<Vec<SignatureLine>, DeskError> {
    let trust = trust_in(data_dir);
    Ok(bhxh_sign::verify_pdf(bytes, &trust, SystemTime::now())?
        .into_iter()
        .map(to_line)
        .collect())
}

/// The signer's common name (or subject) and serial number.
fn signer_identity(cert_der: &[u8]) -> Result<(String, String), DeskError> {
    let cert = bhxh_emrtd::lds::sod::StoredCertificate::from_der(cert_der)
        .map_err(|e| DeskError::Sign(bhxh_sign::SignError::Der(e.to_string())))?;
    let name = match cert.certificate.tbs_certificate().subject().common_name() {
        Ok(Some(cn)) => cn.value().into_owned(),
        _ => cert.subject(),
    };
    Ok((name, cert.serial()))
}
