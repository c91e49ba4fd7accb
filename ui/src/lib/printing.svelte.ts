/**
 * The printer the window prints on: the print system's default (`null`) or
 * one the user chose from its list, kept for this computer (localStorage).
 * And which print errors leave "Lưu PDF…" as the way out.
 */
import type { ErrorCode } from './api';

const KEY = 'bhxh.printer';

function load(): string | null {
  try {
    return globalThis.localStorage?.getItem(KEY) || null;
  } catch {
    return null;
  }
}

export const printerChoice = $state<{ name: string | null }>({ name: load() });

export function choosePrinter(name: string | null): void {
  printerChoice.name = name;
  try {
    if (name) globalThis.localStorage?.setItem(KEY, name);
    else globalThis.localStorage?.removeItem(KEY);
  } catch {
    // Private mode or no storage: the choice lasts this session.
  }
}

/** Errors after which the paper can still be saved as PDF and printed later. */
export const SAVE_INSTEAD: readonly ErrorCode[] = [
  'no_printer',
  'printer_not_chosen',
  'printer_unknown',
  'print_service_down',
  'print_client_missing',
  'print_not_supported',
  'print_failed',
];

/** A dossier code as part of a suggested file name. */
export function fileSafe(code: string): string {
  return code.trim().replace(/[^A-Za-z0-9.-]/g, '_');
}
