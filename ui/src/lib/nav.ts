import type { SessionInfo } from './api';
import type { MessageKey } from './i18n';
import { can } from './roles';

export type ScreenName = 'intake' | 'digitise' | 'cccd' | 'plan' | 'reports' | 'sync' | 'admin';

export type NavItem = { name: ScreenName; labelKey: MessageKey; shortcut: number };

/** Order of the left navigation; Alt+N opens item N. */
export const NAV_ITEMS: readonly NavItem[] = [
  { name: 'intake', labelKey: 'nav.intake', shortcut: 1 },
  { name: 'digitise', labelKey: 'nav.digitise', shortcut: 2 },
  { name: 'cccd', labelKey: 'nav.cccd', shortcut: 3 },
  { name: 'plan', labelKey: 'nav.plan', shortcut: 4 },
  { name: 'reports', labelKey: 'nav.reports', shortcut: 5 },
  { name: 'sync', labelKey: 'nav.sync', shortcut: 6 },
  { name: 'admin', labelKey: 'nav.admin', shortcut: 7 },
];

export const DEFAULT_SCREEN: ScreenName = 'plan';

/**
 * The screen a sign-in opens on: the one this member of staff last used
 * since the app started, if they may still see it; else their role's usual
 * one — the counter's intake for a counter officer, digitising for a
 * digitisation officer, the plan for supervisors and administrators. (A
 * preference, not a permission: the navigation still shows only what the
 * desk allows.)
 */
export function firstScreen(
  session: Pick<SessionInfo, 'allowed' | 'role'>,
  remembered: string | null,
): ScreenName {
  const items = navItemsFor(session);
  const usual: ScreenName =
    session.role === 'counter_officer' ? 'intake' : session.role === 'digitisation_officer' ? 'digitise' : DEFAULT_SCREEN;
  return (
    items.find((i) => i.name === remembered)?.name ?? items.find((i) => i.name === usual)?.name ?? DEFAULT_SCREEN
  );
}

const lastScreens = new Map<string, ScreenName>();

/** The screen `username` last used since the app started (kept in memory only). */
export function lastScreen(username: string): ScreenName | null {
  return lastScreens.get(username) ?? null;
}

/** Remember the screen `username` is on. */
export function rememberScreen(username: string, name: ScreenName) {
  lastScreens.set(username, name);
}

/**
 * Items this member of staff may see. Administration is for whoever may
 * read the audit log; the screen shows staff accounts and the catalogue
 * only to whoever may manage them.
 */
export function navItemsFor(session: Pick<SessionInfo, 'allowed'>): NavItem[] {
  return NAV_ITEMS.filter((item) => item.name !== 'admin' || can(session, 'viewAudit'));
}

type KeyLike = { altKey: boolean; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; key: string; code?: string };

/** Screen for an Alt+1…Alt+7 key event, or null. Uses `code` so keyboard layouts (e.g. Telex IMEs) do not matter. */
export function shortcutTarget(event: KeyLike, session: Pick<SessionInfo, 'allowed'>): ScreenName | null {
  if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return null;
  const m = /^(?:Digit|Numpad)([1-9])$/.exec(event.code ?? '') ?? /^([1-9])$/.exec(event.key);
  if (!m) return null;
  const n = Number(m[1]);
  const item = navItemsFor(session).find((i) => i.shortcut === n);
  return item ? item.name : null;
}
