import { afterEach, describe, expect, it } from 'vitest';
import { en, interpolate, locale, t, tCount, vi } from '.';

describe('dictionaries', () => {
  it('have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort());
  });

  it('have no empty strings', () => {
    for (const dict of [vi, en]) {
      for (const [key, value] of Object.entries(dict)) {
        expect(value.trim(), key).not.toBe('');
      }
    }
  });

  it('use the same placeholders in both languages', () => {
    const names = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(vi) as (keyof typeof vi)[]) {
      expect(names(en[key]), key).toEqual(names(vi[key]));
    }
  });

  it('keep Vietnamese text in NFC', () => {
    for (const [key, value] of Object.entries(vi)) {
      expect(value, key).toBe(value.normalize('NFC'));
    }
  });

  it('spell the required Vietnamese labels exactly', () => {
    expect(vi['nav.intake']).toBe('Tiếp nhận hồ sơ');
    expect(vi['nav.digitise']).toBe('Số hóa');
    expect(vi['nav.cccd']).toBe('Kiểm tra CCCD');
    expect(vi['nav.plan']).toBe('Kế hoạch Đề án 06');
    expect(vi['nav.reports']).toBe('Báo cáo');
    expect(vi['nav.sync']).toBe('Đồng bộ');
    expect(vi['nav.admin']).toBe('Quản trị');
    expect(vi['app.skip']).toBe('Bỏ qua đến nội dung chính');
  });
});

describe('t', () => {
  afterEach(() => {
    locale.lang = 'vi';
  });

  it('follows the current language', () => {
    locale.lang = 'vi';
    expect(t('header.online')).toBe('Trực tuyến');
    locale.lang = 'en';
    expect(t('header.online')).toBe('Online');
  });

  it('fills parameters', () => {
    expect(t('signin.idle', { n: 15 })).toBe(
      'Phiên làm việc đã kết thúc do không thao tác trong 15 phút.',
    );
    expect(interpolate('{a} và {b}', { a: 1 })).toBe('1 và {b}');
  });

  it('counts', () => {
    expect(tCount('plan.countOne', 'plan.count', 27)).toBe('27 nhiệm vụ');
    locale.lang = 'en';
    expect(tCount('plan.countOne', 'plan.count', 1)).toBe('1 task');
    expect(tCount('plan.countOne', 'plan.count', 27)).toBe('27 tasks');
  });
});
