const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Parse an ISO date ("2024-01-31") or timestamp (RFC 3339). Date-only values are local dates. */
export function parseIso(value: string | null | undefined): Date | null {
  if (!value) return null;
  const m = DATE_ONLY.exec(value.trim());
  if (m) {
    const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    // Reject overflow such as 2024-02-31.
    if (d.getMonth() !== Number(m[2]) - 1) return null;
    return d;
  }
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** dd/mm/yyyy, local time. Unparseable input is returned unchanged; null/empty → "". */
export function formatDate(value: string | Date | null | undefined): string {
  if (value == null || value === '') return '';
  const d = value instanceof Date ? value : parseIso(value);
  if (!d) return typeof value === 'string' ? value : '';
  return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`;
}

/** dd/mm/yyyy HH:MM (24 h), local time; with seconds when asked. */
export function formatDateTime(
  value: string | Date | null | undefined,
  withSeconds = false,
): string {
  if (value == null || value === '') return '';
  const d = value instanceof Date ? value : parseIso(value);
  if (!d) return typeof value === 'string' ? value : '';
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${withSeconds ? `:${pad(d.getSeconds())}` : ''}`;
  return `${formatDate(d)} ${time}`;
}

/** Today's local date as "yyyy-mm-dd". */
export function todayIso(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * What is typed into a date box, shaped as dd/mm/yyyy while typing: digits
 * only, the slashes added after the day and the month (so "07031985"
 * becomes "07/03/1985"), at most eight digits. Never the OS locale's order.
 */
export function shapeDateInput(raw: string): string {
  // Typed slashes are kept as separators: "7/3/1985" → "07/03/1985".
  const parts = raw.split('/');
  if (parts.length === 3 && parts.every((p) => /^\d+$/.test(p)) && parts[2].length === 4) {
    return `${parts[0].padStart(2, '0').slice(-2)}/${parts[1].padStart(2, '0').slice(-2)}/${parts[2]}`;
  }
  const digits = raw.replace(/\D/g, '').slice(0, 8);
  if (digits.length <= 2) return digits;
  if (digits.length <= 4) return `${digits.slice(0, 2)}/${digits.slice(2)}`;
  return `${digits.slice(0, 2)}/${digits.slice(2, 4)}/${digits.slice(4)}`;
}

/** Why a typed date is not one. */
export type DateProblem = 'empty' | 'incomplete' | 'impossible' | 'future';

/**
 * A date typed dd/mm/yyyy (or eight digits) as ISO "yyyy-mm-dd", or why it
 * is not a date: incomplete, impossible (31/02, month 13), or in the future
 * when `notAfter` (ISO) is given and it lies after it.
 */
export function parseTypedDate(text: string, notAfter?: string): { iso: string } | { problem: DateProblem } {
  const shaped = shapeDateInput(text.trim());
  if (shaped === '') return { problem: 'empty' };
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(shaped);
  if (!m) return { problem: 'incomplete' };
  const iso = `${m[3]}-${m[2]}-${m[1]}`;
  const d = parseIso(iso);
  if (!d || Number(m[3]) < 1900) return { problem: 'impossible' };
  if (notAfter && iso > notAfter) return { problem: 'future' };
  return { iso };
}
