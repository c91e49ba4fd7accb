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

/**
 * A result (decision, book, card handed back) is digitised once the dossier
 * has been handled: while processing (which makes the result ready), when
 * ready, or after it was returned. The desk refuses it earlier too.
 */
export function canDigitiseResult(status: DossierStatus): boolean {
  return status === 'processing' || status === 'result_ready' || status === 'returned';
}

/** Usual names of results, offered as suggestions (any name may be typed). */
export const RESULT_NAMES: readonly string[] = [
  'Sổ BHXH',
  'Thẻ BHYT',
  'Quyết định hưởng chế độ ốm đau',
  'Quyết định hưởng chế độ thai sản',
  'Quyết định hưởng BHXH một lần',
  'Quyết định hưởng lương hưu',
  'Quyết định hưởng trợ cấp hằng tháng',
  'Văn bản trả lời',
] as const;
