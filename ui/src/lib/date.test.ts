import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, parseIso, parseTypedDate, shapeDateInput, todayIso } from './date';

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

describe('dates typed dd/mm/yyyy whatever the locale', () => {
  it('shapes digits as they are typed', () => {
    expect(shapeDateInput('0')).toBe('0');
    expect(shapeDateInput('070')).toBe('07/0');
    expect(shapeDateInput('07031985')).toBe('07/03/1985');
    expect(shapeDateInput('07/03/1985')).toBe('07/03/1985');
    expect(shapeDateInput('7/3/1985')).toBe('07/03/1985');
    expect(shapeDateInput('07.03.1985')).toBe('07/03/1985');
    expect(shapeDateInput('0703198512')).toBe('07/03/1985');
  });

  it('reads day first, never month first', () => {
    expect(parseTypedDate('07/03/1985')).toEqual({ iso: '1985-03-07' });
    expect(parseTypedDate('07031985')).toEqual({ iso: '1985-03-07' });
    expect(parseTypedDate('12/31/1985')).toEqual({ problem: 'impossible' });
  });

  it('says why a text is not a date', () => {
    expect(parseTypedDate('')).toEqual({ problem: 'empty' });
    expect(parseTypedDate('07/03')).toEqual({ problem: 'incomplete' });
    expect(parseTypedDate('31/02/2024')).toEqual({ problem: 'impossible' });
    expect(parseTypedDate('01/01/1850')).toEqual({ problem: 'impossible' });
    expect(parseTypedDate('03/12/2026', '2026-12-02')).toEqual({ problem: 'future' });
    expect(parseTypedDate('02/12/2026', '2026-12-02')).toEqual({ iso: '2026-12-02' });
  });
});
