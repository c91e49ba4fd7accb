import { afterEach, describe, expect, it } from 'vitest';
import { locale } from './i18n';
import { ROLES, can, roleLabel } from './roles';

describe('can', () => {
  it('reads what the desk allows the session', () => {
    const supervisor = { allowed: ['viewPlan', 'approveReport', 'viewAudit'] as const };
    const session = { allowed: [...supervisor.allowed] };
    expect(can(session, 'approveReport')).toBe(true);
    expect(can(session, 'manageStaff')).toBe(false);
    expect(can({ allowed: [] }, 'viewPlan')).toBe(false);
    expect(can(null, 'viewPlan')).toBe(false);
  });
});

describe('roles', () => {
  afterEach(() => {
    locale.lang = 'vi';
  });

  it('are offered in the usual order, each with a name in both languages', () => {
    expect(ROLES).toEqual(['counter_officer', 'digitisation_officer', 'supervisor', 'administrator']);
    expect(roleLabel('supervisor')).toBe('Cán bộ giám sát');
    locale.lang = 'en';
    expect(ROLES.map(roleLabel)).toEqual(['Counter officer', 'Digitisation officer', 'Supervisor', 'Administrator']);
    expect(roleLabel('auditor')).toBe('auditor');
  });
});
