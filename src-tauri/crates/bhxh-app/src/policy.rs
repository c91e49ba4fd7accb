//! Who may do what: the one table every permission check reads.
//!
//! Each operation of the desk is an [`Action`]; [`Action::roles`] says which
//! roles may do it (none listed: anyone signed in). `Desk::authorize` checks
//! the session, the idle timeout and this table, and nothing else decides a
//! permission. The table is written out for people in `docs/roles.md` by a
//! test, which fails when the document no longer matches the code.

use bhxh_core::office::accounts::Role;
use serde::{Deserialize, Serialize};

/// An operation of the desk, as far as permissions go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// Anything that only shows the plan, its progress, reference data or
    /// the screens' own settings; also a sign of activity ("touch").
    ViewPlan,
    EditCatalogue,
    /// Place the office among the 34 units and set its level and name.
    EditOffice,
    RecordProgress,
    /// Enter a figure other than the one the desk computed itself.
    OverrideAutoFigure,
    ApproveReport,
    ExportReport,
    EditReportSettings,
    ExportEvidence,
    ImportParticipants,
    SearchParticipants,
    VerifyParticipant,
    RecordCardCheck,
    TakeIn,
    ViewDossier,
    MoveDossier,
    PrintPaper,
    Digitise,
    ExportDossier,
    ConfigureInbox,
    ManageStaff,
    ViewAudit,
    Backup,
    Restore,
    ConfigureSync,
    /// Choose the office's signing token, its module and key.
    ConfigureSigning,
    /// Sign a dossier's PDFs with the token.
    SignDossier,
}

use Role::{Administrator as A, CounterOfficer as C, DigitisationOfficer as D, Supervisor as S};

/// Anyone signed in.
const ANYONE: &[Role] = &[];

impl Action {
    pub const ALL: [Action; 27] = [
        Action::ViewPlan,
        Action::EditCatalogue,
        Action::EditOffice,
        Action::RecordProgress,
        Action::OverrideAutoFigure,
        Action::ApproveReport,
        Action::ExportReport,
        Action::EditReportSettings,
        Action::ExportEvidence,
        Action::ImportParticipants,
        Action::SearchParticipants,
        Action::VerifyParticipant,
        Action::RecordCardCheck,
        Action::TakeIn,
        Action::ViewDossier,
        Action::MoveDossier,
        Action::PrintPaper,
        Action::Digitise,
        Action::ExportDossier,
        Action::ConfigureInbox,
        Action::ManageStaff,
        Action::ViewAudit,
        Action::Backup,
        Action::Restore,
        Action::ConfigureSync,
        Action::ConfigureSigning,
        Action::SignDossier,
    ];

    /// The roles that may do it; empty means anyone signed in.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Action::ViewPlan
            | Action::ExportReport
            | Action::ExportEvidence
            | Action::SearchParticipants
            | Action::RecordCardCheck
            | Action::ViewDossier
            | Action::MoveDossier
            | Action::PrintPaper
            | Action::ExportDossier => ANYONE,
            Action::EditCatalogue
            | Action::EditOffice
            | Action::ManageStaff
            | Action::Backup
            | Action::Restore
            | Action::ConfigureSync
            | Action::ConfigureSigning => &[A],
            Action::RecordProgress
            | Action::EditReportSettings
            | Action::ImportParticipants
            | Action::ConfigureInbox
            | Action::ViewAudit => &[S, A],
            Action::OverrideAutoFigure | Action::ApproveReport => &[S],
            Action::VerifyParticipant | Action::TakeIn => &[C, S, A],
            Action::Digitise | Action::SignDossier => &[D, C, S, A],
        }
    }

    /// Whether `role` may do it.
    pub fn allows(self, role: Role) -> bool {
        let roles = self.roles();
        roles.is_empty() || roles.contains(&role)
    }

    /// What it is, in Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            Action::ViewPlan => "Xem kế hoạch, tiến độ, danh mục",
            Action::EditCatalogue => "Sửa danh mục thủ tục",
            Action::EditOffice => "Sửa thông tin cơ quan (tỉnh, thành phố; cấp)",
            Action::RecordProgress => "Ghi tiến độ và minh chứng",
            Action::OverrideAutoFigure => "Ghi số liệu khác số liệu tự động",
            Action::ApproveReport => "Duyệt và mở lại báo cáo",
            Action::ExportReport => "Xuất báo cáo",
            Action::EditReportSettings => "Đặt người ký và nơi nhận báo cáo",
            Action::ExportEvidence => "Xuất tệp minh chứng",
            Action::ImportParticipants => "Nhập danh sách người tham gia",
            Action::SearchParticipants => "Tra cứu người tham gia",
            Action::VerifyParticipant => "Xác thực số định danh thủ công",
            Action::RecordCardCheck => "Kiểm tra thẻ CCCD",
            Action::TakeIn => "Tiếp nhận hồ sơ",
            Action::ViewDossier => "Xem, tìm hồ sơ",
            Action::MoveDossier => "Chuyển trạng thái hồ sơ",
            Action::PrintPaper => "In giấy tờ một cửa",
            Action::Digitise => "Số hóa hồ sơ, kết quả",
            Action::ExportDossier => "Xuất tệp hồ sơ đã số hóa",
            Action::ConfigureInbox => "Cài đặt hộp thư quét",
            Action::ManageStaff => "Quản lý tài khoản",
            Action::ViewAudit => "Xem nhật ký kiểm toán",
            Action::Backup => "Sao lưu dữ liệu",
            Action::Restore => "Khôi phục dữ liệu",
            Action::ConfigureSync => "Cài đặt đồng bộ với BHXH Việt Nam",
            Action::ConfigureSigning => "Cài đặt token ký số",
            Action::SignDossier => "Ký số tệp hồ sơ",
        }
    }

    /// What it is, in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Action::ViewPlan => "View the plan, progress, catalogue",
            Action::EditCatalogue => "Edit the procedure catalogue",
            Action::EditOffice => "Edit the office (province or city, level)",
            Action::RecordProgress => "Record progress and evidence",
            Action::OverrideAutoFigure => "Enter a figure other than the computed one",
            Action::ApproveReport => "Approve and reopen reports",
            Action::ExportReport => "Export reports",
            Action::EditReportSettings => "Set the report's signer and recipients",
            Action::ExportEvidence => "Export evidence files",
            Action::ImportParticipants => "Import participant lists",
            Action::SearchParticipants => "Search participants",
            Action::VerifyParticipant => "Verify an ID number by hand",
            Action::RecordCardCheck => "Check chip ID cards",
            Action::TakeIn => "Take dossiers in",
            Action::ViewDossier => "View and find dossiers",
            Action::MoveDossier => "Move a dossier along its flow",
            Action::PrintPaper => "Print one-stop papers",
            Action::Digitise => "Digitise papers and results",
            Action::ExportDossier => "Export digitised files",
            Action::ConfigureInbox => "Set up the scan inbox",
            Action::ManageStaff => "Manage staff accounts",
            Action::ViewAudit => "View the audit log",
            Action::Backup => "Back up the data",
            Action::Restore => "Restore the data",
            Action::ConfigureSync => "Set up sync with HQ",
            Action::ConfigureSigning => "Set up the signing token",
            Action::SignDossier => "Sign dossier files",
        }
    }
}

/// The role matrix as a Markdown table (what `docs/roles.md` holds).
pub fn matrix_markdown() -> String {
    let roles = Role::ALL;
    let mut out = String::from(
        "# Ai được làm gì / Who may do what\n\n\
         Generated from `bhxh-app/src/policy.rs` by its test \
         `the_role_matrix_in_the_docs_is_the_code_s`; do not edit by hand \
         (`BHXH_BLESS=1 cargo test -p bhxh-app policy` rewrites it).\n\n\
         ✓ = allowed. An action open to every role needs only a signed-in, \
         not idle, active account.\n\n| Thao tác / Action |",
    );
    for r in roles {
        out.push_str(&format!(" {} |", r.label_vi()));
    }
    out.push_str("\n| --- |");
    for _ in roles {
        out.push_str(" :---: |");
    }
    out.push('\n');
    for a in Action::ALL {
        out.push_str(&format!("| {} / {} |", a.label_vi(), a.label_en()));
        for r in roles {
            out.push_str(if a.allows(r) { " ✓ |" } else { " |" });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn every_action_is_listed_once() {
        for (i, a) in Action::ALL.iter().enumerate() {
            assert!(!Action::ALL[..i].contains(a), "{a:?} twice");
        }
    }

    #[test]
    fn the_powers_that_matter_stay_where_they_belong() {
        // Approving a report freezes a month: supervisors only.
        assert_eq!(Action::ApproveReport.roles(), &[Role::Supervisor]);
        // Staff, backups and HQ's token: administrators only.
        for a in [
            Action::ManageStaff,
            Action::Backup,
            Action::Restore,
            Action::ConfigureSync,
        ] {
            assert_eq!(a.roles(), &[Role::Administrator], "{a:?}");
        }
        // A digitisation officer digitises but takes nothing in.
        assert!(Action::Digitise.allows(Role::DigitisationOfficer));
        assert!(!Action::TakeIn.allows(Role::DigitisationOfficer));
        assert!(!Action::ViewAudit.allows(Role::CounterOfficer));
    }

    #[test]
    fn the_role_matrix_in_the_docs_is_the_code_s() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../docs/roles.md");
        let want = matrix_markdown();
        if std::env::var_os("BHXH_BLESS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/roles.md is stale: run `BHXH_BLESS=1 cargo test -p bhxh-app policy`"
        );
    }
}
