import type { Role } from './api';

export const ROLES: readonly Role[] = [
  'counter_officer',
  'digitisation_officer',
  'supervisor',
  'administrator',
] as const;

/** Staff accounts, db check, account creation. */
export function canManageStaff(role: Role): boolean {
  return role === 'administrator';
}

/** Audit log: administrators and supervisors. */
export function canSeeAudit(role: Role): boolean {
  return role === 'administrator' || role === 'supervisor';
}

/** Monthly progress entries: supervisors and administrators. */
export function canEnterProgress(role: Role): boolean {
  return role === 'supervisor' || role === 'administrator';
}

/** Approving and reopening reports: supervisors only. */
export function canApproveReports(role: Role): boolean {
  return role === 'supervisor';
}

/** Taking dossiers in at the desk: counter officers, supervisors, administrators (as the Rust side). */
export function canTakeIn(role: Role): boolean {
  return role !== 'digitisation_officer';
}
