/**
 * UI strings. Vietnamese is the primary language (`vi.ts`); English is
 * switchable (`en.ts`, typed by the Vietnamese keys). Each language also has
 * a sentence for every error code the desk reports (`ErrorTable`); the
 * api module (`errorText`) picks and fills them.
 */
import type { ErrorCode } from '../api/bindings';
import { locale, setLang, type Lang } from '../locale.svelte';
import { en, enErrors } from './en';
import { vi, viErrors, type MessageKey } from './vi';

export { en, enErrors, locale, setLang, vi, viErrors, type Lang, type MessageKey };

/**
 * What a language says for one error code. `message` takes no parameters;
 * `detail` and `hint` may name `ErrorInfo.params` (`{idleMinutes}`,
 * `{attemptsLeft}`, `{until}`, `{path}`, `{roles}`) and are left out when a
 * parameter they name is missing.
 */
export type ErrorSentence = { message: string; detail?: string; hint?: string };

/** Every error code, or the type check fails. */
export type ErrorTable = Record<ErrorCode, ErrorSentence>;

export const dictionaries: Record<Lang, Record<MessageKey, string>> = { vi, en };

export const errorTables: Record<Lang, ErrorTable> = { vi: viErrors, en: enErrors };

export type Params = Record<string, string | number>;

/** Replace {name} placeholders; unknown placeholders are left as they are. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/** The placeholders a template names, e.g. `['idleMinutes']`. */
export function placeholders(template: string): string[] {
  return Array.from(template.matchAll(/\{(\w+)\}/g), (m) => m[1]);
}

/** Whether `key` is a key of the dictionaries (for keys built from data). */
export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(vi, key);
}

/**
 * Translate `key` in the current language. Reading `locale.lang` here makes
 * every template that calls t() re-render when the language changes.
 */
export function t(key: MessageKey, params?: Params): string {
  const dict = dictionaries[locale.lang] ?? vi;
  return interpolate(dict[key] ?? vi[key] ?? key, params);
}

/**
 * Translate a key built from a value the desk sends as a plain string
 * (`participants.status.verified`); an unknown value shows as it is.
 */
export function tOr(key: string, fallback: string, params?: Params): string {
  return isMessageKey(key) ? t(key, params) : fallback;
}

/** Count phrase: "{n} nhiệm vụ" / "1 task" / "27 tasks". */
export function tCount(one: MessageKey, other: MessageKey, n: number): string {
  return t(n === 1 ? one : other, { n });
}
