//! DG14 (tag `6E`): `SecurityInfos`, the protocols the chip supports (ICAO 9303-11 §9.2).
//!
//! Each entry is `SEQUENCE { protocol OID, requiredData ANY, optionalData ANY OPTIONAL }`. This
//! module lists them with a name, a kind and the small integers they carry (version, key or
//! parameter id); the raw encoding of each is kept for the protocol code that will use it.

use super::{DgNumber, LdsError, LdsFile, oid_from_content, small_uint};
use crate::lds::tlv::TlvReader;

const FILE: LdsFile = LdsFile::Dg(DgNumber::DG14);

/// The family a `SecurityInfo` belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityInfoKind {
    /// `PACEInfo` / `PACEDomainParameterInfo` (`id-PACE`).
    Pace,
    /// `ChipAuthenticationInfo` (`id-CA`).
    ChipAuthentication,
    /// `ChipAuthenticationPublicKeyInfo` (`id-PK`).
    ChipAuthenticationPublicKey,
    /// `TerminalAuthenticationInfo` (`id-TA`).
    TerminalAuthentication,
    /// `ActiveAuthenticationInfo` (`id-AA`).
    ActiveAuthentication,
    /// Anything else (kept raw).
    Other,
}

/// One `SecurityInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityInfo {
    /// The protocol OID, dotted.
    pub protocol: String,
    /// The family.
    pub kind: SecurityInfoKind,
    /// A readable name for the protocol (e.g. `id-CA-ECDH-AES-CBC-CMAC-128`).
    pub name: String,
    /// `requiredData` when it is an INTEGER (the version for PACE, CA, TA and AA infos).
    pub version: Option<u64>,
    /// `optionalData` when it is an INTEGER (PACE parameter id, CA key id).
    pub id: Option<u64>,
    /// The entry's complete encoding.
    pub raw: Vec<u8>,
}

/// Parsed DG14.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg14 {
    /// The security infos, in file order.
    pub infos: Vec<SecurityInfo>,
}

/// Parses DG14.
pub fn parse_dg14(bytes: &[u8]) -> Result<Dg14, LdsError> {
    let mut outer = TlvReader::new(bytes);
    let dg = outer.expect(0x6E).map_err(|e| LdsError::tlv(FILE, e))?;
    let set = dg
        .children()
        .expect(0x31)
        .map_err(|e| LdsError::tlv(FILE, e))?;
    let mut infos = Vec::new();
    for item in set.children() {
        let entry = item
            .map_err(|e| LdsError::tlv(FILE, e))?
            .expect_tag(0x30)
            .map_err(|e| LdsError::tlv(FILE, e))?;
        infos.push(parse_security_info(
            entry.value,
            entry.value_offset,
            entry.raw,
        )?);
    }
    Ok(Dg14 { infos })
}

/// Parses the content of one `SecurityInfo` SEQUENCE (shared with EF.CardAccess later).
pub(crate) fn parse_security_info(
    content: &[u8],
    base: usize,
    raw: &[u8],
) -> Result<SecurityInfo, LdsError> {
    let mut r = TlvReader::with_base(content, base);
    let oid_tlv = r.expect(0x06).map_err(|e| LdsError::tlv(FILE, e))?;
    let oid = oid_from_content(oid_tlv.value)
        .ok_or_else(|| LdsError::invalid(FILE, oid_tlv.offset, "malformed protocol OID"))?;
    let required = r.read().map_err(|e| LdsError::tlv(FILE, e))?;
    let optional = match r.next() {
        Some(t) => Some(t.map_err(|e| LdsError::tlv(FILE, e))?),
        None => None,
    };
    let protocol = oid.to_string();
    let (kind, name) = describe(&protocol);
    let int =
        |t: crate::lds::tlv::Tlv<'_>| (t.tag.0 == 0x02).then(|| small_uint(t.value)).flatten();
    Ok(SecurityInfo {
        protocol,
        kind,
        name,
        version: int(required),
        id: optional.and_then(int),
        raw: raw.to_vec(),
    })
}

/// Names a protocol OID (BSI TR-03110 / ICAO 9303-11).
pub fn describe(oid: &str) -> (SecurityInfoKind, String) {
    const BSI: &str = "0.4.0.127.0.7.2.2.";
    let Some(rest) = oid.strip_prefix(BSI) else {
        return match oid {
            "2.23.136.1.1.5" => (SecurityInfoKind::ActiveAuthentication, "id-AA".into()),
            _ => (SecurityInfoKind::Other, oid.to_string()),
        };
    };
    let parts: Vec<&str> = rest.split('.').collect();
    let cipher = |s: Option<&&str>| match s.copied() {
        Some("1") => "3DES-CBC-CBC",
        Some("2") => "AES-CBC-CMAC-128",
        Some("3") => "AES-CBC-CMAC-192",
        Some("4") => "AES-CBC-CMAC-256",
        _ => "?",
    };
    match parts.as_slice() {
        ["1", alg, ..] => (
            SecurityInfoKind::ChipAuthenticationPublicKey,
            format!("id-PK-{}", if *alg == "1" { "DH" } else { "ECDH" }),
        ),
        ["2", ..] => (SecurityInfoKind::TerminalAuthentication, "id-TA".into()),
        ["3", alg, rest @ ..] => (
            SecurityInfoKind::ChipAuthentication,
            format!(
                "id-CA-{}-{}",
                if *alg == "1" { "DH" } else { "ECDH" },
                cipher(rest.first())
            ),
        ),
        ["4", alg, rest @ ..] => {
            let mapping = match *alg {
                "1" => "DH-GM",
                "2" => "ECDH-GM",
                "3" => "DH-IM",
                "4" => "ECDH-IM",
                "6" => "ECDH-CAM",
                _ => "?",
            };
            (
                SecurityInfoKind::Pace,
                format!("id-PACE-{mapping}-{}", cipher(rest.first())),
            )
        }
        _ => (SecurityInfoKind::Other, oid.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lds::tlv::TlvWriter;

    fn oid(dotted: &str) -> Vec<u8> {
        const_oid::ObjectIdentifier::new(dotted)
            .unwrap()
            .as_bytes()
            .to_vec()
    }

    fn sample_dg14() -> Vec<u8> {
        let mut w = TlvWriter::new();
        w.nested(0x6E, |w| {
            w.nested(0x31, |w| {
                w.nested(0x30, |w| {
                    w.put(0x06, &oid("0.4.0.127.0.7.2.2.3.2.4"));
                    w.put(0x02, &[1]);
                    w.put(0x02, &[7]);
                });
                w.nested(0x30, |w| {
                    w.put(0x06, &oid("0.4.0.127.0.7.2.2.1.2"));
                    w.nested(0x30, |w| {
                        w.put(0x30, &[]);
                        w.put(0x03, &[0x00, 0x04]);
                    });
                });
                w.nested(0x30, |w| {
                    w.put(0x06, &oid("0.4.0.127.0.7.2.2.4.2.2"));
                    w.put(0x02, &[2]);
                    w.put(0x02, &[13]);
                });
                w.nested(0x30, |w| {
                    w.put(0x06, &oid("2.23.136.1.1.5"));
                    w.put(0x02, &[1]);
                    w.put(0x06, &oid("0.4.0.127.0.7.1.1.4.1.3"));
                });
            });
        });
        w.into_bytes()
    }

    #[test]
    fn lists_security_infos() {
        let dg = parse_dg14(&sample_dg14()).unwrap();
        let names: Vec<&str> = dg.infos.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "id-CA-ECDH-AES-CBC-CMAC-256",
                "id-PK-ECDH",
                "id-PACE-ECDH-GM-AES-CBC-CMAC-128",
                "id-AA"
            ]
        );
        assert_eq!(dg.infos[0].version, Some(1));
        assert_eq!(dg.infos[0].id, Some(7));
        assert_eq!(
            dg.infos[1].kind,
            SecurityInfoKind::ChipAuthenticationPublicKey
        );
        assert_eq!(dg.infos[1].version, None);
        assert_eq!(dg.infos[2].id, Some(13));
        assert_eq!(dg.infos[3].kind, SecurityInfoKind::ActiveAuthentication);
    }

    #[test]
    fn errors_name_dg14() {
        let mut bytes = sample_dg14();
        bytes[2] = 0x30; // the SET becomes a SEQUENCE
        let err = parse_dg14(&bytes).unwrap_err();
        assert!(
            err.to_string().starts_with("DG14: expected tag 31"),
            "{err}"
        );
        let good = sample_dg14();
        for i in 0..good.len() {
            let _ = parse_dg14(&good[..i]);
        }
    }
}
