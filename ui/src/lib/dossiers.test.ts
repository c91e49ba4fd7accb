import { describe, expect, it } from 'vitest';
import { DOSSIER_STATUSES, RESULT_NAMES, canDigitiseResult, procedureByDigits } from './dossiers';
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

describe('a procedure chosen by its number', () => {
  const codes = ['BHXH.01', 'BHXH.04', 'BHXH.12', 'BHXH.14', 'BHXH.24', '1.001667', 'BHXH.26'];

  it('is the code ending in that number, with or without its zero', () => {
    expect(procedureByDigits(codes, '4')).toBe('BHXH.04');
    expect(procedureByDigits(codes, '04')).toBe('BHXH.04');
    expect(procedureByDigits(codes, '12')).toBe('BHXH.12');
    expect(procedureByDigits(codes, '1')).toBe('BHXH.01');
  });

  it('else the code whose digits end with them', () => {
    expect(procedureByDigits(codes, '67')).toBe('1.001667');
    expect(procedureByDigits(codes, '1667')).toBe('1.001667');
  });

  it('is nothing for what matches none, or is not digits', () => {
    expect(procedureByDigits(codes, '99')).toBeNull();
    expect(procedureByDigits(codes, '')).toBeNull();
    expect(procedureByDigits(codes, 'B')).toBeNull();
    expect(procedureByDigits([], '4')).toBeNull();
  });
});
