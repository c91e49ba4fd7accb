//! Writing PDF objects and an incremental update (ISO 32000-1 §7.5.6): the
//! earlier bytes stay exactly as they were, and the update appends the new
//! and changed objects, a cross-reference section for them only (a table, or
//! a stream when the file already uses cross-reference streams) and a trailer
//! pointing back at the previous one.

use std::fmt::Write as _;

use lopdf::{Dictionary, Object, StringFormat};

/// Append `o` in PDF syntax to `out`.
pub fn object(o: &Object, out: &mut Vec<u8>) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => {
            let mut s = format!("{r:.4}");
            while s.contains('.') && (s.ends_with('0') || s.ends_with('.')) {
                s.pop();
            }
            out.extend_from_slice(s.as_bytes());
        }
        Object::Name(n) => name(n, out),
        Object::String(s, StringFormat::Hexadecimal) => {
            out.push(b'<');
            out.extend_from_slice(hex::encode_upper(s).as_bytes());
            out.push(b'>');
        }
        Object::String(s, StringFormat::Literal) => literal(s, out),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                object(item, out);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => dictionary(d, out),
        Object::Stream(s) => {
            let mut dict = s.dict.clone();
            dict.set("Length", Object::Integer(s.content.len() as i64));
            dictionary(&dict, out);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, generation)) => {
            out.extend_from_slice(format!("{id} {generation} R").as_bytes());
        }
    }
}

pub fn dictionary(d: &Dictionary, out: &mut Vec<u8>) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        out.push(b' ');
        name(k, out);
        out.push(b' ');
        object(v, out);
    }
    out.extend_from_slice(b" >>");
}

/// A name, with `#xx` for the bytes a name cannot hold as they are.
fn name(n: &[u8], out: &mut Vec<u8>) {
    out.push(b'/');
    for &b in n {
        let regular = b.is_ascii_graphic()
            && !matches!(
                b,
                b'#' | b'/' | b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'%'
            );
        if regular {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

fn literal(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'(');
    for &b in s {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x20..=0x7E => out.push(b),
            _ => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
        }
    }
    out.push(b')');
}

/// A PDF text string in UTF-16BE with its byte-order mark, as a hex string
/// (Vietnamese does not fit PDFDocEncoding).
pub fn text_string(s: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// An incremental update being written after the original bytes.
pub struct Update {
    pub bytes: Vec<u8>,
    offsets: Vec<(u32, usize)>,
}

impl Update {
    /// Start after `original` (a newline is added when it does not end a line).
    pub fn after(original: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(original.len() + 40_000);
        bytes.extend_from_slice(original);
        if !matches!(bytes.last(), Some(b'\n' | b'\r')) {
            bytes.push(b'\n');
        }
        Self {
            bytes,
            offsets: Vec::new(),
        }
    }

    /// Begin object `id` (generation 0); the caller appends its body, then
    /// calls [`Update::end_object`].
    pub fn begin_object(&mut self, id: u32) {
        self.offsets.push((id, self.bytes.len()));
        self.bytes
            .extend_from_slice(format!("{id} 0 obj\n").as_bytes());
    }

    pub fn end_object(&mut self) {
        self.bytes.extend_from_slice(b"\nendobj\n");
    }

    /// Write a whole object.
    pub fn put(&mut self, id: u32, o: &Object) {
        self.begin_object(id);
        object(o, &mut self.bytes);
        self.end_object();
    }

    /// Finish with the cross-reference section and the trailer. `trailer`
    /// holds the keys carried over (`Root`, `Info`, `ID`); `prev` is the
    /// previous section's offset; `size` the highest object number + 1
    /// before this update; `stream_id` is `Some(id)` to write a
    /// cross-reference stream (object `id`) instead of a table.
    pub fn finish(
        mut self,
        trailer: &Dictionary,
        prev: usize,
        size: u32,
        stream_id: Option<u32>,
    ) -> Vec<u8> {
        let mut entries = self.offsets.clone();
        let xref_at = self.bytes.len();
        if let Some(sid) = stream_id {
            entries.push((sid, xref_at));
        }
        entries.sort_unstable();
        let new_size = entries
            .iter()
            .map(|(id, _)| id + 1)
            .max()
            .unwrap_or(size)
            .max(size);
        // Subsections of consecutive object numbers.
        let mut runs: Vec<(u32, Vec<usize>)> = Vec::new();
        for (id, off) in &entries {
            match runs.last_mut() {
                Some((start, offs)) if *start + offs.len() as u32 == *id => offs.push(*off),
                _ => runs.push((*id, vec![*off])),
            }
        }
        let mut t = Dictionary::new();
        for key in [&b"Root"[..], b"Info", b"ID"] {
            if let Ok(v) = trailer.get(key) {
                t.set(key.to_vec(), v.clone());
            }
        }
        t.set("Size", Object::Integer(i64::from(new_size)));
        t.set("Prev", Object::Integer(prev as i64));
        match stream_id {
            None => {
                let mut s = String::from("xref\n");
                for (start, offs) in &runs {
                    let _ = writeln!(s, "{start} {}", offs.len());
                    for off in offs {
                        let _ = write!(s, "{off:010} 00000 n\r\n");
                    }
                }
                self.bytes.extend_from_slice(s.as_bytes());
                self.bytes.extend_from_slice(b"trailer\n");
                dictionary(&t, &mut self.bytes);
                self.bytes.push(b'\n');
            }
            Some(sid) => {
                let mut data = Vec::new();
                let mut index = Vec::new();
                for (start, offs) in &runs {
                    index.push(Object::Integer(i64::from(*start)));
                    index.push(Object::Integer(offs.len() as i64));
                    for off in offs {
                        data.push(1u8);
                        data.extend_from_slice(&(*off as u32).to_be_bytes());
                        data.extend_from_slice(&[0, 0]);
                    }
                }
                t.set("Type", Object::Name(b"XRef".to_vec()));
                t.set("W", Object::Array(vec![1.into(), 4.into(), 2.into()]));
                t.set("Index", Object::Array(index));
                let stream = Object::Stream(lopdf::Stream::new(t, data));
                self.bytes
                    .extend_from_slice(format!("{sid} 0 obj\n").as_bytes());
                object(&stream, &mut self.bytes);
                self.bytes.extend_from_slice(b"\nendobj\n");
            }
        }
        self.bytes
            .extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
        self.bytes
    }
}

/// The offset the file's last `startxref` names.
pub fn last_startxref(pdf: &[u8]) -> Option<usize> {
    let tail_from = pdf.len().saturating_sub(2048);
    let tail = &pdf[tail_from..];
    let at = tail.windows(9).rposition(|w| w == b"startxref")?;
    let rest = std::str::from_utf8(&tail[at + 9..]).ok()?;
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_written_in_pdf_syntax() {
        let mut d = Dictionary::new();
        d.set("Type", Object::Name(b"Sig".to_vec()));
        d.set(
            "A b",
            Object::String(b"x(y)\\z\n\xC3".to_vec(), StringFormat::Literal),
        );
        d.set("R", Object::Reference((12, 0)));
        d.set("N", Object::Real(0.5));
        let mut out = Vec::new();
        dictionary(&d, &mut out);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "<< /Type /Sig /A#20b (x\\(y\\)\\\\z\\n\\303) /R 12 0 R /N 0.5 >>"
        );
        let mut out = Vec::new();
        object(&text_string("Đà"), &mut out);
        assert_eq!(out, b"<FEFF011000E0>");
    }

    #[test]
    fn startxref_is_found_at_the_end() {
        assert_eq!(
            last_startxref(b"%PDF-1.4\n...startxref\n1234\n%%EOF\n"),
            Some(1234)
        );
        assert_eq!(last_startxref(b"no pointer"), None);
    }
}
