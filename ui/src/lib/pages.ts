/**
 * The page strip's edits, kept apart from the screen so they can be tested:
 * a component's pages turned, moved and dropped before they are saved as a
 * new version of its PDF (`dossierPagesEdit`).
 */
import type { PageChoice, PageLine } from './api';

/** A page as the strip shows it. `page` is its number in the version shown. */
export interface StripPage {
  page: number;
  /** Clockwise, 0, 90, 180 or 270. */
  rotate: number;
  /** The turn it had in the version shown. */
  was: number;
  dropped: boolean;
  /** Chosen to go to another component of the dossier. */
  marked?: boolean;
  image?: string;
  blank?: boolean;
  /** Degrees its lines lean (clockwise), when known. */
  skew?: number | null;
}

/** A page leans enough to be worth scanning again. */
export function crooked(p: StripPage): boolean {
  return p.skew != null && Math.abs(p.skew) >= 1;
}

export function fromLines(lines: PageLine[]): StripPage[] {
  return lines.map((l) => ({ page: l.number, rotate: l.rotate, was: l.rotate, dropped: false }));
}

/** `rotate` turned a further quarter: clockwise (1) or back (-1). */
export function turned(rotate: number, way: 1 | -1): number {
  return (((rotate + way * 90) % 360) + 360) % 360;
}

/** The list with item `i` moved `by` places (clamped to the ends). */
export function moved<T>(list: T[], i: number, by: number): T[] {
  const to = Math.max(0, Math.min(list.length - 1, i + by));
  if (to === i || i < 0 || i >= list.length) return list;
  const out = list.slice();
  const [item] = out.splice(i, 1);
  out.splice(to, 0, item);
  return out;
}

/** What to save: the pages kept, in order, with their turns. */
export function choices(list: StripPage[]): PageChoice[] {
  return list.filter((p) => !p.dropped).map((p) => ({ page: p.page, rotate: p.rotate }));
}

/** Whether the strip differs from the version shown. */
export function changed(list: StripPage[]): boolean {
  return list.some((p, i) => p.dropped || p.page !== i + 1 || p.rotate !== p.was);
}

/**
 * The pages chosen to go to another component, by their number in the
 * version shown, in the strip's order (the order they arrive in).
 */
export function toMove(list: StripPage[]): number[] {
  return list.filter((p) => p.marked && !p.dropped).map((p) => p.page);
}

/** What a key does on a focused page of the strip. */
export type StripAction = 'left' | 'right' | 'moveLeft' | 'moveRight' | 'turnRight' | 'turnLeft' | 'drop' | 'mark';

export function stripKey(e: { key: string; ctrlKey: boolean; altKey: boolean; shiftKey: boolean }): StripAction | null {
  const moving = e.ctrlKey || e.altKey;
  switch (e.key) {
    case 'ArrowLeft':
      return moving ? 'moveLeft' : 'left';
    case 'ArrowRight':
      return moving ? 'moveRight' : 'right';
    case 'r':
    case 'R':
      return e.shiftKey ? 'turnLeft' : 'turnRight';
    case 'Delete':
    case 'Backspace':
      return 'drop';
    case 'm':
    case 'M':
      return 'mark';
    default:
      return null;
  }
}
