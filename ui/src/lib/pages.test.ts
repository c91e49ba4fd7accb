import { describe, expect, it } from 'vitest';
import { changed, choices, fromLines, moved, stripKey, toMove, turned } from './pages';

const lines = [1, 2, 3].map((n) => ({ number: n, rotate: n === 2 ? 90 : 0, widthPx: 10, heightPx: 20 }));

describe('page strip', () => {
  it('turns by quarters both ways', () => {
    expect(turned(0, 1)).toBe(90);
    expect(turned(0, -1)).toBe(270);
    expect(turned(270, 1)).toBe(0);
  });

  it('moves a page and stops at the ends', () => {
    expect(moved([1, 2, 3], 0, 1)).toEqual([2, 1, 3]);
    expect(moved([1, 2, 3], 2, 1)).toEqual([1, 2, 3]);
    expect(moved([1, 2, 3], 2, -5)).toEqual([3, 1, 2]);
  });

  it('saves the pages kept, in order, with their turns, and knows when nothing changed', () => {
    const strip = fromLines(lines);
    expect(changed(strip)).toBe(false);
    expect(choices(strip)).toEqual([
      { page: 1, rotate: 0 },
      { page: 2, rotate: 90 },
      { page: 3, rotate: 0 },
    ]);
    const edited = moved(strip, 2, -2).map((p) => (p.page === 1 ? { ...p, dropped: true } : p));
    expect(changed(edited)).toBe(true);
    expect(choices(edited)).toEqual([
      { page: 3, rotate: 0 },
      { page: 2, rotate: 90 },
    ]);
    // turned all the way round: the same as before
    const round = strip.map((p) => (p.page === 1 ? { ...p, rotate: turned(turned(turned(turned(0, 1), 1), 1), 1) } : p));
    expect(changed(round)).toBe(false);
  });

  it('maps the strip keys', () => {
    const k = (key: string, mods: Partial<{ ctrlKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) =>
      stripKey({ key, ctrlKey: false, altKey: false, shiftKey: false, ...mods });
    expect(k('ArrowLeft')).toBe('left');
    expect(k('ArrowRight', { ctrlKey: true })).toBe('moveRight');
    expect(k('ArrowLeft', { altKey: true })).toBe('moveLeft');
    expect(k('r')).toBe('turnRight');
    expect(k('R', { shiftKey: true })).toBe('turnLeft');
    expect(k('Delete')).toBe('drop');
    expect(k('x')).toBeNull();
  });
});

describe('crooked pages', () => {
  it('are those that lean a degree or more, either way', async () => {
    const { crooked } = await import('./pages');
    const p = (skew: number | null) => ({ page: 1, rotate: 0, was: 0, dropped: false, skew });
    expect(crooked(p(1.2))).toBe(true);
    expect(crooked(p(-2))).toBe(true);
    expect(crooked(p(0.6))).toBe(false);
    expect(crooked(p(null))).toBe(false);
  });
});

describe('pages to another component', () => {
  const lines = [1, 2, 3, 4, 5].map((n) => ({ number: n, rotate: 0, widthPx: 10, heightPx: 10 }));

  it('are the marked ones in the strip order, never a dropped one', () => {
    let strip = fromLines(lines as never);
    expect(toMove(strip)).toEqual([]);
    strip = strip.map((p) => (p.page >= 3 ? { ...p, marked: true } : p));
    expect(toMove(strip)).toEqual([3, 4, 5]);
    // Page 5 moved before 3 in the strip: it goes first.
    strip = moved(strip, 4, -2);
    expect(toMove(strip)).toEqual([5, 3, 4]);
    strip = strip.map((p) => (p.page === 3 ? { ...p, dropped: true } : p));
    expect(toMove(strip)).toEqual([5, 4]);
  });

  it('marking is not an edit of the component', () => {
    const strip = fromLines(lines as never).map((p) => ({ ...p, marked: true }));
    expect(changed(strip)).toBe(false);
  });

  it('M marks the focused page', () => {
    const k = { ctrlKey: false, altKey: false, shiftKey: false };
    expect(stripKey({ ...k, key: 'm' })).toBe('mark');
    expect(stripKey({ ...k, key: 'M', shiftKey: true })).toBe('mark');
  });
});
