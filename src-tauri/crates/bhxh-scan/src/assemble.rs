//! Scanned pages assembled into one PDF per dossier component (Circular
//! 01/2023: PDF, colour, at least 200 dpi, 100% scale, the paper's page
//! count and order).
//!
//! A JPEG goes in **byte for byte** (an image XObject with `DCTDecode`): no
//! quality is lost and the bytes hashed at intake are the bytes in the PDF.
//! A PNG, and every page of a TIFF, is stored losslessly (`FlateDecode` of
//! the samples, 1, 8 or 16 bits, grey, RGB or CMYK, as scanned). Each page
//! takes the scan's physical size from its resolution, so the PDF prints at
//! 100%. The digitiser's stamp (drawn by `bhxh-report`) goes top left on
//! page 1 of this assembled copy, never on a received original.

use std::collections::BTreeMap;

use printpdf::{
    DictItem, ExternalStream, ExternalXObject, Op, PdfDocument, PdfPage, PdfParseErrorSeverity,
    PdfSaveOptions, Px, XObjectTransform,
};

use crate::ScanError;
use crate::inspect::PageInfo;
use crate::page::{Pixels, ScanPage, Space, image_file_pages};

const PT_PER_MM: f32 = 72.0 / 25.4;

fn image_stream(
    info: &PageInfo,
    content: Vec<u8>,
    filter: &str,
    bits: u8,
    space: Space,
) -> ExternalXObject {
    let name = |s: &str| DictItem::Name(s.as_bytes().to_vec());
    let mut dict = BTreeMap::new();
    dict.insert("Type".to_owned(), name("XObject"));
    dict.insert("Subtype".to_owned(), name("Image"));
    dict.insert("Width".to_owned(), DictItem::Int(i64::from(info.width_px)));
    dict.insert(
        "Height".to_owned(),
        DictItem::Int(i64::from(info.height_px)),
    );
    dict.insert(
        "BitsPerComponent".to_owned(),
        DictItem::Int(i64::from(bits)),
    );
    dict.insert("ColorSpace".to_owned(), name(space.pdf_name()));
    dict.insert("Filter".to_owned(), name(filter));
    ExternalXObject {
        stream: ExternalStream {
            dict,
            content,
            // Never touched again: a JPEG stays the scanner's bytes.
            compress: false,
        },
        width: Some(Px(info.width_px as usize)),
        height: Some(Px(info.height_px as usize)),
        dpi: None,
    }
}

/// Assemble scanned pages (JPEG, PNG or TIFF files, in paper order; a TIFF
/// gives all its pages) into one PDF. `stamp`, when given, is printed top
/// left on page 1 ("Số hóa: …"). Every file is read and checked before
/// anything is made. Returns the PDF and each PDF page's info.
pub fn assemble_scans(
    files: &[&[u8]],
    title: &str,
    stamp: Option<&str>,
) -> Result<(Vec<u8>, Vec<PageInfo>), ScanError> {
    let mut pages = Vec::new();
    for bytes in files {
        pages.extend(image_file_pages(bytes, pages.len() + 1)?);
    }
    let refs: Vec<&ScanPage> = pages.iter().collect();
    let pdf = assemble_pages(&refs, title, stamp)?;
    Ok((pdf, pages.into_iter().map(|p| p.info).collect()))
}

/// Assemble pages already read (see [`crate::read_pages`]) into one PDF, as
/// [`assemble_scans`] does.
pub fn assemble_pages(
    pages: &[&ScanPage],
    title: &str,
    stamp: Option<&str>,
) -> Result<Vec<u8>, ScanError> {
    assemble_with(pages, title, stamp, |_, _, _, _| Ok(Vec::new()))
}

/// [`assemble_pages`], with `extra(i, doc, width_pt, height_pt)` drawn over
/// page `i` (from 0) after its image and stamp.
pub(crate) fn assemble_with(
    pages: &[&ScanPage],
    title: &str,
    stamp: Option<&str>,
    mut extra: impl FnMut(usize, &mut PdfDocument, f32, f32) -> Result<Vec<Op>, ScanError>,
) -> Result<Vec<u8>, ScanError> {
    // The JPEGs spliced in after the document is made (one copy of each);
    // the ordinary way when the made document is not as expected.
    let skeleton = build(pages, title, stamp, true, &mut extra)?;
    let jpegs: Vec<&[u8]> = pages.iter().filter_map(|p| p.jpeg_bytes()).collect();
    if jpegs.is_empty() {
        return Ok(skeleton);
    }
    if let Some(pdf) = crate::splice::splice(&skeleton, &jpegs) {
        return Ok(pdf);
    }
    build(pages, title, stamp, false, &mut extra)
}

/// The PDF made the ordinary way (every JPEG copied in by printpdf), for
/// comparing with the spliced one.
#[cfg(test)]
pub(crate) fn build_for_tests(
    pages: &[&ScanPage],
    title: &str,
    stamp: Option<&str>,
    extra: &mut impl FnMut(usize, &mut PdfDocument, f32, f32) -> Result<Vec<Op>, ScanError>,
) -> Vec<u8> {
    #[allow(clippy::unwrap_used)]
    build(pages, title, stamp, false, extra).unwrap()
}

/// The PDF of `pages`; with `placeholders`, each JPEG's data is its
/// [`crate::splice::placeholder`] instead (numbered in page order).
fn build(
    pages: &[&ScanPage],
    title: &str,
    stamp: Option<&str>,
    placeholders: bool,
    extra: &mut impl FnMut(usize, &mut PdfDocument, f32, f32) -> Result<Vec<Op>, ScanError>,
) -> Result<Vec<u8>, ScanError> {
    if pages.is_empty() {
        return Err(ScanError::NoPages);
    }
    let mut pdf = PdfDocument::new(title);
    let mut out_pages = Vec::with_capacity(pages.len());
    let mut jpeg_no = 0;
    for (i, page) in pages.iter().enumerate() {
        let info = &page.info;
        let xobj = match &page.pixels {
            Pixels::Jpeg(bytes) => {
                let space = if info.colour { Space::Rgb } else { Space::Gray };
                let data = if placeholders {
                    crate::splice::placeholder(jpeg_no)
                } else {
                    bytes.clone()
                };
                jpeg_no += 1;
                image_stream(info, data, "DCTDecode", 8, space)
            }
            Pixels::Flate { data, bits, space } => {
                image_stream(info, data.clone(), "FlateDecode", *bits, *space)
            }
        };
        let (dx, dy) = info.dpi_or_default();
        let w_pt = info.width_px as f32 * 72.0 / dx;
        let h_pt = info.height_px as f32 * 72.0 / dy;
        let id = pdf.add_xobject(&xobj);
        let mut ops = vec![Op::UseXobject {
            id,
            transform: XObjectTransform {
                scale_x: Some(w_pt),
                scale_y: Some(h_pt),
                no_auto_scale: true,
                ..XObjectTransform::default()
            },
        }];
        if let (0, Some(text)) = (i, stamp) {
            ops.extend(
                bhxh_report::stamp::top_left(&mut pdf, h_pt, text)
                    .map_err(|e| ScanError::Font(e.to_string()))?,
            );
        }
        ops.extend(extra(i, &mut pdf, w_pt, h_pt)?);
        out_pages.push(PdfPage::new(
            printpdf::Mm(w_pt / PT_PER_MM),
            printpdf::Mm(h_pt / PT_PER_MM),
            ops,
        ));
    }
    pdf.with_pages(out_pages);
    pdf.metadata.info.producer = "BHXH Desk".to_owned();
    pdf.metadata.info.creator = "BHXH Desk".to_owned();
    // No optimisation pass: it would walk (and copy) every image stream to
    // compress what must stay as it is; the page streams are a few bytes.
    let options = PdfSaveOptions {
        image_optimization: None,
        optimize: false,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    let bytes = pdf.save(&options, &mut warnings);
    let errors: Vec<String> = warnings
        .iter()
        .filter(|w| w.severity == PdfParseErrorSeverity::Error)
        .map(|w| w.msg.clone())
        .collect();
    if !errors.is_empty() {
        return Err(ScanError::Pdf(errors.join("; ")));
    }
    Ok(bytes)
}
