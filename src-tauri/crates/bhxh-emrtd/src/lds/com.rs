//! EF.COM (tag `60`): LDS version, Unicode version and the list of data groups present.
//!
//! EF.COM is advisory (ICAO deprecates relying on it; EF.SOD is authoritative) but a reader
//! uses it to decide which files to try.

use super::{DgNumber, LdsError, LdsFile};
use crate::lds::tlv::{self, TlvError};

/// Parsed EF.COM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Com {
    /// LDS version as stored (`5F01`, e.g. `0107` for LDS 1.7), if present.
    pub lds_version: Option<String>,
    /// Unicode version as stored (`5F36`, e.g. `040000`), if present.
    pub unicode_version: Option<String>,
    /// The tag list (`5C`) in order, as raw tags.
    pub tags: Vec<u32>,
}

impl Com {
    /// The data groups listed, in order; tags that are not data groups are skipped (see `tags`).
    pub fn data_groups(&self) -> Vec<DgNumber> {
        self.tags
            .iter()
            .filter_map(|t| DgNumber::from_tag(*t))
            .collect()
    }
}

const FILE: LdsFile = LdsFile::Com;

/// Parses EF.COM.
pub fn parse_com(bytes: &[u8]) -> Result<Com, LdsError> {
    let mut outer = tlv::TlvReader::new(bytes);
    let com = outer.expect(0x60).map_err(|e| LdsError::tlv(FILE, e))?;
    let mut lds_version = None;
    let mut unicode_version = None;
    let mut tags = None;
    for item in com.children() {
        let obj = item.map_err(|e| LdsError::tlv(FILE, e))?;
        match obj.tag.0 {
            0x5F01 => lds_version = Some(String::from_utf8_lossy(obj.value).into_owned()),
            0x5F36 => unicode_version = Some(String::from_utf8_lossy(obj.value).into_owned()),
            0x5C => tags = Some(parse_tag_list(obj.value, obj.value_offset)?),
            _ => {}
        }
    }
    let tags = tags.ok_or_else(|| {
        LdsError::tlv(
            FILE,
            TlvError::Missing {
                offset: com.value_offset,
            },
        )
    })?;
    Ok(Com {
        lds_version,
        unicode_version,
        tags,
    })
}

/// A tag list is a run of bare tags (no lengths): one byte each, or more for `xF`-style tags.
fn parse_tag_list(bytes: &[u8], base: usize) -> Result<Vec<u32>, LdsError> {
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(&first) = bytes.get(i) {
        let start = i;
        let mut tag = u32::from(first);
        i += 1;
        if first & 0x1F == 0x1F {
            loop {
                let b = *bytes.get(i).ok_or_else(|| {
                    LdsError::invalid(FILE, base + start, "tag list ends inside a multi-byte tag")
                })?;
                if i - start >= 4 {
                    return Err(LdsError::invalid(
                        FILE,
                        base + start,
                        "tag list holds a tag longer than 4 bytes",
                    ));
                }
                tag = (tag << 8) | u32::from(b);
                i += 1;
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        tags.push(tag);
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lds::tlv::TlvWriter;

    #[test]
    fn parses_a_cccd_like_com() {
        let mut w = TlvWriter::new();
        w.nested(0x60, |w| {
            w.put(0x5F01, b"0107");
            w.put(0x5F36, b"040000");
            w.put(0x5C, &[0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F]);
        });
        let com = parse_com(&w.into_bytes()).unwrap();
        assert_eq!(com.lds_version.as_deref(), Some("0107"));
        assert_eq!(com.unicode_version.as_deref(), Some("040000"));
        let dgs: Vec<u8> = com.data_groups().into_iter().map(DgNumber::get).collect();
        assert_eq!(dgs, [1, 2, 3, 13, 14, 15]);
    }

    #[test]
    fn reports_missing_tag_list_and_wrong_outer_tag() {
        let mut w = TlvWriter::new();
        w.nested(0x60, |w| {
            w.put(0x5F01, b"0107");
        });
        let err = parse_com(&w.into_bytes()).unwrap_err();
        assert_eq!(err.file, LdsFile::Com);
        assert!(err.to_string().starts_with("EF.COM:"), "{err}");

        let err = parse_com(&[0x61, 0x00]).unwrap_err();
        assert!(err.to_string().contains("expected tag 60"), "{err}");
    }

    #[test]
    fn multi_byte_tags_in_list() {
        assert_eq!(
            parse_tag_list(&[0x61, 0x5F, 0x1F, 0x75], 0).unwrap(),
            [0x61, 0x5F1F, 0x75]
        );
        assert!(parse_tag_list(&[0x5F], 0).is_err());
    }
}
