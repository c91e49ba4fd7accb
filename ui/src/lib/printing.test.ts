import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './api/errors';
import { choosePrinter, fileSafe, printerChoice, SAVE_INSTEAD } from './printing.svelte';

describe('printing', () => {
  it('offers "Lưu PDF" after every print error, and only those', () => {
    const printCodes = ERROR_CODES.filter((c) => c.includes('print'));
    expect([...SAVE_INSTEAD].sort()).toEqual(printCodes.sort());
  });

  it('suggests file names from dossier codes', () => {
    expect(fileSafe(' 000.00.17.H23-240515-0001 ')).toBe('000.00.17.H23-240515-0001');
    expect(fileSafe('a/b\\c d')).toBe('a_b_c_d');
  });

  it('keeps the chosen printer, the default when none', () => {
    choosePrinter('quay-1');
    expect(printerChoice.name).toBe('quay-1');
    choosePrinter(null);
    expect(printerChoice.name).toBeNull();
  });
});
