//! DG15 (tag `6F`): the Active Authentication public key, a DER `SubjectPublicKeyInfo`.

use super::{DgNumber, LdsError, LdsFile};
use crate::lds::tlv::TlvReader;
use der::Decode;
use spki::SubjectPublicKeyInfoOwned;

const FILE: LdsFile = LdsFile::Dg(DgNumber::DG15);

/// Parsed DG15.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg15 {
    /// The public key.
    pub public_key: SubjectPublicKeyInfoOwned,
    /// The key's DER encoding as stored.
    pub public_key_der: Vec<u8>,
}

impl Dg15 {
    /// The key algorithm OID, dotted (`1.2.840.113549.1.1.1` RSA, `1.2.840.10045.2.1` EC).
    pub fn algorithm(&self) -> String {
        self.public_key.algorithm.oid.to_string()
    }
}

/// Parses DG15.
pub fn parse_dg15(bytes: &[u8]) -> Result<Dg15, LdsError> {
    let mut outer = TlvReader::new(bytes);
    let dg = outer.expect(0x6F).map_err(|e| LdsError::tlv(FILE, e))?;
    let spki_tlv = dg
        .children()
        .expect(0x30)
        .map_err(|e| LdsError::tlv(FILE, e))?;
    let public_key = SubjectPublicKeyInfoOwned::from_der(spki_tlv.raw)
        .map_err(|e| LdsError::der(FILE, "SubjectPublicKeyInfo", e))?;
    Ok(Dg15 {
        public_key,
        public_key_der: spki_tlv.raw.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lds::tlv::TlvWriter;

    #[test]
    fn parses_an_ec_key_and_reports_garbage() {
        // SPKI of an EC P-256 key (the point is not checked here).
        let mut spki = TlvWriter::new();
        spki.nested(0x30, |w| {
            w.nested(0x30, |w| {
                w.put(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]);
                w.put(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]);
            });
            let mut point = vec![0x00, 0x04];
            point.extend_from_slice(&[0x11; 64]);
            w.put(0x03, &point);
        });
        let mut w = TlvWriter::new();
        w.put(0x6F, spki.as_bytes());
        let dg = parse_dg15(&w.into_bytes()).unwrap();
        assert_eq!(dg.algorithm(), "1.2.840.10045.2.1");
        assert_eq!(dg.public_key_der, spki.as_bytes());

        let err = parse_dg15(&[0x6F, 0x04, 0x30, 0x02, 0x05, 0x00]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("DG15: DER decoding of SubjectPublicKeyInfo"),
            "{err}"
        );
    }
}
