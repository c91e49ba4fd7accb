//! The face image of DG2, made showable: the window's web view (WebKitGTK on Linux) shows JPEG
//! but not JPEG 2000, which ICAO 9303 also allows in DG2. A JPEG is handed on as stored; a
//! JPEG 2000 image (JP2 file or bare codestream) is decoded here, in pure Rust
//! (`hayro-jpeg2000`, no unsafe code), and re-encoded as PNG.
//!
//! For display only: the photo is never stored, and the verdict is computed over DG2 as read
//! from the chip, never over this re-encoding. The decoder meets bytes from the card, so
//! nothing here may panic or run away: the declared size is checked before decoding
//! ([`MAX_SIDE`], [`MAX_PIXELS`]), and a panic inside the decoder is caught and reported as a
//! broken image ([`PhotoError::DecoderPanicked`]).

use crate::lds::dg2::{FaceImage, ImageType};
use thiserror::Error;

/// The largest width or height decoded (ICAO faces are a few hundred pixels).
pub const MAX_SIDE: u32 = 4096;
/// The most pixels decoded.
pub const MAX_PIXELS: u64 = 4 * 1024 * 1024;

/// A face image a web view can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayImage {
    /// `image/jpeg` or `image/png`.
    pub mime: &'static str,
    /// The image file.
    pub bytes: Vec<u8>,
    /// Whether it was decoded and re-encoded (JPEG 2000 → PNG) rather than handed on.
    pub converted: bool,
}

/// Why a face image cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhotoError {
    /// The JPEG 2000 data does not decode.
    #[error("JPEG 2000: {0}")]
    Decode(String),
    /// The image declares a size beyond [`MAX_SIDE`] / [`MAX_PIXELS`].
    #[error("JPEG 2000: {width} x {height} pixels is too large to decode for display")]
    TooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// A colour space this module does not turn into RGB.
    #[error("JPEG 2000: colour space with {0} channels is not supported")]
    UnsupportedColour(u8),
    /// The decoder panicked on this input (caught): a broken image.
    #[error("JPEG 2000: the decoder failed on this image ({0})")]
    DecoderPanicked(String),
    /// The PNG could not be written.
    #[error("PNG: {0}")]
    Encode(String),
}

impl PhotoError {
    /// What the counter officer reads instead of the photo.
    pub fn message_vi(&self) -> String {
        match self {
            Self::TooLarge { width, height } => format!(
                "Không hiển thị được ảnh chân dung: ảnh JPEG 2000 trên chip khai báo kích thước {width} × {height} điểm ảnh, quá lớn."
            ),
            Self::UnsupportedColour(_) => "Không hiển thị được ảnh chân dung: hệ màu của ảnh JPEG 2000 trên chip chưa được hỗ trợ.".into(),
            Self::Decode(_) | Self::DecoderPanicked(_) | Self::Encode(_) => {
                "Không hiển thị được ảnh chân dung: ảnh JPEG 2000 trên chip bị hỏng hoặc không đọc được.".into()
            }
        }
    }
}

/// The face as a web view can show it: JPEG as stored, JPEG 2000 as PNG.
pub fn display_image(face: &FaceImage) -> Result<DisplayImage, PhotoError> {
    match face.image_type {
        ImageType::Jpeg => Ok(DisplayImage {
            mime: "image/jpeg",
            bytes: face.data.clone(),
            converted: false,
        }),
        ImageType::Jpeg2000 => Ok(DisplayImage {
            mime: "image/png",
            bytes: jpeg2000_to_png(&face.data)?,
            converted: true,
        }),
    }
}

/// Decodes a JPEG 2000 image (JP2 file or codestream) and encodes it as an 8-bit PNG (grey or
/// RGB, with alpha when the image has it).
pub fn jpeg2000_to_png(data: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let (pixels, width, height, colour) = match std::panic::catch_unwind(|| decode_jpeg2000(data)) {
        Ok(r) => r?,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            return Err(PhotoError::DecoderPanicked(what));
        }
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    let encode = |e: png::EncodingError| PhotoError::Encode(e.to_string());
    let mut writer = encoder.write_header().map_err(encode)?;
    writer.write_image_data(&pixels).map_err(encode)?;
    writer.finish().map_err(encode)?;
    Ok(out)
}

/// Decodes to 8-bit samples: (pixels, width, height, PNG colour type).
fn decode_jpeg2000(data: &[u8]) -> Result<(Vec<u8>, u32, u32, png::ColorType), PhotoError> {
    use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};
    let decode = |e: hayro_jpeg2000::DecodeError| PhotoError::Decode(e.to_string());
    let image = Image::new(data, &DecodeSettings::default()).map_err(decode)?;
    let (width, height) = (image.width(), image.height());
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(PhotoError::TooLarge { width, height });
    }
    let alpha = image.has_alpha();
    let channels = image.color_space().num_channels();
    let cmyk = match image.color_space() {
        ColorSpace::CMYK => true,
        ColorSpace::Icc { num_channels, .. } | ColorSpace::Unknown { num_channels } => {
            *num_channels == 4
        }
        ColorSpace::Gray | ColorSpace::RGB => false,
    };
    if !matches!(channels, 1 | 3 | 4) || (channels == 4 && !cmyk) {
        return Err(PhotoError::UnsupportedColour(channels));
    }
    let mut context = DecoderContext::default();
    let decoded = image.decode(&mut context).map_err(decode)?;
    let samples = decoded.data_u8();
    let per_pixel = usize::from(channels) + usize::from(alpha);
    let pixels = usize::try_from(u64::from(width) * u64::from(height))
        .map_err(|_| PhotoError::TooLarge { width, height })?;
    if samples.len() != pixels * per_pixel {
        return Err(PhotoError::Decode(format!(
            "{} samples for {width} x {height} pixels of {per_pixel} channels",
            samples.len()
        )));
    }
    let colour = match (channels, alpha) {
        (1, false) => png::ColorType::Grayscale,
        (1, true) => png::ColorType::GrayscaleAlpha,
        (_, false) => png::ColorType::Rgb,
        (_, true) => png::ColorType::Rgba,
    };
    if !cmyk {
        return Ok((samples, width, height, colour));
    }
    // CMYK (rare in a face image): a plain conversion, for display.
    let out_per_pixel = 3 + usize::from(alpha);
    let mut rgb = Vec::with_capacity(pixels * out_per_pixel);
    for px in samples.chunks_exact(per_pixel) {
        if let [c, m, y, k, rest @ ..] = px {
            let ink = |v: u8| {
                let v = u16::from(255 - v) * u16::from(255 - *k) / 255;
                u8::try_from(v).unwrap_or(u8::MAX)
            };
            rgb.extend_from_slice(&[ink(*c), ink(*m), ink(*y)]);
            rgb.extend_from_slice(rest);
        }
    }
    Ok((rgb, width, height, colour))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixtures::{jp2_face, testdata};

    /// The pixels of the test pattern (`testdata/jp2/make.py`).
    fn pattern() -> Vec<u8> {
        let mut v = Vec::new();
        for y in 0..64u32 {
            for x in 0..48u32 {
                for c in [5 * x, 4 * y, 3 * (x + y)] {
                    v.push(u8::try_from(c % 256).unwrap());
                }
            }
        }
        v
    }

    fn decode_png(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn a_jp2_face_becomes_a_png_with_the_same_pixels() {
        for (name, bytes) in [
            ("face.jp2", jp2_face()),
            ("face.j2k", std::fs::read(testdata("jp2/face.j2k")).unwrap()),
        ] {
            let png = jpeg2000_to_png(&bytes).unwrap();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}");
            let (info, pixels) = decode_png(&png);
            assert_eq!((info.width, info.height), (48, 64), "{name}");
            assert_eq!(info.color_type, png::ColorType::Rgb, "{name}");
            // Lossless: exactly the pattern that was encoded.
            assert_eq!(pixels, pattern(), "{name}");
        }
    }

    #[test]
    fn a_dg2_face_is_shown_as_jpeg_or_png() {
        use crate::lds::dg2::parse_dg2;
        use crate::testing::samples::sample_dg2;
        let dg2 = parse_dg2(&sample_dg2(&jp2_face(), 1)).unwrap();
        let shown = display_image(&dg2.faces[0]).unwrap();
        assert_eq!((shown.mime, shown.converted), ("image/png", true));
        let jpeg = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\xFF\xD9";
        let dg2 = parse_dg2(&sample_dg2(jpeg, 0)).unwrap();
        let shown = display_image(&dg2.faces[0]).unwrap();
        assert_eq!(shown.mime, "image/jpeg");
        assert_eq!(shown.bytes, jpeg);
        assert!(!shown.converted);
    }

    #[test]
    fn broken_jpeg_2000_is_an_error_with_a_message_never_a_panic() {
        let good = jp2_face();
        let j2k = std::fs::read(testdata("jp2/face.j2k")).unwrap();
        let mut inputs: Vec<Vec<u8>> = vec![
            vec![],
            b"\x00\x00\x00\x0CjP  \r\n\x87\n".to_vec(),
            b"\xFF\x4F\xFF\x51".to_vec(),
            good[..good.len() / 2].to_vec(),
            j2k[..40].to_vec(),
        ];
        // Every other byte of both files flipped in turn, and truncations.
        for src in [&good, &j2k] {
            for i in (0..src.len()).step_by(2) {
                let mut b = src.clone();
                b[i] ^= 0xA5;
                inputs.push(b);
            }
            for len in (0..src.len()).step_by(13) {
                inputs.push(src[..len].to_vec());
            }
        }
        let mut failures = 0;
        for input in &inputs {
            if let Err(e) = jpeg2000_to_png(input) {
                failures += 1;
                assert!(!e.to_string().is_empty());
                assert!(
                    e.message_vi()
                        .starts_with("Không hiển thị được ảnh chân dung"),
                    "{e}"
                );
            }
        }
        assert!(failures > 0);
        let e = jpeg2000_to_png(&good[..20]).unwrap_err();
        assert_eq!(
            e.message_vi(),
            "Không hiển thị được ảnh chân dung: ảnh JPEG 2000 trên chip bị hỏng hoặc không đọc được."
        );
    }

    #[test]
    fn a_huge_declared_size_is_refused_before_decoding() {
        // SIZ of the codestream: Xsiz and Ysiz (after FF4F FF51, Lsiz, Rsiz) set to 60000.
        let mut j2k = std::fs::read(testdata("jp2/face.j2k")).unwrap();
        j2k[8..12].copy_from_slice(&60_000u32.to_be_bytes());
        j2k[12..16].copy_from_slice(&60_000u32.to_be_bytes());
        match jpeg2000_to_png(&j2k) {
            Err(PhotoError::TooLarge { width, height }) => {
                assert_eq!((width, height), (60_000, 60_000));
            }
            // The decoder may refuse the inconsistent header itself.
            Err(PhotoError::Decode(_)) => {}
            other => panic!("{other:?}"),
        }
    }
}
