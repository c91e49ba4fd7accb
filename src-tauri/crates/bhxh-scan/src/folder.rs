//! The scan inbox's folder rules: which files a scanner's folder holds that
//! the inbox takes, which of them are the pages of one run, and the names
//! under which single pages are kept.

use std::path::Path;

/// File name extensions the inbox takes (lower case).
pub const EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "png", "tif", "tiff", "pdf"];

/// Whether the inbox looks at a file of this name: a scan's extension, and
/// not a hidden, temporary or half-downloaded file.
pub fn wanted(name: &str) -> bool {
    if name.starts_with('.') || name.starts_with('~') {
        return false;
    }
    let lower = name.to_lowercase();
    if lower.ends_with(".tmp") || lower.ends_with(".part") || lower.ends_with(".crdownload") {
        return false;
    }
    Path::new(&lower)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e))
}

/// One-page image files (JPEG, PNG): the pages of a scanner's run, taken
/// together in name order. A TIFF or a PDF is a batch of its own.
pub fn is_sequence(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.ends_with(".jpg") || lower.ends_with(".jpeg") || lower.ends_with(".png")
}

/// The name of a page kept as an original: the file's own name when the
/// page is the whole file and of the same kind, else
/// `<stem>-trang-NNN.<ext>`. `media` is the page's media type.
pub fn page_name(source: &str, page: usize, total: usize, media: &str) -> String {
    let ext = if media == "image/jpeg" { "jpg" } else { "png" };
    let path = Path::new(source);
    let same_kind = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_lowercase())
        .is_some_and(|e| e == ext || (ext == "jpg" && e == "jpeg"));
    if total == 1 && same_kind {
        return source.to_owned();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "trang".into());
    format!("{stem}-trang-{page:03}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_are_taken_and_half_written_or_hidden_files_are_not() {
        for yes in ["a.jpg", "B.JPEG", "c.png", "d.tif", "e.TIFF", "f.pdf"] {
            assert!(wanted(yes), "{yes}");
        }
        for no in [
            ".a.jpg",
            "~b.pdf",
            "c.pdf.part",
            "d.tmp",
            "e.jpg.crdownload",
            "f.txt",
            "g",
            "h.jpg.bak",
        ] {
            assert!(!wanted(no), "{no}");
        }
    }

    #[test]
    fn only_single_page_images_run_together() {
        assert!(is_sequence("scan001.JPG") && is_sequence("p.png"));
        assert!(!is_sequence("lot.tiff") && !is_sequence("lot.pdf"));
    }

    #[test]
    fn a_whole_file_keeps_its_name_and_a_page_of_many_is_numbered() {
        assert_eq!(page_name("a.jpeg", 1, 1, "image/jpeg"), "a.jpeg");
        assert_eq!(page_name("a.png", 1, 1, "image/png"), "a.png");
        assert_eq!(
            page_name("lot.tif", 2, 12, "image/png"),
            "lot-trang-002.png"
        );
        // One page of a PDF that was a JPEG inside: named as a JPEG.
        assert_eq!(
            page_name("lot.pdf", 1, 1, "image/jpeg"),
            "lot-trang-001.jpg"
        );
    }
}
