//! The archival copy of a component: PDF/A-2b (ISO 19005-2, level B) with
//! the words OCR read laid over each page as invisible text, so the copy
//! can be searched and its text selected. The scanned bytes are those of
//! the assembled PDF (a JPEG byte for byte); turned pages keep `/Rotate`.
//!
//! What PDF/A-2b asks of this file, and where it is done: the XMP metadata
//! stream with `pdfaid:part` 2 and `pdfaid:conformance` B, matching the
//! document information dictionary (title, author, tool, dates); an output
//! intent `GTS_PDFA1` with an embedded sRGB profile (`assets/icc`), since
//! the scans use `DeviceRGB`/`DeviceGray`; every font embedded (the stamp
//! and the hidden text use the desk's Liberation Serif, subset by
//! printpdf) with `/CIDToGIDMap /Identity` on its CID font; a file
//! identifier; no encryption, no transparency, no JavaScript.

use chrono::{DateTime, FixedOffset};
use lopdf::{Dictionary, Document, Object, Stream, StringFormat};

use crate::ScanError;
use crate::assemble::assemble_with;
use crate::edit::Rotation;
use crate::ocr::OcrWord;
use crate::page::ScanPage;

/// The sRGB profile of the output intent (see `assets/icc/README.md`).
const SRGB_ICC: &[u8] = include_bytes!("../../../../assets/icc/sRGB.icc");

/// One page of an archival copy: the scanned page, its turn, and the words
/// OCR read on it (empty when it has not been read).
pub struct ArchivePage<'a> {
    pub page: &'a ScanPage,
    pub rotate: Rotation,
    pub words: &'a [OcrWord],
}

/// What the copy says about itself.
pub struct ArchiveInfo<'a> {
    pub title: &'a str,
    /// Who made it (the office or the officer).
    pub author: &'a str,
    pub created: DateTime<FixedOffset>,
    /// Printed top left on page 1, as on the assembled PDF.
    pub stamp: Option<&'a str>,
}

/// Make the PDF/A-2b archival copy of `pages`.
pub fn archival_copy(
    pages: &[ArchivePage<'_>],
    info: &ArchiveInfo<'_>,
) -> Result<Vec<u8>, ScanError> {
    let refs: Vec<&ScanPage> = pages.iter().map(|p| p.page).collect();
    let pdf = assemble_with(&refs, info.title, info.stamp, |i, doc, w_pt, h_pt| {
        let words: Vec<bhxh_report::stamp::HiddenWord<'_>> = pages[i]
            .words
            .iter()
            .map(|w| bhxh_report::stamp::HiddenWord {
                text: &w.text,
                x: w.x * w_pt,
                bottom: h_pt - (w.y + w.h) * h_pt,
                width: w.w * w_pt,
                height: w.h * h_pt,
            })
            .collect();
        bhxh_report::stamp::hidden_words(doc, &words).map_err(|e| ScanError::Font(e.to_string()))
    })?;
    let mut doc = Document::load_mem(&pdf).map_err(|e| ScanError::Pdf(e.to_string()))?;
    let fail = |e: lopdf::Error| ScanError::Pdf(e.to_string());
    doc.version = "1.7".into();

    for (id, p) in doc.get_pages().into_values().zip(pages) {
        if p.rotate.degrees() != 0 {
            doc.get_dictionary_mut(id)
                .map_err(fail)?
                .set("Rotate", Object::Integer(i64::from(p.rotate.degrees())));
        }
    }
    // PDF/A-2 6.2.11.3.2: a CIDFontType2 names its CID-to-glyph map.
    for obj in doc.objects.values_mut() {
        if let Object::Dictionary(d) = obj
            && d.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"CIDFontType2".as_slice())
            && !d.has(b"CIDToGIDMap")
        {
            d.set("CIDToGIDMap", Object::Name(b"Identity".to_vec()));
        }
    }

    let off = info.created.offset().local_minus_utc();
    let sign = if off < 0 { '-' } else { '+' };
    let when_pdf = format!(
        "D:{}{sign}{:02}'{:02}'",
        info.created.format("%Y%m%d%H%M%S"),
        off.abs() / 3600,
        off.abs() % 3600 / 60
    );
    let when_xmp = info.created.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
    let mut meta = Dictionary::new();
    meta.set("Title", text_string(info.title));
    meta.set("Author", text_string(info.author));
    meta.set("Creator", text_string("BHXH Desk"));
    meta.set("Producer", text_string("BHXH Desk"));
    meta.set("CreationDate", Object::string_literal(when_pdf.clone()));
    meta.set("ModDate", Object::string_literal(when_pdf));
    let info_id = doc.add_object(meta);
    doc.trailer.set("Info", Object::Reference(info_id));

    let xmp = xmp(info.title, info.author, &when_xmp);
    let mut xmp_dict = Dictionary::new();
    xmp_dict.set("Type", Object::Name(b"Metadata".to_vec()));
    xmp_dict.set("Subtype", Object::Name(b"XML".to_vec()));
    let xmp_id = doc.add_object(Stream::new(xmp_dict, xmp.into_bytes()).with_compression(false));

    let mut icc_dict = Dictionary::new();
    icc_dict.set("N", Object::Integer(3));
    let icc_id = doc.add_object(Stream::new(icc_dict, SRGB_ICC.to_vec()).with_compression(false));
    let mut intent = Dictionary::new();
    intent.set("Type", Object::Name(b"OutputIntent".to_vec()));
    intent.set("S", Object::Name(b"GTS_PDFA1".to_vec()));
    intent.set(
        "OutputConditionIdentifier",
        Object::string_literal("sRGB IEC61966-2.1"),
    );
    intent.set("Info", Object::string_literal("sRGB IEC61966-2.1"));
    intent.set("DestOutputProfile", Object::Reference(icc_id));

    let catalog = doc.catalog_mut().map_err(fail)?;
    catalog.set("Metadata", Object::Reference(xmp_id));
    catalog.set(
        "OutputIntents",
        Object::Array(vec![Object::Dictionary(intent)]),
    );

    if !doc.trailer.has(b"ID") {
        let id = Object::String(file_id(&pdf), StringFormat::Hexadecimal);
        doc.trailer.set("ID", Object::Array(vec![id.clone(), id]));
    }
    let mut out = Vec::with_capacity(pdf.len() + SRGB_ICC.len() + 4096);
    doc.save_to(&mut out)
        .map_err(|e| ScanError::Pdf(e.to_string()))?;
    Ok(out)
}

/// A PDF text string: PDFDocEncoding cannot hold Vietnamese, so UTF-16BE
/// with its byte order mark.
fn text_string(s: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        bytes.extend_from_slice(&u.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

fn file_id(pdf: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(pdf)[..16].to_vec()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The XMP packet of a PDF/A-2b file, its fields those of the information
/// dictionary.
fn xmp(title: &str, author: &str, when: &str) -> String {
    let (title, author) = (escape(title), escape(author));
    format!(
        "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
 <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
  <rdf:Description rdf:about=\"\"\n\
    xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"\n\
    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n\
    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n\
    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n\
   <pdfaid:part>2</pdfaid:part>\n\
   <pdfaid:conformance>B</pdfaid:conformance>\n\
   <dc:format>application/pdf</dc:format>\n\
   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>\n\
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>\n\
   <xmp:CreateDate>{when}</xmp:CreateDate>\n\
   <xmp:ModifyDate>{when}</xmp:ModifyDate>\n\
   <xmp:MetadataDate>{when}</xmp:MetadataDate>\n\
   <xmp:CreatorTool>BHXH Desk</xmp:CreatorTool>\n\
   <pdf:Producer>BHXH Desk</pdf:Producer>\n\
  </rdf:Description>\n\
 </rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>"
    )
}
