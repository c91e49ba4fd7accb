import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const listen = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/event', () => ({ listen }));

const {
  NO_STEPS,
  accessFromForm,
  applyProgress,
  checkMark,
  checkTexts,
  displayDate,
  filePercent,
  onCardProgress,
  parseCardDate,
  personLines,
  readKey,
  verdictTone,
  trustLine,
} = await import('./card');
const { locale } = await import('./i18n');

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

describe('the checks', () => {
  const line = {
    check: 'Toàn vẹn dữ liệu DG13',
    status: 'failed',
    statusLabel: 'Không đạt',
    detailVi: 'Mã băm của DG13 không khớp với chữ ký số.',
    detail: 'DG13 hash mismatch (SHA-256)',
  };

  afterEach(() => {
    locale.lang = 'vi';
  });

  it('read in Vietnamese with the technical line under it', () => {
    expect(checkTexts(line, 'vi')).toEqual({
      status: 'Không đạt',
      detail: 'Mã băm của DG13 không khớp với chữ ký số.',
      technical: 'DG13 hash mismatch (SHA-256)',
    });
    expect(checkTexts({ ...line, detailVi: '' }, 'vi')).toEqual({
      status: 'Không đạt',
      detail: 'DG13 hash mismatch (SHA-256)',
      technical: null,
    });
  });

  it('read in English as the technical line itself', () => {
    locale.lang = 'en';
    expect(checkTexts(line, 'en')).toEqual({ status: 'Failed', detail: 'DG13 hash mismatch (SHA-256)', technical: null });
    expect(checkTexts({ ...line, status: 'somethingNew' }, 'en').status).toBe('Không đạt');
  });
});

describe('onCardProgress', () => {
  beforeEach(() => {
    listen.mockReset();
  });

  it('hands the payloads of the generated event to the handler until stopped', async () => {
    const off = vi.fn();
    listen.mockResolvedValue(off);
    const seen: unknown[] = [];
    const stop = onCardProgress((p) => seen.push(p));
    expect(listen.mock.calls[0][0]).toBe('card-progress-event');
    const handler = listen.mock.calls[0][1] as (e: { payload: unknown }) => void;
    handler({ payload: { step: 'file', file: 'DG1', read: 0, total: null } });
    handler({ payload: { step: 'recording' } });
    expect(seen).toEqual([{ step: 'file', file: 'DG1', read: 0, total: null }, { step: 'recording' }]);
    await new Promise((r) => setTimeout(r, 0)); // listening has started
    stop();
    expect(off).toHaveBeenCalledTimes(1);
    handler({ payload: { step: 'connecting', reader: null } });
    expect(seen).toHaveLength(2);
  });

  it('stops listening even when stopped before listening started', async () => {
    const off = vi.fn();
    let started: (f: () => void) => void = () => undefined;
    listen.mockReturnValue(new Promise((resolve) => (started = resolve)));
    const stop = onCardProgress(() => undefined);
    stop();
    started(off);
    await vi.waitFor(() => expect(off).toHaveBeenCalledTimes(1));
  });
});

describe('trustLine', () => {
  const base = {
    trustStatusVi: 'Kho chứng thư cập nhật ngày 01/11/2026.',
    trustUpdated: '2026-11-01T00:00:00Z',
    trustNextUpdate: '2026-12-01T00:00:00Z',
    trustStale: false,
    trustCrls: 2,
  };
  it('says the store state in each language and warns when it is stale or has no CRL', () => {
    expect(trustLine(base, 'vi')).toBe(base.trustStatusVi);
    expect(trustLine(base, 'en')).toBe('Trust store updated 2026-11-01; next update due 2026-12-01.');
    expect(trustLine({ ...base, trustStale: true }, 'en')).toContain('out of date');
    expect(trustLine({ ...base, trustCrls: 0 }, 'en')).toContain('No certificate revocation list');
  });
});
