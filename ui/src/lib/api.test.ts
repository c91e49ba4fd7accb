import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { api, errorText, onSessionLost, toErrorInfo } = await import('./api');

describe('api', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('passes the command names and arguments of the contract', async () => {
    invoke.mockResolvedValue(null);
    await api.signIn('nva', 'secret');
    await api.staffCreate({ username: 'ttb', fullName: 'Trần Thị B', role: 'counter_officer' }, 'pw');
    await api.staffUnlock(4);
    await api.auditList(100);
    await api.appStatus();
    expect(invoke.mock.calls).toEqual([
      ['sign_in', { username: 'nva', password: 'secret' }],
      ['staff_create', { input: { username: 'ttb', fullName: 'Trần Thị B', role: 'counter_officer' }, password: 'pw' }],
      ['staff_unlock', { id: 4 }],
      ['audit_list', { limit: 100 }],
      ['app_status', undefined],
    ]);
  });

  it('rejects with ErrorInfo and reports lost sessions', async () => {
    const lost = vi.fn();
    const off = onSessionLost(lost);
    const info = { code: 'session_expired', message: 'Phiên đã hết hạn.', hint: '', field: null };
    invoke.mockRejectedValue(info);
    await expect(api.plan()).rejects.toEqual(info);
    expect(lost).toHaveBeenCalledWith(info);

    invoke.mockRejectedValue({ code: 'validation', message: 'Sai.', hint: 'Sửa lại.', field: 'username' });
    await expect(api.plan()).rejects.toMatchObject({ field: 'username' });
    expect(lost).toHaveBeenCalledTimes(1);
    off();
  });
});

describe('toErrorInfo', () => {
  it('keeps ErrorInfo and fills missing parts', () => {
    expect(toErrorInfo({ code: 'x', message: 'm' })).toEqual({ code: 'x', message: 'm', hint: '', field: null });
  });
  it('wraps strings and unknown values', () => {
    expect(toErrorInfo('command plan not found').code).toBe('internal');
    expect(toErrorInfo(new TypeError('no bridge')).code).toBe('ipc_unavailable');
  });
  it('joins message and hint', () => {
    expect(errorText({ code: 'a', message: 'Sai mật khẩu.', hint: 'Thử lại.', field: null })).toBe('Sai mật khẩu. Thử lại.');
    expect(errorText({ code: 'a', message: 'Sai mật khẩu.', hint: '', field: null })).toBe('Sai mật khẩu.');
  });
});
