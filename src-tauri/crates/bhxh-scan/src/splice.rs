//! Scans spliced into an assembled PDF in one copy.
//!
//! printpdf builds a document in memory and serialises it, copying each
//! image several times on the way (the page's bytes into the XObject, the
//! XObject into the document, the document into the output, which grows as
//! it is written). For 200 scanned pages that is most of an intake's time.
//! So the document is made with a short, unique placeholder where each
//! JPEG goes, and the scans are put in afterwards: each placeholder replaced
//! by its JPEG, its `/Length` by the JPEG's length, and the cross-reference
//! table's offsets moved by what was inserted before them, into an output
//! allocated once at its final size.
//!
//! Anything not as expected (a placeholder missing or twice, no classic
//! `xref` table, a `/Length` that is not the placeholder's) gives `None`,
//! and the caller makes the PDF the ordinary way: the result is the same
//! PDF either way, only slower.

/// The placeholder of JPEG number `i`: bytes no scan or PDF structure holds.
pub(crate) fn placeholder(i: usize) -> Vec<u8> {
    let mut p = b"\x00\xffBHXH-SPLICE-".to_vec();
    p.extend_from_slice(&(i as u64).to_be_bytes());
    p.extend_from_slice(b"\xff\x00");
    p
}

/// One change to the skeleton: bytes `at..at + len` become `with`.
struct Edit<'a> {
    at: usize,
    len: usize,
    with: &'a [u8],
}

/// The skeleton `skel` (made with [`placeholder`]s) with `jpegs[i]` put in
/// place of placeholder `i`; `None` when the skeleton is not as expected.
pub(crate) fn splice(skel: &[u8], jpegs: &[&[u8]]) -> Option<Vec<u8>> {
    let mut lengths: Vec<Vec<u8>> = Vec::with_capacity(jpegs.len());
    let mut marks = Vec::with_capacity(jpegs.len());
    for (i, jpeg) in jpegs.iter().enumerate() {
        let mark = placeholder(i);
        let finder = memchr::memmem::Finder::new(&mark);
        let at = finder.find(skel)?;
        // Exactly once.
        if finder.find(skel.get(at + 1..)?).is_some() {
            return None;
        }
        // It is a stream's whole data: "stream" EOL before, EOL
        // "endstream" after.
        let before = skel.get(..at)?;
        if !(before.ends_with(b"stream\n") || before.ends_with(b"stream\r\n")) {
            return None;
        }
        let after = skel.get(at + mark.len()..)?;
        if !(after.starts_with(b"\nendstream") || after.starts_with(b"\r\nendstream")) {
            return None;
        }
        // Its dictionary's /Length (the last one before "stream", not
        // /Length1 and the like) says the placeholder's length.
        let dict_start = memchr::memmem::rfind(before, b"obj")?;
        let dict = &before[dict_start..];
        let key = memchr::memmem::rfind(dict, b"/Length")? + dict_start + b"/Length".len();
        let digits_at = key + skel.get(key..)?.iter().take_while(|b| **b == b' ').count();
        let digits = skel
            .get(digits_at..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0
            || skel.get(digits_at..digits_at + digits)? != mark.len().to_string().as_bytes()
        {
            return None;
        }
        lengths.push(jpeg.len().to_string().into_bytes());
        marks.push((digits_at, digits, at, mark.len()));
    }
    let mut edits: Vec<Edit> = Vec::with_capacity(2 * jpegs.len() + 1);
    for (i, &(digits_at, digits, at, mark_len)) in marks.iter().enumerate() {
        edits.push(Edit {
            at: digits_at,
            len: digits,
            with: &lengths[i],
        });
        edits.push(Edit {
            at,
            len: mark_len,
            with: jpegs[i],
        });
    }
    edits.sort_by_key(|e| e.at);
    // The cross-reference table: offsets moved by what was inserted before.
    let sx = memchr::memmem::rfind(skel, b"startxref")?;
    let xref_at: usize = std::str::from_utf8(skel.get(sx + b"startxref".len()..)?)
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    if !skel.get(xref_at..)?.starts_with(b"xref") {
        return None; // a cross-reference stream: not handled here
    }
    let shifted = |offset: usize| -> Option<usize> {
        let mut delta: isize = 0;
        for e in &edits {
            if e.at >= offset {
                break;
            }
            delta += e.with.len() as isize - e.len as isize;
        }
        offset.checked_add_signed(delta)
    };
    let (new_table, table_end) = shifted_table(skel, xref_at, &shifted)?;
    if edits.last().is_some_and(|e| e.at + e.len > xref_at) {
        return None;
    }
    let new_xref_at = shifted(xref_at)?;
    // "startxref", its number moved, and what followed it as it was.
    let num_at = sx
        + b"startxref".len()
        + skel
            .get(sx + b"startxref".len()..)?
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let num_len = skel
        .get(num_at..)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let mut tail = skel.get(sx..num_at)?.to_vec();
    tail.extend_from_slice(new_xref_at.to_string().as_bytes());
    tail.extend_from_slice(skel.get(num_at + num_len..)?);
    let inserted: usize = edits.iter().map(|e| e.with.len()).sum();
    let mut out = Vec::with_capacity(skel.len() + inserted + tail.len());
    let mut pos = 0;
    for e in &edits {
        out.extend_from_slice(skel.get(pos..e.at)?);
        out.extend_from_slice(e.with);
        pos = e.at + e.len;
    }
    out.extend_from_slice(skel.get(pos..xref_at)?);
    out.extend_from_slice(&new_table);
    // The trailer dictionary between the table and "startxref" as it was.
    out.extend_from_slice(skel.get(table_end..sx)?);
    out.extend_from_slice(&tail);
    Some(out)
}

/// The classic table at `at` (`xref`, then subsections `first count` and
/// 20-byte entries) with each in-use entry's offset moved by `shifted`;
/// and where the table ends (the `trailer` keyword).
fn shifted_table(
    skel: &[u8],
    at: usize,
    shifted: &dyn Fn(usize) -> Option<usize>,
) -> Option<(Vec<u8>, usize)> {
    let mut pos = at + b"xref".len();
    let mut out = b"xref".to_vec();
    loop {
        // End of line after the keyword or the last entry.
        while matches!(skel.get(pos)?, b'\r' | b'\n') {
            out.push(skel[pos]);
            pos += 1;
        }
        if skel.get(pos..)?.starts_with(b"trailer") {
            return Some((out, pos));
        }
        let line_end = pos + skel.get(pos..)?.iter().position(|b| *b == b'\n')?;
        let header = std::str::from_utf8(skel.get(pos..line_end)?).ok()?;
        let mut words = header.split_whitespace();
        let _first: usize = words.next()?.parse().ok()?;
        let count: usize = words.next()?.parse().ok()?;
        out.extend_from_slice(skel.get(pos..=line_end)?);
        pos = line_end + 1;
        for _ in 0..count {
            let entry = skel.get(pos..pos + 20)?;
            let offset: usize = std::str::from_utf8(entry.get(..10)?).ok()?.parse().ok()?;
            if entry.get(17)? == &b'n' {
                let moved = shifted(offset)?;
                if moved > 9_999_999_999 {
                    return None;
                }
                out.extend_from_slice(format!("{moved:010}").as_bytes());
                out.extend_from_slice(entry.get(10..)?);
            } else {
                out.extend_from_slice(entry);
            }
            pos += 20;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::{ScanPage, read_pages};

    fn jpeg(seed: u8, w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([seed.wrapping_add((x * 3) as u8), (y * 5) as u8, seed])
        });
        let mut out = Vec::new();
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
        enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(200));
        enc.encode_image(&img).unwrap();
        out
    }

    /// Every in-use entry of the classic xref table points at "N G obj",
    /// and startxref at the table: the offsets are right, not just parseable.
    fn offsets_are_right(pdf: &[u8]) {
        let sx = memchr::memmem::rfind(pdf, b"startxref").unwrap();
        let at: usize = std::str::from_utf8(&pdf[sx + 9..])
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(pdf[at..].starts_with(b"xref\n"));
        let text = &pdf[at + 5..];
        let line_end = text.iter().position(|b| *b == b'\n').unwrap();
        let header = std::str::from_utf8(&text[..line_end]).unwrap();
        let mut w = header.split_whitespace();
        let first: usize = w.next().unwrap().parse().unwrap();
        let count: usize = w.next().unwrap().parse().unwrap();
        let entries = &text[line_end + 1..];
        for k in 0..count {
            let e = &entries[k * 20..k * 20 + 20];
            if e[17] != b'n' {
                continue;
            }
            let off: usize = std::str::from_utf8(&e[..10]).unwrap().parse().unwrap();
            let want = format!("{} 0 obj", first + k);
            assert!(
                pdf[off..].starts_with(want.as_bytes()),
                "object {} not at {off}",
                first + k
            );
        }
    }

    #[test]
    fn spliced_scans_make_a_well_formed_pdf_with_each_jpeg_byte_for_byte() {
        let files: Vec<Vec<u8>> = (0..4)
            .map(|i| jpeg(i * 40, 300 + u32::from(i), 420))
            .collect();
        let pages: Vec<ScanPage> = files.iter().flat_map(|f| read_pages(f).unwrap()).collect();
        let refs: Vec<&ScanPage> = pages.iter().collect();
        let pdf = crate::assemble_pages(&refs, "Hồ sơ", Some("Số hóa: Lê Văn Bình")).unwrap();
        // The placeholders are gone and every scan is there, once.
        assert!(memchr::memmem::find(&pdf, b"BHXH-SPLICE-").is_none());
        for f in &files {
            let at = memchr::memmem::find(&pdf, f).expect("a scan missing");
            assert!(memchr::memmem::find(&pdf[at + 1..], f).is_none());
        }
        offsets_are_right(&pdf);
        // A strict reader gives back the pages, each image its JPEG.
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        assert_eq!(doc.get_pages().len(), 4);
        let mut images: Vec<Vec<u8>> = doc
            .objects
            .values()
            .filter_map(|o| o.as_stream().ok())
            .filter(|s| s.dict.get(b"Subtype").and_then(|v| v.as_name()).ok() == Some(b"Image"))
            .map(|s| s.content.clone())
            .collect();
        images.sort();
        let mut want = files.clone();
        want.sort();
        assert_eq!(images, want);
        // The same document as made the ordinary way, but for the ids
        // printpdf draws at random: equal length.
        let mut extra = |_: usize, _: &mut printpdf::PdfDocument, _: f32, _: f32| Ok(Vec::new());
        let ordinary = crate::assemble::build_for_tests(
            &refs,
            "Hồ sơ",
            Some("Số hóa: Lê Văn Bình"),
            &mut extra,
        );
        assert_eq!(ordinary.len(), pdf.len());
    }

    #[test]
    fn a_skeleton_not_as_expected_is_not_spliced() {
        let j = jpeg(1, 64, 64);
        // No placeholder at all.
        assert!(
            splice(
                b"%PDF-1.7\n1 0 obj\n<</Length 3>>\nstream\nabc\nendstream\nendobj\n",
                &[&j]
            )
            .is_none()
        );
        // The placeholder twice.
        let p = placeholder(0);
        let mut twice = b"1 0 obj\n<</Length 24>>\nstream\n".to_vec();
        twice.extend_from_slice(&p);
        twice.extend_from_slice(b"\nendstream\nendobj\n2 0 obj\n<</Length 24>>\nstream\n");
        twice.extend_from_slice(&p);
        twice.extend_from_slice(b"\nendstream\nendobj\n");
        assert!(splice(&twice, &[&j]).is_none());
        // A /Length that is not the placeholder's.
        let mut wrong = b"1 0 obj\n<</Length 99>>\nstream\n".to_vec();
        wrong.extend_from_slice(&p);
        wrong.extend_from_slice(b"\nendstream\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000000 00000 n \ntrailer\n<<>>\nstartxref\n");
        assert!(splice(&wrong, &[&j]).is_none());
        // Right but with a cross-reference stream instead of a table.
        let mut xstream = b"1 0 obj\n<</Length 24>>\nstream\n".to_vec();
        xstream.extend_from_slice(&p);
        xstream.extend_from_slice(
            b"\nendstream\nendobj\n2 0 obj\n<</Type/XRef>>\nendobj\nstartxref\n57\n%%EOF\n",
        );
        assert!(splice(&xstream, &[&j]).is_none());
    }
}
