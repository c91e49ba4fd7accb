import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, parseIso, todayIso } from './date';

describe('formatDate', () => {
  it('formats ISO dates as dd/mm/yyyy', () => {
    expect(formatDate('2024-01-31')).toBe('31/01/2024');
    expect(formatDate('2024-12-05')).toBe('05/12/2024');
  });
  it('formats local timestamps', () => {
    expect(formatDate('2024-03-05T23:59:00')).toBe('05/03/2024');
  });
  it('formats a UTC timestamp in local time', () => {
    const iso = '2024-06-30T20:00:00Z';
    const d = new Date(iso);
    const expected = `${String(d.getDate()).padStart(2, '0')}/${String(d.getMonth() + 1).padStart(2, '0')}/${d.getFullYear()}`;
    expect(formatDate(iso)).toBe(expected);
  });
  it('handles empty and invalid input', () => {
    expect(formatDate(null)).toBe('');
    expect(formatDate('')).toBe('');
    expect(formatDate('không rõ')).toBe('không rõ');
    expect(parseIso('2024-02-31')).toBeNull();
  });
  it('accepts Date objects', () => {
    expect(formatDate(new Date(2025, 8, 2))).toBe('02/09/2025');
  });
});

describe('formatDateTime', () => {
  it('adds 24-hour time', () => {
    expect(formatDateTime('2024-03-05T14:07:09')).toBe('05/03/2024 14:07');
    expect(formatDateTime('2024-03-05T04:07:09', true)).toBe('05/03/2024 04:07:09');
  });
});

describe('todayIso', () => {
  it('uses the local date', () => {
    expect(todayIso(new Date(2024, 0, 9, 23, 30))).toBe('2024-01-09');
  });
});
