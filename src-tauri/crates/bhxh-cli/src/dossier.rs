//! `bhxh-desk dossier …` and `bhxh-desk search`: intake, the receipt and the
//! other one-stop forms, one dossier, and the search box, for scripts and for
//! the counter without a window.

use std::path::PathBuf;
use std::process::ExitCode;

use bhxh_app::DeskError;
use bhxh_app::dossiers::ImportedComponent;
use bhxh_app::dto::Sex;
use bhxh_app::dto::{
    Applicant, ComponentPages, DossierStatus as Status, IdentitySource, IntakeChannel, IntakeInput,
    Organisation, PageMove, SearchQuery,
};
use clap::{Args, Subcommand};

use crate::{Ctx, UserArg, personal};

#[derive(Debug, Subcommand)]
pub enum DossierCommand {
    /// Tiếp nhận hồ sơ: in mã hồ sơ và ngày hẹn trả.
    New(Box<NewArgs>),
    /// In Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01, A5, hai liên) ra tệp PDF.
    Receipt {
        code: String,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        auth: UserArg,
    },
    /// In một mẫu giấy của hồ sơ ra tệp PDF (A4), theo bộ mẫu có hiệu lực
    /// vào ngày tiếp nhận hồ sơ: trước 01/7/2025 Thông tư 01/2018/TT-VPCP
    /// (02 bổ sung, 03 từ chối, 04 xin lỗi, 05 phiếu kiểm soát), từ 01/7/2025
    /// Thông tư 03/2025/TT-VPCP (02 bổ sung, 03 từ chối, 04 xin lỗi và gia
    /// hạn, 05 dừng giải quyết, 06 phiếu kiểm soát).
    Form {
        code: String,
        /// Số mẫu: 01 … 07.
        #[arg(long)]
        form: String,
        #[arg(long)]
        out: PathBuf,
        /// Phát hành điện tử: ký số giấy bằng token của cơ quan (cần quyền
        /// ký số). Mã PIN từ BHXH_DESK_TOKEN_PIN hoặc dòng tiếp theo của
        /// stdin (sau mật khẩu); không bao giờ lưu.
        #[arg(long)]
        sign: bool,
        #[command(flatten)]
        auth: UserArg,
    },
    /// In một giấy của hồ sơ qua hệ thống in của máy (CUPS): mặc định giấy
    /// tiếp nhận (mẫu 01). Tệp tạm riêng bị xóa ngay khi hệ thống in đã nhận.
    Print {
        code: String,
        /// Số mẫu: 01 … 07 (mặc định 01).
        #[arg(long, default_value = "01")]
        form: String,
        /// Hàng đợi in (mặc định: máy in mặc định; xem: bhxh-desk printers list).
        #[arg(long)]
        printer: Option<String>,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Gia hạn ngày hẹn trả kết quả (in kèm văn bản xin lỗi, mẫu 04).
    Extend {
        code: String,
        /// Ngày hẹn mới: YYYY-MM-DD hoặc DD/MM/YYYY.
        #[arg(long)]
        to: String,
        /// Lý do chậm trả kết quả.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        auth: UserArg,
    },
    /// In Sổ theo dõi hồ sơ của một năm (A4 ngang) ra tệp PDF.
    Register {
        /// Năm của sổ, ví dụ 2024.
        #[arg(long)]
        year: i32,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Số hóa một thành phần hồ sơ: các ảnh quét JPEG/PNG/TIFF (theo thứ tự
    /// trang; một tệp TIFF nhiều trang cho tất cả các trang) ghép thành một
    /// PDF, hoặc một tệp PDF giữ nguyên từng byte.
    Import {
        code: String,
        /// Số thứ tự thành phần hồ sơ.
        #[arg(long)]
        component: u32,
        /// Số trang của bản giấy (để đối chiếu).
        #[arg(long)]
        pages: Option<u32>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Số hóa một kết quả giải quyết của hồ sơ (quyết định, sổ, thẻ…) như
    /// một thành phần; hồ sơ phải đã chuyển xử lý. Kết quả được đánh dấu dùng
    /// lại (đề nghị ở các lần tiếp nhận sau của cùng người nộp) trừ khi có
    /// --not-reusable.
    Result {
        code: String,
        /// Tên kết quả, ví dụ "Sổ BHXH" hoặc "Quyết định hưởng chế độ ốm đau".
        #[arg(long)]
        name: String,
        /// Không đề nghị dùng lại kết quả này.
        #[arg(long)]
        not_reusable: bool,
        /// Số trang của bản giấy (để đối chiếu).
        #[arg(long)]
        pages: Option<u32>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Xuất các tệp PDF đã số hóa của hồ sơ (giải mã) ra thư mục: bản mới
    /// nhất của mỗi tệp (bản đã ký số nếu có).
    Export {
        code: String,
        #[arg(long)]
        out: PathBuf,
        /// Chỉ xuất khi mọi tệp đều đã có chữ ký số.
        #[arg(long, conflicts_with = "archive")]
        signed: bool,
        /// Xuất bản lưu trữ PDF/A-2b của các thành phần số hóa từ ảnh quét,
        /// có lớp chữ ẩn do OCR đọc để tìm kiếm (<mã>_tpN_luu-tru.pdf).
        #[arg(long)]
        archive: bool,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Ký số tệp PDF của hồ sơ bằng token của cơ quan. Mã PIN từ
    /// BHXH_DESK_TOKEN_PIN hoặc dòng tiếp theo của stdin (sau mật khẩu);
    /// không bao giờ lưu, không tự thử lại.
    Sign(crate::signing::SignArgs),
    /// Chữ trong giấy tờ của hồ sơ, do nhận dạng chữ (OCR) đọc được, và các
    /// trang không đọc được.
    Text {
        code: String,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Các chữ ký số trên từng tệp PDF của hồ sơ, kiểm tra ngay: người ký,
    /// thời điểm ký, toàn vẹn, chuỗi chứng thư, thu hồi.
    Signatures {
        code: String,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Các trang của một thành phần đã số hóa; xoay, xóa hoặc sắp lại trang
    /// (tạo bản PDF mới của thành phần; tệp quét gốc giữ nguyên).
    Pages {
        code: String,
        /// Số thứ tự thành phần.
        #[arg(long)]
        component: u32,
        /// Xoay trang P thêm DEG độ theo chiều kim đồng hồ (P:90, P:-90,
        /// P:180); lặp lại được.
        #[arg(long, value_name = "P:DEG", value_parser = parse_turn)]
        rotate: Vec<(u32, i32)>,
        /// Bỏ trang P (số trang hiện tại); lặp lại được.
        #[arg(long, value_name = "P")]
        delete: Vec<u32>,
        /// Thứ tự mới của các trang còn lại, ví dụ 3,1,2.
        #[arg(long, value_delimiter = ',')]
        order: Vec<u32>,
        /// Chuyển các trang này (số trang hiện tại, ví dụ 3-5,7) sang thành
        /// phần --to của cùng hồ sơ; tệp quét gốc giữ nguyên.
        #[arg(
            long = "move",
            value_name = "TRANG",
            value_parser = parse_pages,
            requires = "to",
            conflicts_with_all = ["rotate", "delete", "order"]
        )]
        moving: Option<PageList>,
        /// Thành phần nhận các trang chuyển sang.
        #[arg(long, requires = "moving")]
        to: Option<u32>,
        /// Vị trí (từ 1) của trang chuyển đầu tiên trong thành phần nhận;
        /// không ghi: sau trang cuối.
        #[arg(long, requires = "moving")]
        at: Option<u32>,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Xem một hồ sơ: thành phần, trạng thái, lịch sử xử lý.
    Show {
        code: String,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Chuyển trạng thái hồ sơ (received, digitising, digitised, processing,
    /// result_ready, returned, supplement_requested, refused).
    Status {
        code: String,
        to: String,
        /// Lý do (bắt buộc khi yêu cầu bổ sung hoặc từ chối).
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        auth: UserArg,
    },
}

#[derive(Debug, Args)]
#[command(after_help = PERSONAL_HELP)]
pub struct NewArgs {
    /// Mã thủ tục trong danh mục, ví dụ BHXH.01.
    #[arg(long)]
    pub procedure: String,
    /// Đọc dữ liệu người nộp từ tệp JSON (hoặc "-": stdin, sau dòng mật
    /// khẩu), các trường trùng tên tùy chọn: {"applicant-id", "name", "dob",
    /// "sex", "address", "phone", "email"}.
    #[arg(long, value_name = "FILE|-")]
    pub from_json: Option<PathBuf>,
    /// Số định danh cá nhân (12 chữ số). Lộ với người dùng khác qua ps: dùng --from-json.
    #[arg(long)]
    pub applicant_id: Option<String>,
    /// Họ và tên. Lộ với người dùng khác qua ps: dùng --from-json.
    #[arg(long)]
    pub name: Option<String>,
    /// Ngày sinh YYYY-MM-DD. Lộ với người dùng khác qua ps: dùng --from-json.
    #[arg(long)]
    pub dob: Option<String>,
    /// nam | nu
    #[arg(long)]
    pub sex: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// Số thứ tự các thành phần hồ sơ đã nhận, ví dụ 1,2 (mặc định: tất cả).
    #[arg(long, value_delimiter = ',')]
    pub components: Vec<u32>,
    /// Nhận hồ sơ qua bưu chính (mặc định: tại quầy).
    #[arg(long)]
    pub by_post: bool,
    /// Trả kết quả qua bưu chính (mặc định: tại quầy).
    #[arg(long)]
    pub return_by_post: bool,
    /// Tổ chức nộp hồ sơ (đơn vị sử dụng lao động): mã đơn vị do BHXH cấp;
    /// người nộp ở trên là người được tổ chức cử đến.
    #[arg(long, requires = "org_name")]
    pub org_code: Option<String>,
    /// Tên tổ chức nộp hồ sơ.
    #[arg(long, requires = "org_tax_code")]
    pub org_name: Option<String>,
    /// Mã số thuế của tổ chức (10 chữ số, hoặc 10-3 với đơn vị phụ thuộc).
    #[arg(long, requires = "org_name")]
    pub org_tax_code: Option<String>,
    /// Địa chỉ của tổ chức.
    #[arg(long, requires = "org_name")]
    pub org_address: Option<String>,
    #[command(flatten)]
    pub auth: UserArg,
}

#[derive(Debug, Args)]
#[command(after_help = PERSONAL_HELP)]
pub struct SearchArgs {
    /// Mã hồ sơ, số định danh, họ tên hoặc thủ tục (không cần dấu). Lộ với
    /// người dùng khác qua ps: dùng --from-json.
    pub text: Option<String>,
    /// Đọc nội dung tìm từ tệp JSON (hoặc "-": stdin, sau dòng mật khẩu): {"text": "…"}.
    #[arg(long, value_name = "FILE|-")]
    pub from_json: Option<PathBuf>,
    /// Chỉ hồ sơ ở trạng thái này.
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    #[command(flatten)]
    pub auth: UserArg,
}

/// What `--help` says under each command that takes personal data.
pub(crate) const PERSONAL_HELP: &str = "Dữ liệu cá nhân đưa bằng tham số dòng lệnh thì mọi người dùng khác \
của máy đều xem được (lệnh ps, /proc). Hãy dùng --from-json TỆP, hoặc --from-json - để đọc JSON từ \
stdin sau các dòng mật khẩu, ví dụ: printf '%s\\n%s\\n' \"$MAT_KHAU\" '{\"applicant-id\":\"…\"}' | \
bhxh-desk … --from-json - --user TÊN.";

/// The personal fields of `dossier new` in `--from-json`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct NewJson {
    applicant_id: Option<String>,
    name: Option<String>,
    dob: Option<String>,
    sex: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

/// `search`'s text in `--from-json`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchJson {
    text: Option<String>,
}

fn invalid(field: &'static str, message: String) -> DeskError {
    DeskError::invalid(field, message)
}

fn status_arg(s: &str) -> Result<Status, DeskError> {
    Status::parse(s.trim()).ok_or_else(|| {
        invalid(
            "status",
            format!(
                "Trạng thái \"{s}\" không có; dùng một trong: {}.",
                bhxh_app::dossiers::STATUS_NAMES.join(", ")
            ),
        )
    })
}

/// A date as a person types it: ISO (2026-12-02) or Vietnamese
/// (02/12/2026), never as the machine's locale would read it.
pub(crate) fn date_arg(field: &'static str, s: &str) -> Result<chrono::NaiveDate, DeskError> {
    let t = s.trim();
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map_err(|_| {
            invalid(
                field,
                format!("Ngày \"{s}\" không hợp lệ: viết YYYY-MM-DD hoặc DD/MM/YYYY."),
            )
        })
}

/// A digitised component, for people.
pub(crate) fn write_imported(
    w: &mut dyn std::io::Write,
    done: &ImportedComponent,
) -> std::io::Result<()> {
    writeln!(
        w,
        "{}: thành phần {} đã số hóa ({} trang). Trạng thái: {}",
        done.code, done.component, done.pages, done.status_label
    )?;
    for warning in &done.warnings {
        writeln!(w, "Lưu ý: {warning}")?;
    }
    Ok(())
}

pub(crate) fn run(command: DossierCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match command {
        DossierCommand::New(a) => {
            let a = *a;
            let source = personal::Source::of(a.from_json.as_deref());
            let mut json = match &source {
                Some(personal::Source::File(p)) => personal::from_file::<NewJson>(p)?,
                _ => NewJson::default(),
            };
            let desk = ctx.signed_in(&a.auth)?;
            if let Some(personal::Source::Stdin) = source {
                json = personal::from_stdin(ctx)?;
            }
            let id_number = personal::required(a.applicant_id, json.applicant_id, "applicant-id")?;
            let full_name = personal::required(a.name, json.name, "name")?;
            let dob = personal::required(a.dob, json.dob, "dob")?;
            let sex = personal::required(a.sex, json.sex, "sex")?;
            let optional = |flag, json, name| {
                personal::either(flag, json, name).map(Option::unwrap_or_default)
            };
            let address = optional(a.address, json.address, "address")?;
            let phone = optional(a.phone, json.phone, "phone")?;
            let email = optional(a.email, json.email, "email")?;
            let birth_date = dob.trim().parse().map_err(|_| {
                invalid(
                    "dob",
                    format!("Ngày sinh \"{dob}\" phải có dạng YYYY-MM-DD."),
                )
            })?;
            let sex = Sex::parse(&sex)
                .ok_or_else(|| invalid("sex", format!("Giới tính \"{sex}\": dùng nam hoặc nu.")))?;
            let components = if a.components.is_empty() {
                desk.procedures()?
                    .into_iter()
                    .find(|p| p.code == a.procedure.trim())
                    .map(|p| p.components.iter().map(|c| c.number).collect())
                    .unwrap_or_default()
            } else {
                a.components
            };
            let channel = |post: bool| {
                if post {
                    IntakeChannel::Post
                } else {
                    IntakeChannel::Counter
                }
            };
            let intake = desk.dossier_intake(&IntakeInput {
                procedure_code: a.procedure,
                applicant: Applicant {
                    id_number,
                    full_name,
                    birth_date,
                    sex,
                    address,
                    phone,
                    email,
                },
                identity_source: IdentitySource::Typed,
                channel: channel(a.by_post),
                return_via: channel(a.return_by_post),
                sets: 1,
                received_components: components,
                organisation: a.org_name.map(|name| Organisation {
                    unit_code: a.org_code.unwrap_or_default(),
                    tax_code: a.org_tax_code.unwrap_or_default(),
                    name,
                    address: a.org_address.unwrap_or_default(),
                }),
            })?;
            desk.sign_out()?;
            let d = &intake.dossier;
            ctx.out.value(&intake, |w| {
                writeln!(w, "{}", d.code)?;
                writeln!(w, "Hẹn trả kết quả: {}", d.due_on.format("%d/%m/%Y"))?;
                for warning in &intake.warnings {
                    writeln!(w, "Lưu ý: {warning}")?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Receipt {
            code,
            out: file,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            desk.dossier_receipt_to(&code, &file)?;
            desk.sign_out()?;
            let path = file.display().to_string();
            ctx.out
                .value(&serde_json::json!({ "code": code, "file": path }), |w| {
                    writeln!(w, "Đã ghi giấy tiếp nhận: {path}")
                });
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Form {
            code,
            form,
            out: file,
            sign,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            let written = if sign {
                let pin = ctx.secrets.get("BHXH_DESK_TOKEN_PIN", "mã PIN của token")?;
                let done = desk
                    .dossier_form_numbered(&code, &form)
                    .and_then(|f| desk.dossier_form_signed_to(&code, f, &file, &pin))
                    .map(Some);
                drop(pin);
                done
            } else {
                desk.dossier_form_by_number_to(&code, &form, &file)
                    .map(|()| None)
            };
            desk.sign_out()?;
            let signer = written?;
            let path = file.display().to_string();
            ctx.out.value(
                &serde_json::json!({ "code": code, "form": form, "file": path, "signedBy": signer }),
                |w| match &signer {
                    Some(who) => writeln!(w, "Đã ghi mẫu {form}, ký số bởi {who}: {path}"),
                    None => writeln!(w, "Đã ghi mẫu {form}: {path}"),
                },
            );
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Print {
            code,
            form,
            printer,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            let done = desk.dossier_print_by_number(&code, &form, printer.as_deref());
            desk.sign_out()?;
            let done = done?;
            ctx.out.value(&done, |w| crate::printed(w, &done));
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Extend {
            code,
            to,
            reason,
            auth,
        } => {
            let to = date_arg("to", &to)?;
            let desk = ctx.signed_in(&auth)?;
            let done = desk.dossier_extend(&code, to, &reason);
            desk.sign_out()?;
            let d = done?;
            ctx.out.value(&d, |w| {
                writeln!(
                    w,
                    "Hồ sơ {} hẹn trả mới: {}. In văn bản xin lỗi: bhxh-desk dossier form {} --form 04 --out …",
                    d.code,
                    d.due_on.format("%d/%m/%Y"),
                    d.code
                )
            });
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Register {
            year,
            out: file,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            desk.dossier_register_to(year, &file)?;
            desk.sign_out()?;
            let path = file.display().to_string();
            ctx.out
                .value(&serde_json::json!({ "year": year, "file": path }), |w| {
                    writeln!(w, "Đã ghi sổ theo dõi hồ sơ năm {year}: {path}")
                });
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Import {
            code,
            component,
            pages,
            files,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            let done = desk.dossier_import(&code, component, &files, pages)?;
            desk.sign_out()?;
            ctx.out.value(&done, |w| write_imported(w, &done));
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Result {
            code,
            name,
            not_reusable,
            pages,
            files,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            let done =
                desk.dossier_result_import_files(&code, &name, !not_reusable, &files, pages)?;
            desk.sign_out()?;
            ctx.out.value(&done, |w| {
                writeln!(
                    w,
                    "{}: kết quả {} \"{}\" đã số hóa ({} trang{}). Trạng thái: {}",
                    done.code,
                    done.number,
                    done.name,
                    done.pages,
                    if done.reusable {
                        ", dùng lại được"
                    } else {
                        ""
                    },
                    done.status_label
                )?;
                for warning in &done.warnings {
                    writeln!(w, "Lưu ý: {warning}")?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Sign(a) => crate::signing::sign(a, ctx),
        DossierCommand::Text { code, auth } => {
            let desk = ctx.signed_in(&auth)?;
            let t = desk.dossier_text(&code)?;
            desk.sign_out()?;
            ctx.out.value(&t, |w| {
                writeln!(w, "Đã đọc {} trang.", t.pages_read)?;
                for u in &t.unreadable {
                    writeln!(
                        w,
                        "Không đọc được: {} {} ({}), trang {}",
                        if u.kind == "result" {
                            "kết quả"
                        } else {
                            "thành phần"
                        },
                        u.number,
                        u.file_name,
                        u.page
                    )?;
                }
                writeln!(w, "{}", t.text)
            });
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Pages {
            code,
            component,
            rotate,
            delete,
            order,
            moving,
            to,
            at,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            let mut pages = desk.dossier_pages(&code, component)?;
            if let (Some(PageList(list)), Some(to)) = (moving, to) {
                // The version of the other component as it is now: the move
                // is refused if either changes before it is recorded.
                let to_sha256 = desk.dossier_pages_if_any(&code, to)?.map(|p| p.sha256);
                let moved = desk.dossier_pages_move(
                    &code,
                    &PageMove {
                        from_component: component,
                        pages: list,
                        to_component: to,
                        at,
                        from_sha256: pages.sha256,
                        to_sha256,
                    },
                )?;
                desk.sign_out()?;
                ctx.out.value(&moved, |w| {
                    match &moved.from {
                        Some(p) => write_pages(w, p)?,
                        None => writeln!(
                            w,
                            "Thành phần {component}: không còn trang nào (chưa số hóa)."
                        )?,
                    }
                    write_pages(w, &moved.to)?;
                    writeln!(w, "Hồ sơ: {}", moved.status_label)
                });
                return Ok(ExitCode::SUCCESS);
            }
            if !(rotate.is_empty() && delete.is_empty() && order.is_empty()) {
                let choices =
                    bhxh_app::dossiers::choices_from_edits(&pages, &rotate, &delete, &order)?;
                pages = desk.dossier_pages_edit(&code, component, &pages.sha256, &choices)?;
            }
            desk.sign_out()?;
            ctx.out.value(&pages, |w| write_pages(w, &pages));
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Signatures { code, auth } => {
            let desk = ctx.signed_in(&auth)?;
            let items = desk.dossier_signatures(&code)?;
            desk.sign_out()?;
            ctx.out.value(&items, |w| {
                for i in &items {
                    writeln!(w, "{}:", i.label)?;
                    crate::signing::print_signatures(w, &i.signatures)?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Export {
            code,
            out: dir,
            signed,
            archive,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            if archive {
                let done = desk.dossier_export_archive(&code, &dir)?;
                desk.sign_out()?;
                ctx.out.value(&done, |w| {
                    for n in &done.files {
                        writeln!(w, "{n}")?;
                    }
                    for s in &done.skipped {
                        writeln!(w, "Bỏ qua: {s}")?;
                    }
                    if done.pages_without_text > 0 {
                        writeln!(
                            w,
                            "{} trang chưa được nhận dạng chữ (OCR): chưa có lớp chữ.",
                            done.pages_without_text
                        )?;
                    }
                    Ok(())
                });
                return Ok(ExitCode::SUCCESS);
            }
            let files = desk.dossier_export_with(&code, &dir, signed)?;
            desk.sign_out()?;
            let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
            ctx.out.value(&names, |w| {
                for n in &names {
                    writeln!(w, "{n}")?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Show { code, auth } => {
            let desk = ctx.signed_in(&auth)?;
            let d = desk.dossier_get(&code)?;
            desk.sign_out()?;
            ctx.out.value(&d, |w| {
                writeln!(w, "{} — {}", d.code, d.status_label)?;
                writeln!(w, "Người nộp: {} ({})", d.applicant_name, d.applicant_id)?;
                writeln!(w, "Thủ tục: {}", d.procedure_name)?;
                writeln!(w, "Hẹn trả: {}", d.due_on.format("%d/%m/%Y"))?;
                for c in &d.components {
                    let mark = if c.received { "x" } else { " " };
                    writeln!(w, "  [{mark}] {}. {}", c.number, c.name)?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        DossierCommand::Status {
            code,
            to,
            note,
            auth,
        } => {
            let to = status_arg(&to)?;
            let desk = ctx.signed_in(&auth)?;
            let d = desk.dossier_set_status(&code, to, &note)?;
            desk.sign_out()?;
            ctx.out
                .value(&d, |w| writeln!(w, "{}: {}", d.code, d.status_label));
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(crate) fn search(a: SearchArgs, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    let status = a.status.as_deref().map(status_arg).transpose()?;
    let source = personal::Source::of(a.from_json.as_deref());
    let mut json = match &source {
        Some(personal::Source::File(p)) => personal::from_file::<SearchJson>(p)?,
        _ => SearchJson::default(),
    };
    let desk = ctx.signed_in(&a.auth)?;
    if let Some(personal::Source::Stdin) = source {
        json = personal::from_stdin(ctx)?;
    }
    let text = personal::required(a.text, json.text, "text")?;
    let found = desk.dossier_search(&SearchQuery {
        text,
        status,
        limit: Some(a.limit),
        ..SearchQuery::default()
    })?;
    desk.sign_out()?;
    ctx.out.value(&found, |w| {
        if found.is_empty() {
            writeln!(w, "Không tìm thấy hồ sơ nào.")?;
        }
        for d in &found {
            writeln!(
                w,
                "{}  {}  {}  {}  hẹn {}",
                d.code, d.applicant_name, d.applicant_id, d.status_label, d.due_on
            )?;
        }
        Ok(())
    });
    Ok(ExitCode::SUCCESS)
}

/// A component's pages, one line each.
fn write_pages(w: &mut dyn std::io::Write, pages: &ComponentPages) -> std::io::Result<()> {
    writeln!(
        w,
        "Thành phần {} ({}): {} trang{}",
        pages.component,
        pages.file_name,
        pages.pages.len(),
        if pages.received_whole {
            ", PDF nhận nguyên bản (không chỉnh trang được)"
        } else {
            ""
        }
    )?;
    for p in &pages.pages {
        writeln!(
            w,
            "  trang {}: {}×{} điểm ảnh{}",
            p.number,
            p.width_px,
            p.height_px,
            if p.rotate == 0 {
                String::new()
            } else {
                format!(", xoay {}°", p.rotate)
            }
        )?;
    }
    Ok(())
}

/// The pages of `--move`, in the order named.
#[derive(Debug, Clone)]
pub struct PageList(Vec<u32>);

/// `3-5,7` of `--move`: page numbers and ranges of them. A range runs
/// upwards and holds at most [`MAX_RANGE`] pages (a component has far
/// fewer; a typo must not build a list of billions).
fn parse_pages(s: &str) -> Result<PageList, String> {
    const MAX_RANGE: u32 = 10_000;
    let num = |t: &str| -> Result<u32, String> {
        t.trim()
            .parse()
            .map_err(|_| format!("\"{}\" không phải số trang (ví dụ 3-5,7)", t.trim()))
    };
    let mut out = Vec::new();
    for part in s.split(',') {
        match part.split_once('-') {
            None => out.push(num(part)?),
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b || b - a >= MAX_RANGE {
                    return Err(format!(
                        "\"{}\": khoảng trang phải từ trang nhỏ đến trang lớn, ví dụ 3-5",
                        part.trim()
                    ));
                }
                out.extend(a..=b);
            }
        }
    }
    Ok(PageList(out))
}

/// `P:DEG` of `--rotate`: a page number and a turn in degrees.
fn parse_turn(s: &str) -> Result<(u32, i32), String> {
    let (p, d) = s
        .split_once(':')
        .ok_or_else(|| format!("\"{s}\": cần dạng TRANG:ĐỘ, ví dụ 2:90"))?;
    let page = p
        .trim()
        .parse()
        .map_err(|_| format!("\"{p}\" không phải số trang"))?;
    let deg = d
        .trim()
        .parse()
        .map_err(|_| format!("\"{d}\" không phải số độ (90, 180, 270, -90)"))?;
    Ok((page, deg))
}
