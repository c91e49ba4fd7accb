/**
 * The chip reader at the counter: the pure logic of the CCCD screen (the
 * access data form, the progress steps, the verdict's tone) and the
 * progress of a read (`events.cardProgressEvent`). The commands themselves
 * are `api.cardReaders`, `api.cardQrAccess` and `api.cardRead`.
 */
import { events, subscribe, type AccessData, type CardPerson, type CardProgress, type CardRead, type CheckLine } from './api';
import { tOr, type Lang, type MessageKey } from './i18n';

/** Follow the steps of a read (payloads tagged by `step`) until the returned function is called. */
export function onCardProgress(handler: (p: CardProgress) => void): () => void {
  return subscribe(events.cardProgressEvent, handler);
}

// ---- The access data form -----------------------------------------------------

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1900 || y > 2199) return false;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= last;
}

/**
 * A date as the officer types it, day first as printed on the card:
 * "05/01/1993", "05-01-1993", "05.01.1993", "05011993"; or ISO "1993-01-05".
 * Returns YYYY-MM-DD, or null when it is not a whole, real date.
 */
export function parseCardDate(text: string): string | null {
  const s = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return validDate(y, mo, d) ? `${y}-${pad(mo)}-${pad(d)}` : null;
  }
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s) ?? /^(\d{2})(\d{2})(\d{4})$/.exec(s);
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validDate(y, mo, d) ? `${y}-${pad(mo)}-${pad(d)}` : null;
}

/** YYYY-MM-DD → dd/mm/yyyy (for filling the form from the QR code). */
export function displayDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

export type AccessForm = { idNumber: string; birthDate: string; expiryDate: string };
export type AccessField = keyof AccessForm;

/** The typed access data, or the fields still missing or wrong (with their message keys). */
export function accessFromForm(
  form: AccessForm,
): { ok: true; access: AccessData } | { ok: false; errors: Partial<Record<AccessField, MessageKey>> } {
  const errors: Partial<Record<AccessField, MessageKey>> = {};
  const id = form.idNumber.replace(/\s+/g, '');
  if (!/^\d{12}$/.test(id)) errors.idNumber = 'cccd.err.id';
  const birth = parseCardDate(form.birthDate);
  if (!birth) errors.birthDate = 'cccd.err.date';
  const expiry = parseCardDate(form.expiryDate);
  if (!expiry) errors.expiryDate = 'cccd.err.date';
  if (birth && expiry && expiry <= birth) errors.expiryDate = 'cccd.err.expiryBeforeBirth';
  if (Object.keys(errors).length > 0 || !birth || !expiry) return { ok: false, errors };
  return { ok: true, access: { kind: 'typed', idNumber: id, birthDate: birth, expiryDate: expiry } };
}

/**
 * What makes a read "the same read": the reader and the access data. The
 * screen reads automatically once per card put down; it does not read the
 * same card again with the same data until the card is taken away.
 */
export function readKey(reader: string, access: AccessData): string {
  return `${reader}\u0000${JSON.stringify(access)}`;
}

// ---- Progress -------------------------------------------------------------------

export type FileStep = { file: string; read: number; total: number | null; done: boolean };

export type ReadSteps = {
  phase: 'idle' | 'connecting' | 'reading' | 'recording' | 'done' | 'failed';
  files: FileStep[];
};

export const NO_STEPS: ReadSteps = { phase: 'idle', files: [] };

/** Fold one progress event into the steps shown on screen. */
export function applyProgress(steps: ReadSteps, p: CardProgress): ReadSteps {
  switch (p.step) {
    case 'connecting':
      return { phase: 'connecting', files: [] };
    case 'recording':
      return { phase: 'recording', files: steps.files.map((f) => ({ ...f, done: true })) };
    case 'file': {
      const done = p.total !== null && p.read >= p.total;
      const files = steps.files.map((f) => (f.file === p.file ? f : { ...f, done: true }));
      const at = files.findIndex((f) => f.file === p.file);
      const step: FileStep = { file: p.file, read: p.read, total: p.total, done };
      if (at >= 0) files[at] = step;
      else files.push(step);
      return { phase: 'reading', files };
    }
  }
}

/** Percentage of a file read, when its size is known. */
export function filePercent(f: FileStep): number | null {
  if (f.total === null || f.total <= 0) return f.done ? 100 : null;
  return Math.min(100, Math.round((f.read / f.total) * 100));
}

// ---- The verdict ------------------------------------------------------------------

export type Tone = 'good' | 'warn' | 'bad';

/** Green only for a genuine card; red when the data was altered or the chip is a copy; amber otherwise. */
export function verdictTone(kind: string): Tone {
  if (kind === 'Genuine') return 'good';
  if (kind === 'DataAltered' || kind === 'ChipNotGenuine') return 'bad';
  return 'warn';
}

/** How current the trust store was for this read, in the UI's language. */
export function trustLine(
  r: Pick<CardRead, 'trustStatusVi' | 'trustUpdated' | 'trustNextUpdate' | 'trustStale' | 'trustCrls'>,
  lang: Lang,
): string {
  if (lang === 'vi') return r.trustStatusVi;
  const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');
  if (r.trustCrls === 0) return 'No certificate revocation list is installed: revoked document signers cannot be detected.';
  const base = `Trust store updated ${day(r.trustUpdated)}; next update due ${day(r.trustNextUpdate)}.`;
  return r.trustStale ? `${base} It is out of date: install the current revocation lists.` : base;
}

/** The mark shown before each technical check. */
export function checkMark(status: string): string {
  switch (status) {
    case 'passed':
      return '✓';
    case 'failed':
      return '✗';
    case 'unverifiable':
      return '?';
    default:
      return '–';
  }
}

/**
 * One check as the details table shows it: the Vietnamese UI reads the
 * desk's Vietnamese status and finding, with the English technical line
 * under it; the English UI reads the technical line itself.
 */
export function checkTexts(c: CheckLine, lang: Lang): { status: string; detail: string; technical: string | null } {
  if (lang === 'vi') {
    const detail = c.detailVi.trim() !== '' ? c.detailVi : c.detail;
    return { status: c.statusLabel, detail, technical: c.detail !== '' && c.detail !== detail ? c.detail : null };
  }
  return { status: tOr(`cccd.checkStatus.${c.status}`, c.statusLabel), detail: c.detail, technical: null };
}

/** The DG13 fields shown, in the card's order, with their labels; empty ones left out. */
export const PERSON_FIELDS: readonly { key: keyof CardPerson; label: MessageKey }[] = [
  { key: 'idNumber', label: 'cccd.f.idNumber' },
  { key: 'fullName', label: 'cccd.f.fullName' },
  { key: 'dateOfBirth', label: 'cccd.f.dateOfBirth' },
  { key: 'sex', label: 'cccd.f.sex' },
  { key: 'nationality', label: 'cccd.f.nationality' },
  { key: 'ethnicity', label: 'cccd.f.ethnicity' },
  { key: 'religion', label: 'cccd.f.religion' },
  { key: 'placeOfOrigin', label: 'cccd.f.placeOfOrigin' },
  { key: 'placeOfResidence', label: 'cccd.f.placeOfResidence' },
  { key: 'identifyingMarks', label: 'cccd.f.identifyingMarks' },
  { key: 'issueDate', label: 'cccd.f.issueDate' },
  { key: 'expiryDate', label: 'cccd.f.expiryDate' },
  { key: 'fatherName', label: 'cccd.f.fatherName' },
  { key: 'motherName', label: 'cccd.f.motherName' },
  { key: 'spouseName', label: 'cccd.f.spouseName' },
  { key: 'oldIdNumber', label: 'cccd.f.oldIdNumber' },
];

export function personLines(p: CardPerson): { key: keyof CardPerson; label: MessageKey; value: string }[] {
  return PERSON_FIELDS.filter((f) => p[f.key].trim() !== '').map((f) => ({ ...f, value: p[f.key] }));
}

