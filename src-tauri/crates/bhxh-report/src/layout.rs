//! Page geometry of Decree 30/2020 and line breaking.
//!
//! All lengths here are PDF points (1/72 in) unless the name ends in `_MM`; y grows upwards
//! from the bottom edge of the page, as in PDF.

use crate::fonts::FaceData;

/// Points per millimetre.
pub(crate) const PT_PER_MM: f32 = 72.0 / 25.4;

pub(crate) fn mm(v: f32) -> f32 {
    v * PT_PER_MM
}

pub(crate) const PAGE_WIDTH_MM: f32 = 210.0;
pub(crate) const PAGE_HEIGHT_MM: f32 = 297.0;
pub(crate) const MARGIN_TOP_MM: f32 = 20.0;
pub(crate) const MARGIN_BOTTOM_MM: f32 = 20.0;
pub(crate) const MARGIN_LEFT_MM: f32 = 30.0;
pub(crate) const MARGIN_RIGHT_MM: f32 = 15.0;
/// Width of the text area between the left and right margins (165 mm).
pub(crate) const TEXT_WIDTH_MM: f32 = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM;
/// A page and its margins, in millimetres; the methods give PDF points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Geometry {
    pub(crate) width_mm: f32,
    pub(crate) height_mm: f32,
    pub(crate) top_mm: f32,
    pub(crate) bottom_mm: f32,
    pub(crate) left_mm: f32,
    pub(crate) right_mm: f32,
}

impl Geometry {
    /// A4 portrait with the margins of Decree 30/2020.
    pub(crate) const A4_PORTRAIT: Geometry = Geometry {
        width_mm: PAGE_WIDTH_MM,
        height_mm: PAGE_HEIGHT_MM,
        top_mm: MARGIN_TOP_MM,
        bottom_mm: MARGIN_BOTTOM_MM,
        left_mm: MARGIN_LEFT_MM,
        right_mm: MARGIN_RIGHT_MM,
    };

    /// A4 landscape, for wide tables (the register, form 06): the binding
    /// edge is the top, so the side margins are the narrow ones.
    pub(crate) const A4_LANDSCAPE: Geometry = Geometry {
        width_mm: PAGE_HEIGHT_MM,
        height_mm: PAGE_WIDTH_MM,
        top_mm: 20.0,
        bottom_mm: 15.0,
        left_mm: 15.0,
        right_mm: 10.0,
    };

    pub(crate) fn page_width(&self) -> f32 {
        mm(self.width_mm)
    }
    pub(crate) fn page_height(&self) -> f32 {
        mm(self.height_mm)
    }
    pub(crate) fn left(&self) -> f32 {
        mm(self.left_mm)
    }
    pub(crate) fn right(&self) -> f32 {
        self.page_width() - mm(self.right_mm)
    }
    pub(crate) fn text_width(&self) -> f32 {
        self.right() - self.left()
    }
    pub(crate) fn top(&self) -> f32 {
        self.page_height() - mm(self.top_mm)
    }
    pub(crate) fn bottom(&self) -> f32 {
        mm(self.bottom_mm)
    }
}

/// Horizontal padding inside a table cell.
pub(crate) const CELL_PAD_X_MM: f32 = 1.5;

/// One word of a laid-out line, with its width in points.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Word {
    pub(crate) text: String,
    pub(crate) width: f32,
}

/// One line of a wrapped text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub(crate) words: Vec<Word>,
    /// Whether the line ends a paragraph (such a line is never stretched to justify it).
    pub(crate) last: bool,
    /// Indent of the line, in points.
    pub(crate) indent: f32,
}

impl Line {
    /// Width of the words with single spaces between them.
    pub(crate) fn natural_width(&self, space: f32) -> f32 {
        let words: f32 = self.words.iter().map(|w| w.width).sum();
        words + space * self.words.len().saturating_sub(1) as f32
    }

    /// The words joined by single spaces.
    #[cfg(test)]
    pub(crate) fn text(&self) -> String {
        let mut s = String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&w.text);
        }
        s
    }
}

/// Break `text` into lines no wider than `width` points, greedily, at spaces.
///
/// A `\n` ends a paragraph; `first_indent` applies to the first line of each paragraph.
/// A word longer than a line is cut between characters. An empty text gives no line.
pub(crate) fn wrap(
    face: &FaceData,
    size: f32,
    text: &str,
    width: f32,
    first_indent: f32,
) -> Vec<Line> {
    let space = face.width(" ", size);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut current: Vec<Word> = Vec::new();
        let mut used = 0.0_f32;
        let mut indent = first_indent;
        let mut push_line = |words: &mut Vec<Word>, indent: &mut f32, last: bool| {
            lines.push(Line {
                words: std::mem::take(words),
                last,
                indent: *indent,
            });
            *indent = 0.0;
        };
        for raw in para.split_whitespace() {
            for word in split_long_word(face, size, raw, (width - first_indent).max(1.0)) {
                let w = face.width(&word, size);
                let needed = if current.is_empty() {
                    w
                } else {
                    used + space + w
                };
                if !current.is_empty() && needed > width - indent + 0.01 {
                    push_line(&mut current, &mut indent, false);
                    used = w;
                } else {
                    used = needed;
                }
                current.push(Word {
                    text: word,
                    width: w,
                });
            }
        }
        if !current.is_empty() {
            push_line(&mut current, &mut indent, true);
        }
    }
    lines
}

/// Cut a word wider than `width` into pieces that fit (a word never leaves the text area).
fn split_long_word(face: &FaceData, size: f32, word: &str, width: f32) -> Vec<String> {
    if face.width(word, size) <= width {
        return vec![word.to_string()];
    }
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut used = 0.0;
    for c in word.chars() {
        let w = face.advance(c) * size;
        if !piece.is_empty() && used + w > width {
            pieces.push(std::mem::take(&mut piece));
            used = 0.0;
        }
        piece.push(c);
        used += w;
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts::{Face, FontSet};

    #[test]
    fn wrap_respects_width_indent_and_paragraphs() {
        let fonts = FontSet::get().unwrap();
        let face = fonts.face(Face::Regular);
        let text = "Thực hiện Đề án 06 của Chính phủ về phát triển ứng dụng dữ liệu dân cư, \
                    định danh và xác thực điện tử phục vụ chuyển đổi số quốc gia.\nĐoạn hai.";
        let width = 200.0;
        let lines = wrap(face, 14.0, text, width, 36.0);
        assert!(lines.len() >= 4);
        assert_eq!(lines[0].indent, 36.0);
        assert_eq!(lines[1].indent, 0.0);
        let space = face.width(" ", 14.0);
        for l in &lines {
            assert!(
                l.natural_width(space) + l.indent <= width + 0.01,
                "{}",
                l.text()
            );
        }
        let last_flags: Vec<bool> = lines.iter().map(|l| l.last).collect();
        assert_eq!(last_flags.iter().filter(|b| **b).count(), 2);
        assert_eq!(lines.last().unwrap().text(), "Đoạn hai.");
        assert_eq!(lines.last().unwrap().indent, 36.0);
        let joined: Vec<String> = lines.iter().map(Line::text).collect();
        assert_eq!(
            joined.join(" "),
            text.replace('\n', " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        );
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut() {
        let fonts = FontSet::get().unwrap();
        let face = fonts.face(Face::Regular);
        let lines = wrap(face, 12.0, &"x".repeat(100), 50.0, 0.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.natural_width(0.0) <= 50.0));
        assert!(wrap(face, 12.0, "  ", 50.0, 0.0).is_empty());
    }
}
