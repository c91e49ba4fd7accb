/**
 * The command contract between this UI and the Rust side (Tauri 2).
 *
 * Every call goes through `call()`, which turns any rejection into an
 * `ErrorInfo`. Rust serialises with camelCase field names.
 * If a command rejects with `session_expired` or `not_signed_in`, the
 * handler registered with `onSessionLost` is told (App returns to sign-in)
 * and the promise still rejects, so callers can stop what they were doing.
 */
import { invoke } from '@tauri-apps/api/core';
import { t } from './i18n';

// ---- Types (JSON is camelCase) ------------------------------------------

/** `message` and `hint` come already in Vietnamese from the Rust side. */
export type ErrorInfo = { code: string; message: string; hint: string; field: string | null };

export type Role = 'counter_officer' | 'digitisation_officer' | 'supervisor' | 'administrator';

export type Office = {
  name: string;
  parentAgency: string;
  agencyCode: string;
  provinceCode: string;
  provinceName: string;
  address: string;
};

export type SessionInfo = {
  userId: number;
  username: string;
  fullName: string;
  role: Role;
  roleLabel: string;
  signedInAt: string;
};

export type Stage = 'needs_setup' | 'ready';

export type Status = {
  stage: Stage;
  office: Office | null;
  session: SessionInfo | null;
  idleMinutes: number;
  dataDir: string;
  keyringBackend: string;
  version: string;
};

export type Province = { code: string; name: string };

export type OfficeInput = {
  name: string;
  parentAgency: string;
  agencyCode: string;
  provinceCode: string;
  address: string;
};

export type SetupInput = {
  office: OfficeInput;
  adminUsername: string;
  adminFullName: string;
  adminPassword: string;
};

export type Section = { number: number; title: string };
export type Target = { indicator: string; value: number; unit: string };
export type DeadlineKind = 'month' | 'year' | 'ongoing' | 'recurring' | 'roadmap';
export type ProvinceRole = 'lead' | 'coordinating' | 'not_involved';

export type Task = {
  number: number;
  section: number;
  numberInSource: boolean;
  content: string;
  leadUnit: string;
  coordinatingUnits: string;
  deadlineText: string;
  deadlineKind: DeadlineKind;
  deadline: string | null;
  product: string;
  target: Target | null;
  provinceRole: ProvinceRole;
  /** The latest deadline or target change HQ sent down, applied to this task. */
  hqChange: { seq: number; publishedAt: string; note: string } | null;
};

export type Plan = {
  decision: string;
  decisionDate: string;
  title: string;
  sections: Section[];
  tasks: Task[];
};

export type Staff = {
  id: number;
  username: string;
  fullName: string;
  role: Role;
  active: boolean;
  lockedUntil: string | null;
  lastSignIn: string | null;
  createdAt: string;
};

export type NewStaff = { username: string; fullName: string; role: Role };

export type AuditEntry = {
  seq: number;
  at: string;
  actorId: number | null;
  actorUsername: string;
  action: string;
  entity: string;
  entityId: string;
  detail: string;
};

export type CheckReport = {
  ok: boolean;
  integrityProblems: string[];
  auditEntries: number;
  auditProblems: string[];
};

export type Component = { number: number; name: string; copies: number; original: boolean };

export type ComponentInput = { name: string; copies: number; original: boolean };
export type ProcedureEdit = { name: string; processingDays: number; components: ComponentInput[] };

export type Procedure = {
  code: string;
  codeIsNational: boolean;
  name: string;
  group: string;
  processingDays: number;
  components: Component[];
};

export type Sex = 'male' | 'female';
export type Channel = 'counter' | 'post';
export type IdentitySource = 'typed' | 'qr' | 'chip';
export type DossierStatus =
  | 'received'
  | 'digitising'
  | 'digitised'
  | 'processing'
  | 'result_ready'
  | 'returned'
  | 'supplement_requested'
  | 'refused';

export type Applicant = {
  idNumber: string;
  fullName: string;
  birthDate: string;
  sex: Sex;
  address: string;
  phone: string;
  email: string;
};

export type IntakeInput = {
  procedureCode: string;
  applicant: Applicant;
  identitySource: IdentitySource;
  channel: Channel;
  returnVia: Channel;
  sets: number;
  receivedComponents: number[];
};

export type ApplicantPrefill = {
  idNumber: string;
  fullName: string;
  birthDate: string;
  sex: Sex | null;
  address: string;
};

export type DossierComponent = {
  number: number;
  name: string;
  copies: number;
  original: boolean;
  received: boolean;
};

export type DossierEvent = {
  at: string;
  staffName: string;
  fromStatus: DossierStatus | null;
  toStatus: DossierStatus;
  note: string;
};

export type Dossier = {
  code: string;
  procedureCode: string;
  procedureName: string;
  processingDays: number;
  applicantId: string;
  applicantName: string;
  applicantBirthDate: string;
  applicantSex: Sex;
  address: string;
  phone: string;
  email: string;
  identitySource: IdentitySource;
  channel: Channel;
  returnVia: Channel;
  sets: number;
  receivedAt: string;
  dueOn: string;
  registerYear: number;
  registerNo: number;
  receivedByName: string;
  status: DossierStatus;
  statusLabel: string;
  nextStatuses: DossierStatus[];
  components: DossierComponent[];
  events: DossierEvent[];
};

export type Intake = { dossier: Dossier; warnings: string[] };

export type DossierSummary = {
  code: string;
  applicantName: string;
  applicantId: string;
  procedureCode: string;
  procedureName: string;
  receivedAt: string;
  dueOn: string;
  status: DossierStatus;
  statusLabel: string;
  late: boolean;
};

export type DossierQuery = {
  text: string;
  status?: DossierStatus | null;
  from?: string | null;
  to?: string | null;
  procedureCode?: string | null;
  limit?: number | null;
};

export type FileRecord = {
  role: 'original' | 'assembled';
  sha256: string;
  fileName: string;
  mediaType: string;
  bytes: number;
  pages: number;
  warnings: string[];
};

export type ImportedComponent = {
  code: string;
  component: number;
  pages: number;
  files: FileRecord[];
  warnings: string[];
  status: DossierStatus;
  statusLabel: string;
};

/** An offer comes from a component of an earlier dossier, or one of its results. */
export type ReuseSourceKind = 'component' | 'result';

export type ReuseCandidate = {
  sourceCode: string;
  sourceKind: ReuseSourceKind;
  /** The component's number, or the result's. */
  sourceComponent: number;
  componentName: string;
  sha256: string;
  fileName: string;
  mediaType: string;
  bytes: number;
  pages: number;
  digitisedAt: string;
  digitisedBy: string;
};

export type Reused = {
  code: string;
  component: number;
  fromCode: string;
  fromKind: ReuseSourceKind;
  fromComponent: number;
  pages: number;
  status: DossierStatus;
  statusLabel: string;
};

export type Evidence = {
  id: number;
  period: string;
  taskNumber: number;
  sha256: string;
  fileName: string;
  mediaType: string;
  bytes: number;
  addedAt: string;
  addedBy: string;
};

export type ReportSettings = {
  signerAuthority: string;
  signerTitle: string;
  signerName: string;
  recipients: string[];
};

export type InboxInfo = { dir: string; settleSeconds: number };

export type InboxReport = {
  dir: string;
  seen: number;
  taken: string[];
  filed: { file: string; code: string; component: number; pages: number; statusLabel: string; warnings: string[] }[];
  triaged: { id: number; file: string; pages: number; reason: string }[];
  waiting: string[];
  duplicates: string[];
  notes: string[];
  errors: { file: string; code: string; message: string }[];
};

export type TriageItem = {
  id: number;
  sha256: string;
  fileName: string;
  firstPage: number;
  pageCount: number;
  reason: string;
  codeRead: string | null;
  createdAt: string;
  filedAt: string | null;
  filedCode: string | null;
  filedComponent: number | null;
  filedBy: string | null;
};

/** A digitised result of a dossier (decision, book, card handed back). */
export type ResultLine = {
  number: number;
  name: string;
  reusable: boolean;
  addedAt: string;
  addedBy: string;
  sha256: string;
  pages: number;
  files: FileRecord[];
};

export type ImportedResult = {
  code: string;
  number: number;
  name: string;
  reusable: boolean;
  pages: number;
  files: FileRecord[];
  warnings: string[];
  status: DossierStatus;
  statusLabel: string;
};

export type FileLine = {
  component: number;
  role: 'original' | 'assembled';
  sha256: string;
  fileName: string;
  mediaType: string;
  bytes: number;
  pages: number;
  warnings: string[];
  addedAt: string;
  addedBy: string;
};

export type SyncProblem = {
  id: string;
  stream: string;
  itemId: string;
  revision: number;
  outcome: string;
  hqRevision: number | null;
  detail: string | null;
  at: string | null;
};

export type SyncStatus = {
  configured: boolean;
  hqUrl: string | null;
  officeCode: string | null;
  online: boolean;
  lastSyncAt: string | null;
  lastAttemptAt: string | null;
  queued: number;
  acknowledged: number;
  conflicts: SyncProblem[];
  consecutiveFailures: number;
  lastError: ErrorInfo | null;
  directives: number;
};

export type Directive = {
  id: string;
  seq: number;
  title: string;
  body: string;
  publishedAt: string;
  receivedAt: string;
};

export type ProgressStatus = 'not_started' | 'in_progress' | 'done' | 'late';

export type ProgressInput = {
  taskNumber: number;
  status: ProgressStatus;
  percent: number;
  indicatorValue: number | null;
  narrative: string;
  /** Needed (supervisors only) when the indicator differs from the app's own figure. */
  overrideReason: string | null;
};

export type AutoIndicator = { taskNumber: number; value: number; source: string };

export type ProgressEntry = {
  period: string;
  taskNumber: number;
  status: ProgressStatus;
  statusLabel: string;
  percent: number;
  indicatorValue: number | null;
  narrative: string;
  updatedBy: string;
  updatedAt: string;
  autoValue: number | null;
  overrideReason: string;
};

export type ReportKind = 'month' | 'half' | 'year';

export type ReportRecord = {
  uuid: string;
  kind: ReportKind;
  period: string;
  revision: number;
  status: 'draft' | 'approved';
  number: string;
  reason: string;
  createdAt: string;
  approvedBy: string;
  approvedAt: string | null;
};

export type MonthProgress = {
  auto: AutoIndicator[];
  period: string;
  label: string;
  frozen: boolean;
  entries: ProgressEntry[];
  revisions: ReportRecord[];
};

export type ReportRow = {
  taskNumber: number;
  section: number;
  content: string;
  leadUnit: string;
  deadlineText: string;
  provinceRole: ProvinceRole;
  target: Target | null;
  progress: ProgressEntry | null;
};

export type Snapshot = {
  uuid: string;
  kind: ReportKind;
  period: string;
  periodLabel: string;
  revision: number;
  status: 'draft' | 'approved';
  number: string;
  approvedBy: string;
  approvedAt: string | null;
  sections: Section[];
  rows: ReportRow[];
};

export type ExportedReport = { stem: string; status: 'draft' | 'approved'; revision: number; files: string[] };

export type ImportField = 'bhxh_number' | 'full_name' | 'birth_date' | 'sex' | 'id_number';
export type Mapping = {
  bhxhNumber: number;
  fullName: number;
  birthDate: number;
  sex: number;
  idNumber: number | null;
};
export type RowProblem = { line: number; errors: string[]; warnings: string[] };
export type ImportReport = {
  totalRows: number;
  validRows: number;
  errorRows: number;
  warningRows: number;
  problems: RowProblem[];
  inserted: number;
  updated: number;
  unchanged: number;
  imported: boolean;
};
export type ImportOutcome = {
  headers: string[];
  mapping: Mapping | null;
  missing: string[];
  preview: string[][];
  report: ImportReport | null;
};
export type ImportMode = 'all_or_nothing' | 'valid_rows';
export type Participant = {
  bhxhNumber: string;
  fullName: string;
  birthDate: string;
  sex: 'male' | 'female';
  idNumber: string | null;
  status: 'unverified' | 'verified';
  verifiedAt: string | null;
  verifiedMethod: 'chip' | 'manual' | null;
};
export type VerifiedShare = { verified: number; total: number; percent: number };

export type Risk = 'overdue' | 'reported_late' | 'at_risk';
export type Attention = { taskNumber: number; risk: Risk; deadline: string | null; percent: number };

// ---- Errors ---------------------------------------------------------------

export const SESSION_LOST_CODES: readonly string[] = ['session_expired', 'not_signed_in'];

export function isErrorInfo(value: unknown): value is ErrorInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string';
}

/** Normalise whatever a command rejected with into an ErrorInfo. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (isErrorInfo(error)) {
    const e = error as ErrorInfo & { hint?: unknown; field?: unknown };
    return {
      code: e.code,
      message: e.message,
      hint: typeof e.hint === 'string' ? e.hint : '',
      field: typeof e.field === 'string' && e.field !== '' ? e.field : null,
    };
  }
  if (typeof error === 'string' && error.trim() !== '') {
    // A plain string from Rust (e.g. a Tauri-level failure such as an unknown command).
    return { code: 'internal', message: error, hint: '', field: null };
  }
  // No Tauri bridge (plain browser) or a JS exception inside invoke().
  return {
    code: 'ipc_unavailable',
    message: t('error.ipc.message'),
    hint: t('error.ipc.hint'),
    field: null,
  };
}

export function isSessionLost(error: ErrorInfo): boolean {
  return SESSION_LOST_CODES.includes(error.code);
}

/** "message hint" for display; the hint is left out when empty. */
export function errorText(error: ErrorInfo): string {
  return error.hint ? `${error.message} ${error.hint}` : error.message;
}

type SessionLostHandler = (error: ErrorInfo) => void;
let sessionLostHandler: SessionLostHandler | null = null;

/** Register the handler for session_expired / not_signed_in. Returns an unregister function. */
export function onSessionLost(handler: SessionLostHandler): () => void {
  sessionLostHandler = handler;
  return () => {
    if (sessionLostHandler === handler) sessionLostHandler = null;
  };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    const error = toErrorInfo(raw);
    if (isSessionLost(error) && sessionLostHandler) sessionLostHandler(error);
    throw error;
  }
}

// ---- Commands ---------------------------------------------------------------

export const api = {
  /** Rejects when the store could not be opened (keyring_unavailable, keyring_locked, key_missing, wrong_key, store_error…). */
  appStatus: () => call<Status>('app_status'),
  appRetryOpen: () => call<Status>('app_retry_open'),
  /** No session needed. */
  provinces: () => call<Province[]>('provinces'),
  setup: (input: SetupInput) => call<Status>('setup', { input }),
  signIn: (username: string, password: string) =>
    call<SessionInfo>('sign_in', { username, password }),
  signOut: () => call<null>('sign_out'),
  touch: () => call<null>('touch'),
  plan: () => call<Plan>('plan'),
  procedures: () => call<Procedure[]>('procedures'),
  /** Administrator only; audited with the values before and after. */
  procedureUpdate: (code: string, edit: ProcedureEdit) =>
    call<Procedure>('procedure_update', { code, edit }),
  progressMonth: (month: string) => call<MonthProgress>('progress_month', { month }),
  /** Supervisor or administrator; refused with `conflict` when the month's report is approved. */
  progressSave: (month: string, input: ProgressInput) =>
    call<ProgressEntry>('progress_save', { month, input }),
  attention: () => call<Attention[]>('attention'),
  reportCurrent: (kind: ReportKind, period: string) =>
    call<Snapshot>('report_current', { kind, period }),
  reportRevisions: (kind: ReportKind, period: string) =>
    call<ReportRecord[]>('report_revisions', { kind, period }),
  /** Supervisor only. */
  reportApprove: (kind: ReportKind, period: string, number: string) =>
    call<Snapshot>('report_approve', { kind, period, number }),
  /** Supervisor only. */
  reportReopen: (kind: ReportKind, period: string, reason: string) =>
    call<ReportRecord>('report_reopen', { kind, period, reason }),
  /** PDF (Decree 30/2020) and XLSX into Documents/BHXH Desk/Báo cáo; audited. */
  reportExport: (kind: ReportKind, period: string) =>
    call<ExportedReport>('report_export', { kind, period }),
  /** Supervisor or administrator. `bytes` is the file as read by the window. */
  progressEvidence: (month: string) => call<Evidence[]>('progress_evidence', { month }),
  /** Supervisor or administrator; the file is sealed in the encrypted file store. */
  progressEvidenceAdd: (month: string, task: number, name: string, bytes: number[]) =>
    call<Evidence>('progress_evidence_add', { month, task, name, bytes }),
  /** Decrypted into Documents/BHXH Desk/Minh chứng; returns the path. Audited. */
  progressEvidenceExport: (id: number) => call<string>('progress_evidence_export', { id }),
  reportSettings: () => call<ReportSettings>('report_settings'),
  /** Supervisor or administrator; audited. */
  reportSettingsSave: (settings: ReportSettings) => call<ReportSettings>('report_settings_save', { settings }),
  participantsImport: (
    name: string,
    bytes: number[],
    mapping: Mapping | null,
    mode: ImportMode,
    dryRun: boolean,
  ) => call<ImportOutcome>('participants_import', { name, bytes, mapping, mode, dryRun }),
  participantsSearch: (query: string, limit: number) =>
    call<Participant[]>('participants_search', { query, limit }),
  participantsShare: () => call<VerifiedShare>('participants_share'),
  participantVerifyManual: (bhxhNumber: string, note: string) =>
    call<null>('participant_verify_manual', { bhxhNumber, note }),
  /** Counter officer, supervisor or administrator. */
  dossierIntake: (input: IntakeInput) => call<Intake>('dossier_intake', { input }),
  dossierGet: (code: string) => call<Dossier>('dossier_get', { code }),
  dossierSetStatus: (code: string, to: DossierStatus, note: string) =>
    call<Dossier>('dossier_set_status', { code, to, note }),
  dossierSearch: (query: DossierQuery) => call<DossierSummary[]>('dossier_search', { query }),
  /** Form 01 into Documents/BHXH Desk/Hồ sơ; returns the file's path. Audited. */
  dossierReceipt: (code: string) => call<string>('dossier_receipt', { code }),
  /** Form 02 (supplement), 03 (refusal) or 05 (tracking) into Documents; returns the path. Audited. */
  dossierForm: (code: string, form: 'supplement' | 'refusal' | 'tracking') =>
    call<string>('dossier_form', { code, form }),
  /** The yearly register, form 06, into Documents; returns the path. Audited. */
  dossierRegister: (year: number) => call<string>('dossier_register', { year }),
  /** The applicant from the QR text on the front of a CCCD. */
  cccdQrApplicant: (text: string) => call<ApplicantPrefill>('cccd_qr_applicant', { text }),
  /** Scans (JPEG/PNG/TIFF, page order) or one PDF for one component; checked before anything is stored. */
  dossierImport: (
    code: string,
    component: number,
    files: { name: string; bytes: number[] }[],
    pages: number | null,
  ) => call<ImportedComponent>('dossier_import', { code, component, files, pages }),
  dossierFiles: (code: string) => call<FileLine[]>('dossier_files', { code }),
  /** Decrypted component PDFs into Documents/BHXH Desk/Hồ sơ/<code>; audited. */
  dossierExport: (code: string) => call<string[]>('dossier_export', { code }),
  /** The applicant's papers of this kind digitised for earlier dossiers. */
  dossierReuseCandidates: (code: string, component: number) =>
    call<ReuseCandidate[]>('dossier_reuse_candidates', { code, component }),
  dossierReuse: (
    code: string,
    component: number,
    fromCode: string,
    fromKind: ReuseSourceKind,
    fromComponent: number,
  ) => call<Reused>('dossier_reuse', { code, component, fromCode, fromKind, fromComponent }),
  /** Digitise a result (dossier processed or later); `reusable` offers it at later intakes. */
  dossierResultImport: (
    code: string,
    name: string,
    reusable: boolean,
    files: { name: string; bytes: number[] }[],
    pages: number | null,
  ) => call<ImportedResult>('dossier_result_import', { code, name, reusable, files, pages }),
  dossierResults: (code: string) => call<ResultLine[]>('dossier_results', { code }),
  dossierResultSetReusable: (code: string, number: number, reusable: boolean) =>
    call<ResultLine[]>('dossier_result_set_reusable', { code, number, reusable }),
  inboxInfo: () => call<InboxInfo>('inbox_info'),
  /** Poll the scan inbox now: files cover-sheeted parts, sets the rest aside. */
  inboxScanNow: () => call<InboxReport>('inbox_scan_now'),
  inboxTriage: (includeFiled: boolean) => call<TriageItem[]>('inbox_triage', { includeFiled }),
  inboxAssign: (id: number, code: string, component: number) =>
    call<ImportedComponent>('inbox_assign', { id, code, component }),
  syncStatus: () => call<SyncStatus>('sync_status'),
  /** Wakes the background worker; poll syncStatus for the outcome. */
  syncNow: () => call<SyncStatus>('sync_now'),
  syncDirectives: (limit: number) => call<Directive[]>('sync_directives', { limit }),
  /** Administrator only; the token is kept only in the OS keyring. */
  syncConfigure: (url: string, token: string) => call<SyncStatus>('sync_configure', { url, token }),
  staffList: () => call<Staff[]>('staff_list'),
  staffCreate: (input: NewStaff, password: string) =>
    call<Staff>('staff_create', { input, password }),
  staffUnlock: (id: number) => call<null>('staff_unlock', { id }),
  auditList: (limit: number) => call<AuditEntry[]>('audit_list', { limit }),
  dbCheck: () => call<CheckReport>('db_check'),
} as const;
