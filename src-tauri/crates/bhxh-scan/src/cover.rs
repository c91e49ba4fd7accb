//! Cover sheets: how the scan inbox cuts a scanner's batch into the parts
//! of each dossier.
//!
//! A page that carries the QR code of a paper the desk printed (the receipt,
//! laid on top of a dossier's papers) is a **cover**: the pages after it, up
//! to the next cover, belong to that dossier, and the cover itself is not
//! filed. Pages before any cover form a part without one. What a QR text
//! *means* (is it our paper? which dossier? is its seal right?) is the
//! caller's to say, through the `classify` function, so this module knows
//! nothing of the payload's format.

/// What one QR text on a page is, as the caller reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrMeaning {
    /// A paper of this desk naming this dossier code.
    Dossier(String),
    /// Looks like one of the desk's papers but cannot be used: the reason.
    Damaged(String),
    /// Something else (a QR code printed on the paper itself).
    Other,
}

/// What a page's QR codes say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cover {
    /// A cover naming one dossier.
    Code(String),
    /// A cover that cannot be used (damaged text, two dossiers): why.
    Bad(String),
}

/// Consecutive pages of a batch and the cover before them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub cover: Option<Cover>,
    /// The cover's page in the batch (1-based), when there is one.
    pub cover_page: Option<usize>,
    /// Indexes of the part's pages in the batch (0-based, consecutive; may
    /// be empty when a cover is followed by another cover or the end).
    pub pages: Vec<usize>,
}

/// The cover a page is, if any, from the texts of its QR codes.
pub fn cover_of(texts: &[String], classify: impl Fn(&str) -> QrMeaning) -> Option<Cover> {
    let mut codes: Vec<String> = Vec::new();
    let mut bad = None;
    for t in texts {
        match classify(t) {
            QrMeaning::Dossier(code) => {
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
            QrMeaning::Damaged(why) => bad = Some(why),
            QrMeaning::Other => {}
        }
    }
    match codes.len() {
        0 => bad.map(Cover::Bad),
        1 => codes.pop().map(Cover::Code),
        _ => Some(Cover::Bad(format!(
            "trang bìa mang mã của nhiều hồ sơ ({})",
            codes.join(", ")
        ))),
    }
}

/// Cut a batch's pages at its covers (`covers[i]` is page `i`'s).
pub fn split(covers: &[Option<Cover>]) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    for (i, c) in covers.iter().enumerate() {
        match c {
            Some(c) => parts.push(Part {
                cover: Some(c.clone()),
                cover_page: Some(i + 1),
                pages: Vec::new(),
            }),
            None => match parts.last_mut() {
                Some(p) => p.pages.push(i),
                None => parts.push(Part {
                    cover: None,
                    cover_page: None,
                    pages: vec![i],
                }),
            },
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(t: &str) -> QrMeaning {
        match t.split_once(':') {
            Some(("HS", code)) => QrMeaning::Dossier(code.to_owned()),
            Some(("HS?", why)) => QrMeaning::Damaged(why.to_owned()),
            _ => QrMeaning::Other,
        }
    }

    fn texts(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_page_is_a_cover_only_when_a_qr_names_one_dossier() {
        assert_eq!(cover_of(&texts(&[]), classify), None);
        assert_eq!(cover_of(&texts(&["https://x"]), classify), None);
        assert_eq!(
            cover_of(&texts(&["HS:A-1", "https://x"]), classify),
            Some(Cover::Code("A-1".into()))
        );
        // The same code twice (two receipts copies side by side) is one cover.
        assert_eq!(
            cover_of(&texts(&["HS:A-1", "HS:A-1"]), classify),
            Some(Cover::Code("A-1".into()))
        );
        assert_eq!(
            cover_of(&texts(&["HS:A-1", "HS:B-2"]), classify),
            Some(Cover::Bad(
                "trang bìa mang mã của nhiều hồ sơ (A-1, B-2)".into()
            ))
        );
        // A damaged QR of ours makes a bad cover, unless a good one is there too.
        assert_eq!(
            cover_of(&texts(&["HS?:hỏng"]), classify),
            Some(Cover::Bad("hỏng".into()))
        );
        assert_eq!(
            cover_of(&texts(&["HS?:hỏng", "HS:A-1"]), classify),
            Some(Cover::Code("A-1".into()))
        );
    }

    #[test]
    fn a_batch_is_cut_at_its_covers() {
        let a = Some(Cover::Code("A".into()));
        let b = Some(Cover::Code("B".into()));
        let parts = split(&[None, a.clone(), None, None, b.clone(), a.clone()]);
        assert_eq!(
            parts,
            vec![
                Part {
                    cover: None,
                    cover_page: None,
                    pages: vec![0]
                },
                Part {
                    cover: a.clone(),
                    cover_page: Some(2),
                    pages: vec![2, 3]
                },
                Part {
                    cover: b,
                    cover_page: Some(5),
                    pages: vec![]
                },
                Part {
                    cover: a,
                    cover_page: Some(6),
                    pages: vec![]
                },
            ]
        );
        assert!(split(&[]).is_empty());
    }
}
