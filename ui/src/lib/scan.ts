/**
 * What a barcode scanner typed, wherever the cursor was. A scanner types a
 * QR code's text and Enter; the desk knows two kinds:
 *
 * - the QR on the front of a CCCD: `12-digit ID|former ID|name|ddmmyyyy|sex|address|ddmmyyyy`;
 * - the QR of a paper this desk printed (receipt, cover sheet): `BHXHDESK|…`.
 *
 * `scanIn` finds such a text inside what a box holds (the officer may have
 * typed something before the scan landed there) and gives the box's text
 * without it, so a scan into the wrong box never stays there and its Enter
 * never submits a half-filled form: the caller sends the scan to the find
 * flow instead (the desk checks it; this only recognises its shape).
 */

export type ScanKind = 'card' | 'paper';

export type Scan = {
  kind: ScanKind;
  /** The scanned text. */
  text: string;
  /** What the box held apart from the scan. */
  rest: string;
};

// The seven fields of a CCCD front QR (the former ID may be empty; the
// issue date may be missing on some cards, so six or seven fields).
const CARD = /\d{12}\|\d{0,9}\|[^|\r\n]+\|\d{8}\|[^|\r\n]*\|[^|\r\n]*(?:\|\d{8})?/u;
// A paper of ours: the magic, its version, and the fields up to the MAC.
const PAPER = /BHXHDESK\|\d+\|[^\r\n]*/u;

/** The scan inside `value`, if there is one. */
export function scanIn(value: string): Scan | null {
  for (const [kind, re] of [
    ['paper', PAPER],
    ['card', CARD],
  ] as const) {
    const m = re.exec(value);
    if (m) {
      const text = m[0];
      const rest = (value.slice(0, m.index) + value.slice(m.index + text.length)).trim();
      return { kind, text, rest };
    }
  }
  return null;
}

/** Whether a key event comes from a box where text is typed. */
export function isTextBox(target: EventTarget | null): target is HTMLInputElement | HTMLTextAreaElement {
  if (typeof HTMLTextAreaElement !== 'undefined' && target instanceof HTMLTextAreaElement) return true;
  if (typeof HTMLInputElement === 'undefined' || !(target instanceof HTMLInputElement)) return false;
  return ['text', 'search', 'tel', 'email', 'url', 'password', ''].includes(target.type);
}
