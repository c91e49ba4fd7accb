/** Current UI language as reactive (runes) state, persisted in localStorage. */
export type Lang = 'vi' | 'en';

export const LANG_STORAGE_KEY = 'bhxh-desk.lang';

function initialLang(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(LANG_STORAGE_KEY);
    if (saved === 'vi' || saved === 'en') return saved;
  } catch {
    // localStorage unavailable: fall back to Vietnamese.
  }
  return 'vi';
}

export const locale = $state<{ lang: Lang }>({ lang: initialLang() });

/** Keep <html lang> in sync (screen readers, hyphenation, spell-checking). */
export function applyDocumentLang(): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale.lang;
}

export function setLang(lang: Lang): void {
  locale.lang = lang;
  try {
    globalThis.localStorage?.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Not persisted; the choice still applies for this run.
  }
  applyDocumentLang();
}
