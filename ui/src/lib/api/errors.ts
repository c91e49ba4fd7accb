/**
 * The desk's errors as the window shows them: any rejection normalised to an
 * `ErrorInfo`, and an `ErrorInfo` in the UI's language (the sentences are
 * the i18n's error tables, one per language, each covering every code).
 */
import { formatDateTime } from '../date';
import {
  errorTables,
  interpolate,
  isMessageKey,
  locale,
  placeholders,
  t,
  vi,
  type Params,
} from '../i18n';
import { roleLabel } from '../roles';
import type { ErrorCode, ErrorInfo } from './bindings';

export const SESSION_LOST_CODES: readonly ErrorCode[] = ['session_expired', 'not_signed_in'];

// Every code, as a value (a Record, so the list cannot miss one).
const CODES: Record<ErrorCode, true> = {
  keyring_unavailable: true,
  keyring_locked: true,
  keyring_error: true,
  key_missing: true,
  wrong_key: true,
  store_too_new: true,
  bad_backup: true,
  corrupt_backup: true,
  store_error: true,
  invalid: true,
  not_found: true,
  conflict: true,
  core_error: true,
  bad_credentials: true,
  not_signed_in: true,
  session_expired: true,
  forbidden: true,
  already_set_up: true,
  not_set_up: true,
  store_missing: true,
  files_key_missing: true,
  io_error: true,
  bad_file: true,
  render_failed: true,
  file_tampered: true,
  file_store_error: true,
  bad_scan: true,
  sync_not_configured: true,
  sync_bad_url: true,
  sync_offline: true,
  sync_timeout: true,
  sync_unauthorized: true,
  sync_revoked: true,
  sync_rate_limited: true,
  sync_server_error: true,
  sync_bad_response: true,
  sync_too_large: true,
  sync_store_error: true,
  signing_not_configured: true,
  signing_module: true,
  no_token: true,
  token_removed: true,
  wrong_pin: true,
  pin_locked: true,
  signing_certificate: true,
  signing_error: true,
  bad_pdf: true,
  no_scanner: true,
  scanner_error: true,
  no_printer: true,
  printer_not_chosen: true,
  printer_unknown: true,
  print_service_down: true,
  print_client_missing: true,
  print_not_supported: true,
  print_failed: true,
  internal: true,
};

export const ERROR_CODES = Object.keys(CODES) as readonly ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CODES, value);
}

export function isErrorInfo(value: unknown): value is ErrorInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string';
}

/**
 * Normalise whatever a command rejected with into an ErrorInfo. A code this
 * window does not know becomes `internal` (the desk's message is kept); a
 * plain string (a Tauri-level failure such as an unknown command) or
 * anything else (no Tauri bridge, an exception inside invoke) becomes
 * `internal` too, with the desk's own sentence (the raw text goes to the
 * log only). `message` and `hint` stay Vietnamese, as the desk's are.
 */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (isErrorInfo(error)) {
    const e = error as Partial<Record<keyof ErrorInfo, unknown>>;
    const params: Record<string, string> = {};
    if (typeof e.params === 'object' && e.params !== null) {
      for (const [k, v] of Object.entries(e.params)) if (typeof v === 'string') params[k] = v;
    }
    return {
      code: isErrorCode(e.code) ? e.code : 'internal',
      message: e.message as string,
      hint: typeof e.hint === 'string' ? e.hint : '',
      field: typeof e.field === 'string' && e.field !== '' ? e.field : null,
      params,
    };
  }
  if (typeof error === 'string' && error.trim() !== '') {
    // A Tauri-level failure (an unknown command, arguments the command
    // could not read: "invalid args `input` for command …"): English
    // plumbing, never shown. The log keeps it; the officer is told, in
    // their language, that the desk failed.
    console.error('BHXH Desk: lệnh bị từ chối trước khi chạy:', error);
    return {
      code: 'internal',
      message: errorTables.vi.internal.message,
      hint: errorTables.vi.internal.hint ?? '',
      field: null,
      params: {},
    };
  }
  return {
    code: 'internal',
    message: vi['error.ipc.message'],
    hint: vi['error.ipc.hint'],
    field: null,
    params: {},
  };
}

export function isSessionLost(error: ErrorInfo): boolean {
  return SESSION_LOST_CODES.includes(error.code);
}

/** The values a sentence may name, ready to show (role names, local times). */
function shownParams(params: Record<string, string>): Params {
  const shown: Params = { ...params };
  if (params.roles !== undefined) {
    shown.roles = params.roles
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '')
      .map(roleLabel)
      .join(', ');
  }
  if (params.until !== undefined) shown.until = formatDateTime(params.until);
  return shown;
}

/** A sentence part with its parameters filled in, or '' when one is missing. */
function fill(template: string | undefined, params: Params): string {
  if (!template) return '';
  if (placeholders(template).some((p) => params[p] === undefined || params[p] === '')) return '';
  return interpolate(template, params);
}

/** The label of the form field at fault, in the current language, if known. */
export function fieldLabel(field: string | null): string | null {
  if (!field) return null;
  const key = `field.${field}`;
  return isMessageKey(key) ? t(key) : null;
}

/**
 * An error as the screen shows it, in the current language: the sentence
 * and, apart, what to do. Vietnamese: the desk's own sentence and hint
 * (they name the exact problem; the code's sentence when there is none).
 * English: the code's sentence with its parameters, the field's label and
 * the hint.
 */
export function errorParts(error: ErrorInfo): { message: string; hint: string } {
  const lang = locale.lang;
  if (lang === 'vi' && error.message.trim() !== '') {
    return { message: error.message, hint: error.hint };
  }
  const sentence = (errorTables[lang] ?? errorTables.vi)[error.code] ?? errorTables[lang].internal;
  const params = shownParams(error.params ?? {});
  const label = lang === 'vi' ? null : fieldLabel(error.field);
  const message = [
    sentence.message,
    fill(sentence.detail, params),
    label ? t('error.field', { field: label }) : '',
  ]
    .filter((s) => s !== '')
    .join(' ');
  return { message, hint: fill(sentence.hint, params) };
}

/** An error as one line of text in the current language (see `errorParts`). */
export function errorText(error: ErrorInfo): string {
  const { message, hint } = errorParts(error);
  return hint ? `${message} ${hint}` : message;
}

