//! The bitmap the print renderer hands back and the page placement of the
//! Windows spooler (`bhxh_print::raster`): any bytes are read or refused,
//! any sizes placed or refused, never a panic, and a read bitmap's rows are
//! all inside the bytes.
#![no_main]

use bhxh_print::raster::{Area, Dib, PageSize, fit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(dib) = Dib::parse(data) {
        let stride = (u64::from(dib.width as u32) * u64::from(dib.bits_per_pixel)).div_ceil(32) * 4;
        assert_eq!(dib.pixels.len() as u64, stride * u64::from(dib.height.unsigned_abs()));
    }
    if data.len() >= 32 {
        let f = |i: usize| f64::from_le_bytes(data[i..i + 8].try_into().unwrap_or_default());
        let i = |k: usize| i32::from_le_bytes(data[k..k + 4].try_into().unwrap_or_default());
        let area = Area {
            width: i(16),
            height: i(20),
            dpi_x: i(24),
            dpi_y: i(28),
        };
        if let Some(p) = fit(PageSize { width: f(0), height: f(8) }, area) {
            assert!(p.x >= 0 && p.y >= 0 && p.width >= 1 && p.height >= 1);
            assert!(p.x + p.width <= area.width && p.y + p.height <= area.height);
            assert!(p.bitmap_width >= 1 && p.bitmap_width <= p.width as u32);
            assert!(p.bitmap_height >= 1 && p.bitmap_height <= p.height as u32);
        }
    }
});
