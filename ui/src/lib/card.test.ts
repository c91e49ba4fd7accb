import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
const listen = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: (...args: unknown[]) => listen(...args) }));

const {
  NO_STEPS,
  PROGRESS_EVENT,
  accessFromForm,
  applyProgress,
  cardApi,
  checkMark,
  displayDate,
  filePercent,
  parseCardDate,
  personLines,
  readKey,
  verdictTone,
} = await import('./card');
const { onSessionLost } = await import('./api');

describe('parseCardDate', () => {
  it('reads the day first, as printed on the card', () => {
    expect(parseCardDate('05/01/1993')).toBe('1993-01-05');
    expect(parseCardDate(' 5/1/1993 ')).toBe('1993-01-05');
    expect(parseCardDate('05-01-2033')).toBe('2033-01-05');
    expect(parseCardDate('05.01.2033')).toBe('2033-01-05');
    expect(parseCardDate('05011993')).toBe('1993-01-05');
    expect(parseCardDate('1993-01-05')).toBe('1993-01-05');
  });

  it('refuses partial and impossible dates', () => {
    for (const text of ['', '05/01/199', '05/01', '1993', '31/02/2024', '29/02/2023', '00/01/1993', '05/13/1993', 'abc']) {
      expect(parseCardDate(text), text).toBeNull();
    }
    expect(parseCardDate('29/02/2024')).toBe('2024-02-29');
  });

  it('turns ISO dates back into day/month/year', () => {
    expect(displayDate('2033-01-05')).toBe('05/01/2033');
    expect(displayDate('not a date')).toBe('not a date');
  });
});

describe('accessFromForm', () => {
  it('gives typed access data with ISO dates', () => {
    expect(accessFromForm({ idNumber: '0010 9304 7064', birthDate: '05/01/1993', expiryDate: '05/01/2033' })).toEqual({
      ok: true,
      access: { kind: 'typed', idNumber: '001093047064', birthDate: '1993-01-05', expiryDate: '2033-01-05' },
    });
  });

  it('names each field that is missing or wrong', () => {
    expect(accessFromForm({ idNumber: '00109304706', birthDate: '', expiryDate: '05/01/2033' })).toEqual({
      ok: false,
      errors: { idNumber: 'cccd.err.id', birthDate: 'cccd.err.date' },
    });
    expect(accessFromForm({ idNumber: '001093047064', birthDate: '05/01/1993', expiryDate: '05/01/1990' })).toEqual({
      ok: false,
      errors: { expiryDate: 'cccd.err.expiryBeforeBirth' },
    });
  });

  it('keys a read by reader and access data', () => {
    const a = { kind: 'typed', idNumber: '001093047064', birthDate: '1993-01-05', expiryDate: '2033-01-05' } as const;
    expect(readKey('Virtual PCD 00 00', a)).toBe(readKey('Virtual PCD 00 00', { ...a }));
    expect(readKey('Virtual PCD 00 00', a)).not.toBe(readKey('Virtual PCD 00 01', a));
    expect(readKey('Virtual PCD 00 00', a)).not.toBe(readKey('Virtual PCD 00 00', { ...a, birthDate: '1993-01-06' }));
  });
});

describe('applyProgress', () => {
  it('follows the read step by step and file by file', () => {
    let s = applyProgress(NO_STEPS, { step: 'connecting', reader: 'Virtual PCD 00 00' });
    expect(s).toEqual({ phase: 'connecting', files: [] });
    s = applyProgress(s, { step: 'file', file: 'EF.COM', read: 0, total: null });
    s = applyProgress(s, { step: 'file', file: 'EF.COM', read: 24, total: 24 });
    s = applyProgress(s, { step: 'file', file: 'EF.SOD', read: 0, total: null });
    s = applyProgress(s, { step: 'file', file: 'EF.SOD', read: 223, total: 1784 });
    expect(s.phase).toBe('reading');
    expect(s.files).toEqual([
      { file: 'EF.COM', read: 24, total: 24, done: true },
      { file: 'EF.SOD', read: 223, total: 1784, done: false },
    ]);
    expect(filePercent(s.files[1])).toBe(13);
    // A file that moves on marks the one before it done, even if its size was never known.
    s = applyProgress(s, { step: 'file', file: 'DG1', read: 0, total: null });
    expect(s.files.map((f) => f.done)).toEqual([true, true, false]);
    expect(filePercent(s.files[2])).toBeNull();
    s = applyProgress(s, { step: 'recording' });
    expect(s.phase).toBe('recording');
    expect(s.files.every((f) => f.done)).toBe(true);
    expect(filePercent(s.files[2])).toBe(100);
    // A new read starts from scratch.
    expect(applyProgress(s, { step: 'connecting', reader: null })).toEqual({ phase: 'connecting', files: [] });
  });
});

describe('the verdict', () => {
  it('is green only for a genuine card and red for altered data or a copied chip', () => {
    expect(verdictTone('Genuine')).toBe('good');
    expect(verdictTone('DataAltered')).toBe('bad');
    expect(verdictTone('ChipNotGenuine')).toBe('bad');
    for (const k of ['OriginUnverified', 'CertificateNotValid', 'Incomplete', 'Something new']) {
      expect(verdictTone(k), k).toBe('warn');
    }
    expect(['passed', 'failed', 'unverifiable', 'notChecked'].map(checkMark)).toEqual(['✓', '✗', '?', '–']);
  });

  it('lists the DG13 fields the card has, in the card order', () => {
    const empty = Object.fromEntries(
      [
        'idNumber', 'fullName', 'dateOfBirth', 'sex', 'nationality', 'ethnicity', 'religion', 'placeOfOrigin',
        'placeOfResidence', 'identifyingMarks', 'issueDate', 'expiryDate', 'fatherName', 'motherName',
        'spouseName', 'oldIdNumber',
      ].map((k) => [k, '']),
    );
    const lines = personLines({ ...empty, fullName: 'Nguyễn Thị Thử Nghiệm', idNumber: '001093047064', sex: 'Nữ' } as never);
    expect(lines.map((l) => [l.label, l.value])).toEqual([
      ['cccd.f.idNumber', '001093047064'],
      ['cccd.f.fullName', 'Nguyễn Thị Thử Nghiệm'],
      ['cccd.f.sex', 'Nữ'],
    ]);
  });
});

describe('cardApi', () => {
  beforeEach(() => {
    invoke.mockReset();
    listen.mockReset();
  });

  it('passes the command names and arguments', async () => {
    invoke.mockResolvedValue(null);
    const access = { kind: 'qr', text: '001093047064|…' } as const;
    await cardApi.readers();
    await cardApi.qrAccess('x');
    await cardApi.read('Virtual PCD 00 00', access, false);
    await cardApi.read(null, access, true);
    expect(invoke.mock.calls).toEqual([
      ['card_readers', undefined],
      ['card_qr_access', { text: 'x' }],
      ['card_read', { reader: 'Virtual PCD 00 00', access, payment: false }],
      ['card_read', { reader: null, access, payment: true }],
    ]);
  });

  it('hands progress payloads to the handler', async () => {
    const off = () => undefined;
    listen.mockResolvedValue(off);
    const seen: unknown[] = [];
    expect(await cardApi.onProgress((p) => seen.push(p))).toBe(off);
    expect(listen.mock.calls[0][0]).toBe(PROGRESS_EVENT);
    const handler = listen.mock.calls[0][1] as (e: { payload: unknown }) => void;
    handler({ payload: { step: 'recording' } });
    expect(seen).toEqual([{ step: 'recording' }]);
  });

  it('rejects with ErrorInfo and lets the shell know about a lost session', async () => {
    const lost = vi.fn();
    const offLost = onSessionLost(lost);
    const info = { code: 'not_signed_in', message: 'Chưa đăng nhập.', hint: '', field: null };
    invoke.mockRejectedValue(info);
    await expect(cardApi.read(null, { kind: 'qr', text: 'x' }, false)).rejects.toEqual(info);
    await vi.waitFor(() => expect(lost).toHaveBeenCalledWith(info));
    expect(invoke.mock.calls.map((c) => c[0])).toEqual(['card_read', 'touch']);

    invoke.mockRejectedValue({ code: 'invalid', message: 'Sai.', hint: '', field: 'access' });
    await expect(cardApi.readers()).rejects.toMatchObject({ field: 'access' });
    expect(lost).toHaveBeenCalledTimes(1);
    offLost();
  });
});
