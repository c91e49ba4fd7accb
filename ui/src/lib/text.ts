/**
 * Fold Vietnamese text for diacritic-insensitive search:
 * NFD, strip combining marks U+0300–U+036F, đ/Đ → d, lower-case.
 * "Đề án" → "de an", "HÒA BÌNH" → "hoa binh".
 */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();
}

/** Split a search query into folded, non-empty words. */
export function queryWords(query: string): string[] {
  return fold(query)
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/**
 * True when every word of `query` occurs somewhere in one of the `fields`
 * (ignoring diacritics and case). An empty query matches everything.
 */
export function matchesQuery(query: string, ...fields: (string | null | undefined)[]): boolean {
  const words = queryWords(query);
  if (words.length === 0) return true;
  const haystack = fold(fields.filter((f): f is string => typeof f === 'string').join('\n'));
  return words.every((w) => haystack.includes(w));
}

const ROMAN: [number, string][] = [
  [1000, 'M'], [900, 'CM'], [500, 'D'], [400, 'CD'], [100, 'C'], [90, 'XC'],
  [50, 'L'], [40, 'XL'], [10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I'],
];

/** Roman numeral for section headings (1 → "I", 9 → "IX"); other values as decimal. */
export function toRoman(n: number): string {
  if (!Number.isInteger(n) || n <= 0 || n >= 4000) return String(n);
  let rest = n;
  let out = '';
  for (const [value, letters] of ROMAN) {
    while (rest >= value) {
      out += letters;
      rest -= value;
    }
  }
  return out;
}
