//! Personal data off the command line: `--from-json FILE|-` reads the
//! fields a command would otherwise take as arguments (which every user of
//! the machine sees in `ps`), from a file or from standard input after the
//! secret lines. The JSON's fields are the flags' names (`"applicant-id"`
//! for `--applicant-id`); a field given both ways, an unknown field or
//! malformed JSON is a precise error.

use std::path::{Path, PathBuf};

use bhxh_app::DeskError;
use serde::de::DeserializeOwned;

use crate::Ctx;

/// Largest JSON read (a few fields of personal data).
const MAX_JSON: usize = 64 * 1024;

/// Where `--from-json` reads from.
pub(crate) enum Source {
    File(PathBuf),
    Stdin,
}

impl Source {
    pub fn of(arg: Option<&Path>) -> Option<Source> {
        arg.map(|p| {
            if p == Path::new("-") {
                Source::Stdin
            } else {
                Source::File(p.to_owned())
            }
        })
    }
}

fn parse<T: DeserializeOwned>(text: &str, whence: &str) -> Result<T, DeskError> {
    serde_json::from_str(text).map_err(|e| {
        DeskError::invalid(
            "fromJson",
            format!("Dữ liệu JSON ({whence}) không hợp lệ: {e}."),
        )
    })
}

/// The fields in a file given to `--from-json` (read before signing in, so
/// bad data is refused first).
pub(crate) fn from_file<T: DeserializeOwned>(path: &Path) -> Result<T, DeskError> {
    let bytes = std::fs::read(path).map_err(|source| DeskError::Io {
        path: path.to_owned(),
        source,
    })?;
    if bytes.len() > MAX_JSON {
        return Err(DeskError::invalid(
            "fromJson",
            format!(
                "Tệp {} dài {} byte, quá {MAX_JSON} byte cho vài trường dữ liệu.",
                path.display(),
                bytes.len()
            ),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        DeskError::invalid(
            "fromJson",
            format!("Tệp {} không phải văn bản UTF-8.", path.display()),
        )
    })?;
    parse(&text, &path.display().to_string())
}

/// The fields on standard input, after the secret lines the command has
/// read (call once it has signed in).
pub(crate) fn from_stdin<T: DeserializeOwned>(ctx: &mut Ctx<'_>) -> Result<T, DeskError> {
    let text = ctx.secrets.rest(MAX_JSON)?;
    if text.trim().is_empty() {
        return Err(DeskError::invalid(
            "fromJson",
            "--from-json -: không có dữ liệu JSON trên stdin (sau các dòng mật khẩu).",
        ));
    }
    parse(&text, "stdin")
}

/// One field, from its flag or from the JSON, not both.
pub(crate) fn either(
    flag: Option<String>,
    json: Option<String>,
    name: &'static str,
) -> Result<Option<String>, DeskError> {
    match (flag, json) {
        (Some(_), Some(_)) => Err(DeskError::invalid(
            "fromJson",
            format!("\"{name}\" được cho hai lần: bằng --{name} và trong --from-json; hãy bỏ một."),
        )),
        (a, b) => Ok(a.or(b)),
    }
}

/// A field that must be there, one way or the other.
pub(crate) fn required(
    flag: Option<String>,
    json: Option<String>,
    name: &'static str,
) -> Result<String, DeskError> {
    either(flag, json, name)?.ok_or_else(|| {
        DeskError::invalid(
            "fromJson",
            format!("Thiếu --{name} (hoặc trường \"{name}\" trong --from-json)."),
        )
    })
}
