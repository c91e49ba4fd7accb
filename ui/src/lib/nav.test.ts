import { describe, expect, it } from 'vitest';
import { navItemsFor, shortcutTarget } from './nav';

const key = (n: string, over: Partial<KeyboardEventInit> = {}) => ({
  altKey: true,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  key: n,
  code: `Digit${n}`,
  ...over,
});

describe('navItemsFor', () => {
  it('shows administration to administrators and supervisors only', () => {
    expect(navItemsFor('administrator').map((i) => i.name)).toContain('admin');
    expect(navItemsFor('supervisor').map((i) => i.name)).toContain('admin');
    expect(navItemsFor('counter_officer').map((i) => i.name)).not.toContain('admin');
    expect(navItemsFor('digitisation_officer')).toHaveLength(6);
  });
});

describe('shortcutTarget', () => {
  it('maps Alt+1…Alt+7', () => {
    expect(shortcutTarget(key('1'), 'administrator')).toBe('intake');
    expect(shortcutTarget(key('4'), 'counter_officer')).toBe('plan');
    expect(shortcutTarget(key('7'), 'administrator')).toBe('admin');
  });
  it('ignores Alt+7 for roles without administration', () => {
    expect(shortcutTarget(key('7'), 'counter_officer')).toBeNull();
  });
  it('ignores other modifiers and keys', () => {
    expect(shortcutTarget(key('1', { altKey: false }), 'administrator')).toBeNull();
    expect(shortcutTarget(key('1', { ctrlKey: true }), 'administrator')).toBeNull();
    expect(shortcutTarget(key('8'), 'administrator')).toBeNull();
  });
  it('uses the physical key when the layout changes `key`', () => {
    expect(shortcutTarget({ ...key('2'), key: '™' }, 'administrator')).toBe('digitise');
  });
});
