//! Files that EF.SOD lists and the chip did not hand out: the rules against a verdict fooled by
//! omission.
//!
//! EF.SOD is signed and cannot be changed, so a copy of a genuine card must carry it as it is,
//! with the hash of every data group the issuer wrote. What a forger *can* do is leave files
//! out: serve EF.COM, EF.SOD, DG1, DG2 and DG13 of a genuine card on a blank chip that answers
//! "file not found" (`6A82`) for DG14 and DG15, whose private keys it does not have. Without the
//! rules here, "not read" would be "not checked", and the copy would pass.
//!
//! The rules, per data group that EF.SOD lists and the chip did not return:
//!
//! | group | `6A82` (absent) | `6982` (protected) |
//! | --- | --- | --- |
//! | DG3, DG4 | failed: the chip lacks a group the issuer wrote | not checked: Extended Access Control protects them (normal) |
//! | DG14, DG15 | the anti-cloning check (Chip / Active Authentication) fails: a cloned chip | the same: ICAO 9303 never protects them |
//! | any other (DG1, DG2, DG13, …) | failed: integrity | failed: ICAO 9303 protects only DG3 and DG4 |
//!
//! Any other status word ends the read with an error naming the command and the status word
//! (nothing is judged, nothing recorded). A group the chip returned is judged by its hash
//! ([`crate::verify::passive`]); a group EF.SOD does not list but the chip returned fails there
//! too. The checks for DG14 and DG15 are said by [`crate::verify::chip_auth`] and
//! [`crate::verify::active`] (outcome `Withheld`), so that the verdict calls a withheld key a
//! cloned chip rather than altered data.

use crate::lds::DgNumber;
use crate::protocol::read_binary::Unavailable;
use crate::verify::{Check, CheckResult, Status};

/// Whether ICAO 9303 lets a chip refuse this group under BAC or PACE (DG3 fingerprints and DG4
/// iris need Extended Access Control).
pub fn is_eac_protected(n: DgNumber) -> bool {
    n == DgNumber::DG3 || n == DgNumber::DG4
}

/// Whether the group holds an anti-cloning key (DG14: Chip Authentication; DG15: Active
/// Authentication): withholding it fails that check instead of the group's hash.
pub fn holds_anti_cloning_key(n: DgNumber) -> bool {
    n == DgNumber::DG14 || n == DgNumber::DG15
}

/// The status word of an unavailable file, as the chip sent it.
pub fn status_word(u: Unavailable) -> &'static str {
    match u {
        Unavailable::Absent => "6A82",
        Unavailable::Protected => "6982",
    }
}

/// The chip's answer in Vietnamese, with its status word.
pub fn answer_vi(u: Unavailable) -> &'static str {
    match u {
        Unavailable::Absent => "6A82 – không có tệp",
        Unavailable::Protected => "6982 – cần quyền truy cập",
    }
}

/// The chip's answer in English, with its status word.
pub fn answer_en(u: Unavailable) -> &'static str {
    match u {
        Unavailable::Absent => "6A82 (file not found)",
        Unavailable::Protected => "6982 (security status not satisfied)",
    }
}

/// What a data group holds, in Vietnamese, for the counter (`DG2 (ảnh chân dung)`).
pub fn name_vi(n: DgNumber) -> String {
    let what = match n.get() {
        1 => "dòng MRZ",
        2 => "ảnh chân dung",
        3 => "vân tay",
        4 => "mống mắt",
        13 => "thông tin nhân thân",
        14 => "khóa xác thực chip",
        15 => "khóa xác thực chủ động",
        _ => return n.to_string(),
    };
    format!("{n} ({what})")
}

/// The check of a data group that EF.SOD lists and the chip answered `why` for: failed, except
/// DG3/DG4 protected (normal) and DG14/DG15 (not checked here: the anti-cloning checks fail
/// instead, see the module docs).
pub fn withheld_group_check(n: DgNumber, why: Unavailable) -> CheckResult {
    let check = Check::DataGroupHash(n);
    let sw = status_word(why);
    if holds_anti_cloning_key(n) {
        // Judged by Active / Chip Authentication (outcome `Withheld`); said here too, so that
        // the list of data groups has no hole.
        let which = if n == DgNumber::DG15 {
            "xác thực chủ động"
        } else {
            "xác thực chip"
        };
        return CheckResult::new(
            check,
            Status::NotChecked,
            format!(
                "Chip không trả về {} dù dữ liệu bảo mật (EF.SOD) có nhóm này (chip trả lời {}): xem kiểm tra {which}.",
                name_vi(n),
                answer_vi(why)
            ),
            format!(
                "{n} is listed in EF.SOD but the chip answered {}: judged by the anti-cloning check",
                answer_en(why)
            ),
        );
    }
    match why {
        Unavailable::Protected if is_eac_protected(n) => CheckResult::new(
            check,
            Status::NotChecked,
            format!(
                "{} được bảo vệ bằng kiểm soát truy cập mở rộng (EAC): không đọc, không kiểm tra.",
                name_vi(n)
            ),
            format!(
                "{n} is listed in EF.SOD and protected by Extended Access Control ({sw}): not read"
            ),
        ),
        Unavailable::Protected => CheckResult::new(
            check,
            Status::Failed,
            format!(
                "Chip từ chối cho đọc {} ({}) dù chuẩn ICAO không cho phép bảo vệ nhóm này: chip không giữ đúng dữ liệu cơ quan cấp thẻ đã ghi.",
                name_vi(n),
                answer_vi(why)
            ),
            format!(
                "{n} is listed in EF.SOD but the chip answered {}; ICAO 9303 protects only DG3 and DG4",
                answer_en(why)
            ),
        ),
        Unavailable::Absent => CheckResult::new(
            check,
            Status::Failed,
            format!(
                "Chip không có {} dù dữ liệu bảo mật (EF.SOD) của cơ quan cấp thẻ có nhóm này (chip trả lời {}): dữ liệu trên chip đã bị thay đổi.",
                name_vi(n),
                answer_vi(why)
            ),
            format!(
                "{n} is listed in EF.SOD but the chip answered {}",
                answer_en(why)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dg(n: u8) -> DgNumber {
        DgNumber::new(n).unwrap()
    }

    #[test]
    fn dg3_and_dg4_may_be_protected_and_nothing_else() {
        for n in 1..=16 {
            let c = withheld_group_check(dg(n), Unavailable::Protected);
            assert_eq!(c.check, Check::DataGroupHash(dg(n)));
            let expected = if matches!(n, 3 | 4 | 14 | 15) {
                Status::NotChecked
            } else {
                Status::Failed
            };
            assert_eq!(c.status, expected, "DG{n}: {c:?}");
            assert!(c.detail_en.contains("6982"), "{}", c.detail_en);
            assert!(c.detail_vi.contains(&format!("DG{n}")), "{}", c.detail_vi);
        }
    }

    #[test]
    fn a_listed_group_that_is_absent_fails_and_is_named() {
        for (n, name) in [
            (1, "DG1 (dòng MRZ)"),
            (2, "DG2 (ảnh chân dung)"),
            (13, "DG13 (thông tin nhân thân)"),
            (3, "DG3 (vân tay)"),
            (11, "DG11"),
        ] {
            let c = withheld_group_check(dg(n), Unavailable::Absent);
            assert_eq!(c.status, Status::Failed, "DG{n}");
            assert!(c.check.is_integrity());
            assert!(
                c.detail_vi
                    .starts_with(&format!("Chip không có {name} dù dữ liệu bảo mật")),
                "{}",
                c.detail_vi
            );
            assert!(c.detail_vi.contains("6A82"), "{}", c.detail_vi);
            assert_eq!(
                c.detail_en,
                format!("DG{n} is listed in EF.SOD but the chip answered 6A82 (file not found)")
            );
        }
    }

    #[test]
    fn withheld_keys_are_left_to_the_anti_cloning_checks() {
        for n in [14, 15] {
            for why in [Unavailable::Absent, Unavailable::Protected] {
                let c = withheld_group_check(dg(n), why);
                assert_eq!(c.status, Status::NotChecked);
                assert!(
                    c.detail_vi.contains("xem kiểm tra xác thực"),
                    "{}",
                    c.detail_vi
                );
            }
        }
    }
}
