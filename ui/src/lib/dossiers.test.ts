import { describe, expect, it } from 'vitest';
import { DOSSIER_STATUSES, RESULT_NAMES, canDigitiseResult } from './dossiers';
import { en, vi } from './i18n';

describe('dossier statuses', () => {
  it('each have a label in both languages', () => {
    for (const s of DOSSIER_STATUSES) {
      expect(Object.keys(vi), s).toContain(`dstatus.${s}`);
      expect(Object.keys(en), s).toContain(`dstatus.${s}`);
    }
    expect(new Set(DOSSIER_STATUSES).size).toBe(9);
  });

  it('are listed in the order of the one-stop flow', () => {
    expect(DOSSIER_STATUSES[0]).toBe('received');
    expect(DOSSIER_STATUSES.slice(-3)).toEqual(['supplement_requested', 'refused', 'stopped']);
  });

  it('results are digitised only once the dossier has been handled', () => {
    const allowed = DOSSIER_STATUSES.filter(canDigitiseResult);
    expect(allowed).toEqual(['processing', 'result_ready', 'returned']);
  });

  it('suggested result names are distinct, NFC and trimmed', () => {
    expect(new Set(RESULT_NAMES).size).toBe(RESULT_NAMES.length);
    for (const n of RESULT_NAMES) {
      expect(n).toBe(n.normalize('NFC').trim());
    }
  });
});
