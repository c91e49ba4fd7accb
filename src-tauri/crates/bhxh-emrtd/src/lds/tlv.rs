//! BER-TLV, as ISO/IEC 7816-4 and ICAO 9303 use it.
//!
//! Everything on the chip is BER-TLV: the data groups, EF.COM, EF.SOD, the secure messaging
//! data objects. This module reads it without ever panicking and writes it for the few objects
//! we build ourselves (command data objects, test fixtures).
//!
//! Tags are kept as the integer formed by their raw bytes, so `5F1F` is `0x5F1F` and `7F61` is
//! `0x7F61` — the way specifications print them. Lengths may be short form (`00`–`7F`) or long
//! form with one to four length bytes (`81 xx`, `82 xx xx`, `83 …`, `84 …`); long form is accepted
//! even where short form would do (BER, not DER). The indefinite form (`80`) is rejected: ICAO 9303
//! data never uses it.

use thiserror::Error;

/// What went wrong reading BER-TLV. Offsets are counted from the start of the buffer handed to
/// [`TlvReader::new`] (or [`read_tlv`]), so nested readers report positions inside their parent's
/// value only if created with [`TlvReader::with_base`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TlvError {
    /// The input ended inside a tag.
    #[error("BER-TLV truncated inside the tag at offset {offset}")]
    TruncatedTag { offset: usize },
    /// A tag longer than four bytes: not used by ISO 7816 or ICAO 9303.
    #[error("BER-TLV tag at offset {offset} is longer than 4 bytes")]
    TagTooLong { offset: usize },
    /// The input ended inside a length.
    #[error("BER-TLV truncated inside the length at offset {offset}")]
    TruncatedLength { offset: usize },
    /// The length byte `80` (indefinite length), not allowed here.
    #[error("BER-TLV indefinite length (80) at offset {offset} is not supported")]
    IndefiniteLength { offset: usize },
    /// A long-form length with more than four length bytes (`85` and up).
    #[error("BER-TLV length at offset {offset} uses {count} length bytes (at most 4 allowed)")]
    LengthTooLong { offset: usize, count: usize },
    /// The value runs past the end of the input.
    #[error(
        "BER-TLV value at offset {offset} declares {declared} bytes but only {available} remain"
    )]
    ValueOverrun {
        offset: usize,
        declared: usize,
        available: usize,
    },
    /// A specific tag was expected and another was found.
    #[error("expected tag {expected:X} at offset {offset}, found {found:X}")]
    UnexpectedTag {
        offset: usize,
        expected: u32,
        found: u32,
    },
    /// Bytes remain after the object(s) that should have filled the input.
    #[error("{count} unexpected trailing bytes at offset {offset}")]
    TrailingData { offset: usize, count: usize },
    /// The input was empty where an object was required.
    #[error("expected a BER-TLV object at offset {offset}, found end of data")]
    Missing { offset: usize },
}

/// A BER tag, as the big-endian integer of its raw bytes (`0x5F1F`, `0x61`, `0x7F61`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub u32);

impl Tag {
    /// The tag's raw bytes (one to four), most significant first.
    pub fn to_bytes(self) -> Vec<u8> {
        let bytes = self.0.to_be_bytes();
        let skip = bytes.iter().take(3).take_while(|b| **b == 0).count();
        bytes.iter().skip(skip).copied().collect()
    }

    /// Whether the tag marks a constructed object (bit 6 of its first byte).
    pub fn is_constructed(self) -> bool {
        self.to_bytes().first().is_some_and(|b| b & 0x20 != 0)
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02X}", self.0)
    }
}

/// One BER-TLV object borrowed from its buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag.
    pub tag: Tag,
    /// The value bytes.
    pub value: &'a [u8],
    /// The whole encoding: tag, length and value, exactly as read.
    pub raw: &'a [u8],
    /// Offset of the tag's first byte, relative to the reader's base.
    pub offset: usize,
    /// Offset of the value's first byte, relative to the reader's base.
    pub value_offset: usize,
}

impl<'a> Tlv<'a> {
    /// A reader over this object's value, reporting offsets relative to the same base as `self`.
    pub fn children(&self) -> TlvReader<'a> {
        TlvReader::with_base(self.value, self.value_offset)
    }

    /// Fails with [`TlvError::UnexpectedTag`] unless the tag is `expected`.
    pub fn expect_tag(self, expected: u32) -> Result<Self, TlvError> {
        if self.tag.0 == expected {
            Ok(self)
        } else {
            Err(TlvError::UnexpectedTag {
                offset: self.offset,
                expected,
                found: self.tag.0,
            })
        }
    }
}

/// Reads one object from the start of `input` and returns it with the rest of the input.
pub fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let mut reader = TlvReader::new(input);
    match reader.next() {
        Some(Ok(tlv)) => Ok((tlv, reader.remaining())),
        Some(Err(e)) => Err(e),
        None => Err(TlvError::Missing { offset: 0 }),
    }
}

/// Reads exactly one object with tag `expected` that fills all of `input`.
pub fn read_single(input: &[u8], expected: u32) -> Result<Tlv<'_>, TlvError> {
    let mut reader = TlvReader::new(input);
    let tlv = reader.expect(expected)?;
    reader.finish()?;
    Ok(tlv)
}

/// An iterator over consecutive BER-TLV objects. After the first error it yields nothing more.
#[derive(Debug, Clone)]
pub struct TlvReader<'a> {
    input: &'a [u8],
    pos: usize,
    base: usize,
    failed: bool,
}

impl<'a> TlvReader<'a> {
    /// A reader over `input`, offsets counted from its start.
    pub fn new(input: &'a [u8]) -> Self {
        Self::with_base(input, 0)
    }

    /// A reader over `input` whose first byte sits at offset `base` of some larger buffer.
    pub fn with_base(input: &'a [u8], base: usize) -> Self {
        Self {
            input,
            pos: 0,
            base,
            failed: false,
        }
    }

    /// The bytes not yet read.
    pub fn remaining(&self) -> &'a [u8] {
        self.input.get(self.pos..).unwrap_or(&[])
    }

    /// Whether all input has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining().is_empty()
    }

    /// The absolute offset of the next byte to read.
    pub fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// Reads the next object, failing if there is none.
    pub fn read(&mut self) -> Result<Tlv<'a>, TlvError> {
        match self.next() {
            Some(r) => r,
            None => Err(TlvError::Missing {
                offset: self.offset(),
            }),
        }
    }

    /// Reads the next object and checks its tag.
    pub fn expect(&mut self, tag: u32) -> Result<Tlv<'a>, TlvError> {
        self.read()?.expect_tag(tag)
    }

    /// Fails with [`TlvError::TrailingData`] if anything is left.
    pub fn finish(&self) -> Result<(), TlvError> {
        let rest = self.remaining();
        if rest.is_empty() {
            Ok(())
        } else {
            Err(TlvError::TrailingData {
                offset: self.offset(),
                count: rest.len(),
            })
        }
    }

    /// Returns the first object with tag `tag` among the remaining objects (consuming them).
    pub fn find(&mut self, tag: u32) -> Result<Option<Tlv<'a>>, TlvError> {
        for item in self.by_ref() {
            let tlv = item?;
            if tlv.tag.0 == tag {
                return Ok(Some(tlv));
            }
        }
        Ok(None)
    }

    fn parse_one(&self) -> Result<(Tlv<'a>, usize), TlvError> {
        let input = self.input;
        let start = self.pos;
        let abs = |i: usize| self.base.saturating_add(i);

        // Tag.
        let first = *input
            .get(start)
            .ok_or(TlvError::TruncatedTag { offset: abs(start) })?;
        let mut tag = u32::from(first);
        let mut i = start
            .checked_add(1)
            .ok_or(TlvError::TruncatedTag { offset: abs(start) })?;
        if first & 0x1F == 0x1F {
            loop {
                let b = *input
                    .get(i)
                    .ok_or(TlvError::TruncatedTag { offset: abs(start) })?;
                if i - start >= 4 {
                    return Err(TlvError::TagTooLong { offset: abs(start) });
                }
                tag = (tag << 8) | u32::from(b);
                i += 1;
                if b & 0x80 == 0 {
                    break;
                }
            }
        }

        // Length.
        let len_offset = i;
        let l0 = *input.get(i).ok_or(TlvError::TruncatedLength {
            offset: abs(len_offset),
        })?;
        i += 1;
        let len = match l0 {
            0x00..=0x7F => usize::from(l0),
            0x80 => {
                return Err(TlvError::IndefiniteLength {
                    offset: abs(len_offset),
                });
            }
            _ => {
                let count = usize::from(l0 & 0x7F);
                if count > 4 {
                    return Err(TlvError::LengthTooLong {
                        offset: abs(len_offset),
                        count,
                    });
                }
                let end = i.checked_add(count).ok_or(TlvError::TruncatedLength {
                    offset: abs(len_offset),
                })?;
                let bytes = input.get(i..end).ok_or(TlvError::TruncatedLength {
                    offset: abs(len_offset),
                })?;
                i = end;
                let mut n: u64 = 0;
                for b in bytes {
                    n = (n << 8) | u64::from(*b);
                }
                usize::try_from(n).map_err(|_| TlvError::ValueOverrun {
                    offset: abs(i),
                    declared: usize::MAX,
                    available: input.len().saturating_sub(i),
                })?
            }
        };

        // Value.
        let available = input.len().saturating_sub(i);
        let end =
            i.checked_add(len)
                .filter(|end| *end <= input.len())
                .ok_or(TlvError::ValueOverrun {
                    offset: abs(i),
                    declared: len,
                    available,
                })?;
        let value = input.get(i..end).ok_or(TlvError::ValueOverrun {
            offset: abs(i),
            declared: len,
            available,
        })?;
        let raw = input.get(start..end).ok_or(TlvError::ValueOverrun {
            offset: abs(i),
            declared: len,
            available,
        })?;
        Ok((
            Tlv {
                tag: Tag(tag),
                value,
                raw,
                offset: abs(start),
                value_offset: abs(i),
            },
            end,
        ))
    }
}

impl<'a> Iterator for TlvReader<'a> {
    type Item = Result<Tlv<'a>, TlvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.input.len() {
            return None;
        }
        match self.parse_one() {
            Ok((tlv, end)) => {
                self.pos = end;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Appends the BER encoding of `len` (shortest form) to `out`.
pub fn write_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = bytes.get(skip..).unwrap_or(&[]);
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

/// The complete encoding of one object with a primitive or pre-encoded value.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len().saturating_add(6));
    out.extend_from_slice(&Tag(tag).to_bytes());
    write_length(value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

/// Builds a sequence of BER-TLV objects, with nesting.
///
/// ```
/// use bhxh_emrtd::lds::tlv::TlvWriter;
/// let mut w = TlvWriter::new();
/// w.put(0x80, &[0x01]);
/// w.nested(0x7F49, |inner| {
///     inner.put(0x86, &[0xAA, 0xBB]);
/// });
/// assert_eq!(w.into_bytes(), [0x80, 0x01, 0x01, 0x7F, 0x49, 0x04, 0x86, 0x02, 0xAA, 0xBB]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct TlvWriter {
    buf: Vec<u8>,
}

impl TlvWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one object.
    pub fn put(&mut self, tag: u32, value: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(&Tag(tag).to_bytes());
        write_length(value.len(), &mut self.buf);
        self.buf.extend_from_slice(value);
        self
    }

    /// Appends already-encoded bytes as they are.
    pub fn put_raw(&mut self, encoded: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(encoded);
        self
    }

    /// Appends a constructed object whose value `build` writes.
    pub fn nested(&mut self, tag: u32, build: impl FnOnce(&mut TlvWriter)) -> &mut Self {
        let mut inner = TlvWriter::new();
        build(&mut inner);
        self.put(tag, &inner.buf)
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multi_byte_tags_and_long_lengths() {
        // 5F1F with an 81-form length of 3.
        let data = [0x5F, 0x1F, 0x81, 0x03, b'A', b'B', b'C'];
        let (tlv, rest) = read_tlv(&data).unwrap();
        assert_eq!(tlv.tag, Tag(0x5F1F));
        assert_eq!(tlv.value, b"ABC");
        assert_eq!(tlv.value_offset, 4);
        assert!(rest.is_empty());

        // Three-byte tag (high tag number needing two subsequent bytes).
        let data = [0x5F, 0x81, 0x02, 0x01, 0xAA];
        let (tlv, _) = read_tlv(&data).unwrap();
        assert_eq!(tlv.tag, Tag(0x5F8102));
        assert_eq!(tlv.value, [0xAA]);

        // 82 xx xx
        let mut data = vec![0x04, 0x82, 0x01, 0x00];
        data.extend(std::iter::repeat_n(0x11, 256));
        let (tlv, _) = read_tlv(&data).unwrap();
        assert_eq!(tlv.value.len(), 256);

        // 83 xx xx xx
        let mut data = vec![0x04, 0x83, 0x00, 0x01, 0x01];
        data.extend(std::iter::repeat_n(0x22, 257));
        let (tlv, _) = read_tlv(&data).unwrap();
        assert_eq!(tlv.value.len(), 257);
        assert_eq!(tlv.raw.len(), 262);
    }

    #[test]
    fn rejects_malformed_input_precisely() {
        assert_eq!(
            read_tlv(&[0x04, 0x80, 0x00, 0x00]).unwrap_err(),
            TlvError::IndefiniteLength { offset: 1 }
        );
        assert_eq!(
            read_tlv(&[0x04, 0x05, 0x01, 0x02]).unwrap_err(),
            TlvError::ValueOverrun {
                offset: 2,
                declared: 5,
                available: 2
            }
        );
        assert_eq!(
            read_tlv(&[0x04, 0x82, 0x01]).unwrap_err(),
            TlvError::TruncatedLength { offset: 1 }
        );
        assert_eq!(
            read_tlv(&[0x5F]).unwrap_err(),
            TlvError::TruncatedTag { offset: 0 }
        );
        assert_eq!(
            read_tlv(&[0x5F, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00]).unwrap_err(),
            TlvError::TagTooLong { offset: 0 }
        );
        assert_eq!(
            read_tlv(&[0x04, 0x85, 1, 1, 1, 1, 1]).unwrap_err(),
            TlvError::LengthTooLong {
                offset: 1,
                count: 5
            }
        );
        assert_eq!(
            read_tlv(&[0x04]).unwrap_err(),
            TlvError::TruncatedLength { offset: 1 }
        );
        // A four-byte length far beyond the input.
        assert!(matches!(
            read_tlv(&[0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).unwrap_err(),
            TlvError::ValueOverrun { .. }
        ));
        assert_eq!(read_tlv(&[]).unwrap_err(), TlvError::Missing { offset: 0 });
    }

    #[test]
    fn iterator_walks_siblings_and_stops_after_an_error() {
        let data = [0x80, 0x01, 0xAA, 0x81, 0x00, 0x82, 0x05, 0x01];
        let items: Vec<_> = TlvReader::new(&data).collect();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].as_ref().unwrap().tag, Tag(0x80));
        assert_eq!(items[1].as_ref().unwrap().value, &[] as &[u8]);
        assert_eq!(
            items[2].clone().unwrap_err(),
            TlvError::ValueOverrun {
                offset: 7,
                declared: 5,
                available: 1
            }
        );
    }

    #[test]
    fn nested_readers_report_absolute_offsets() {
        let data = [0x30, 0x05, 0x02, 0x01, 0x07, 0x04, 0x09];
        let outer = read_single(&data, 0x30).unwrap();
        let mut inner = outer.children();
        let int = inner.expect(0x02).unwrap();
        assert_eq!(int.offset, 2);
        assert_eq!(int.value, [0x07]);
        assert_eq!(
            inner.read().unwrap_err(),
            TlvError::ValueOverrun {
                offset: 7,
                declared: 9,
                available: 0
            }
        );
    }

    #[test]
    fn read_single_rejects_wrong_tag_and_trailing_bytes() {
        assert_eq!(
            read_single(&[0x61, 0x00], 0x6D).unwrap_err(),
            TlvError::UnexpectedTag {
                offset: 0,
                expected: 0x6D,
                found: 0x61
            }
        );
        assert_eq!(
            read_single(&[0x61, 0x00, 0xFF], 0x61).unwrap_err(),
            TlvError::TrailingData {
                offset: 2,
                count: 1
            }
        );
    }

    #[test]
    fn writer_round_trips_and_uses_shortest_lengths() {
        let mut buf = Vec::new();
        write_length(0x7F, &mut buf);
        write_length(0x80, &mut buf);
        write_length(0x1234, &mut buf);
        write_length(0x01_0000, &mut buf);
        assert_eq!(
            buf,
            [0x7F, 0x81, 0x80, 0x82, 0x12, 0x34, 0x83, 0x01, 0x00, 0x00]
        );

        let long = vec![0x5A; 300];
        let mut w = TlvWriter::new();
        w.nested(0x61, |w| {
            w.put(0x5F1F, &long);
        });
        let bytes = w.into_bytes();
        assert_eq!(
            &bytes[..8],
            &[0x61, 0x82, 0x01, 0x31, 0x5F, 0x1F, 0x82, 0x01]
        );
        let outer = read_single(&bytes, 0x61).unwrap();
        assert!(outer.tag.is_constructed());
        let inner = read_single(outer.value, 0x5F1F).unwrap();
        assert_eq!(inner.value, &long[..]);
    }

    #[test]
    fn never_panics_on_arbitrary_prefixes() {
        // Every prefix of a valid nested structure, and every single-byte corruption of it,
        // either parses or returns an error.
        let mut w = TlvWriter::new();
        w.nested(0x6D, |w| {
            w.nested(0x30, |w| {
                w.put(0x02, &[1]);
                w.put(0x0C, "Nguyễn".as_bytes());
            });
        });
        let good = w.into_bytes();
        fn walk(data: &[u8], depth: usize) {
            for item in TlvReader::new(data) {
                match item {
                    Ok(t) if t.tag.is_constructed() && depth < 8 => walk(t.value, depth + 1),
                    _ => {}
                }
            }
        }
        for n in 0..=good.len() {
            walk(&good[..n], 0);
        }
        for i in 0..good.len() {
            for v in [0x00, 0x1F, 0x7F, 0x80, 0x81, 0x84, 0xFF] {
                let mut bad = good.clone();
                bad[i] = v;
                walk(&bad, 0);
            }
        }
    }
}
