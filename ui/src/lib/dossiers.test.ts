import { describe, expect, it } from 'vitest';
import { DOSSIER_STATUSES, canTakeIn } from './dossiers';
import { en, vi } from './i18n';

describe('dossier statuses', () => {
  it('each have a label in both languages', () => {
    for (const s of DOSSIER_STATUSES) {
      expect(Object.keys(vi), s).toContain(`dstatus.${s}`);
      expect(Object.keys(en), s).toContain(`dstatus.${s}`);
    }
    expect(new Set(DOSSIER_STATUSES).size).toBe(8);
  });

  it('intake is for the counter, not for digitisation officers', () => {
    expect(canTakeIn('counter_officer')).toBe(true);
    expect(canTakeIn('supervisor')).toBe(true);
    expect(canTakeIn('administrator')).toBe(true);
    expect(canTakeIn('digitisation_officer')).toBe(false);
  });
});
