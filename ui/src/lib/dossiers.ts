import type { DossierStatus } from './api';

// Every status, in the order of the one-stop flow (a Record, so a status
// added on the Rust side and missing here fails the type check).
const FLOW_ORDER: Record<DossierStatus, number> = {
  received: 1,
  digitising: 2,
  digitised: 3,
  processing: 4,
  result_ready: 5,
  returned: 6,
  supplement_requested: 7,
  refused: 8,
  stopped: 9,
};

/** Every status, in the order of the one-stop flow (for filters). */
export const DOSSIER_STATUSES: readonly DossierStatus[] = (Object.keys(FLOW_ORDER) as DossierStatus[]).sort(
  (a, b) => FLOW_ORDER[a] - FLOW_ORDER[b],
);

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

/**
 * The procedure an officer means by the digits typed on the procedure list:
 * the one whose code ends in that number (`4` or `04` → BHXH.04, `12` →
 * BHXH.12), else the first whose code's digits end with them (`67` →
 * 1.001667). The list's own type-ahead still takes letters (a full code).
 * `null` when nothing matches.
 */
export function procedureByDigits(codes: readonly string[], typed: string): string | null {
  if (!/^\d+$/.test(typed)) return null;
  const n = Number(typed);
  const tail = (code: string) => /(\d+)$/.exec(code)?.[1] ?? '';
  const exact = codes.find((c) => tail(c) !== '' && Number(tail(c)) === n);
  if (exact) return exact;
  return codes.find((c) => c.replace(/\D/g, '').endsWith(typed)) ?? null;
}
