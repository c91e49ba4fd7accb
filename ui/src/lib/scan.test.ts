import { describe, expect, it } from 'vitest';
import { scanIn } from './scan';

const CARD = '001093047064|123456789|Nguyễn Văn Đức|05011993|Nam|Số 5 Lê Lợi, Phủ Lý, Hà Nam|01022021';
const PAPER =
  'BHXHDESK|3|01|000.00.00.H41-261202-0001|1.000123|001093047064|Giấy tiếp nhận hồ sơ|BHXH Desk|2026-12-02T08:00:00Z|2026-12-09||AbCdEfGhIjKlMnOpQrStUv';

describe('scanIn', () => {
  it('finds a CCCD front QR and what the box held before it', () => {
    expect(scanIn(CARD)).toEqual({ kind: 'card', text: CARD, rest: '' });
    expect(scanIn(`Nguyễn ${CARD}`)).toEqual({ kind: 'card', text: CARD, rest: 'Nguyễn' });
  });

  it('finds a card without its former ID or issue date', () => {
    const short = '001093047064||Nguyễn Văn Đức|05011993|Nam|Hà Nam';
    expect(scanIn(short)?.kind).toBe('card');
  });

  it('finds a paper QR of the desk', () => {
    expect(scanIn(PAPER)).toEqual({ kind: 'paper', text: PAPER, rest: '' });
    expect(scanIn(`abc${PAPER}`)?.rest).toBe('abc');
  });

  it('leaves typed text alone', () => {
    for (const typed of ['Nguyễn Văn Đức', '001093047064', '05/01/1993', 'a|b|c', '000.00.00.H41-261202-0001']) {
      expect(scanIn(typed)).toBeNull();
    }
  });
});
