//! The four Liberation Serif faces (metric-compatible with Times New Roman), built into the
//! binary so that a report looks the same on every machine, and their advance widths.

use std::collections::HashMap;
use std::sync::OnceLock;

use printpdf::ParsedFont;

use crate::ReportError;

/// A face of the report font.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

impl Face {
    pub(crate) const ALL: [Face; 4] = [Face::Regular, Face::Bold, Face::Italic, Face::BoldItalic];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    fn file_name(self) -> &'static str {
        match self {
            Face::Regular => "LiberationSerif-Regular.ttf",
            Face::Bold => "LiberationSerif-Bold.ttf",
            Face::Italic => "LiberationSerif-Italic.ttf",
            Face::BoldItalic => "LiberationSerif-BoldItalic.ttf",
        }
    }

    fn bytes(self) -> &'static [u8] {
        match self {
            Face::Regular => include_bytes!("../../../../assets/fonts/LiberationSerif-Regular.ttf"),
            Face::Bold => include_bytes!("../../../../assets/fonts/LiberationSerif-Bold.ttf"),
            Face::Italic => include_bytes!("../../../../assets/fonts/LiberationSerif-Italic.ttf"),
            Face::BoldItalic => {
                include_bytes!("../../../../assets/fonts/LiberationSerif-BoldItalic.ttf")
            }
        }
    }
}

/// Code points below this bound have their advance in a flat table (Latin, Vietnamese
/// precomposed letters in U+1EA0–U+1EF9, general punctuation).
const FAST_RANGE: usize = 0x2100;

/// One face: the printpdf font to embed and its advance widths in em, read from the
/// `hmtx` table with ttf-parser (independent of how printpdf was built).
pub(crate) struct FaceData {
    pub(crate) parsed: ParsedFont,
    fast: Vec<f32>,
    slow: HashMap<char, f32>,
    notdef: f32,
}

impl FaceData {
    fn load(face: Face) -> Result<FaceData, &'static str> {
        let name = face.file_name();
        let ttf = ttf_parser::Face::parse(face.bytes(), 0).map_err(|_| name)?;
        let upem = f32::from(ttf.units_per_em());
        if upem <= 0.0 {
            return Err(name);
        }
        let em =
            |gid: ttf_parser::GlyphId| f32::from(ttf.glyph_hor_advance(gid).unwrap_or(0)) / upem;
        let notdef = em(ttf_parser::GlyphId(0));
        let mut fast = vec![notdef; FAST_RANGE];
        let mut slow = HashMap::new();
        if let Some(cmap) = ttf.tables().cmap {
            for sub in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
                sub.codepoints(|cp| {
                    let (Some(c), Some(gid)) = (char::from_u32(cp), sub.glyph_index(cp)) else {
                        return;
                    };
                    match fast.get_mut(cp as usize) {
                        Some(slot) => *slot = em(gid),
                        None => {
                            slow.insert(c, em(gid));
                        }
                    }
                });
            }
        }
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(face.bytes(), 0, &mut warnings).ok_or(name)?;
        Ok(FaceData {
            parsed,
            fast,
            slow,
            notdef,
        })
    }

    /// Whether the font has a glyph for the character.
    #[cfg(test)]
    pub(crate) fn has_glyph(c: char, face: Face) -> bool {
        ttf_parser::Face::parse(face.bytes(), 0)
            .ok()
            .and_then(|f| f.glyph_index(c))
            .is_some()
    }

    /// Advance width of a character, in em (a character missing from the font is drawn as
    /// glyph 0, .notdef).
    pub(crate) fn advance(&self, c: char) -> f32 {
        match self.fast.get(c as usize) {
            Some(w) => *w,
            None => self.slow.get(&c).copied().unwrap_or(self.notdef),
        }
    }

    /// Width of a text set at `size` points, in points (no kerning: the PDF has none either).
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }
}

/// The four faces, parsed once per process.
pub(crate) struct FontSet {
    faces: Vec<FaceData>,
}

impl FontSet {
    /// The parsed faces, or the name of the one that failed to load.
    pub(crate) fn get() -> Result<&'static FontSet, ReportError> {
        static FONTS: OnceLock<Result<FontSet, &'static str>> = OnceLock::new();
        FONTS
            .get_or_init(|| {
                let faces = Face::ALL
                    .iter()
                    .map(|f| FaceData::load(*f))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(FontSet { faces })
            })
            .as_ref()
            .map_err(|name| ReportError::Font { name })
    }

    pub(crate) fn face(&self, face: Face) -> &FaceData {
        // `faces` is built from `Face::ALL`, in index order.
        &self.faces[face.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_load_and_have_times_metrics() {
        let fonts = FontSet::get().unwrap();
        // Times New Roman / Liberation Serif: space 0.25 em, "M" 0.889 em.
        let regular = fonts.face(Face::Regular);
        assert!((regular.advance(' ') - 0.25).abs() < 0.001);
        assert!((regular.advance('M') - 0.889).abs() < 0.001);
        // Vietnamese precomposed letters have real glyphs (not .notdef).
        for c in "ĐđƠơƯưẢảỄễỘộẶặỹ".chars() {
            assert!(FaceData::has_glyph(c, Face::Regular), "{c}");
        }
        assert!(fonts.face(Face::Bold).width("BÁO CÁO", 14.0) > regular.width("BÁO CÁO", 14.0));
    }
}
