/**
 * UI strings. Vietnamese is the primary language; English is switchable.
 * Both dictionaries must have the same keys (checked by i18n.test.ts).
 * Messages that come from the Rust side (ErrorInfo.message/hint) are already
 * Vietnamese and are shown as they are in both languages.
 */
import { locale, setLang, type Lang } from './locale.svelte';

export { locale, setLang, type Lang };

export const vi = {
  'app.name': 'BHXH Desk',
  'app.skip': 'Bỏ qua đến nội dung chính',
  'app.loading': 'Đang mở dữ liệu…',
  'app.version': 'Phiên bản {version}',

  'lang.label': 'Ngôn ngữ',
  'lang.vi': 'Tiếng Việt',
  'lang.en': 'Tiếng Anh (English)',

  'common.required': 'Vui lòng nhập mục này.',
  'common.loading': 'Đang tải…',
  'common.reload': 'Tải lại',
  'common.fixFields': 'Vui lòng kiểm tra các mục được đánh dấu.',

  'error.ipc.message': 'Không liên lạc được với phần lõi của ứng dụng.',
  'error.ipc.hint': 'Hãy đóng rồi mở lại BHXH Desk. Nếu lỗi còn lặp lại, báo cho quản trị viên.',

  'startup.kicker': 'BHXH Desk chưa mở được dữ liệu',
  'startup.code': 'Mã lỗi',
  'startup.dataDir': 'Thư mục dữ liệu',
  'startup.retry': 'Thử lại',
  'startup.retrying': 'Đang thử lại…',

  'setup.title': 'Thiết lập lần đầu',
  'setup.intro':
    'Máy này chưa được thiết lập. Nhập thông tin cơ quan bảo hiểm xã hội và tạo tài khoản quản trị viên đầu tiên.',
  'setup.officeSection': 'Thông tin cơ quan',
  'setup.officeName': 'Tên cơ quan',
  'setup.officeNameHint': 'ví dụ Bảo hiểm xã hội tỉnh Hòa Bình',
  'setup.parentAgency': 'Cơ quan chủ quản',
  'setup.parentAgencyDefault': 'Bảo hiểm xã hội Việt Nam',
  'setup.agencyCode': 'Mã định danh điện tử của cơ quan',
  'setup.agencyCodeHint': 'ví dụ 000.00.17.H23',
  'setup.province': 'Tỉnh, thành phố',
  'setup.provincePlaceholder': '— Chọn tỉnh, thành phố —',
  'setup.provinceHint': 'ví dụ 017 – Hòa Bình',
  'setup.address': 'Địa chỉ trụ sở',
  'setup.adminSection': 'Tài khoản quản trị viên đầu tiên',
  'setup.adminUsername': 'Tên đăng nhập',
  'setup.adminFullName': 'Họ và tên',
  'setup.adminPassword': 'Mật khẩu',
  'setup.adminPassword2': 'Nhập lại mật khẩu',
  'setup.passwordMismatch': 'Mật khẩu nhập lại không khớp.',
  'setup.submit': 'Hoàn tất thiết lập',
  'setup.submitting': 'Đang lưu…',
  'setup.done': 'Đã thiết lập xong. Hãy đăng nhập bằng tài khoản quản trị viên vừa tạo.',

  'signin.title': 'Đăng nhập',
  'signin.username': 'Tên đăng nhập',
  'signin.password': 'Mật khẩu',
  'signin.submit': 'Đăng nhập',
  'signin.submitting': 'Đang đăng nhập…',
  'signin.required': 'Nhập tên đăng nhập và mật khẩu.',
  'signin.idle': 'Phiên làm việc đã kết thúc do không thao tác trong {n} phút.',
  'signin.signedOut': 'Bạn đã đăng xuất.',

  'header.office': 'Cơ quan',
  'header.user': 'Người dùng',
  'header.online': 'Trực tuyến',
  'header.offline': 'Ngoại tuyến',
  'header.onlineTitle':
    'Máy tính đang có kết nối mạng. Việc đồng bộ dữ liệu với cơ quan BHXH cấp trên được cấu hình trong mục “Đồng bộ”.',
  'header.offlineTitle':
    'Máy tính đang không có kết nối mạng; dữ liệu trên máy này vẫn dùng được. Việc đồng bộ dữ liệu với cơ quan BHXH cấp trên được cấu hình trong mục “Đồng bộ”.',
  'header.signout': 'Đăng xuất',

  'nav.label': 'Chức năng',
  'nav.shortcut': 'Phím tắt Alt+{n}',
  'nav.intake': 'Tiếp nhận hồ sơ',
  'nav.digitise': 'Số hóa',
  'nav.cccd': 'Kiểm tra CCCD',
  'nav.plan': 'Kế hoạch Đề án 06',
  'nav.reports': 'Báo cáo',
  'nav.sync': 'Đồng bộ',
  'nav.admin': 'Quản trị',

  'screen.later': 'Chức năng này sẽ có trong phiên bản tới.',

  'plan.decision': 'Quyết định {decision} ngày {date}',
  'plan.count': '{n} nhiệm vụ',
  'plan.countOne': '{n} nhiệm vụ',
  'plan.ofTotal': '(trong tổng số {n})',
  'plan.filterLabel': 'Lọc theo vai trò của tỉnh',
  'plan.filter.all': 'Tất cả',
  'plan.filter.lead': 'Tỉnh chủ trì',
  'plan.filter.coordinating': 'Tỉnh phối hợp',
  'plan.filter.not_involved': 'Tỉnh không tham gia',
  'plan.search': 'Tìm nhiệm vụ',
  'plan.searchHint': 'Gõ có dấu hoặc không dấu, ví dụ “can cuoc”.',
  'plan.empty': 'Không có nhiệm vụ nào phù hợp.',
  'plan.recovered': 'Số thứ tự được khôi phục',
  'plan.recoveredLegend': 'Số thứ tự được khôi phục (văn bản gốc không ghi số).',
  'plan.col.number': 'STT',
  'plan.col.task': 'Nhiệm vụ',
  'plan.col.lead': 'Đơn vị chủ trì',
  'plan.col.deadline': 'Thời hạn',
  'plan.col.role': 'Vai trò của tỉnh',
  'plan.coordinating': 'Đơn vị phối hợp',
  'plan.product': 'Sản phẩm',
  'plan.target': 'Chỉ tiêu',
  'plan.overdue': 'Đã qua hạn',
  'plan.role.lead': 'Chủ trì',
  'plan.role.coordinating': 'Phối hợp',
  'plan.role.not_involved': 'Không tham gia',

  'role.counter_officer': 'Cán bộ tiếp nhận hồ sơ',
  'role.digitisation_officer': 'Cán bộ số hóa',
  'role.supervisor': 'Cán bộ giám sát',
  'role.administrator': 'Quản trị viên',

  'admin.title': 'Quản trị',
  'admin.staff': 'Tài khoản cán bộ',
  'admin.col.username': 'Tên đăng nhập',
  'admin.col.fullName': 'Họ và tên',
  'admin.col.role': 'Vai trò',
  'admin.col.status': 'Trạng thái',
  'admin.col.lastSignIn': 'Đăng nhập gần nhất',
  'admin.col.createdAt': 'Ngày tạo',
  'admin.col.actions': 'Thao tác',
  'admin.status.active': 'Đang hoạt động',
  'admin.status.inactive': 'Ngừng hoạt động',
  'admin.status.locked': 'Đang khóa đến {time}',
  'admin.never': 'Chưa đăng nhập',
  'admin.unlock': 'Mở khóa',
  'admin.unlockNamed': 'Mở khóa tài khoản {username}',
  'admin.unlocked': 'Đã mở khóa tài khoản {username}.',
  'admin.noStaff': 'Chưa có tài khoản nào.',
  'admin.create': 'Tạo tài khoản mới',
  'admin.staffUsername': 'Tên đăng nhập',
  'admin.staffFullName': 'Họ và tên',
  'admin.staffRole': 'Vai trò',
  'admin.staffPassword': 'Mật khẩu ban đầu',
  'admin.staffSubmit': 'Tạo tài khoản',
  'admin.staffCreated': 'Đã tạo tài khoản {username}.',
  'admin.check': 'Kiểm tra dữ liệu',
  'admin.checkTitle': 'Kiểm tra toàn vẹn dữ liệu',
  'admin.checkRunning': 'Đang kiểm tra…',
  'admin.checkOk': 'Dữ liệu toàn vẹn. Nhật ký kiểm toán có {n} bản ghi, không phát hiện sai lệch.',
  'admin.checkFail': 'Phát hiện vấn đề trong dữ liệu. Báo ngay cho bộ phận công nghệ thông tin.',
  'admin.integrityProblems': 'Cơ sở dữ liệu',
  'admin.auditProblems': 'Nhật ký kiểm toán ({n} bản ghi)',
  'admin.audit': 'Nhật ký kiểm toán',
  'admin.auditNote': '100 bản ghi gần nhất.',
  'admin.auditEmpty': 'Chưa có bản ghi.',
  'admin.audit.seq': 'Số',
  'admin.audit.at': 'Thời điểm',
  'admin.audit.actor': 'Người thực hiện',
  'admin.audit.action': 'Thao tác',
  'admin.audit.entity': 'Đối tượng',
  'admin.audit.detail': 'Chi tiết',
  'admin.supervisorNote': 'Quản lý tài khoản và kiểm tra dữ liệu do quản trị viên thực hiện.',
} as const;

export type MessageKey = keyof typeof vi;

export const en: Record<MessageKey, string> = {
  'app.name': 'BHXH Desk',
  'app.skip': 'Skip to main content',
  'app.loading': 'Opening data…',
  'app.version': 'Version {version}',

  'lang.label': 'Language',
  'lang.vi': 'Vietnamese (Tiếng Việt)',
  'lang.en': 'English',

  'common.required': 'Please fill in this field.',
  'common.loading': 'Loading…',
  'common.reload': 'Reload',
  'common.fixFields': 'Please check the highlighted fields.',

  'error.ipc.message': 'Could not reach the application core.',
  'error.ipc.hint': 'Close and reopen BHXH Desk. If the problem persists, tell your administrator.',

  'startup.kicker': 'BHXH Desk could not open its data',
  'startup.code': 'Error code',
  'startup.dataDir': 'Data folder',
  'startup.retry': 'Try again',
  'startup.retrying': 'Trying again…',

  'setup.title': 'First-time setup',
  'setup.intro':
    'This computer has not been set up yet. Enter the social security office details and create the first administrator account.',
  'setup.officeSection': 'Office',
  'setup.officeName': 'Office name',
  'setup.officeNameHint': 'e.g. Bảo hiểm xã hội tỉnh Hòa Bình',
  'setup.parentAgency': 'Parent agency',
  'setup.parentAgencyDefault': 'Bảo hiểm xã hội Việt Nam',
  'setup.agencyCode': 'Agency electronic identifier',
  'setup.agencyCodeHint': 'e.g. 000.00.17.H23',
  'setup.province': 'Province or city',
  'setup.provincePlaceholder': '— Choose a province or city —',
  'setup.provinceHint': 'e.g. 017 – Hòa Bình',
  'setup.address': 'Office address',
  'setup.adminSection': 'First administrator account',
  'setup.adminUsername': 'Username',
  'setup.adminFullName': 'Full name',
  'setup.adminPassword': 'Password',
  'setup.adminPassword2': 'Repeat password',
  'setup.passwordMismatch': 'The passwords do not match.',
  'setup.submit': 'Finish setup',
  'setup.submitting': 'Saving…',
  'setup.done': 'Setup is complete. Sign in with the administrator account you just created.',

  'signin.title': 'Sign in',
  'signin.username': 'Username',
  'signin.password': 'Password',
  'signin.submit': 'Sign in',
  'signin.submitting': 'Signing in…',
  'signin.required': 'Enter your username and password.',
  'signin.idle': 'Your session ended after {n} minutes without activity.',
  'signin.signedOut': 'You have signed out.',

  'header.office': 'Office',
  'header.user': 'User',
  'header.online': 'Online',
  'header.offline': 'Offline',
  'header.onlineTitle':
    'This computer has a network connection. Data synchronisation with the higher-level BHXH office is configured under “Sync”.',
  'header.offlineTitle':
    'This computer has no network connection; data on this computer remains available. Data synchronisation with the higher-level BHXH office is configured under “Sync”.',
  'header.signout': 'Sign out',

  'nav.label': 'Functions',
  'nav.shortcut': 'Shortcut Alt+{n}',
  'nav.intake': 'Application intake',
  'nav.digitise': 'Digitisation',
  'nav.cccd': 'CCCD check',
  'nav.plan': 'Project 06 plan',
  'nav.reports': 'Reports',
  'nav.sync': 'Sync',
  'nav.admin': 'Administration',

  'screen.later': 'This function will arrive in a later version.',

  'plan.decision': 'Decision {decision} of {date}',
  'plan.count': '{n} tasks',
  'plan.countOne': '{n} task',
  'plan.ofTotal': '(of {n} in total)',
  'plan.filterLabel': 'Filter by the province’s role',
  'plan.filter.all': 'All',
  'plan.filter.lead': 'Province leads',
  'plan.filter.coordinating': 'Province coordinates',
  'plan.filter.not_involved': 'Province not involved',
  'plan.search': 'Search tasks',
  'plan.searchHint': 'With or without Vietnamese diacritics, e.g. “can cuoc”.',
  'plan.empty': 'No task matches.',
  'plan.recovered': 'Number recovered',
  'plan.recoveredLegend': 'Number recovered (not numbered in the source document).',
  'plan.col.number': 'No.',
  'plan.col.task': 'Task',
  'plan.col.lead': 'Lead unit',
  'plan.col.deadline': 'Deadline',
  'plan.col.role': 'Province’s role',
  'plan.coordinating': 'Coordinating units',
  'plan.product': 'Output',
  'plan.target': 'Target',
  'plan.overdue': 'Deadline passed',
  'plan.role.lead': 'Lead',
  'plan.role.coordinating': 'Coordinating',
  'plan.role.not_involved': 'Not involved',

  'role.counter_officer': 'Counter officer',
  'role.digitisation_officer': 'Digitisation officer',
  'role.supervisor': 'Supervisor',
  'role.administrator': 'Administrator',

  'admin.title': 'Administration',
  'admin.staff': 'Staff accounts',
  'admin.col.username': 'Username',
  'admin.col.fullName': 'Full name',
  'admin.col.role': 'Role',
  'admin.col.status': 'Status',
  'admin.col.lastSignIn': 'Last sign-in',
  'admin.col.createdAt': 'Created',
  'admin.col.actions': 'Actions',
  'admin.status.active': 'Active',
  'admin.status.inactive': 'Inactive',
  'admin.status.locked': 'Locked until {time}',
  'admin.never': 'Never signed in',
  'admin.unlock': 'Unlock',
  'admin.unlockNamed': 'Unlock account {username}',
  'admin.unlocked': 'Account {username} unlocked.',
  'admin.noStaff': 'No accounts yet.',
  'admin.create': 'Create a new account',
  'admin.staffUsername': 'Username',
  'admin.staffFullName': 'Full name',
  'admin.staffRole': 'Role',
  'admin.staffPassword': 'Initial password',
  'admin.staffSubmit': 'Create account',
  'admin.staffCreated': 'Account {username} created.',
  'admin.check': 'Check data',
  'admin.checkTitle': 'Data integrity check',
  'admin.checkRunning': 'Checking…',
  'admin.checkOk': 'Data is intact. The audit log has {n} entries and no discrepancies.',
  'admin.checkFail': 'Problems were found in the data. Tell the IT department at once.',
  'admin.integrityProblems': 'Database',
  'admin.auditProblems': 'Audit log ({n} entries)',
  'admin.audit': 'Audit log',
  'admin.auditNote': 'Latest 100 entries.',
  'admin.auditEmpty': 'No entries yet.',
  'admin.audit.seq': 'No.',
  'admin.audit.at': 'Time',
  'admin.audit.actor': 'By',
  'admin.audit.action': 'Action',
  'admin.audit.entity': 'Object',
  'admin.audit.detail': 'Detail',
  'admin.supervisorNote': 'Account management and data checks are done by an administrator.',
};

export const dictionaries: Record<Lang, Record<MessageKey, string>> = { vi, en };

export type Params = Record<string, string | number>;

/** Replace {name} placeholders; unknown placeholders are left as they are. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/**
 * Translate `key` in the current language. Reading `locale.lang` here makes
 * every template that calls t() re-render when the language changes.
 */
export function t(key: MessageKey, params?: Params): string {
  const dict = dictionaries[locale.lang] ?? vi;
  return interpolate(dict[key] ?? vi[key] ?? key, params);
}

/** Count phrase: "{n} nhiệm vụ" / "1 task" / "27 tasks". */
export function tCount(one: MessageKey, other: MessageKey, n: number): string {
  return t(n === 1 ? one : other, { n });
}
