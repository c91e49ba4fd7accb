//! The access key: what opens the chip, from what the counter typed or scanned.
//!
//! A CCCD is opened with PACE and its Card Access Number (the ID's last 6 digits) when the chip
//! offers it, and with BAC and three MRZ fields otherwise; the counter knows the ID and the two
//! dates, so one [`AccessKey`] carries both and the reader picks. The key is validated when it is
//! made, so a typing mistake is reported before any card is touched, and its `Debug` output
//! hides it: it is as good as the card's PIN for reading the personal data.

use crate::protocol::bac::BacKeys;
use crate::protocol::pace::Password;
use crate::reader::ReadError;

/// The access data: the MRZ fields for BAC (and PACE with the MRZ), and the CAN for PACE.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// Document number, date of birth, date of expiry (`YYMMDD`).
    mrz: Option<(String, String, String)>,
    /// The Card Access Number.
    can: Option<String>,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKey(..)")
    }
}

fn is_yymmdd(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

impl AccessKey {
    /// Access data as printed in the MRZ (document number without its check digit, dates as
    /// `YYMMDD`).
    pub fn new(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<Self, ReadError> {
        let valid_number = !document_number.is_empty()
            && document_number
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'<');
        if !valid_number {
            return Err(ReadError::InvalidAccessKey(
                "the document number must be digits, capital letters or '<'".into(),
            ));
        }
        if !is_yymmdd(date_of_birth) || !is_yymmdd(date_of_expiry) {
            return Err(ReadError::InvalidAccessKey(
                "dates must be YYMMDD (six digits)".into(),
            ));
        }
        Ok(Self {
            mrz: Some((
                document_number.to_string(),
                date_of_birth.to_string(),
                date_of_expiry.to_string(),
            )),
            can: None,
        })
    }

    /// Access data of a Vietnamese CCCD: the document number is the **last 9 digits** of the
    /// 12-digit ID; dates `YYMMDD`. The CAN, for PACE, is the **last 6 digits** of the ID.
    pub fn from_cccd(
        id_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<Self, ReadError> {
        let id = id_number.trim();
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::InvalidAccessKey(
                "the CCCD ID number must have 12 digits".into(),
            ));
        }
        let mut key = Self::new(
            id.get(3..).unwrap_or_default(),
            date_of_birth,
            date_of_expiry,
        )?;
        key.can = id.get(6..).map(str::to_string);
        Ok(key)
    }

    /// Only a Card Access Number (6 digits): PACE, no BAC fallback.
    pub fn from_can(can: &str) -> Result<Self, ReadError> {
        let can = can.trim();
        if can.len() != 6 || !can.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::InvalidAccessKey(
                "the CAN must have 6 digits (on a CCCD: the last 6 digits of the ID)".into(),
            ));
        }
        Ok(Self {
            mrz: None,
            can: Some(can.to_string()),
        })
    }

    /// The BAC keys, when the MRZ fields are known.
    pub fn bac_keys(&self) -> Option<BacKeys> {
        self.mrz
            .as_ref()
            .map(|(n, b, e)| BacKeys::from_fields(n, b, e))
    }

    /// The PACE password: the CAN when known (Vietnamese chips refuse PACE with the MRZ),
    /// else the MRZ.
    pub fn pace_password(&self) -> Option<Password> {
        match (&self.can, &self.mrz) {
            (Some(can), _) => Some(Password::Can(can.clone())),
            (None, Some((n, b, e))) => Some(Password::from_mrz_fields(n, b, e)),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_keys_are_validated() {
        assert!(AccessKey::from_cccd("00109304706", "930105", "330105").is_err());
        assert!(AccessKey::from_cccd("00109304706x", "930105", "330105").is_err());
        assert!(AccessKey::from_cccd("001093047064", "93015", "330105").is_err());
        assert!(AccessKey::new("L898902C", "690806", "940623").is_ok());
        assert!(AccessKey::new("l898902c", "690806", "940623").is_err());
        assert_eq!(
            AccessKey::from_cccd(" 001093047064 ", "930105", "330105")
                .unwrap()
                .bac_keys(),
            Some(BacKeys::from_fields("093047064", "930105", "330105"))
        );
        assert_eq!(
            format!(
                "{:?}",
                AccessKey::from_cccd("001093047064", "930105", "330105").unwrap()
            ),
            "AccessKey(..)"
        );
        // The CAN of a CCCD is the last 6 digits of the ID; a CAN alone gives no BAC.
        let cccd = AccessKey::from_cccd("001093047064", "930105", "330105").unwrap();
        assert_eq!(cccd.pace_password(), Some(Password::Can("047064".into())));
        let can = AccessKey::from_can(" 047064 ").unwrap();
        assert!(can.bac_keys().is_none());
        assert_eq!(can.pace_password(), cccd.pace_password());
        assert!(AccessKey::from_can("04706").is_err());
        assert!(AccessKey::from_can("04706x").is_err());
        // Without a CAN, PACE uses the MRZ.
        assert_eq!(
            AccessKey::new("T22000129", "640812", "101031")
                .unwrap()
                .pace_password(),
            Some(Password::from_mrz_fields("T22000129", "640812", "101031"))
        );
    }
}
