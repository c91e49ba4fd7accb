/**
 * The chip reader at the counter: typed wrappers of the `card_*` commands,
 * the `card-progress` event, and the pure logic of the CCCD screen (the
 * access data form, the progress steps, the verdict's tone).
 */
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { api, isSessionLost, toErrorInfo, type ErrorInfo, type Participant } from './api';
import type { MessageKey } from './i18n';

// ---- Types (JSON is camelCase) ------------------------------------------

export type ReaderInfo = { name: string; cardPresent: boolean };

/** How the chip is opened. Dates are YYYY-MM-DD. */
export type AccessData =
  | { kind: 'typed'; idNumber: string; birthDate: string; expiryDate: string }
  | { kind: 'qr'; text: string }
  | { kind: 'can'; can: string };

/** What the front QR code gives; expiryDate null: a card without expiry. */
export type QrAccess = { idNumber: string; fullName: string; birthDate: string; expiryDate: string | null };

export type VerdictKind =
  | 'Genuine'
  | 'DataAltered'
  | 'ChipNotGenuine'
  | 'OriginUnverified'
  | 'CertificateNotValid'
  | 'Incomplete';

export type Verdict = {
  kind: VerdictKind;
  genuine: boolean;
  headline: string;
  advice: string;
  reason: string | null;
};

export type CheckStatus = 'passed' | 'failed' | 'unverifiable' | 'notChecked';

export type CheckLine = { check: string; status: CheckStatus; statusLabel: string; detail: string };

export type CardPerson = {
  idNumber: string;
  fullName: string;
  dateOfBirth: string;
  sex: string;
  nationality: string;
  ethnicity: string;
  religion: string;
  placeOfOrigin: string;
  placeOfResidence: string;
  identifyingMarks: string;
  issueDate: string;
  expiryDate: string;
  fatherName: string;
  motherName: string;
  spouseName: string;
  oldIdNumber: string;
};

export type CardRead = {
  reader: string;
  verdict: Verdict;
  checks: CheckLine[];
  mrz: string[] | null;
  person: CardPerson;
  idNumber: string;
  /** data: URL, for display only (never stored). */
  photo: string | null;
  filesRead: string[];
  unavailable: string[];
  parseProblems: string[];
  trustProblems: string[];
  trustDir: string | null;
  trustAnchors: number;
  stats: { apdus: number; bytes: number; readMs: number };
  fileHashes: Record<string, string>;
  verdictText: string;
  /** How the chip was opened: "BAC", or "PACE (CAN, ECDH-GM, AES-128, …)". */
  access: string;
};

export type MatchResult = 'matched' | 'not_in_register' | 'not_genuine';

export type CardCheckOutcome = {
  id: number;
  result: MatchResult;
  message: string;
  participant: Participant | null;
  verifiedNow: boolean;
};

export type CardCheck = { read: CardRead; check: CardCheckOutcome };

export type CardProgress =
  | { step: 'connecting'; reader: string | null }
  | { step: 'file'; file: string; read: number; total: number | null }
  | { step: 'recording' };

export const PROGRESS_EVENT = 'card-progress';

// ---- Commands -------------------------------------------------------------

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    const error = toErrorInfo(raw);
    // Let the shell's session-lost handler (in api.ts) see it: a touch
    // answers with the same session_expired / not_signed_in.
    if (isSessionLost(error)) void api.touch().catch(() => undefined);
    throw error;
  }
}

export const cardApi = {
  /** No session needed; not counted as activity (polled every second). */
  readers: () => call<ReaderInfo[]>('card_readers'),
  /** The access data of the front QR text (from a barcode scanner). */
  qrAccess: (text: string) => call<QrAccess>('card_qr_access', { text }),
  /** Reads, judges and records the check; progress arrives as PROGRESS_EVENT. */
  read: (reader: string | null, access: AccessData, payment: boolean) =>
    call<CardCheck>('card_read', { reader, access, payment }),
  onProgress: (handler: (p: CardProgress) => void): Promise<UnlistenFn> =>
    listen<CardProgress>(PROGRESS_EVENT, (e) => handler(e.payload)),
} as const;

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
export function verdictTone(kind: VerdictKind | string): Tone {
  if (kind === 'Genuine') return 'good';
  if (kind === 'DataAltered' || kind === 'ChipNotGenuine') return 'bad';
  return 'warn';
}

/** The mark shown before each technical check. */
export function checkMark(status: CheckStatus | string): string {
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

export type { ErrorInfo };
