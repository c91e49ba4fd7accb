//! DG2 (tag `75`): the face image, wrapped in CBEFF (ISO/IEC 19785) and ISO/IEC 19794-5.
//!
//! ```text
//! 75 { 7F61 { 02 count, 7F60 { A1 {header…}, 5F2E or 7F2E { "FAC\0" … image } }, … } }
//! ```
//!
//! Only the container is parsed here: the image bytes are returned as stored, with their type
//! (JPEG or JPEG 2000). Decoding for display belongs to the caller. When the ISO 19794-5 header
//! cannot be walked (an unusual version), the image is located by its signature instead, and
//! [`FaceImage::header_parsed`] says so.

use super::{DgNumber, LdsError, LdsFile};
use crate::lds::tlv::TlvReader;

const FILE: LdsFile = LdsFile::Dg(DgNumber::DG2);

/// The encoding of a face image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    /// JPEG (ISO/IEC 10918), what Vietnamese cards use.
    Jpeg,
    /// JPEG 2000, as a JP2 file or a bare codestream.
    Jpeg2000,
}

/// One face image from DG2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceImage {
    /// JPEG or JPEG 2000.
    pub image_type: ImageType,
    /// Width in pixels from the ISO 19794-5 header (0 if unknown).
    pub width: u16,
    /// Height in pixels from the ISO 19794-5 header (0 if unknown).
    pub height: u16,
    /// Whether the ISO 19794-5 header was walked (`false`: the image was found by signature).
    pub header_parsed: bool,
    /// The image file bytes.
    pub data: Vec<u8>,
}

/// Parsed DG2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg2 {
    /// The face images, usually exactly one.
    pub faces: Vec<FaceImage>,
}

/// Parses DG2 and extracts its face image(s).
pub fn parse_dg2(bytes: &[u8]) -> Result<Dg2, LdsError> {
    let mut outer = TlvReader::new(bytes);
    let dg = outer.expect(0x75).map_err(|e| LdsError::tlv(FILE, e))?;
    let group = dg
        .children()
        .expect(0x7F61)
        .map_err(|e| LdsError::tlv(FILE, e))?;
    let mut faces = Vec::new();
    for item in group.children() {
        let obj = item.map_err(|e| LdsError::tlv(FILE, e))?;
        if obj.tag.0 != 0x7F60 {
            continue;
        }
        let mut block = None;
        for inner in obj.children() {
            let inner = inner.map_err(|e| LdsError::tlv(FILE, e))?;
            if matches!(inner.tag.0, 0x5F2E | 0x7F2E) {
                block = Some(inner);
            }
        }
        let block = block.ok_or_else(|| {
            LdsError::invalid(
                FILE,
                obj.offset,
                "biometric information template has no data block (5F2E/7F2E)",
            )
        })?;
        faces.push(parse_facial_record(block.value, block.value_offset)?);
    }
    if faces.is_empty() {
        return Err(LdsError::invalid(
            FILE,
            group.offset,
            "no biometric information template (7F60) found",
        ));
    }
    Ok(Dg2 { faces })
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<usize> {
    let v = u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]);
    usize::try_from(v).ok()
}

fn sniff(data: &[u8]) -> Option<ImageType> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageType::Jpeg)
    } else if data.starts_with(&[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20])
        || data.starts_with(&[0xFF, 0x4F, 0xFF, 0x51])
    {
        Some(ImageType::Jpeg2000)
    } else {
        None
    }
}

/// Walks an ISO/IEC 19794-5:2005 facial record (`FAC\0` `010\0`), falling back to a signature
/// search for other versions.
fn parse_facial_record(rec: &[u8], base: usize) -> Result<FaceImage, LdsError> {
    if !rec.starts_with(b"FAC\0") {
        return Err(LdsError::invalid(
            FILE,
            base,
            "biometric data block does not start with the ISO 19794-5 format identifier 'FAC'",
        ));
    }
    if let Some(face) = walk_2005(rec) {
        return Ok(face);
    }
    // Fallback: first JPEG / JPEG 2000 signature after the record header.
    let found = (14..rec.len()).find_map(|i| {
        let tail = rec.get(i..)?;
        sniff(tail).map(|t| (t, tail))
    });
    match found {
        Some((image_type, data)) => Ok(FaceImage {
            image_type,
            width: 0,
            height: 0,
            header_parsed: false,
            data: data.to_vec(),
        }),
        None => Err(LdsError::invalid(
            FILE,
            base,
            "no JPEG or JPEG 2000 image found in the facial record",
        )),
    }
}

fn walk_2005(rec: &[u8]) -> Option<FaceImage> {
    if rec.get(4..8)? != b"010\0" {
        return None;
    }
    // General header: 'FAC\0', version, record length (4), number of faces (2) = 14 bytes.
    let record_len = be32(rec, 8)?;
    if record_len > rec.len() || be16(rec, 12)? == 0 {
        return None;
    }
    // Facial information block (20 bytes): block length (4), feature points (2), …
    let start = 14;
    let block_len = be32(rec, start)?;
    let points = usize::from(be16(rec, start + 4)?);
    let image_info = start + 20 + points * 8;
    // Image information (12 bytes): face type, data type, width, height, …
    let data_type = *rec.get(image_info + 1)?;
    let width = be16(rec, image_info + 2)?;
    let height = be16(rec, image_info + 4)?;
    let data_start = image_info + 12;
    let data_end = start.checked_add(block_len)?;
    let data = rec.get(data_start..data_end)?;
    let image_type = match (data_type, sniff(data)) {
        (_, Some(t)) => t,
        (0, None) => ImageType::Jpeg,
        (1, None) => ImageType::Jpeg2000,
        _ => return None,
    };
    Some(FaceImage {
        image_type,
        width,
        height,
        header_parsed: true,
        data: data.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::samples::sample_dg2;

    #[test]
    fn extracts_a_jpeg_with_dimensions() {
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0xFF, 0xD9,
        ];
        let dg2 = parse_dg2(&sample_dg2(&jpeg, 0)).unwrap();
        assert_eq!(dg2.faces.len(), 1);
        let face = &dg2.faces[0];
        assert_eq!(face.image_type, ImageType::Jpeg);
        assert_eq!((face.width, face.height), (240, 320));
        assert!(face.header_parsed);
        assert_eq!(face.data, jpeg);
    }

    #[test]
    fn extracts_jpeg2000() {
        let jp2 = [
            0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
        ];
        let face = &parse_dg2(&sample_dg2(&jp2, 1)).unwrap().faces[0];
        assert_eq!(face.image_type, ImageType::Jpeg2000);
        let codestream = [0xFF, 0x4F, 0xFF, 0x51, 0x00];
        let face = &parse_dg2(&sample_dg2(&codestream, 1)).unwrap().faces[0];
        assert_eq!(face.image_type, ImageType::Jpeg2000);
    }

    #[test]
    fn falls_back_to_signature_search_for_other_versions() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xDB, 0xFF, 0xD9];
        let mut bytes = sample_dg2(&jpeg, 0);
        // Change the version to "030\0"; the structure walk is then skipped.
        let pos = bytes.windows(4).position(|w| w == b"010\0").unwrap();
        bytes[pos..pos + 4].copy_from_slice(b"030\0");
        let face = &parse_dg2(&bytes).unwrap().faces[0];
        assert!(!face.header_parsed);
        assert_eq!(face.data, jpeg);
    }

    #[test]
    fn reports_missing_image() {
        let err = parse_dg2(&sample_dg2(&[1, 2, 3], 7)).unwrap_err();
        assert!(err.to_string().starts_with("DG2: "), "{err}");
        assert!(err.to_string().contains("no JPEG"), "{err}");
        let good = sample_dg2(&[0xFF, 0xD8, 0xFF, 0xD9], 0);
        for i in 0..good.len() {
            let _ = parse_dg2(&good[..i]);
        }
    }
}
