import { describe, expect, it } from 'vitest';
import type { Action } from './api';
import { firstScreen, lastScreen, navItemsFor, rememberScreen, shortcutTarget } from './nav';

/** Sessions as the desk's policy table makes them (only what navigation looks at). */
const as = (...allowed: Action[]) => ({ allowed });
const administrator = as('viewPlan', 'manageStaff', 'viewAudit', 'editCatalogue');
const supervisor = as('viewPlan', 'viewAudit', 'approveReport');
const counterOfficer = as('viewPlan', 'takeIn');
const digitisationOfficer = as('viewPlan', 'digitise');

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
  it('shows administration to whoever may read the audit log', () => {
    expect(navItemsFor(administrator).map((i) => i.name)).toContain('admin');
    expect(navItemsFor(supervisor).map((i) => i.name)).toContain('admin');
    expect(navItemsFor(counterOfficer).map((i) => i.name)).not.toContain('admin');
    expect(navItemsFor(digitisationOfficer)).toHaveLength(6);
    expect(navItemsFor(as())).toHaveLength(6);
  });
});

describe('shortcutTarget', () => {
  it('maps Alt+1…Alt+7', () => {
    expect(shortcutTarget(key('1'), administrator)).toBe('intake');
    expect(shortcutTarget(key('4'), counterOfficer)).toBe('plan');
    expect(shortcutTarget(key('7'), administrator)).toBe('admin');
  });
  it('ignores Alt+7 for roles without administration', () => {
    expect(shortcutTarget(key('7'), counterOfficer)).toBeNull();
  });
  it('ignores other modifiers and keys', () => {
    expect(shortcutTarget(key('1', { altKey: false }), administrator)).toBeNull();
    expect(shortcutTarget(key('1', { ctrlKey: true }), administrator)).toBeNull();
    expect(shortcutTarget(key('8'), administrator)).toBeNull();
  });
  it('uses the physical key when the layout changes `key`', () => {
    expect(shortcutTarget({ ...key('2'), key: '™' }, administrator)).toBe('digitise');
  });
});

describe('firstScreen', () => {
  const counter = { role: 'counter_officer' as const, ...counterOfficer };
  const digitiser = { role: 'digitisation_officer' as const, ...digitisationOfficer };
  const boss = { role: 'administrator' as const, ...administrator };
  it('opens the screen last used when it is still allowed', () => {
    expect(firstScreen(boss, 'admin')).toBe('admin');
    expect(firstScreen(counter, 'digitise')).toBe('digitise');
    // Administration is not this member's: their usual screen instead.
    expect(firstScreen(counter, 'admin')).toBe('intake');
    expect(firstScreen(counter, 'nonsense')).toBe('intake');
  });
  it('opens the usual screen of the role the first time', () => {
    expect(firstScreen(counter, null)).toBe('intake');
    expect(firstScreen(digitiser, null)).toBe('digitise');
    expect(firstScreen(boss, null)).toBe('plan');
    expect(firstScreen({ role: 'supervisor', ...supervisor }, null)).toBe('plan');
  });
  it('remembers the last screen per member of staff while the app runs', () => {
    rememberScreen('a', 'reports');
    rememberScreen('b', 'cccd');
    expect(lastScreen('a')).toBe('reports');
    expect(lastScreen('b')).toBe('cccd');
    expect(lastScreen('c')).toBeNull();
  });
});
