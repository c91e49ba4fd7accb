/**
 * A paper's PDF drawn on canvases for the print preview, by PDF.js (Mozilla's
 * renderer, `pdfjs-dist`), loaded only when a preview is opened so the
 * window does not carry it otherwise. Run within the window's CSP: no eval
 * (`isEvalSupported: false`), glyphs drawn as paths rather than loaded as
 * web fonts (`disableFontFace`), the worker from the app's own files.
 */
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

/** The PDF's bytes from base64. */
export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * Draw every page of `pdf` into `into` (emptied first), `width` CSS pixels
 * wide each, sharp on high-density screens; returns the number of pages.
 * `cancelled` is asked between pages (the dialog may close meanwhile).
 */
export async function drawPdf(
  pdf: Uint8Array,
  into: HTMLElement,
  width: number,
  cancelled: () => boolean = () => false,
): Promise<number> {
  const pdfjs = await import('pdfjs-dist');
  pdfjs.GlobalWorkerOptions.workerSrc = workerUrl;
  const doc = await pdfjs.getDocument({ data: pdf, isEvalSupported: false, disableFontFace: true }).promise;
  try {
    into.replaceChildren();
    const ratio = globalThis.devicePixelRatio || 1;
    for (let n = 1; n <= doc.numPages; n++) {
      if (cancelled()) break;
      const page = await doc.getPage(n);
      const base = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: (width / base.width) * ratio });
      const canvas = document.createElement('canvas');
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.style.width = `${width}px`;
      canvas.dataset.page = String(n);
      const context = canvas.getContext('2d');
      if (!context) throw new Error('canvas 2d');
      into.append(canvas);
      await page.render({ canvasContext: context, viewport }).promise;
      canvas.dataset.drawn = 'yes';
    }
    return doc.numPages;
  } finally {
    await doc.destroy();
  }
}
