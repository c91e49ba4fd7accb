import type { DossierStatus } from './api';

export { canTakeIn } from './roles';

/** Every status, in the order of the one-stop flow (for filters). */
export const DOSSIER_STATUSES: readonly DossierStatus[] = [
  'received',
  'digitising',
  'digitised',
  'processing',
  'result_ready',
  'returned',
  'supplement_requested',
  'refused',
] as const;
