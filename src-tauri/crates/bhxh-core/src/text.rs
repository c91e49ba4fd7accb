//! Vietnamese text: normalisation for storage and printing, folding for search.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// NFC form: what is stored and printed (PDF fonts have no shaping, so
/// decomposed marks would render misplaced).
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Fold for search: decompose, drop the marks, map đ/Đ to d, lower-case.
/// "Nguyễn Thị Đào" → "nguyen thi dao". FTS5's `remove_diacritics` does not
/// fold đ, hence this.
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_including_d_with_stroke() {
        assert_eq!(fold("Nguyễn Thị Đào"), "nguyen thi dao");
        assert_eq!(fold("ĐẶNG ĐỨC ĐỘ"), "dang duc do");
        assert_eq!(fold("Hòa Bình"), fold("Hoà Bình"));
        assert_eq!(fold("Quảng Ngãi"), "quang ngai");
    }

    #[test]
    fn nfc_composes_decomposed_input() {
        let decomposed = "Vie\u{0302}\u{0323}t";
        assert_eq!(nfc(decomposed), "Việt");
        assert_eq!(nfc(decomposed).chars().count(), 4);
    }
}
