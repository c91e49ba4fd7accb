//! The Windows print spooler.
//!
//! Queues come from `EnumPrintersW` (this machine's printers and its
//! connections to shared ones), the default from `GetDefaultPrinterW`.
//! Windows has no PDF interpreter in its spooler for printers in general,
//! so a job is drawn: each page is rendered by the system's own PDF renderer
//! (`Windows.Data.Pdf`, Windows 10 and later) to a bitmap of at most 300 dpi
//! ([`crate::raster::fit`]), read back ([`crate::raster::Dib`]) and stretched
//! onto the printer's device context between `StartDocW` and `EndDoc`; the
//! spooler then holds the job under the caller's title. Nothing is written
//! to disk by the desk: the PDF and its pages stay in memory. A job whose
//! first page is wider than tall is printed landscape.
//!
//! The work runs on a thread of its own in the multithreaded apartment
//! (WinRT's blocking waits must not run on a UI thread).
//!
//! **Tested:** the arithmetic and the bitmap reader (`raster.rs`, on every
//! platform) and the queue choice (`lib.rs`); this file under Wine against
//! a private CUPS (`tests/spooler_wine.rs`, `scripts/check-windows.sh
//! --wine`): the queues and the default as the spooler lists them, and a job
//! refused whole when the PDF cannot be opened. Wine has no
//! `Windows.Data.Pdf`, so rendering and drawing the pages have not been run
//! by our tests; no CI machine runs Windows.

#![allow(unsafe_code)]

use windows::Data::Pdf::{PdfDocument, PdfPage, PdfPageRenderOptions};
use windows::Graphics::Imaging::BitmapEncoder;
use windows::Storage::Streams::{DataReader, DataWriter, InMemoryRandomAccessStream};
use windows::Win32::Foundation::{
    E_OUTOFMEMORY, ERROR_INSUFFICIENT_BUFFER, ERROR_INVALID_PRINTER_NAME,
};
use windows::Win32::Graphics::Gdi::{
    BI_RGB, BITMAPINFO, BITMAPINFOHEADER, CreateDCW, DEVMODEW, DIB_RGB_COLORS, DM_ORIENTATION,
    DM_OUT_BUFFER, DMORIENT_LANDSCAPE, DeleteDC, GetDeviceCaps, HDC, HORZRES, LOGPIXELSX,
    LOGPIXELSY, SRCCOPY, StretchDIBits, VERTRES,
};
use windows::Win32::Graphics::Printing::{
    ClosePrinter, DocumentPropertiesW, EnumPrintersW, GetDefaultPrinterW, OpenPrinterW,
    PRINTER_ENUM_CONNECTIONS, PRINTER_ENUM_LOCAL, PRINTER_HANDLE, PRINTER_INFO_4W,
};
use windows::Win32::Storage::Xps::{AbortDoc, DOCINFOW, EndDoc, EndPage, StartDocW, StartPage};
use windows::Win32::System::WinRT::{RO_INIT_MULTITHREADED, RoInitialize};
use windows::core::{HRESULT, HSTRING, PCWSTR, PWSTR, w};

use crate::raster::{Area, Dib, PageSize, fit};
use crate::{PrintError, Printer, Queue, Submitted};

/// `RPC_S_SERVER_UNAVAILABLE`: what the spooler's clients get when the
/// Print Spooler service is stopped.
const SPOOLER_DOWN: u32 = 1722;

/// The Windows print spooler.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spooler;

impl Printer for Spooler {
    fn queues(&self) -> Result<Vec<Queue>, PrintError> {
        let default = default_printer();
        Ok(crate::queue_list(printer_names()?, default.as_deref()))
    }

    fn print_pdf(
        &self,
        queue: Option<&str>,
        title: &str,
        pdf: &[u8],
    ) -> Result<Submitted, PrintError> {
        let queue = crate::choose_queue(&self.queues()?, queue)?;
        let (name, title, pdf) = (queue.clone(), title.to_owned(), pdf.to_vec());
        let job = std::thread::Builder::new()
            .name("bhxh-print".into())
            .spawn(move || print_on(&name, &title, &pdf))
            .map_err(|source| PrintError::Io {
                what: "luồng in".into(),
                source,
            })?
            .join()
            .map_err(|_| PrintError::Refused {
                detail: "luồng in dừng bất thường".into(),
            })??;
        Ok(Submitted {
            queue,
            job_id: job.to_string(),
        })
    }
}

/// A Windows error in words, with its code (the words can be empty).
fn describe(e: &windows::core::Error) -> String {
    let code = e.code().0 as u32;
    match e.message().trim() {
        "" => format!("mã lỗi 0x{code:08X}"),
        words => format!("{words} (0x{code:08X})"),
    }
}

fn is_win32(e: &windows::core::Error, code: u32) -> bool {
    e.code() == HRESULT::from_win32(code)
}

fn spooler_error(e: windows::core::Error) -> PrintError {
    if is_win32(&e, SPOOLER_DOWN) {
        PrintError::SpoolerNotRunning
    } else {
        PrintError::Refused {
            detail: describe(&e),
        }
    }
}

fn last_error(what: &str) -> PrintError {
    PrintError::Refused {
        detail: format!("{what}: {}", describe(&windows::core::Error::from_win32())),
    }
}

/// The names of the printers and printer connections.
fn printer_names() -> Result<Vec<String>, PrintError> {
    let flags = PRINTER_ENUM_LOCAL | PRINTER_ENUM_CONNECTIONS;
    let (mut needed, mut count) = (0u32, 0u32);
    // SAFETY: a size query: no buffer, and two valid out-pointers.
    let first = unsafe { EnumPrintersW(flags, PCWSTR::null(), 4, None, &mut needed, &mut count) };
    match first {
        Ok(()) => return Ok(Vec::new()),
        Err(e) if is_win32(&e, ERROR_INSUFFICIENT_BUFFER.0) => {}
        Err(e) => return Err(spooler_error(e)),
    }
    // u64s, so the PRINTER_INFO_4W records at its start are aligned.
    let mut buf = vec![0u64; (needed as usize).div_ceil(8)];
    // SAFETY: the byte view covers exactly the u64 buffer, which outlives it.
    let bytes =
        unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<u8>(), buf.len() * 8) };
    // SAFETY: the buffer is as large as the spooler asked for.
    unsafe {
        EnumPrintersW(
            flags,
            PCWSTR::null(),
            4,
            Some(bytes),
            &mut needed,
            &mut count,
        )
    }
    .map_err(spooler_error)?;
    let infos = buf.as_ptr().cast::<PRINTER_INFO_4W>();
    let mut names = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        // SAFETY: the spooler wrote `count` records at the start of the
        // (aligned) buffer; their strings point into the same buffer.
        let info = unsafe { infos.add(i).read() };
        if info.pPrinterName.is_null() {
            continue;
        }
        // SAFETY: a NUL-terminated string the spooler wrote into `buf`.
        if let Ok(name) = unsafe { info.pPrinterName.to_string() } {
            names.push(name);
        }
    }
    Ok(names)
}

/// The default printer's name, if there is one.
fn default_printer() -> Option<String> {
    let mut len = 0u32;
    // SAFETY: a size query with a valid out-pointer.
    let _ = unsafe { GetDefaultPrinterW(None, &mut len) };
    if len == 0 {
        return None;
    }
    let mut buf = vec![0u16; len as usize];
    // SAFETY: `buf` holds `len` UTF-16 units, as the spooler asked.
    let ok = unsafe { GetDefaultPrinterW(Some(PWSTR(buf.as_mut_ptr())), &mut len) };
    if !ok.as_bool() {
        return None;
    }
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf16(&buf[..end]).ok()
}

/// A printer's device context, deleted when dropped.
struct PrinterDc(HDC);

impl Drop for PrinterDc {
    fn drop(&mut self) {
        // SAFETY: a DC this process created and nothing else holds.
        let _ = unsafe { DeleteDC(self.0) };
    }
}

impl PrinterDc {
    fn open(queue: &str, landscape: bool) -> Result<PrinterDc, PrintError> {
        let name = HSTRING::from(queue);
        let devmode = if landscape {
            landscape_devmode(&name)
        } else {
            None
        };
        let dm = devmode.as_ref().map(|b| b.as_ptr().cast::<DEVMODEW>());
        // SAFETY: `name` outlives the call; `dm`, when given, points at a
        // DEVMODEW the printer's driver filled in (with its private part).
        let dc = unsafe { CreateDCW(w!("WINSPOOL"), &name, PCWSTR::null(), dm) };
        if dc.is_invalid() {
            let e = windows::core::Error::from_win32();
            return Err(if is_win32(&e, ERROR_INVALID_PRINTER_NAME.0) {
                PrintError::UnknownQueue {
                    queue: queue.to_owned(),
                }
            } else {
                spooler_error(e)
            });
        }
        Ok(PrinterDc(dc))
    }

    fn area(&self) -> Area {
        // SAFETY: a valid printer DC.
        let cap = |i| unsafe { GetDeviceCaps(Some(self.0), i) };
        Area {
            width: cap(HORZRES),
            height: cap(VERTRES),
            dpi_x: cap(LOGPIXELSX),
            dpi_y: cap(LOGPIXELSY),
        }
    }
}

/// The driver's current settings of an open printer (a DEVMODEW and its
/// private part, in a buffer aligned for it).
fn driver_devmode(printer: PRINTER_HANDLE, name: &HSTRING) -> Option<Vec<u64>> {
    // SAFETY: a size query on an open printer.
    let size = unsafe { DocumentPropertiesW(None, printer, name, None, None, 0) };
    let size = usize::try_from(size).ok().filter(|&n| n > 0)?;
    let mut buf = vec![0u64; size.div_ceil(8)];
    // SAFETY: `buf` holds at least `size` bytes, aligned for DEVMODEW.
    let filled = unsafe {
        DocumentPropertiesW(
            None,
            printer,
            name,
            Some(buf.as_mut_ptr().cast::<DEVMODEW>()),
            None,
            DM_OUT_BUFFER.0,
        )
    };
    (filled >= 0).then_some(buf)
}

/// The printer's own settings turned to landscape, or `None` (the job then
/// prints portrait, each page shrunk to fit) when the driver will not say.
fn landscape_devmode(name: &HSTRING) -> Option<Vec<u64>> {
    let mut printer = PRINTER_HANDLE::default();
    // SAFETY: `name` outlives the call; `printer` is a valid out-pointer.
    unsafe { OpenPrinterW(name, &mut printer, None) }.ok()?;
    let filled = driver_devmode(printer, name);
    // SAFETY: the handle OpenPrinterW gave, closed once whatever happened.
    let _ = unsafe { ClosePrinter(printer) };
    let mut buf = filled?;
    let dm = buf.as_mut_ptr().cast::<DEVMODEW>();
    // SAFETY: the driver filled a DEVMODEW at the start of `buf`; the
    // orientation lives in the first variant of its union, for printers.
    unsafe {
        (*dm).Anonymous1.Anonymous1.dmOrientation = DMORIENT_LANDSCAPE as i16;
        (*dm).dmFields |= DM_ORIENTATION;
    }
    Some(buf)
}

fn winrt(what: &str) -> impl Fn(windows::core::Error) -> PrintError + '_ {
    move |e| PrintError::Refused {
        detail: format!("{what}: {}", describe(&e)),
    }
}

/// The PDF, opened by the system's renderer from memory.
fn open_pdf(pdf: &[u8]) -> Result<PdfDocument, PrintError> {
    let load = || -> windows::core::Result<PdfDocument> {
        let stream = InMemoryRandomAccessStream::new()?;
        let writer = DataWriter::CreateDataWriter(&stream)?;
        writer.WriteBytes(pdf)?;
        writer.StoreAsync()?.get()?;
        writer.FlushAsync()?.get()?;
        writer.DetachStream()?;
        stream.Seek(0)?;
        PdfDocument::LoadFromStreamAsync(&stream)?.get()
    };
    load().map_err(|e| PrintError::Render {
        page: 0,
        detail: format!("Windows không mở được PDF ({})", describe(&e)),
    })
}

/// A page rendered as a BMP of `width` × `height` pixels.
fn render(page: &PdfPage, width: u32, height: u32) -> windows::core::Result<Vec<u8>> {
    let options = PdfPageRenderOptions::new()?;
    options.SetDestinationWidth(width)?;
    options.SetDestinationHeight(height)?;
    options.SetBitmapEncoderId(BitmapEncoder::BmpEncoderId()?)?;
    let out = InMemoryRandomAccessStream::new()?;
    page.RenderWithOptionsToStreamAsync(&out, &options)?.get()?;
    let size = u32::try_from(out.Size()?).map_err(|_| windows::core::Error::from(E_OUTOFMEMORY))?;
    let reader = DataReader::CreateDataReader(&out.GetInputStreamAt(0)?)?;
    reader.LoadAsync(size)?.get()?;
    let mut bytes = vec![0u8; size as usize];
    reader.ReadBytes(&mut bytes)?;
    Ok(bytes)
}

fn page_size(page: &PdfPage) -> windows::core::Result<PageSize> {
    let size = page.Size()?;
    Ok(PageSize {
        width: f64::from(size.Width),
        height: f64::from(size.Height),
    })
}

/// Draw page `index` on the open document of `dc`.
fn print_page(doc: &PdfDocument, index: u32, dc: &PrinterDc, area: Area) -> Result<(), PrintError> {
    let number = index + 1;
    let render_error = |detail: String| PrintError::Render {
        page: number,
        detail,
    };
    let page = doc.GetPage(index).map_err(|e| render_error(describe(&e)))?;
    let size = page_size(&page).map_err(|e| render_error(describe(&e)))?;
    let place = fit(size, area).ok_or_else(|| render_error("trang không có kích thước".into()))?;
    let bmp = render(&page, place.bitmap_width, place.bitmap_height)
        .map_err(|e| render_error(describe(&e)))?;
    let dib = Dib::parse(&bmp).map_err(|e| render_error(e.to_string()))?;
    let info = BITMAPINFO {
        bmiHeader: BITMAPINFOHEADER {
            biSize: std::mem::size_of::<BITMAPINFOHEADER>() as u32,
            biWidth: dib.width,
            biHeight: dib.height,
            biPlanes: 1,
            biBitCount: dib.bits_per_pixel,
            biCompression: BI_RGB.0,
            ..Default::default()
        },
        ..Default::default()
    };
    // SAFETY: an open document on a valid DC.
    if unsafe { StartPage(dc.0) } <= 0 {
        return Err(last_error("StartPage"));
    }
    // SAFETY: `dib.pixels` holds every row `info` describes (checked by
    // `Dib::parse`) and outlives the call.
    let lines = unsafe {
        StretchDIBits(
            dc.0,
            place.x,
            place.y,
            place.width,
            place.height,
            0,
            0,
            dib.width,
            dib.height.abs(),
            Some(dib.pixels.as_ptr().cast()),
            &info,
            DIB_RGB_COLORS,
            SRCCOPY,
        )
    };
    if lines == 0 {
        return Err(last_error("StretchDIBits"));
    }
    // SAFETY: the page StartPage opened.
    if unsafe { EndPage(dc.0) } <= 0 {
        return Err(last_error("EndPage"));
    }
    Ok(())
}

/// The whole job, on the calling (MTA) thread; its spooler job id.
fn print_on(queue: &str, title: &str, pdf: &[u8]) -> Result<i32, PrintError> {
    // S_FALSE (already initialised) is fine too; a thread of our own is
    // never in a single-threaded apartment.
    // SAFETY: initialises WinRT for this thread only.
    let _ = unsafe { RoInitialize(RO_INIT_MULTITHREADED) };
    let doc = open_pdf(pdf)?;
    let pages = doc.PageCount().map_err(winrt("PdfDocument.PageCount"))?;
    if pages == 0 {
        return Err(PrintError::Render {
            page: 0,
            detail: "PDF không có trang nào".into(),
        });
    }
    let first = doc
        .GetPage(0)
        .and_then(|p| page_size(&p))
        .map_err(winrt("PdfPage.Size"))?;
    let dc = PrinterDc::open(queue, first.width > first.height)?;
    let area = dc.area();
    let name = HSTRING::from(title);
    let info = DOCINFOW {
        cbSize: std::mem::size_of::<DOCINFOW>() as i32,
        lpszDocName: PCWSTR(name.as_ptr()),
        ..Default::default()
    };
    // SAFETY: `info` and the title it points at outlive the call.
    let job = unsafe { StartDocW(dc.0, &info) };
    if job <= 0 {
        return Err(last_error("StartDoc"));
    }
    for index in 0..pages {
        if let Err(e) = print_page(&doc, index, &dc, area) {
            // SAFETY: the document StartDocW opened; nothing is printed.
            let _ = unsafe { AbortDoc(dc.0) };
            return Err(e);
        }
    }
    // SAFETY: the document StartDocW opened.
    if unsafe { EndDoc(dc.0) } <= 0 {
        return Err(last_error("EndDoc"));
    }
    Ok(job)
}
