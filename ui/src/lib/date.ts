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
