import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ErrorInfo } from './bindings';

// The IPC primitive the generated commands and `upload` call.
const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

const { commands } = await import('./bindings');
const {
  ERROR_CODES,
  Job,
  api,
  attempt,
  errorParts,
  errorText,
  importFiles,
  onSessionLost,
  toErrorInfo,
  upload,
} = await import('./index');
const { enErrors, locale, placeholders, viErrors } = await import('../i18n');

const info = (over: Partial<ErrorInfo>): ErrorInfo => ({
  code: 'invalid',
  message: '',
  hint: '',
  field: null,
  params: {},
  ...over,
});

beforeEach(() => {
  invoke.mockReset();
});

afterEach(() => {
  locale.lang = 'vi';
});

describe('api', () => {
  it('wraps every generated command', () => {
    expect(Object.keys(api).sort()).toEqual(Object.keys(commands).sort());
  });

  it('passes the command names and arguments of the contract', async () => {
    invoke.mockResolvedValue(null);
    await api.signIn('nva', 'secret');
    await api.staffCreate({ username: 'ttb', fullName: 'Trần Thị B', role: 'counter_officer' }, 'pw');
    await api.staffUnlock(4);
    await api.auditList(100);
    await api.appStatus();
    await api.cardRead(null, { kind: 'qr', text: 'x' }, true);
    await api.dossierImport('H23.01-240501-0001', 2, [7, 8], null);
    await api.participantsImport(9, null, 'all_or_nothing', true);
    await api.filesDiscard([7, 8]);
    expect(invoke.mock.calls).toEqual([
      ['sign_in', { username: 'nva', password: 'secret' }],
      ['staff_create', { input: { username: 'ttb', fullName: 'Trần Thị B', role: 'counter_officer' }, password: 'pw' }],
      ['staff_unlock', { id: 4 }],
      ['audit_list', { limit: 100 }],
      ['app_status'],
      ['card_read', { reader: null, access: { kind: 'qr', text: 'x' }, payment: true }],
      ['dossier_import', { code: 'H23.01-240501-0001', component: 2, files: [7, 8], pages: null }],
      ['participants_import', { file: 9, mapping: null, mode: 'all_or_nothing', dryRun: true }],
      ['files_discard', { files: [7, 8] }],
    ]);
  });

  it('rejects with ErrorInfo and reports lost sessions', async () => {
    const lost = vi.fn();
    const off = onSessionLost(lost);
    const expired = info({ code: 'session_expired', message: 'Phiên đã hết hạn.', params: { idleMinutes: '15' } });
    invoke.mockRejectedValue(expired);
    await expect(api.plan()).rejects.toEqual(expired);
    expect(lost).toHaveBeenCalledWith(expired);

    invoke.mockRejectedValue(info({ code: 'not_signed_in', message: 'Chưa đăng nhập.' }));
    await expect(api.cardReaders()).rejects.toMatchObject({ code: 'not_signed_in' });
    expect(lost).toHaveBeenCalledTimes(2);

    invoke.mockRejectedValue(info({ message: 'Sai.', hint: 'Sửa lại.', field: 'username' }));
    await expect(api.plan()).rejects.toMatchObject({ field: 'username' });
    expect(lost).toHaveBeenCalledTimes(2);
    off();

    invoke.mockRejectedValue(expired);
    await expect(api.plan()).rejects.toEqual(expired);
    expect(lost).toHaveBeenCalledTimes(2);
  });

  it('turns a failure without the bridge into an internal error', async () => {
    invoke.mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'invoke')");
    });
    const e = (await api.plan().catch((x: unknown) => x)) as ErrorInfo;
    expect(e.code).toBe('internal');
    expect(errorText(e)).toBe(
      'Không liên lạc được với phần lõi của ứng dụng. Hãy đóng rồi mở lại BHXH Desk. Nếu lỗi còn lặp lại, báo cho quản trị viên.',
    );
    locale.lang = 'en';
    expect(errorText(e)).toBe(
      'BHXH Desk ran into an internal error. Close and reopen BHXH Desk. If it keeps happening, tell your administrator.',
    );
  });
});

describe('files', () => {
  it('go over as raw bodies with their names in a header', async () => {
    invoke.mockResolvedValue(12);
    const id = await upload(new Blob([new Uint8Array([0x25, 0x50, 0x44, 0x46])]), 'Biên bản đối soát.pdf');
    expect(id).toBe(12);
    expect(invoke).toHaveBeenCalledWith('upload_file', new Uint8Array([0x25, 0x50, 0x44, 0x46]), {
      headers: { 'x-file-name': 'Bi%C3%AAn%20b%E1%BA%A3n%20%C4%91%E1%BB%91i%20so%C3%A1t.pdf' },
    });
    expect(invoke.mock.calls[0][1]).toBeInstanceOf(Uint8Array);
  });

  it('are uploaded in page order before the import names them', async () => {
    let next = 1;
    invoke.mockImplementation(async (cmd: string) => (cmd === 'upload_file' ? next++ : { pages: 2 }));
    const pages = [new File(['a'], 'trang-1.jpg'), new File(['b'], 'trang-2.jpg')];
    const done = await importFiles(pages, (ids) => api.dossierImport('X', 1, ids, 2));
    expect(done).toEqual({ pages: 2 });
    expect(invoke.mock.calls.map((c) => c[0])).toEqual(['upload_file', 'upload_file', 'dossier_import']);
    expect(invoke.mock.calls.map((c) => (c[2] as { headers?: object } | undefined)?.headers)).toEqual([
      { 'x-file-name': 'trang-1.jpg' },
      { 'x-file-name': 'trang-2.jpg' },
      undefined,
    ]);
    expect(invoke.mock.calls[2][1]).toEqual({ code: 'X', component: 1, files: [1, 2], pages: 2 });
  });

  it('handed over for an import that failed are dropped', async () => {
    let next = 1;
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'upload_file') {
        if (next === 3) throw info({ code: 'invalid', message: 'Các tệp đã chọn quá lớn.', field: 'files' });
        return next++;
      }
      return null;
    });
    const pages = ['1', '2', '3'].map((n) => new File([n], `trang-${n}.jpg`));
    const run = vi.fn();
    await expect(importFiles(pages, run)).rejects.toMatchObject({ field: 'files' });
    expect(run).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(invoke).toHaveBeenCalledWith('files_discard', { files: [1, 2] }));
  });
});

describe('toErrorInfo', () => {
  it('keeps ErrorInfo and fills missing parts', () => {
    expect(toErrorInfo({ code: 'not_found', message: 'm' })).toEqual({
      code: 'not_found',
      message: 'm',
      hint: '',
      field: null,
      params: {},
    });
    expect(toErrorInfo({ code: 'forbidden', message: 'm', params: { roles: 'supervisor', n: 3 } }).params).toEqual({
      roles: 'supervisor',
    });
  });

  it('treats an unknown code, a string or anything else as internal', () => {
    expect(toErrorInfo({ code: 'from_the_future', message: 'Lỗi mới.' })).toMatchObject({
      code: 'internal',
      message: 'Lỗi mới.',
    });
    // A Tauri-level string (unknown command, unreadable arguments) is never shown raw.
    const raw = toErrorInfo('invalid args `input` for command `dossier_intake`: premature end of input');
    expect(raw.code).toBe('internal');
    expect(raw.message).not.toContain('invalid args');
    expect(raw.message).not.toBe('');
    expect(toErrorInfo(new TypeError('no bridge')).code).toBe('internal');
    expect(toErrorInfo(undefined).message).not.toBe('');
  });
});

describe('errorText', () => {
  const forbidden = info({
    code: 'forbidden',
    message: 'Tài khoản của bạn không có quyền thực hiện thao tác này (cần vai trò: Lãnh đạo, giám sát, Quản trị hệ thống).',
    params: { roles: 'supervisor,administrator' },
  });
  const expired = info({
    code: 'session_expired',
    message: 'Phiên làm việc đã hết hạn do không thao tác trong 15 phút. Hãy đăng nhập lại.',
    params: { idleMinutes: '15' },
  });

  it('shows the desk’s own sentence and hint in Vietnamese', () => {
    expect(errorText(info({ message: 'Sai mật khẩu.', hint: 'Thử lại.' }))).toBe('Sai mật khẩu. Thử lại.');
    expect(errorText(info({ message: 'Sai mật khẩu.' }))).toBe('Sai mật khẩu.');
    expect(errorText(forbidden)).toBe(forbidden.message);
    expect(errorText(expired)).toBe(expired.message);
  });

  it('falls back to the code’s Vietnamese sentence', () => {
    expect(errorText(info({ code: 'session_expired', params: { idleMinutes: '15' } }))).toBe(
      'Phiên làm việc đã hết hạn. Không có thao tác nào trong 15 phút. Hãy đăng nhập lại.',
    );
  });

  it('translates by code in English, with the parameters', () => {
    locale.lang = 'en';
    expect(errorText(forbidden)).toBe(
      'Your account is not allowed to do this. Roles allowed: Supervisor, Administrator.',
    );
    expect(errorText(expired)).toBe(
      'Your session has ended. There was no activity for 15 minutes. Please sign in again.',
    );
    expect(
      errorText(info({ code: 'bad_credentials', message: 'Sai.', params: { lockoutThreshold: '5', lockoutMinutes: '15' } })),
    ).toBe(
      'Could not sign in: the user name or password is wrong, or the account is locked. After 5 wrong tries in a row the account is locked for 15 minutes. Ask an administrator for help.',
    );
    expect(errorText(info({ code: 'bad_scan', message: 'x', params: { path: 'trang-1.jpg' } }))).toBe(
      'The scan or PDF cannot be used. File: trang-1.jpg. Scan it again or choose another file.',
    );
  });

  it('leaves out a part whose parameter is missing', () => {
    locale.lang = 'en';
    expect(errorText(info({ code: 'bad_credentials', message: 'Sai.' }))).toBe(
      'Could not sign in: the user name or password is wrong, or the account is locked.',
    );
    expect(errorText(info({ code: 'forbidden', message: 'x' }))).toBe('Your account is not allowed to do this.');
  });

  it('names the field at fault in English', () => {
    locale.lang = 'en';
    expect(errorText(info({ message: 'Họ và tên không được để trống.', field: 'fullName' }))).toBe(
      'Something you entered cannot be used. Field: Full name. Correct it and try again.',
    );
    expect(errorText(info({ message: 'x', field: 'somethingElse' }))).toBe(
      'Something you entered cannot be used. Correct it and try again.',
    );
  });

  it('keeps the sentence and the hint apart for the start-up screen', () => {
    locale.lang = 'en';
    expect(errorParts(info({ code: 'store_too_new', message: 'x', hint: 'y' }))).toEqual({
      message: 'The data was written by a newer version of BHXH Desk.',
      hint: 'Install the latest version of BHXH Desk.',
    });
  });
});

describe('the error sentences', () => {
  const tables = { vi: viErrors, en: enErrors };

  it('cover every code in both languages', () => {
    expect(ERROR_CODES).toHaveLength(57);
    for (const [lang, table] of Object.entries(tables)) {
      expect(Object.keys(table).sort(), lang).toEqual([...ERROR_CODES].sort());
      for (const code of ERROR_CODES) {
        expect(table[code].message.trim(), `${lang} ${code}`).not.toBe('');
      }
    }
  });

  it('take no parameters in the message, only known ones elsewhere, the same in both languages', () => {
    const known = [
      'idleMinutes',
      'lockoutThreshold',
      'lockoutMinutes',
      'until',
      'path',
      'count',
      'roles',
      'printer',
      'server',
    ];
    for (const code of ERROR_CODES) {
      for (const table of Object.values(tables)) {
        expect(placeholders(table[code].message), code).toEqual([]);
        for (const p of [...placeholders(table[code].detail ?? ''), ...placeholders(table[code].hint ?? '')]) {
          expect(known, code).toContain(p);
        }
      }
      const names = (s: { detail?: string; hint?: string }) =>
        [...placeholders(s.detail ?? ''), ...placeholders(s.hint ?? '')].sort();
      expect(names(enErrors[code]), code).toEqual(names(viErrors[code]));
    }
  });
});

describe('Job', () => {
  it('keeps the busy flag and the error of a run', async () => {
    const job = new Job();
    let finish: (v: number) => void = () => undefined;
    const running = job.run(() => new Promise<number>((resolve) => (finish = resolve)));
    expect(job.busy).toBe(true);
    finish(7);
    expect(await running).toBe(7);
    expect(job.busy).toBe(false);
    expect(job.error).toBe('');

    const failed = await job.run(() => Promise.reject(info({ code: 'forbidden', message: 'Không có quyền.' })));
    expect(failed).toBeUndefined();
    expect(job.busy).toBe(false);
    expect(job.error).toBe('Không có quyền.');
    expect(job.info?.code).toBe('forbidden');
  });

  it('follows a change of language', async () => {
    const job = new Job();
    await job.run(() => Promise.reject(info({ message: 'Sai.', field: 'percent' })));
    expect(job.error).toBe('Sai.');
    expect(job.field).toBe('percent');
    locale.lang = 'en';
    expect(job.error).toBe('Something you entered cannot be used. Field: Completion rate. Correct it and try again.');
  });

  it('shows a failure the screen found itself, and clears', () => {
    const job = new Job();
    job.fail('Mật khẩu nhập lại không khớp.');
    expect(job.error).toBe('Mật khẩu nhập lại không khớp.');
    expect(job.field).toBeNull();
    job.clear();
    expect(job.error).toBe('');
  });

  it('has a plain counterpart', async () => {
    const seen: string[] = [];
    expect(await attempt(() => Promise.resolve(1), (m) => seen.push(m))).toBe(1);
    expect(await attempt(() => Promise.reject('boom'), (m) => seen.push(m))).toBeUndefined();
    // A raw Tauri string is not shown as is: the desk's own sentence is.
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('lỗi nội bộ');
    expect(seen[0]).not.toContain('boom');
  });
});
