//! Drive the real BHXH Desk window: start `tauri-driver` (which starts
//! Debian's `WebKitWebDriver`), open a session on the built app with its own
//! data directory, and talk WebDriver through `fantoccini`.
//!
//! Needs a display (Xvfb) and a Secret Service (see `scripts/e2e.sh`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

pub mod pcsc;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The app under test: `BHXH_E2E_APP`, or the debug build with the UI
/// embedded (in `CARGO_TARGET_DIR` when that is set, as the build put it).
pub fn app_path() -> Result<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = std::env::var_os("BHXH_E2E_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| target.join("debug/bhxh-desk"));
    let path = path.canonicalize().map_err(|e| {
        format!(
            "không thấy ứng dụng để kiểm thử ({}): {e}. Hãy chạy `make test` (nó dựng ứng dụng trước).",
            path.display()
        )
    })?;
    Ok(path)
}

fn driver_path() -> PathBuf {
    if let Some(p) = std::env::var_os("BHXH_TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let local = workspace_root().join(".tools/bin/tauri-driver");
    if local.exists() {
        local
    } else {
        PathBuf::from("tauri-driver")
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running `tauri-driver`, stopped with SIGTERM when dropped (SIGKILL would
/// orphan WebKitWebDriver, which then holds the output pipe open).
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    pub fn start() -> Result<Driver> {
        Self::start_with_env(&[])
    }

    /// Start the driver with extra environment variables, which reach the
    /// app it launches (e.g. `PCSCLITE_CSOCK_NAME` for a private `pcscd`).
    pub fn start_with_env(env: &[(String, String)]) -> Result<Driver> {
        if std::env::var_os("DISPLAY").is_none() {
            return Err(
                "DISPLAY chưa đặt: chạy các kiểm thử đầu-cuối qua scripts/e2e.sh (Xvfb)".into(),
            );
        }
        let port = free_port()?;
        let native = free_port()?;
        let child = Command::new(driver_path())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                format!(
                    "không chạy được tauri-driver ({}): {e}",
                    driver_path().display()
                )
            })?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err("tauri-driver không mở cổng sau 20 giây".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Driver { child, port })
    }

    /// Open the app on `data_dir` and return the WebDriver client.
    pub async fn launch(&self, data_dir: &Path) -> Result<Client> {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({
                "application": app_path()?,
                "args": ["gui", "--data-dir", data_dir],
            }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        match ClientBuilder::native()
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => Ok(client),
            // The first launch on a cold machine sometimes loses its WebDriver
            // session before the window exists (tauri-driver answers with a
            // connection cut: IncompleteMessage), seen once in a fresh-clone
            // run and on a fresh release build; the app then starts normally.
            // One more launch, said aloud; a second failure fails the test.
            Err(first) => {
                eprintln!("WebDriver: the launch lost its session ({first}); launching once more");
                tokio::time::sleep(Duration::from_secs(1)).await;
                Ok(ClientBuilder::native()
                    .capabilities(caps)
                    .connect(&url)
                    .await?)
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Wait for an element to be present and displayed.
pub async fn visible(c: &Client, css: &str) -> Result<Element> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && e.is_displayed().await.unwrap_or(false)
        {
            return Ok(e);
        }
        if Instant::now() > deadline {
            let body = c
                .find(Locator::Css("body"))
                .await?
                .text()
                .await
                .unwrap_or_default();
            return Err(format!("không thấy {css} sau 20 giây; màn hình đang hiện: {body}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wait until an element's text contains `needle`; returns the text.
pub async fn text_contains(c: &Client, css: &str, needle: &str) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = match c.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return Ok(text);
        }
        if Instant::now() > deadline {
            return Err(
                format!("{css} không chứa {needle:?} sau 20 giây (đang là {text:?})").into(),
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clear a field and type into it.
pub async fn fill(c: &Client, css: &str, value: &str) -> Result<()> {
    // A field re-rendered between finding it and typing (the window updates
    // as it likes) is found again, a few times, before that is an error.
    let mut tries = 0;
    loop {
        let e = visible(c, css).await?;
        let done = async {
            e.clear().await?;
            e.send_keys(value).await
        }
        .await;
        match done {
            Ok(()) => return Ok(()),
            Err(fantoccini::error::CmdError::Standard(w))
                if w.error == fantoccini::error::ErrorStatus::StaleElementReference
                    && tries < 3 =>
            {
                tries += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// An input's current value, the element found afresh.
pub async fn value_of(c: &Client, css: &str) -> Result<String> {
    Ok(visible(c, css)
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// Whether a WebDriver error is a stale element (re-rendered between
/// finding it and using it).
fn stale(e: &fantoccini::error::CmdError) -> bool {
    matches!(e, fantoccini::error::CmdError::Standard(w)
        if w.error == fantoccini::error::ErrorStatus::StaleElementReference)
}

/// Choose an option of a `<select>` by its value (found afresh if it was
/// re-rendered meanwhile, a few times).
pub async fn select(c: &Client, css: &str, value: &str) -> Result<()> {
    let mut tries = 0;
    loop {
        match visible(c, css).await?.select_by_value(value).await {
            Ok(()) => return Ok(()),
            Err(e) if stale(&e) && tries < 3 => tries += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Click an element (found afresh if it was re-rendered meanwhile, a few times).
pub async fn click(c: &Client, css: &str) -> Result<()> {
    let mut tries = 0;
    loop {
        match visible(c, css).await?.click().await {
            Ok(_) => return Ok(()),
            Err(e) if stale(&e) && tries < 3 => tries += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Count elements matching `css`.
pub async fn count(c: &Client, css: &str) -> Result<usize> {
    Ok(c.find_all(Locator::Css(css)).await?.len())
}

/// The office and administrator every end-to-end test sets up.
pub const ADMIN_USER: &str = "quantri";
pub const ADMIN_PASSWORD: &str = "Quantri-mat-khau-2024";

/// Fill in and submit the first-start setup screen.
pub async fn first_start_setup(c: &Client) -> Result<()> {
    fill(c, "#setup-office-name", "Bảo hiểm xã hội tỉnh Hòa Bình").await?;
    fill(c, "#setup-parent-agency", "Bảo hiểm xã hội Việt Nam").await?;
    fill(c, "#setup-agency-code", "000.00.17.H23").await?;
    select(c, "#setup-province", "017").await?;
    fill(c, "#setup-address", "Phường Phương Lâm, thành phố Hòa Bình").await?;
    fill(c, "#setup-admin-username", ADMIN_USER).await?;
    fill(c, "#setup-admin-fullname", "Đặng Thị Hương").await?;
    fill(c, "#setup-admin-password", ADMIN_PASSWORD).await?;
    fill(c, "#setup-admin-password2", ADMIN_PASSWORD).await?;
    click(c, "#setup-submit").await?;
    Ok(())
}

pub async fn sign_in(c: &Client, user: &str, password: &str) -> Result<()> {
    fill(c, "#signin-username", user).await?;
    fill(c, "#signin-password", password).await?;
    click(c, "#signin-submit").await?;
    Ok(())
}

/// Save a screenshot as `$BHXH_E2E_SCREENSHOTS/NAME.png` when that variable
/// is set (for looking at the screens and for the docs); otherwise nothing.
pub async fn snap(c: &Client, name: &str) -> Result<()> {
    if let Some(dir) = std::env::var_os("BHXH_E2E_SCREENSHOTS") {
        let png = c.screenshot().await?;
        std::fs::create_dir_all(&dir)?;
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png)?;
    }
    Ok(())
}

/// The private CUPS scheduler of the print tests, with one default queue
/// `desk` printing into a file; hand [`bhxh_print::testing::CupsServer::env`]
/// to [`Driver::start_with_env`] so the app prints there.
pub fn print_bench() -> bhxh_print::testing::CupsServer {
    let cups = bhxh_print::testing::CupsServer::start();
    cups.add_queue("desk");
    cups.set_default("desk");
    cups
}

/// The job id in the window's "Đã gửi tới máy in Q (lệnh in ID)." line.
pub fn job_in(sent: &str) -> String {
    sent.split("lệnh in ")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .map(str::to_owned)
        .unwrap_or_default()
}

/// The words of a PDF's bytes, as poppler's pdftotext reads them with
/// `args` (`-raw`: in the order they are drawn).
pub fn pdf_bytes_words(pdf: &[u8], args: &[&str]) -> Result<String> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("job.pdf");
    std::fs::write(&path, pdf)?;
    let out = Command::new("pdftotext")
        .args(args)
        .arg(&path)
        .arg("-")
        .output()?;
    Ok(String::from_utf8(out.stdout)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" "))
}

/// The id of the element that has the focus.
pub async fn focused_id(c: &Client) -> Result<String> {
    Ok(c.active_element()
        .await?
        .attr("id")
        .await?
        .unwrap_or_default())
}

/// Wait until the element with id `id` has the focus (a screen parks the
/// cursor just after it shows); the id that has it otherwise, as the error.
pub async fn focus_lands(c: &Client, id: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = focused_id(c).await?;
        if now == id {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("con trỏ không ở #{id} sau 10 giây mà ở #{now}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The app's own command line on `data`, beside the window, signed in as
/// `user` with `password` (from the environment, as a script would).
pub fn desk_cli(
    data: &Path,
    args: &[&str],
    user: &str,
    password: &str,
) -> Result<std::process::Output> {
    Ok(Command::new(app_path()?)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("BHXH_DESK_USER", user)
        .env("BHXH_DESK_PASSWORD", password)
        .output()?)
}

/// A dossier of procedure BHXH.04 for Nguyễn Văn Đức, taken in through the
/// command line as the administrator, handing in `components` ("1,2");
/// returns its code.
pub fn new_dossier_cli(data: &Path, components: &str) -> Result<String> {
    let out = desk_cli(
        data,
        &[
            "dossier",
            "new",
            "--procedure",
            "BHXH.04",
            "--applicant-id",
            "017093047064",
            "--name",
            "Nguyễn Văn Đức",
            "--dob",
            "1993-01-05",
            "--sex",
            "nam",
            "--components",
            components,
            "--json",
        ],
        ADMIN_USER,
        ADMIN_PASSWORD,
    )?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
    }
    let intake: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    intake["dossier"]["code"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "no dossier code in the intake".into())
}

/// Open dossier `code` on the Digitise screen and wait until the screen
/// shows it (not the one shown before).
pub async fn open_to_digitise(c: &Client, code: &str) -> Result<()> {
    fill(c, "#digitise-code", code).await?;
    click(c, "#digitise-open").await?;
    text_contains(c, "#digitise-dossier", code).await?;
    Ok(())
}
