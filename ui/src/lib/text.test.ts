import { describe, expect, it } from 'vitest';
import { fold, matchesQuery, queryWords, toRoman } from './text';

describe('fold', () => {
  it('strips Vietnamese diacritics and lower-cases', () => {
    expect(fold('Kế hoạch Đề án 06')).toBe('ke hoach de an 06');
    expect(fold('HÒA BÌNH')).toBe('hoa binh');
    expect(fold('Căn cước công dân gắn chip')).toBe('can cuoc cong dan gan chip');
    expect(fold('Thừa Thiên Huế')).toBe('thua thien hue');
  });

  it('folds đ and Đ to d', () => {
    expect(fold('đ')).toBe('d');
    expect(fold('Đ')).toBe('d');
    expect(fold('Đồng bộ đăng ký')).toBe('dong bo dang ky');
  });

  it('treats NFC and NFD input the same', () => {
    const nfc = 'Số hóa hồ sơ'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    expect(fold(nfc)).toBe(fold(nfd));
    expect(fold(nfc)).toBe('so hoa ho so');
  });

  it('leaves plain ASCII alone apart from case', () => {
    expect(fold('BHXH 147/QĐ-BHXH')).toBe('bhxh 147/qd-bhxh');
  });
});

describe('matchesQuery', () => {
  const text = 'Nghiên cứu, ứng dụng tiện ích từ CCCD gắn chip';
  it('matches without diacritics', () => {
    expect(matchesQuery('ung dung', text)).toBe(true);
    expect(matchesQuery('tien ich cccd', text)).toBe(true);
  });
  it('matches with diacritics and other case', () => {
    expect(matchesQuery('ỨNG DỤNG', text)).toBe(true);
  });
  it('requires every word', () => {
    expect(matchesQuery('cccd bhyt', text)).toBe(false);
  });
  it('searches all fields and ignores nulls', () => {
    expect(matchesQuery('đào tạo', null, 'x', 'Trường Đào tạo nghiệp vụ')).toBe(true);
  });
  it('empty query matches', () => {
    expect(matchesQuery('   ', text)).toBe(true);
    expect(queryWords('  a  b ')).toEqual(['a', 'b']);
  });
});

describe('toRoman', () => {
  it('converts section numbers', () => {
    expect([1, 4, 9, 14, 40].map(toRoman)).toEqual(['I', 'IV', 'IX', 'XIV', 'XL']);
    expect(toRoman(0)).toBe('0');
  });
});
