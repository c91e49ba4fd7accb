/**
 * Who may do what. The desk decides (its policy table, `docs/roles.md`) and
 * says so in `SessionInfo.allowed`; the window only shows what is allowed
 * and never decides by role itself. Role names are the i18n's `role.*`.
 */
import type { Action, Role, SessionInfo } from './api/bindings';
import { tOr } from './i18n';

// Every role, in the order the staff form offers them (a Record, so a role
// added on the Rust side and missing here fails the type check).
const ROLE_ORDER: Record<Role, number> = {
  counter_officer: 1,
  digitisation_officer: 2,
  supervisor: 3,
  administrator: 4,
};

export const ROLES: readonly Role[] = (Object.keys(ROLE_ORDER) as Role[]).sort(
  (a, b) => ROLE_ORDER[a] - ROLE_ORDER[b],
);

/** Whether the signed-in member of staff may do `action`. */
export function can(session: Pick<SessionInfo, 'allowed'> | null | undefined, action: Action): boolean {
  return session?.allowed.includes(action) ?? false;
}

/** A role's name in the current language (a code it does not know shows as it is). */
export function roleLabel(role: string): string {
  return tOr(`role.${role}`, role);
}
