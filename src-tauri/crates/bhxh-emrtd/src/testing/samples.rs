//! Sample files built in code, so that a reviewer can read what a test card holds: the MRZ of
//! the public CCCD sample, a DG2 around any image, and the DG13 of an invented person in the
//! layout of real cards. The parsers' unit tests use them, and [`super::fixtures`] builds the
//! generated card (and `testdata/card/`) from them.

use crate::lds::tlv::TlvWriter;

/// The public CCCD sample from the project notes, with an invented name line.
pub const CCCD_MRZ: [&str; 3] = [
    "IDVNM0930470641001093047064<<2",
    "9301054M3301052VNM<<<<<<<<<<<8",
    "NGUYEN<<VAN<THU<NGHIEM<<<<<<<<",
];

/// A DG2 around `image` (an ISO 19794-5:2005 record with one face, no feature points).
pub fn sample_dg2(image: &[u8], data_type: u8) -> Vec<u8> {
    let mut rec = Vec::new();
    rec.extend_from_slice(b"FAC\0");
    rec.extend_from_slice(b"010\0");
    let block_len = 20 + 12 + image.len();
    let record_len = 14 + block_len;
    rec.extend_from_slice(&u32::try_from(record_len).unwrap_or(u32::MAX).to_be_bytes());
    rec.extend_from_slice(&1u16.to_be_bytes());
    rec.extend_from_slice(&u32::try_from(block_len).unwrap_or(u32::MAX).to_be_bytes());
    rec.extend_from_slice(&[0, 0]); // feature points
    rec.extend_from_slice(&[0; 14]); // gender … pose uncertainty
    rec.extend_from_slice(&[1, data_type, 0x00, 0xF0, 0x01, 0x40, 1, 2, 0, 0, 0, 0]);
    rec.extend_from_slice(image);
    let mut w = TlvWriter::new();
    w.nested(0x75, |w| {
        w.nested(0x7F61, |w| {
            w.put(0x02, &[1]);
            w.nested(0x7F60, |w| {
                w.nested(0xA1, |w| {
                    w.put(0x80, &[1, 1]);
                });
                w.put(0x5F2E, &rec);
            });
        });
    });
    w.into_bytes()
}

/// A DG13 of an invented person, in the layout of real cards.
pub fn sample_dg13() -> Vec<u8> {
    let text = |w: &mut TlvWriter, n: u8, s: &str| {
        w.nested(0x30, |w| {
            w.put(0x02, &[n]);
            w.put(0x0C, s.as_bytes());
        });
    };
    let mut w = TlvWriter::new();
    w.nested(0x6D, |w| {
        w.nested(0x30, |w| {
            w.put(0x02, &[1]);
            w.put(0x06, &[0x28, 0xD3, 0x16, 0x01, 0x00, 0x08]);
            w.nested(0x31, |w| {
                text(w, 1, "001093047064");
                text(w, 2, "Nguyễn Thị Thử Nghiệm");
                text(w, 3, "05/10/1993");
                text(w, 4, "Nữ");
                text(w, 5, "Việt Nam");
                text(w, 6, "Kinh");
                text(w, 7, "Không");
                text(w, 8, "Xã Đông Anh, Hà Nội");
                text(w, 9, "Số 1 Phố Thử, Phường Ba Đình, Hà Nội");
                text(w, 10, "Nốt ruồi C:1cm trên trước mép trái");
                text(w, 11, "10/07/2021");
                text(w, 12, "05/10/2033");
                w.nested(0x30, |w| {
                    w.put(0x02, &[13]);
                    w.nested(0x30, |w| {
                        w.put(0x0C, "Nguyễn Văn Cha".as_bytes());
                        w.put(0x0C, "Trần Thị Mẹ".as_bytes());
                    });
                });
                w.nested(0x30, |w| {
                    w.put(0x02, &[14]);
                    w.nested(0x30, |w| {
                        w.put(0x0C, b"");
                    });
                });
                text(w, 15, "013456789");
                text(w, 99, "future field");
            });
        });
    });
    w.into_bytes()
}
