//! Signing a PDF as PAdES baseline B-B (ETSI EN 319 142-1): a signature
//! field on page 1 and its `/Sig` value appended as an incremental update,
//! the `/ByteRange` covering every byte but the `/Contents` hole, and a
//! detached CAdES signature in the hole. With a timestamp server set up,
//! B-T: the RFC 3161 token over the signature value is added to the
//! `SignerInfo` before the CMS goes in the hole (see [`crate::tsa`]).

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::write::{Update, dictionary, last_startxref, text_string};
use crate::cms::{build_signed_data, build_signed_data_with};
use crate::error::SignError;
use crate::token::RawSigner;

/// What the signature says about itself.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// The signer's name as shown (`/Name`).
    pub name: String,
    /// Why (`/Reason`), e.g. "Bản sao điện tử".
    pub reason: String,
    /// Where (`/Location`): the office.
    pub location: String,
    /// When, with the office's offset (`/M`).
    pub at: DateTime<FixedOffset>,
    /// The field's rectangle on page 1 in points (x1, y1, x2, y2), over the
    /// desk's stamp; `None` for an invisible signature.
    pub rect: Option<[f32; 4]>,
    /// What the visible field shows: a one-page PDF whose page becomes the
    /// field's appearance, scaled into `rect` (the desk draws its stamp
    /// there: who signed, the unit, when, "Bản sao điện tử"). `None`, or no
    /// `rect`: an empty appearance.
    pub appearance: Option<Vec<u8>>,
    /// The timestamp server (RFC 3161) to stamp the signature with (PAdES
    /// B-T). When set and it gives no valid timestamp, signing fails
    /// ([`SignError::Timestamp`]): there is no silent fallback to B-B.
    pub tsa_url: Option<String>,
}

/// Room kept in `/Contents` for the timestamp token (a token with the TSA's
/// certificates is a few KB); a larger one is retried once with room for it.
pub const TIMESTAMP_RESERVE: usize = 12 * 1024;

/// Where the desk's stamp sits on page 1 (`bhxh_report::stamp::top_left`:
/// 5 mm from the top left, one 9 pt line): the signature's visible mark.
pub fn stamp_rect(page_height: f32, width: f32) -> [f32; 4] {
    let mm = 72.0 / 25.4;
    let left = 5.0 * mm - 3.0;
    let top = page_height - 5.0 * mm + 3.0;
    [left, top - 15.0, left + width, top]
}

const BYTE_RANGE_PLACEHOLDER: &str = "[0 ********** ********** **********]";

fn pdf_err(what: impl std::fmt::Display) -> SignError {
    SignError::Pdf(what.to_string())
}

fn reference(o: &Object) -> Option<ObjectId> {
    o.as_reference().ok()
}

/// The document's existing signature fields, counted to name the new one.
fn signature_field_count(doc: &Document) -> usize {
    doc.objects
        .values()
        .filter(|o| {
            o.as_dict()
                .ok()
                .and_then(|d| d.get(b"FT").ok())
                .and_then(|ft| ft.as_name().ok())
                == Some(b"Sig".as_slice())
        })
        .count()
}

/// Sign `pdf` with `signer`; `chain` holds the CA certificates to carry
/// (issuer first). Returns the signed PDF: `pdf` unchanged, then the update.
pub fn sign_pdf(
    pdf: &[u8],
    signer: &dyn RawSigner,
    chain: &[Vec<u8>],
    opts: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    let Some(url) = &opts.tsa_url else {
        return sign_reserving(pdf, signer, chain, opts, 0);
    };
    match sign_reserving(pdf, signer, chain, opts, TIMESTAMP_RESERVE) {
        // The TSA's token is larger than the room kept: once more, with room
        // for what it needed (the token and signature are made again).
        Err(SignError::TooLarge { needed, reserved }) => {
            let more = needed.saturating_sub(reserved) + 2048;
            sign_reserving(pdf, signer, chain, opts, TIMESTAMP_RESERVE + more).map_err(
                |e| match e {
                    SignError::TooLarge { .. } => SignError::Timestamp {
                        url: url.clone(),
                        detail: "dấu thời gian lớn hơn chỗ dành cho nó".into(),
                    },
                    e => e,
                },
            )
        }
        other => other,
    }
}

/// [`sign_pdf`] with `extra` bytes kept in `/Contents` for a timestamp.
fn sign_reserving(
    pdf: &[u8],
    signer: &dyn RawSigner,
    chain: &[Vec<u8>],
    opts: &SignOptions,
    extra: usize,
) -> Result<Vec<u8>, SignError> {
    let doc = Document::load_mem(pdf).map_err(pdf_err)?;
    if doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
        return Err(SignError::Encrypted);
    }
    let prev = last_startxref(pdf).ok_or_else(|| pdf_err("không thấy startxref"))?;
    let root_id = doc
        .trailer
        .get(b"Root")
        .ok()
        .and_then(reference)
        .ok_or_else(|| pdf_err("không có /Root"))?;
    let mut catalog = doc.get_dictionary(root_id).map_err(pdf_err)?.clone();
    let page_id = *doc
        .get_pages()
        .get(&1)
        .ok_or_else(|| pdf_err("tệp không có trang nào"))?;
    let mut page = doc.get_dictionary(page_id).map_err(pdf_err)?.clone();
    let size = doc
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .ok()
        .and_then(|s| u32::try_from(s).ok())
        .unwrap_or(0)
        .max(doc.max_id + 1);
    let mut next = size;
    let mut fresh = || {
        let id = next;
        next += 1;
        id
    };
    let sig_id = fresh();
    let field_id = fresh();
    let ap_id = fresh();
    let mut update = Update::after(pdf);
    let mut changed: Vec<(u32, Object)> = Vec::new();

    // The field, its (empty) appearance, on page 1.
    let n = signature_field_count(&doc) + 1;
    let rect = opts.rect.unwrap_or([0.0; 4]);
    let (w, h) = ((rect[2] - rect[0]).max(0.0), (rect[3] - rect[1]).max(0.0));
    let mut field = Dictionary::new();
    field.set("Type", Object::Name(b"Annot".to_vec()));
    field.set("Subtype", Object::Name(b"Widget".to_vec()));
    field.set("FT", Object::Name(b"Sig".to_vec()));
    field.set("T", text_string(&format!("Chữ ký số {n}")));
    field.set("V", Object::Reference((sig_id, 0)));
    // Print + Locked.
    field.set("F", Object::Integer(132));
    field.set("P", Object::Reference(page_id));
    field.set(
        "Rect",
        Object::Array(rect.iter().map(|v| Object::Real(*v)).collect()),
    );
    let mut ap = Dictionary::new();
    ap.set("N", Object::Reference((ap_id, 0)));
    field.set("AP", Object::Dictionary(ap));
    let mut xobj = Dictionary::new();
    xobj.set("Type", Object::Name(b"XObject".to_vec()));
    xobj.set("Subtype", Object::Name(b"Form".to_vec()));
    xobj.set(
        "BBox",
        Object::Array(vec![0.into(), 0.into(), Object::Real(w), Object::Real(h)]),
    );
    let mut drawing = Vec::new();
    let mut imported: Vec<(u32, Object)> = Vec::new();
    if let (Some(mark), Some(_)) = (&opts.appearance, opts.rect) {
        let page = import_page(mark, &mut fresh, &mut imported)?;
        // The page's box is fitted into the field's rectangle (ISO
        // 32000-1 §12.5.5): its own box is the form's.
        xobj.set("BBox", page.media_box);
        xobj.set("Resources", page.resources);
        drawing = page.content;
    }
    let appearance = Object::Stream(lopdf::Stream::new(xobj, drawing));

    // Page 1 lists the field among its annotations.
    let field_ref = Object::Reference((field_id, 0));
    match page.get(b"Annots").ok().cloned() {
        Some(Object::Reference(arr_id)) => {
            let mut arr = doc
                .get_object(arr_id)
                .and_then(Object::as_array)
                .map_err(pdf_err)?
                .clone();
            arr.push(field_ref.clone());
            changed.push((arr_id.0, Object::Array(arr)));
        }
        Some(Object::Array(mut arr)) => {
            arr.push(field_ref.clone());
            page.set("Annots", Object::Array(arr));
            changed.push((page_id.0, Object::Dictionary(page)));
        }
        _ => {
            page.set("Annots", Object::Array(vec![field_ref.clone()]));
            changed.push((page_id.0, Object::Dictionary(page)));
        }
    }

    // The catalog's form lists it too, with SigFlags 3 (signatures exist,
    // append only).
    let add_field =
        |acro: &mut Dictionary, changed: &mut Vec<(u32, Object)>| -> Result<(), SignError> {
            match acro.get(b"Fields").ok().cloned() {
                Some(Object::Reference(fid)) => {
                    let mut arr = doc
                        .get_object(fid)
                        .and_then(Object::as_array)
                        .map_err(pdf_err)?
                        .clone();
                    arr.push(field_ref.clone());
                    changed.push((fid.0, Object::Array(arr)));
                }
                Some(Object::Array(mut arr)) => {
                    arr.push(field_ref.clone());
                    acro.set("Fields", Object::Array(arr));
                }
                _ => acro.set("Fields", Object::Array(vec![field_ref.clone()])),
            }
            acro.set("SigFlags", Object::Integer(3));
            Ok(())
        };
    match catalog.get(b"AcroForm").ok().cloned() {
        Some(Object::Reference(acro_id)) => {
            let mut acro = doc.get_dictionary(acro_id).map_err(pdf_err)?.clone();
            add_field(&mut acro, &mut changed)?;
            changed.push((acro_id.0, Object::Dictionary(acro)));
        }
        Some(Object::Dictionary(mut acro)) => {
            add_field(&mut acro, &mut changed)?;
            catalog.set("AcroForm", Object::Dictionary(acro));
            changed.push((root_id.0, Object::Dictionary(catalog)));
        }
        _ => {
            let acro_id = fresh();
            let mut acro = Dictionary::new();
            add_field(&mut acro, &mut changed)?;
            changed.push((acro_id, Object::Dictionary(acro)));
            catalog.set("AcroForm", Object::Reference((acro_id, 0)));
            changed.push((root_id.0, Object::Dictionary(catalog)));
        }
    }

    // The signature value, with its placeholders.
    // Room for the CMS: its exact size with the longest signature the key
    // can make (a dry run, nothing signed), and a little margin.
    let reserve = estimated_cms_len(signer, chain)? + 32 + extra;
    update.begin_object(sig_id);
    let mut sig = Dictionary::new();
    sig.set("Type", Object::Name(b"Sig".to_vec()));
    sig.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
    sig.set("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec()));
    sig.set(
        "M",
        Object::String(
            pdf_date(&opts.at).into_bytes(),
            lopdf::StringFormat::Literal,
        ),
    );
    sig.set("Name", text_string(&opts.name));
    sig.set("Reason", text_string(&opts.reason));
    sig.set("Location", text_string(&opts.location));
    let mut head = Vec::new();
    dictionary(&sig, &mut head);
    // "<< … >>" → "<< … /ByteRange [...] /Contents <...> >>"
    head.truncate(head.len() - 2);
    update.bytes.extend_from_slice(&head);
    update.bytes.extend_from_slice(b"/ByteRange ");
    let br_at = update.bytes.len();
    update
        .bytes
        .extend_from_slice(BYTE_RANGE_PLACEHOLDER.as_bytes());
    update.bytes.extend_from_slice(b" /Contents ");
    let hole_start = update.bytes.len();
    update.bytes.push(b'<');
    update.bytes.extend(std::iter::repeat_n(b'0', reserve * 2));
    update.bytes.push(b'>');
    let hole_end = update.bytes.len();
    update.bytes.extend_from_slice(b" >>");
    update.end_object();

    update.put(field_id, &Object::Dictionary(field));
    update.put(ap_id, &appearance);
    for (id, o) in &imported {
        update.put(*id, o);
    }
    changed.sort_by_key(|(id, _)| *id);
    changed.dedup_by_key(|(id, _)| *id);
    for (id, o) in &changed {
        update.put(*id, o);
    }
    let uses_stream = matches!(
        doc.reference_table.cross_reference_type,
        lopdf::xref::XrefType::CrossReferenceStream
    );
    let stream_id = uses_stream.then(&mut fresh);
    let mut bytes = update.finish(&doc.trailer, prev, size, stream_id);

    // The byte range, padded to the placeholder's width.
    let tail = bytes.len() - hole_end;
    let range = format!("[0 {hole_start} {hole_end} {tail}]");
    if range.len() > BYTE_RANGE_PLACEHOLDER.len() {
        return Err(pdf_err("tệp quá lớn để ký"));
    }
    let padded = format!("{range:<width$}", width = BYTE_RANGE_PLACEHOLDER.len());
    bytes[br_at..br_at + padded.len()].copy_from_slice(padded.as_bytes());

    let digest = signer
        .algorithm()
        .digest(&[&bytes[..hole_start], &bytes[hole_end..]]);
    let cms = match &opts.tsa_url {
        Some(url) => {
            let stamp = |signature: &[u8]| crate::tsa::timestamp(url, signature);
            build_signed_data_with(signer, chain, &digest, Some(&stamp))?
        }
        None => build_signed_data(signer, chain, &digest)?,
    };
    if cms.len() > reserve {
        return Err(SignError::TooLarge {
            needed: cms.len(),
            reserved: reserve,
        });
    }
    let hex = hex::encode_upper(&cms);
    bytes[hole_start + 1..hole_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(bytes)
}

/// Page 1 of a PDF, ready to be a form XObject in another document.
struct ImportedPage {
    media_box: Object,
    resources: Object,
    /// The page's content (uncompressed).
    content: Vec<u8>,
}

/// Page 1 of `mark` with every object its resources reach copied under new
/// numbers from `fresh` into `out` (fonts, their files, images).
fn import_page(
    mark: &[u8],
    fresh: &mut impl FnMut() -> u32,
    out: &mut Vec<(u32, Object)>,
) -> Result<ImportedPage, SignError> {
    let bad = |what: &str| pdf_err(format!("hình chữ ký: {what}"));
    let doc = Document::load_mem(mark).map_err(|e| bad(&e.to_string()))?;
    let page_id = *doc
        .get_pages()
        .get(&1)
        .ok_or_else(|| bad("không có trang"))?;
    let page = doc
        .get_dictionary(page_id)
        .map_err(|e| bad(&e.to_string()))?;
    let media_box = page
        .get(b"MediaBox")
        .ok()
        .cloned()
        .ok_or_else(|| bad("trang không có MediaBox"))?;
    // The drawing itself, which must be uncompressed (the desk makes it so).
    let mut content = Vec::new();
    let parts = match page.get(b"Contents") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(o) => vec![o.clone()],
        Err(_) => Vec::new(),
    };
    for part in parts {
        let stream = match part {
            Object::Reference(id) => doc.get_object(id).map_err(pdf_err)?.clone(),
            o => o,
        };
        let stream = stream
            .as_stream()
            .map_err(|_| bad("nội dung trang không phải luồng"))?;
        if stream.dict.get(b"Filter").is_ok() {
            return Err(bad("nội dung trang bị nén"));
        }
        content.extend_from_slice(&stream.content);
        content.push(b'\n');
    }
    let resources = match page.get(b"Resources") {
        Ok(r) => r.clone(),
        Err(_) => Object::Dictionary(Dictionary::new()),
    };
    let mut map = HashMap::new();
    let resources = copy_object(&doc, &resources, &mut map, fresh, out, 0)?;
    Ok(ImportedPage {
        media_box: copy_object(&doc, &media_box, &mut map, fresh, out, 0)?,
        resources,
        content,
    })
}

/// `o` with each reference it holds (however deep) copied into `out` under
/// a new number; an object reached twice is copied once.
fn copy_object(
    doc: &Document,
    o: &Object,
    map: &mut HashMap<ObjectId, u32>,
    fresh: &mut impl FnMut() -> u32,
    out: &mut Vec<(u32, Object)>,
    depth: usize,
) -> Result<Object, SignError> {
    if depth > 32 {
        return Err(pdf_err("hình chữ ký: đối tượng lồng nhau quá sâu"));
    }
    Ok(match o {
        Object::Reference(id) => {
            if let Some(new) = map.get(id) {
                return Ok(Object::Reference((*new, 0)));
            }
            let new = fresh();
            map.insert(*id, new);
            let target = doc.get_object(*id).map_err(pdf_err)?.clone();
            let copied = copy_object(doc, &target, map, fresh, out, depth + 1)?;
            out.push((new, copied));
            Object::Reference((new, 0))
        }
        Object::Array(items) => Object::Array(
            items
                .iter()
                .map(|i| copy_object(doc, i, map, fresh, out, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Object::Dictionary(d) => {
            Object::Dictionary(copy_dictionary(doc, d, map, fresh, out, depth)?)
        }
        Object::Stream(s) => {
            let dict = copy_dictionary(doc, &s.dict, map, fresh, out, depth)?;
            Object::Stream(lopdf::Stream::new(dict, s.content.clone()).with_compression(false))
        }
        other => other.clone(),
    })
}

fn copy_dictionary(
    doc: &Document,
    d: &Dictionary,
    map: &mut HashMap<ObjectId, u32>,
    fresh: &mut impl FnMut() -> u32,
    out: &mut Vec<(u32, Object)>,
    depth: usize,
) -> Result<Dictionary, SignError> {
    let mut copy = Dictionary::new();
    for (k, v) in d.iter() {
        // A page's parent is not part of what it draws.
        if k.as_slice() == b"Parent" {
            continue;
        }
        copy.set(k.clone(), copy_object(doc, v, map, fresh, out, depth + 1)?);
    }
    Ok(copy)
}

/// The size of the CMS `signer` will make: built once with a stand-in
/// signature as long as the key's longest (RSA: the modulus; ECDSA: r and s
/// with their sign bytes).
fn estimated_cms_len(signer: &dyn RawSigner, chain: &[Vec<u8>]) -> Result<usize, SignError> {
    struct DryRun<'a> {
        inner: &'a dyn RawSigner,
        len: usize,
    }
    impl RawSigner for DryRun<'_> {
        fn certificate(&self) -> &[u8] {
            self.inner.certificate()
        }
        fn ca_certificates(&self) -> &[Vec<u8>] {
            self.inner.ca_certificates()
        }
        fn algorithm(&self) -> crate::token::KeyAlgorithm {
            self.inner.algorithm()
        }
        fn sign(&self, _: &[u8]) -> Result<Vec<u8>, SignError> {
            match self.algorithm() {
                crate::token::KeyAlgorithm::Rsa => Ok(vec![0xFF; self.len]),
                _ => crate::token::ecdsa_der(&vec![0xFF; self.len]),
            }
        }
    }
    let len = match signer.algorithm() {
        crate::token::KeyAlgorithm::Rsa => rsa_modulus_len(signer.certificate()).unwrap_or(512),
        crate::token::KeyAlgorithm::EcdsaP256 => 64,
        crate::token::KeyAlgorithm::EcdsaP384 => 96,
    };
    let digest = signer.algorithm().digest(&[b""]);
    Ok(build_signed_data(&DryRun { inner: signer, len }, chain, &digest)?.len())
}

/// The byte length of an RSA certificate's modulus.
fn rsa_modulus_len(cert_der: &[u8]) -> Option<usize> {
    let cert = bhxh_emrtd::lds::sod::StoredCertificate::from_der(cert_der).ok()?;
    let key = cert
        .certificate
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
        .to_vec();
    let (seq, _) = bhxh_emrtd::lds::tlv::read_tlv(&key).ok()?;
    let n = seq.children().read().ok()?;
    let v = n.value;
    Some(v.len() - v.iter().take_while(|b| **b == 0).count())
}

/// `D:YYYYMMDDHHmmSS+HH'mm'`.
pub fn pdf_date(at: &DateTime<FixedOffset>) -> String {
    let off = at.offset().local_minus_utc();
    let sign = if off < 0 { '-' } else { '+' };
    let off = off.abs();
    format!(
        "D:{}{sign}{:02}'{:02}'",
        at.format("%Y%m%d%H%M%S"),
        off / 3600,
        (off % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_carry_the_offset() {
        let at = DateTime::parse_from_rfc3339("2026-12-02T09:15:00+07:00").unwrap();
        assert_eq!(pdf_date(&at), "D:20261202091500+07'00'");
    }
}
