//! The real HQ server process on loopback, driven over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::{Value, json};
use uuid::Uuid;

type Client = reqwest::blocking::Client;

fn push(c: &Client, s: &Server, token: &str, items: Vec<Value>) -> (u16, Value) {
    let r = c
        .post(format!("{}/v1/push", s.url))
        .bearer_auth(token)
        .json(&json!({"protocol": 1, "items": items}))
        .send()
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap())
}

/// GET `path` (from the server's root) as JSON, as the office of `token` when given.
fn get_json(c: &Client, s: &Server, path: &str, token: Option<&str>) -> Value {
    let mut req = c.get(format!("{}{path}", s.url));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().unwrap().json().unwrap()
}

/// The offices HQ knows, as `office list --json` prints them.
fn offices(env: &HqEnv) -> Value {
    serde_json::from_slice(&env.hq(&["office", "list", "--json"]).stdout).unwrap()
}

/// HQ on `backend` with one office (HB, BHXH Hòa Bình), serving with
/// `extra`: its data, the office's token, the server.
fn one_office(backend: Backend, extra: &[&str]) -> (HqEnv, String, Server) {
    let env = HqEnv::new(backend);
    let token = env.add_office("HB", "BHXH Hòa Bình");
    let s = env.serve(extra);
    (env, token, s)
}

/// The office's own store (a new key), where its app queues reports.
fn desk_store(dir: &Path) -> bhxh_store::Store {
    let key = bhxh_secrets::Key256::generate().unwrap();
    bhxh_store::Store::create(
        &dir.join("desk/desk.db"),
        &key,
        bhxh_core::schema::MIGRATIONS,
    )
    .unwrap()
}

/// A monthly report queued in the office's outbox through `conn`, as its app
/// queues an approval, with `notes` added to make it big; its id.
fn queue_report(
    conn: &rusqlite::Connection,
    month: &str,
    notes: &str,
    now: &bhxh_core::Timestamp,
) -> String {
    let id = Uuid::now_v7();
    let mut item = report_item(id, month, 1, 10);
    item["payload"]["notes"] = json!(notes);
    let payload = serde_json::to_string(&item["payload"]).unwrap();
    bhxh_core::sync::outbox::enqueue(
        conn,
        &id.to_string(),
        "report",
        &format!("month:{month}"),
        1,
        &payload,
        now,
    )
    .unwrap();
    id.to_string()
}

both!(office_tokens_push_idempotency_conflicts_and_pull);
fn office_tokens_push_idempotency_conflicts_and_pull(backend: Backend) {
    let env = HqEnv::new(backend);
    let token = env.add_office("000.00.17.H23", "Bảo hiểm xã hội tỉnh Hòa Bình");
    let other = env.add_office("000.00.66.H15", "Bảo hiểm xã hội tỉnh Đắk Lắk");
    // the token itself is not in the database, only its hash
    match &env.database {
        None => {
            let db = std::fs::read(env.path().join("hq.db")).unwrap();
            assert!(!db.windows(20).any(|w| w == &token.as_bytes()[..20]));
        }
        Some(url) => {
            let mut pg = postgres::Client::connect(url, postgres::NoTls).unwrap();
            for row in pg
                .query("SELECT code, token_hash FROM office", &[])
                .unwrap()
            {
                let hash: String = row.get(1);
                assert_eq!(hash.len(), 64);
                assert!(hash != token && hash != other);
            }
            assert!(
                !env.path().join("hq.db").exists(),
                "SQLite used beside PostgreSQL"
            );
        }
    }
    let s = env.serve(&[]);
    let c = client();

    let hello = get_json(&c, &s, "/v1/hello", Some(&token));
    assert_eq!(hello["officeCode"], "000.00.17.H23");
    assert_eq!(hello["officeName"], "Bảo hiểm xã hội tỉnh Hòa Bình");

    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let (st, r) = push(&c, &s, &token, vec![report_item(a, "2024-05", 1, 40)]);
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["results"][0]["outcome"], "stored");
    // the same change again: acknowledged, not stored twice
    let (_, r) = push(&c, &s, &token, vec![report_item(a, "2024-05", 1, 40)]);
    assert_eq!(r["results"][0]["outcome"], "duplicate");
    let (_, r) = push(&c, &s, &token, vec![report_item(b, "2024-05", 2, 60)]);
    assert_eq!(r["results"][0]["outcome"], "stored");
    // an older revision under a new id: conflict with HQ's revision
    let (_, r) = push(
        &c,
        &s,
        &token,
        vec![report_item(Uuid::now_v7(), "2024-05", 1, 10)],
    );
    assert_eq!(r["results"][0]["outcome"], "conflict");
    assert_eq!(r["results"][0]["hqRevision"], 2);
    assert!(
        r["results"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("lần sửa đổi 2")
    );
    // a bad item is rejected while the good one in the same batch is stored
    let mut bad = report_item(Uuid::now_v7(), "2024-06", 1, 10);
    bad["payload"]["rows"][1]["progress"]["percent"] = json!(250);
    let good = Uuid::now_v7();
    let (_, r) = push(
        &c,
        &s,
        &token,
        vec![bad, report_item(good, "2024-06", 1, 70)],
    );
    assert_eq!(r["results"][0]["outcome"], "rejected");
    assert!(r["results"][0]["detail"].as_str().unwrap().contains("250%"));
    assert_eq!(r["results"][1]["outcome"], "stored");
    assert_eq!(r["results"][1]["id"], good.to_string());
    // the other office's keys are its own
    let (_, r) = push(&c, &s, &other, vec![report_item(a, "2024-05", 1, 40)]);
    assert_eq!(r["results"][0]["outcome"], "stored");

    let offices = offices(&env);
    assert_eq!(offices[0]["code"], "000.00.17.H23");
    assert_eq!(offices[0]["items"], 3, "rev 1 and 2 of May, rev 1 of June");
    assert!(offices[0]["lastSyncAt"].is_string());

    // directives and plan changes, published while the server runs
    env.hq_ok(&[
        "directive",
        "publish",
        "--title",
        "Đẩy nhanh số hóa hồ sơ",
        "--body",
        "Hoàn thành trước 30/6.",
    ]);
    env.hq_ok(&[
        "plan",
        "publish",
        "--task",
        "8",
        "--target",
        "90",
        "--unit",
        "%",
        "--deadline",
        "2024-12-31",
    ]);
    let out = env.hq(&["plan", "publish", "--task", "8", "--deadline", "31/12/2024"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
    let p = get_json(&c, &s, "/v1/pull?cursor=0&limit=1", Some(&token));
    assert_eq!(p["items"][0]["item"]["kind"], "directive");
    assert_eq!(p["items"][0]["item"]["title"], "Đẩy nhanh số hóa hồ sơ");
    assert_eq!(p["more"], true);
    let cursor = p["nextCursor"].as_i64().unwrap();
    let p = get_json(&c, &s, &format!("/v1/pull?cursor={cursor}"), Some(&token));
    assert_eq!(p["items"][0]["item"]["kind"], "planChange");
    assert_eq!(p["items"][0]["item"]["targetValue"], 90.0);
    assert_eq!(p["more"], false);
    let end = p["nextCursor"].as_i64().unwrap();
    let p = get_json(&c, &s, &format!("/v1/pull?cursor={end}"), Some(&token));
    assert_eq!(p["items"].as_array().unwrap().len(), 0);
    assert_eq!(p["nextCursor"], end);
}

both!(wrong_and_revoked_tokens_are_refused_with_clear_errors);
fn wrong_and_revoked_tokens_are_refused_with_clear_errors(backend: Backend) {
    let (env, token, s) = one_office(backend, &[]);
    let c = client();
    let r = c
        .get(format!("{}/v1/hello", s.url))
        .bearer_auth("bhxhq_wrong")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().unwrap();
    assert_eq!(body["code"], "unauthorized");
    let r = c.get(format!("{}/v1/pull", s.url)).send().unwrap();
    assert_eq!(r.status().as_u16(), 401);

    let out = env.hq(&["office", "revoke", "HB"]);
    assert!(out.status.success());
    let (st, body) = push(
        &c,
        &s,
        &token,
        vec![report_item(Uuid::now_v7(), "2024-05", 1, 1)],
    );
    assert_eq!(st, 401);
    assert_eq!(body["code"], "revoked");
    assert!(body["message"].as_str().unwrap().contains("đã bị thu hồi"));
    let out = env.hq(&["office", "revoke", "XX"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Không tìm thấy đơn vị"));
    let out = env.hq(&["office", "add", "--code", "HB", "--name", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("đã được đăng ký"));
}

both!(oversize_bodies_malformed_json_and_bursts_are_refused);
fn oversize_bodies_malformed_json_and_bursts_are_refused(backend: Backend) {
    let (_env, token, s) = one_office(
        backend,
        &[
            "--max-body",
            "2000",
            "--rate-per-minute",
            "1",
            "--burst",
            "4",
        ],
    );
    let c = client();
    let big = report_item(Uuid::now_v7(), "2024-05", 1, 1);
    let items: Vec<Value> = (0..20).map(|_| big.clone()).collect();
    let (st, body) = push(&c, &s, &token, items);
    assert_eq!(st, 413);
    assert_eq!(body["code"], "too_large");
    let r = c
        .post(format!("{}/v1/push", s.url))
        .bearer_auth(&token)
        .body("{not json")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = c
        .post(format!("{}/v1/push", s.url))
        .bearer_auth(&token)
        .json(&json!({"protocol": 2, "items": [big]}))
        .send()
        .unwrap();
    assert_eq!(r.json::<Value>().unwrap()["code"], "protocol");
    // the burst (4) is spent by now or within a few more requests; then the office waits its turn
    let mut limited = None;
    for _ in 0..5 {
        let r = c
            .get(format!("{}/v1/hello", s.url))
            .bearer_auth(&token)
            .send()
            .unwrap();
        if r.status().as_u16() == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("never rate-limited");
    assert!(r.headers().get("retry-after").is_some());
    assert_eq!(r.json::<Value>().unwrap()["code"], "rate_limited");
    assert_eq!(
        s.lines().iter().filter(|l| l.starts_with("pushed")).count(),
        0
    );
}

/// A client that keeps redirects to itself (the tests read the cookies).
fn browser() -> Client {
    let _ = client();
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

/// The value of cookie `name` set by a response ("" when it is cleared).
fn set_cookie(r: &reqwest::blocking::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    let enc = |v: &str| {
        v.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The CSRF token of the form in `page`.
fn csrf_field(page: &str) -> String {
    let needle = "name=\"csrf\" value=\"";
    let at = page.find(needle).unwrap() + needle.len();
    page[at..].split('"').next().unwrap().to_owned()
}

/// Open the sign-in page and post the form: (status, session cookie, page).
fn sign_in(c: &Client, s: &Server, user: &str, password: &str) -> (u16, Option<String>, String) {
    let r = c.get(format!("{}/signin", s.url)).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let csrf_cookie = set_cookie(&r, "hq_csrf").unwrap();
    let page = r.text().unwrap();
    let r = c
        .post(format!("{}/signin", s.url))
        .header("cookie", format!("hq_csrf={csrf_cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_encode(&[
            ("username", user),
            ("password", password),
            ("csrf", &csrf_field(&page)),
        ]))
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let session = set_cookie(&r, "hq_session").filter(|v| !v.is_empty());
    (status, session, r.text().unwrap())
}

/// GET `path` with the session cookie `session`: (status, body).
fn get_signed_in(c: &Client, s: &Server, path: &str, session: &str) -> (u16, String) {
    let r = c
        .get(format!("{}{path}", s.url))
        .header("cookie", format!("hq_session={session}"))
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

/// Create an HQ staff account (the password from the environment).
fn add_staff(env: &HqEnv, user: &str, role: &str, password: &str) {
    let out = Command::new(HQ)
        .args(["staff", "add", user, "--role", role])
        .args(env.store_args())
        .env("BHXH_HQ_STAFF_PASSWORD", password)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A read API token from `bhxh-hq token add --scope read`.
fn read_token(env: &HqEnv) -> String {
    let out = env.hq_ok(&["token", "add", "--scope", "read", "--label", "kiểm thử"]);
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

const PW: &str = "matkhau-trung-uong-2024";

both!(national_page_shows_progress_lateness_and_last_sync);
fn national_page_shows_progress_lateness_and_last_sync(backend: Backend) {
    let env = HqEnv::new(backend);
    let t1 = env.add_office("HB", "BHXH Hòa Bình");
    let _t2 = env.add_office("DL", "BHXH Đắk Lắk");
    add_staff(&env, "xem", "viewer", PW);
    let api = read_token(&env);
    let s = env.serve(&[]);
    let c = client();
    push(
        &c,
        &s,
        &t1,
        vec![report_item(Uuid::now_v7(), "2024-04", 1, 20)],
    );
    push(
        &c,
        &s,
        &t1,
        vec![report_item(Uuid::now_v7(), "2024-05", 1, 60)],
    );
    let n = get_json(&c, &s, "/api/national?month=2024-05", Some(&api));
    assert_eq!(n["asOfMonth"], "2024-05");
    assert_eq!(n["lateOffices"], json!(["DL"]));
    let hb = n["offices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "HB")
        .unwrap();
    assert_eq!(hb["latestMonth"], "2024-05");
    assert_eq!(hb["late"], false);
    assert!(hb["lastSyncAt"].is_string());
    let t8 = n["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["taskNumber"] == 8)
        .unwrap();
    assert_eq!(t8["averagePercent"], 60.0);
    assert_eq!(t8["reported"], 1);
    let n = get_json(&c, &s, "/api/national?month=2024-06", Some(&api));
    assert_eq!(n["lateOffices"], json!(["DL", "HB"]));
    let b = browser();
    let (_, session, _) = sign_in(&b, &s, "xem", PW);
    let (st, page) = get_signed_in(&b, &s, "/?month=2024-05", &session.unwrap());
    assert_eq!(st, 200);
    assert!(page.contains("BHXH Đắk Lắk") && page.contains("Tiến độ thực hiện"));
    assert!(page.contains("<td>60</td>"));
}

both!(the_national_page_needs_a_signed_in_viewer_or_a_read_token);
fn the_national_page_needs_a_signed_in_viewer_or_a_read_token(backend: Backend) {
    let env = HqEnv::new(backend);
    let mut office_token = String::new();
    for (code, name, province) in [
        ("DL", "BHXH Đắk Lắk", "066"),
        ("HB", "BHXH Hòa Bình", "017"),
        ("HN", "BHXH Hà Nội", "001"),
    ] {
        let out = env.hq_ok(&[
            "office",
            "add",
            "--code",
            code,
            "--name",
            name,
            "--province",
            province,
        ]);
        office_token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    }
    add_staff(&env, "nguyen.an", "viewer", PW);
    let api = read_token(&env);
    let s = env.serve(&[]);
    let b = browser();

    // nobody signed in: 401, the sign-in form (HTML) or a JSON error
    let r = b.get(format!("{}/", s.url)).send().unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(set_cookie(&r, "hq_csrf").is_some());
    let page = r.text().unwrap();
    assert!(page.contains("Đăng nhập") && page.contains("name=\"password\""));
    assert!(!page.contains("BHXH Hà Nội"));
    let r = b.get(format!("{}/api/national", s.url)).send().unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.json::<Value>().unwrap()["code"], "unauthorized");
    // an office's token is not an API token
    let r = b
        .get(format!("{}/api/national", s.url))
        .bearer_auth(&office_token)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // a forged session cookie
    let (st, page) = get_signed_in(&b, &s, "/", &format!("bhxhq_{}", "0".repeat(64)));
    assert_eq!(st, 401);
    assert!(page.contains("Đăng nhập"));
    // the sign-in form without its CSRF cookie is refused
    let r = b
        .post(format!("{}/signin", s.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_encode(&[
            ("username", "nguyen.an"),
            ("password", PW),
            ("csrf", "x"),
        ]))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(set_cookie(&r, "hq_session").is_none());

    // a viewer signs in: the page lists the offices by province
    let (st, session, _) = sign_in(&b, &s, "nguyen.an", PW);
    assert_eq!(st, 303);
    let session = session.unwrap();
    let (st, page) = get_signed_in(&b, &s, "/", &session);
    assert_eq!(st, 200);
    let at = |name: &str| page.find(name).unwrap();
    assert!(at("BHXH Hà Nội") < at("BHXH Hòa Bình"));
    assert!(at("BHXH Hòa Bình") < at("BHXH Đắk Lắk"));
    assert!(page.contains("<td class=\"l\">001</td>") && page.contains("Đăng xuất"));
    let (st, _) = get_signed_in(&b, &s, "/api/national", &session);
    assert_eq!(st, 200);
    // the audit log is for administrators
    let (st, _) = get_signed_in(&b, &s, "/api/audit", &session);
    assert_eq!(st, 403);
    // a read API token
    let n = get_json(&b, &s, "/api/national", Some(&api));
    assert_eq!(n["offices"].as_array().unwrap().len(), 3);
    // a revoked one no longer reads; the id to revoke is the one printed
    let out = env.hq_ok(&["token", "add", "--scope", "read"]);
    let second = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let id = stderr
        .split("token revoke ")
        .nth(1)
        .unwrap()
        .chars()
        .take(12)
        .collect::<String>();
    let status = |token: &str| {
        b.get(format!("{}/api/national", s.url))
            .bearer_auth(token)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status(&second), 200);
    env.hq_ok(&["token", "revoke", &id]);
    assert_eq!((status(&second), status(&api)), (401, 200));
    assert!(
        !env.hq(&["token", "revoke", "000000000000"])
            .status
            .success()
    );

    // sign out (with the page's CSRF token): the cookie no longer works
    let r = b
        .post(format!("{}/signout", s.url))
        .header("cookie", format!("hq_session={session}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_encode(&[("csrf", "wrong")]))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = b
        .post(format!("{}/signout", s.url))
        .header("cookie", format!("hq_session={session}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_encode(&[("csrf", &csrf_field(&page))]))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (st, _) = get_signed_in(&b, &s, "/", &session);
    assert_eq!(st, 401);

    let audit: Value =
        serde_json::from_slice(&env.hq_ok(&["audit", "list", "--json"]).stdout).unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "office_add",
        "staff_add",
        "token_add",
        "sign_in",
        "sign_out",
    ] {
        assert!(actions.contains(&a), "{a} not in {actions:?}");
    }
}

both!(wrong_passwords_lock_the_account_and_idle_sessions_expire);
fn wrong_passwords_lock_the_account_and_idle_sessions_expire(backend: Backend) {
    let env = HqEnv::new(backend);
    add_staff(&env, "tran.binh", "viewer", PW);
    add_staff(&env, "quantri", "administrator", PW);
    // a weak password is refused
    let out = Command::new(HQ)
        .args(["staff", "add", "yeu", "--role", "viewer"])
        .args(env.store_args())
        .env("BHXH_HQ_STAFF_PASSWORD", "ngan")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ít nhất 12 ký tự"));
    let s = env.serve(&["--session-idle-secs", "2"]);
    let b = browser();
    for i in 1..=5 {
        let (st, session, page) = sign_in(&b, &s, "tran.binh", "sai-mat-khau-123");
        assert_eq!(st, 401);
        assert!(session.is_none());
        if i < 5 {
            assert!(page.contains("không đúng"), "{page}");
        } else {
            assert!(page.contains("tạm khóa"), "{page}");
        }
    }
    // locked: the right password does not open it now
    let (st, session, page) = sign_in(&b, &s, "tran.binh", PW);
    assert_eq!((st, session), (401, None));
    assert!(page.contains("tạm khóa"));
    // an administrator unlocks it from the command line
    env.hq_ok(&["staff", "unlock", "tran.binh"]);
    let (st, session, _) = sign_in(&b, &s, "tran.binh", PW);
    assert_eq!(st, 303);
    assert!(session.is_some());
    assert!(!env.hq(&["staff", "unlock", "khong.co"]).status.success());
    // an unknown name reads like a wrong password
    let (st, _, page) = sign_in(&b, &s, "khong.co", PW);
    assert_eq!(st, 401);
    assert!(page.contains("không đúng"));

    let (st, admin, _) = sign_in(&b, &s, "quantri", PW);
    assert_eq!(st, 303);
    let admin = admin.unwrap();
    let (st, body) = get_signed_in(&b, &s, "/api/audit", &admin);
    assert_eq!(st, 200);
    let audit: Value = serde_json::from_str(&body).unwrap();
    let locked = audit
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "locked" && e["actor"] == "tran.binh");
    assert!(locked, "{audit}");
    // idle longer than the limit: signed out
    std::thread::sleep(std::time::Duration::from_millis(3500));
    let (st, page) = get_signed_in(&b, &s, "/", &admin);
    assert_eq!(st, 401);
    assert!(page.contains("Đăng nhập"));
}

both!(the_client_splits_big_queues_to_stay_under_hqs_body_limit);
fn the_client_splits_big_queues_to_stay_under_hqs_body_limit(backend: Backend) {
    let (env, token, s) = one_office(backend, &[]);
    let store = desk_store(env.path());
    let now = bhxh_core::parse_ts("2024-06-03T08:00:00+07:00").unwrap();
    // 36 reports (2024-01 to 2026-12) of ~240 KB: 8.6 MB in all, more than
    // HQ takes in one request
    let mut conn = store.conn().unwrap();
    let tx = conn.write().unwrap();
    for i in 0..36 {
        let month = format!("{}-{:02}", 2024 + i / 12, 1 + i % 12);
        queue_report(&tx, &month, &"đ".repeat(120_000), &now);
    }
    tx.commit().unwrap();
    let client = bhxh_sync::Client::new(bhxh_sync::ClientConfig::new(&s.url), &token).unwrap();
    let report = bhxh_sync::sync_round(&store.conn().unwrap(), &client, &now).unwrap();
    assert_eq!(report.stored, 36);
    assert!(report.batches > 1, "{report:?}");
    assert_eq!(offices(&env)[0]["items"], 36);
}

both!(a_batch_refused_as_too_large_is_halved_until_it_fits_and_an_oversize_item_waits);
fn a_batch_refused_as_too_large_is_halved_until_it_fits_and_an_oversize_item_waits(
    backend: Backend,
) {
    // HQ (or a proxy in front of it) takes far less than the client's budget
    let (env, token, s) = one_office(backend, &["--max-body", "100000"]);
    let store = desk_store(env.path());
    let now = bhxh_core::parse_ts("2024-06-03T08:00:00+07:00").unwrap();
    let enqueue = |store: &bhxh_store::Store, month: &str, notes: usize| -> String {
        let mut conn = store.conn().unwrap();
        let tx = conn.write().unwrap();
        let id = queue_report(&tx, month, &"a".repeat(notes), &now);
        tx.commit().unwrap();
        id
    };
    // 12 reports of ~20 KB: ~240 KB in all, more than twice what HQ takes
    for i in 0..12 {
        enqueue(&store, &format!("2024-{:02}", i + 1), 20_000);
    }
    let client = bhxh_sync::Client::new(bhxh_sync::ClientConfig::new(&s.url), &token).unwrap();
    let report = bhxh_sync::sync_round(&store.conn().unwrap(), &client, &now).unwrap();
    assert_eq!((report.stored, report.duplicates), (12, 0), "{report:?}");
    assert!(report.batches >= 3, "{report:?}");
    assert!(
        bhxh_core::sync::outbox::pending(&store.conn().unwrap(), 100)
            .unwrap()
            .is_empty()
    );

    // one report bigger than HQ's limit on its own: kept, with a clear error,
    // and the reports queued after it are not held up for ever
    let big = enqueue(&store, "2025-01", 150_000);
    let after = enqueue(&store, "2025-02", 1_000);
    let err = bhxh_sync::sync_round(&store.conn().unwrap(), &client, &now).unwrap_err();
    assert_eq!(err.code(), "sync_too_large");
    assert!(err.to_string().contains("lớn hơn giới hạn"), "{err}");
    let (outcome, attempts) = bhxh_core::sync::outbox::find(&store.conn().unwrap(), &big)
        .unwrap()
        .unwrap();
    assert_eq!((outcome, attempts), (None, 1));
    let (outcome, _) = bhxh_core::sync::outbox::find(&store.conn().unwrap(), &after)
        .unwrap()
        .unwrap();
    assert_eq!(outcome.as_deref(), Some("stored"));
    assert_eq!(offices(&env)[0]["items"], 13);
}

/// The current month, Vietnam time, and the one after it (`YYYY-MM`).
fn this_and_next_month() -> (String, String) {
    let now = bhxh_hq::now_rfc3339();
    let (y, m): (i32, u32) = (now[0..4].parse().unwrap(), now[5..7].parse().unwrap());
    let next = if m == 12 {
        format!("{}-01", y + 1)
    } else {
        format!("{y}-{:02}", m + 1)
    };
    (now[0..7].to_owned(), next)
}

both!(periods_before_2024_or_after_this_month_are_rejected);
fn periods_before_2024_or_after_this_month_are_rejected(backend: Backend) {
    let (_env, token, s) = one_office(backend, &[]);
    let c = client();
    let (this, next) = this_and_next_month();
    let other_kind = |kind: &str, period: &str| {
        let mut item = report_item(Uuid::now_v7(), "2024-01", 1, 1);
        item["key"] = json!(format!("{kind}:{period}"));
        item["payload"]["kind"] = json!(kind);
        item["payload"]["period"] = json!(period);
        item
    };
    let year_2023 = other_kind("year", "2023");
    let half = other_kind("half", "2024-H1");
    let (st, r) = push(
        &c,
        &s,
        &token,
        vec![
            report_item(Uuid::now_v7(), "2023-12", 1, 1),
            report_item(Uuid::now_v7(), &next, 1, 1),
            year_2023,
            report_item(Uuid::now_v7(), "2024-01", 1, 1),
            report_item(Uuid::now_v7(), &this, 1, 1),
            half,
        ],
    );
    assert_eq!(st, 200, "{r}");
    let outcomes: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "rejected", "rejected", "rejected", "stored", "stored", "stored"
        ]
    );
    assert!(
        r["results"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("nằm ngoài khoảng")
    );
}

both!(a_rotated_office_token_keeps_working_for_its_grace_period_then_not);
fn a_rotated_office_token_keeps_working_for_its_grace_period_then_not(backend: Backend) {
    let (env, old, s) = one_office(backend, &[]);
    let out = env.hq_ok(&["office", "rotate", "HB", "--grace-secs", "3"]);
    let new = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(new.starts_with("bhxhq_") && new != old);
    let c = client();
    let hello = |token: &str| {
        c.get(format!("{}/v1/hello", s.url))
            .bearer_auth(token)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!((hello(&new), hello(&old)), (200, 200));
    std::thread::sleep(std::time::Duration::from_millis(4500));
    assert_eq!((hello(&new), hello(&old)), (200, 401));
    let out = env.hq(&["office", "rotate", "XX"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Không tìm thấy đơn vị"));
    env.hq_ok(&["office", "revoke", "HB"]);
    let out = env.hq(&["office", "rotate", "HB"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("đã bị thu hồi"));
}

/// Months from 2024-01 on, `k`-th report of an office: (month, revision),
/// cycling through the 36 months of 2024–2026 with rising revisions.
fn kth_report(k: usize) -> (String, i64) {
    let m = k % 36;
    (
        format!("{}-{:02}", 2024 + m / 12, 1 + m % 12),
        (k / 36) as i64 + 1,
    )
}

both!(slowloris_connections_and_a_page_flood_do_not_stop_34_offices_pushing);
fn slowloris_connections_and_a_page_flood_do_not_stop_34_offices_pushing(backend: Backend) {
    use std::io::{Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    const OFFICES: usize = 34;
    const PUSHES: usize = 4;
    const PER_PUSH: usize = 20;
    let env = HqEnv::new(backend);
    let tokens: Vec<String> = (0..OFFICES)
        .map(|i| env.add_office(&format!("T{i:02}"), &format!("BHXH thử {i}")))
        .collect();
    let api = read_token(&env);
    let s = env.serve(&[
        "--header-timeout-secs",
        "2",
        "--body-timeout-secs",
        "2",
        "--rate-per-minute",
        "100000",
        "--burst",
        "100000",
    ]);
    let addr = s.addr();
    let stop = Arc::new(AtomicBool::new(false));
    let closed_by_hq = Arc::new(AtomicUsize::new(0));

    // 200 connections sending a request header a byte at a time
    let slowloris = {
        let (stop, closed, addr) = (stop.clone(), closed_by_hq.clone(), addr.clone());
        std::thread::spawn(move || {
            let header = b"POST /v1/push HTTP/1.1\r\nHost: hq\r\nX-Padding: ".to_vec();
            let connect = || {
                let c = std::net::TcpStream::connect(&addr).unwrap();
                c.set_write_timeout(Some(std::time::Duration::from_secs(1)))
                    .unwrap();
                (c, 0usize)
            };
            let mut conns: Vec<(std::net::TcpStream, usize)> =
                (0..200).map(|_| connect()).collect();
            while !stop.load(Ordering::SeqCst) {
                for slot in conns.iter_mut() {
                    let byte = header.get(slot.1).copied().unwrap_or(b'a');
                    if slot.0.write_all(&[byte]).is_err() {
                        closed.fetch_add(1, Ordering::SeqCst);
                        *slot = connect();
                    } else {
                        slot.1 += 1;
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        })
    };
    // a flood of page requests, signed in (the aggregate) and not (the form)
    let flood: Vec<_> = (0..3)
        .map(|i| {
            let (stop, url, api) = (stop.clone(), s.url.clone(), api.clone());
            std::thread::spawn(move || {
                let c = client();
                let mut n = 0usize;
                while !stop.load(Ordering::SeqCst) {
                    let req = if i == 0 {
                        c.get(format!("{url}/"))
                    } else {
                        c.get(format!("{url}/api/national")).bearer_auth(&api)
                    };
                    if let Ok(r) = req.send() {
                        let _ = r.bytes();
                    }
                    n += 1;
                }
                n
            })
        })
        .collect();
    // a push whose body never arrives whole: answered 408 after its deadline
    let mut slow_body = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        slow_body,
        "POST /v1/push HTTP/1.1\r\nHost: hq\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"protocol\":1,",
        tokens[0]
    )
    .unwrap();

    let pushers: Vec<_> = tokens
        .iter()
        .cloned()
        .map(|token| {
            let url = s.url.clone();
            std::thread::spawn(move || {
                let c = client();
                let mut stored = 0;
                for p in 0..PUSHES {
                    let items: Vec<Value> = (0..PER_PUSH)
                        .map(|j| {
                            let (month, rev) = kth_report(p * PER_PUSH + j);
                            report_item(Uuid::now_v7(), &month, rev, 50)
                        })
                        .collect();
                    let r = c
                        .post(format!("{url}/v1/push"))
                        .bearer_auth(&token)
                        .json(&json!({"protocol": 1, "items": items}))
                        .send()
                        .unwrap();
                    assert_eq!(r.status().as_u16(), 200);
                    let body: Value = r.json().unwrap();
                    stored += body["results"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|x| x["outcome"] == "stored")
                        .count();
                }
                stored
            })
        })
        .collect();
    let stored: usize = pushers.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(stored, OFFICES * PUSHES * PER_PUSH);

    let mut answer = String::new();
    slow_body
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let _ = slow_body.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // the slow headers were cut off by HQ (2 s each) while the pushes went on
    std::thread::sleep(std::time::Duration::from_secs(3));
    stop.store(true, Ordering::SeqCst);
    slowloris.join().unwrap();
    let pages: usize = flood.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(
        closed_by_hq.load(Ordering::SeqCst) >= 200,
        "{closed_by_hq:?}"
    );
    assert!(pages > 0);
    let offices = offices(&env);
    assert!(
        offices
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["items"] == PUSHES * PER_PUSH)
    );
}

#[test]
fn idle_connections_are_closed_and_a_silent_client_does_not_hold_one() {
    use std::io::{Read, Write};
    let (_env, _token, s) = one_office(
        Backend::Sqlite,
        &["--header-timeout-secs", "20", "--idle-timeout-secs", "2"],
    );
    let wait = std::time::Duration::from_secs(30);
    // a connection that never sends anything
    let mut silent = std::net::TcpStream::connect(s.addr()).unwrap();
    silent.set_read_timeout(Some(wait)).unwrap();
    // a keep-alive connection left idle after one answer
    let mut idle = std::net::TcpStream::connect(s.addr()).unwrap();
    idle.set_read_timeout(Some(wait)).unwrap();
    write!(idle, "GET /signin HTTP/1.1\r\nHost: hq\r\n\r\n").unwrap();
    let mut buf = [0u8; 65536];
    let n = idle.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let started = std::time::Instant::now();
    // HQ closes both on the idle limit (2 s), long before the header-read
    // limit (20 s) would: reads end (EOF or reset), not on our own timeout
    for conn in [&mut silent, &mut idle] {
        let mut rest = Vec::new();
        let r = conn.read_to_end(&mut rest);
        assert!(
            r.is_ok()
                || r.as_ref()
                    .is_err_and(|e| e.kind() != std::io::ErrorKind::WouldBlock),
            "{r:?}"
        );
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "HQ kept an idle connection open past its idle limit"
    );
}

#[test]
fn hq_serves_from_postgresql_over_tls_with_database_ca() {
    let pg = bhxh_hq::testing::PostgresServer::start_tls();
    let url = format!("{}?sslmode=require", pg.create_database());
    let ca = pg.ca_pem();
    let dir = tempfile::tempdir().unwrap();
    let store = [
        "--database",
        url.as_str(),
        "--database-ca",
        ca.to_str().unwrap(),
    ];
    let out = Command::new(HQ)
        .args(["office", "add", "--code", "HB", "--name", "BHXH Hòa Bình"])
        .args(store)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let s = Server::start(dir.path(), &store);
    let c = client();
    let hello = get_json(&c, &s, "/v1/hello", Some(&token));
    assert_eq!(hello["officeCode"], "HB");
    let (st, r) = push(
        &c,
        &s,
        &token,
        vec![report_item(Uuid::now_v7(), "2024-05", 1, 40)],
    );
    assert_eq!(
        (st, r["results"][0]["outcome"].as_str()),
        (200, Some("stored"))
    );
    // --database-ca without a database is refused by the command line
    let out = Command::new(HQ)
        .args(["office", "list", "--data-dir", dir.path().to_str().unwrap()])
        .args(["--database-ca", ca.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// A command that must fail; its stderr.
fn refused(env: &HqEnv, args: &[&str]) -> String {
    let out = env.hq(args);
    assert!(!out.status.success(), "{args:?} should be refused");
    String::from_utf8(out.stderr).unwrap()
}

both!(a_base_office_sits_under_an_existing_provincial_office);
fn a_base_office_sits_under_an_existing_provincial_office(backend: Backend) {
    let env = HqEnv::new(backend);
    env.add_office("HN", "Bảo hiểm xã hội thành phố Hà Nội");
    env.add_office("DN", "Bảo hiểm xã hội thành phố Đà Nẵng");
    env.add_base_office("HN-BD", "Bảo hiểm xã hội cơ sở Ba Đình", "HN");
    // the parent must exist
    let e = refused(
        &env,
        &[
            "office", "add", "X1", "--name", "Cơ sở", "--parent", "KHONG",
        ],
    );
    assert!(
        e.contains("Không tìm thấy BHXH tỉnh có mã \"KHONG\""),
        "{e}"
    );
    // and be a provincial office: no base office under a base office
    let e = refused(
        &env,
        &[
            "office", "add", "X2", "--name", "Cơ sở", "--parent", "HN-BD",
        ],
    );
    assert!(
        e.contains("\"HN-BD\" là BHXH cơ sở thuộc BHXH tỉnh \"HN\""),
        "{e}"
    );
    // never the office itself, nor a new registration of an existing code
    // (a base office cannot register as its parent, nor move under another)
    let e = refused(
        &env,
        &["office", "add", "X3", "--name", "Cơ sở", "--parent", "X3"],
    );
    assert!(
        e.contains("không thể là đơn vị cấp trên của chính nó"),
        "{e}"
    );
    let e = refused(
        &env,
        &["office", "add", "HN", "--name", "Giả", "--parent", "DN"],
    );
    assert!(e.contains("Đơn vị có mã \"HN\" đã được đăng ký"), "{e}");
    let e = refused(&env, &["office", "add", "HN-BD", "--name", "Giả"]);
    assert!(e.contains("đã được đăng ký"), "{e}");
    let e = refused(
        &env,
        &["office", "add", "X4", "--name", "Cơ sở", "--parent", "H N"],
    );
    assert!(e.contains("không hợp lệ"), "{e}");
    // none of the refused ones was registered
    let list = offices(&env);
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["DN", "HN", "HN-BD"]);
    let parent = |code: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == code)
            .unwrap()["parent"]
            .clone()
    };
    assert_eq!(parent("HN-BD"), "HN");
    assert_eq!(parent("HN"), Value::Null);
    let text = String::from_utf8(env.hq_ok(&["office", "list"]).stdout).unwrap();
    let line = |code: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{code}\t")))
            .unwrap()
            .to_owned()
    };
    assert!(line("HN-BD").contains("BHXH cơ sở thuộc HN"), "{text}");
    assert!(line("HN").contains("BHXH tỉnh"), "{text}");
    // audiences must name what exists and what they say
    let e = refused(
        &env,
        &[
            "directive",
            "publish",
            "--title",
            "T",
            "--body",
            "B",
            "--to",
            "province:HN-BD",
        ],
    );
    assert!(e.contains("là BHXH cơ sở"), "{e}");
    let e = refused(
        &env,
        &[
            "directive",
            "publish",
            "--title",
            "T",
            "--body",
            "B",
            "--to",
            "office:KHONG",
        ],
    );
    assert!(e.contains("Không tìm thấy đơn vị có mã \"KHONG\""), "{e}");
    let e = refused(
        &env,
        &[
            "plan", "publish", "--task", "8", "--target", "90", "--to", "tinh:HN",
        ],
    );
    assert!(e.contains("Nơi nhận \"tinh:HN\" không hợp lệ"), "{e}");
    let e = refused(
        &env,
        &[
            "plan",
            "publish",
            "--task",
            "8",
            "--target",
            "90",
            "--to",
            "province:KHONG",
        ],
    );
    assert!(e.contains("Không tìm thấy BHXH tỉnh"), "{e}");
}

/// The titles of the directives and the tasks of the plan changes the
/// office of `token` pulls, page by page (`limit` 1), from the start.
fn pulled(c: &Client, s: &Server, token: &str) -> Vec<String> {
    let mut cursor = 0;
    let mut seen = Vec::new();
    loop {
        // a query naming another office is no way to read its items
        let p = get_json(
            c,
            s,
            &format!("/v1/pull?cursor={cursor}&limit=1&office=HN&province=HN"),
            Some(token),
        );
        for it in p["items"].as_array().unwrap() {
            let item = &it["item"];
            seen.push(match item["kind"].as_str().unwrap() {
                "directive" => item["title"].as_str().unwrap().to_owned(),
                "planChange" => format!("NV{}", item["taskNumber"]),
                k => k.to_owned(),
            });
        }
        cursor = p["nextCursor"].as_i64().unwrap();
        if p["more"] == false {
            return seen;
        }
    }
}

both!(directives_and_plan_changes_reach_only_the_offices_they_target);
fn directives_and_plan_changes_reach_only_the_offices_they_target(backend: Backend) {
    let env = HqEnv::new(backend);
    let hn = env.add_office("HN", "Bảo hiểm xã hội thành phố Hà Nội");
    let dn = env.add_office("DN", "Bảo hiểm xã hội thành phố Đà Nẵng");
    let hn1 = env.add_base_office("HN-1", "Bảo hiểm xã hội cơ sở Ba Đình", "HN");
    let hn2 = env.add_base_office("HN-2", "Bảo hiểm xã hội cơ sở Cầu Giấy", "HN");
    let dn1 = env.add_base_office("DN-1", "Bảo hiểm xã hội cơ sở Hải Châu", "DN");
    let directive = |title: &str, to: Option<&str>| {
        let mut args = vec![
            "directive",
            "publish",
            "--title",
            title,
            "--body",
            "Nội dung.",
        ];
        if let Some(to) = to {
            args.extend(["--to", to]);
        }
        let out = env.hq_ok(&args);
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(directive("Chung", None).contains("cho mọi đơn vị"));
    directive("Chung 2", Some("all"));
    assert!(
        directive("Tỉnh HN", Some("province:HN"))
            .contains("cho BHXH tỉnh HN và các BHXH cơ sở trực thuộc")
    );
    directive("Riêng BHXH tỉnh HN", Some("office:HN"));
    assert!(directive("Riêng HN-1", Some("office:HN-1")).contains("cho đơn vị HN-1"));
    env.hq_ok(&[
        "plan",
        "publish",
        "--task",
        "8",
        "--target",
        "95",
        "--unit",
        "%",
        "--to",
        "province:DN",
    ]);
    let s = env.serve(&[]);
    let c = client();
    assert_eq!(
        pulled(&c, &s, &hn),
        ["Chung", "Chung 2", "Tỉnh HN", "Riêng BHXH tỉnh HN"]
    );
    // a base office gets its province's items and its own, never what is
    // for its parent alone nor for a sibling
    assert_eq!(
        pulled(&c, &s, &hn1),
        ["Chung", "Chung 2", "Tỉnh HN", "Riêng HN-1"]
    );
    assert_eq!(pulled(&c, &s, &hn2), ["Chung", "Chung 2", "Tỉnh HN"]);
    // another province's offices never see province X's items
    assert_eq!(pulled(&c, &s, &dn), ["Chung", "Chung 2", "NV8"]);
    assert_eq!(pulled(&c, &s, &dn1), ["Chung", "Chung 2", "NV8"]);
    // a base office's token is its own, not its parent's
    let hello = get_json(&c, &s, "/v1/hello", Some(&hn1));
    assert_eq!(hello["officeCode"], "HN-1");
    // a cursor past items meant for others moves on from there
    let p = get_json(&c, &s, "/v1/pull?cursor=0", Some(&dn1));
    assert_eq!(p["more"], false);
    let last = p["nextCursor"].as_i64().unwrap();
    let p = get_json(&c, &s, &format!("/v1/pull?cursor={last}"), Some(&dn1));
    assert_eq!(p["items"], json!([]));
    assert_eq!(p["nextCursor"], last);
}

both!(the_national_api_groups_base_offices_under_their_province);
fn the_national_api_groups_base_offices_under_their_province(backend: Backend) {
    let env = HqEnv::new(backend);
    let hn = env.add_office("HN", "Bảo hiểm xã hội thành phố Hà Nội");
    env.add_office("DN", "Bảo hiểm xã hội thành phố Đà Nẵng");
    let hn1 = env.add_base_office("HN-1", "Bảo hiểm xã hội cơ sở Ba Đình", "HN");
    env.add_base_office("HN-2", "Bảo hiểm xã hội cơ sở Cầu Giấy", "HN");
    add_staff(&env, "xem", "viewer", PW);
    let api = read_token(&env);
    let s = env.serve(&[]);
    let c = client();
    push(
        &c,
        &s,
        &hn,
        vec![report_item(Uuid::now_v7(), "2024-05", 1, 70)],
    );
    push(
        &c,
        &s,
        &hn1,
        vec![report_item(Uuid::now_v7(), "2024-05", 1, 40)],
    );
    let n = get_json(&c, &s, "/api/national?month=2024-05", Some(&api));
    let provinces = n["provinces"].as_array().unwrap();
    let codes: Vec<&str> = provinces
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["DN", "HN"], "base offices are not provinces");
    let p = &provinces[1];
    assert_eq!(p["office"]["code"], "HN");
    assert_eq!(p["office"]["late"], false);
    assert_eq!(p["baseCount"], 2);
    let base: Vec<&str> = p["baseOffices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(base, ["HN-1", "HN-2"]);
    assert_eq!(p["baseLate"], json!(["HN-2"]));
    let t8 = p["baseTasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["taskNumber"] == 8)
        .unwrap();
    assert_eq!(
        (t8["reported"].clone(), t8["averagePercent"].clone()),
        (json!(1), json!(40.0))
    );
    assert_eq!(provinces[0]["baseCount"], 0);
    // the flat list stays, each office with its parent
    let hn1_row = n["offices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "HN-1")
        .unwrap();
    assert_eq!(hn1_row["parent"], "HN");
    assert_eq!(hn1_row["tasks"][1]["percent"], 40);

    // one province
    let r = get_json(&c, &s, "/api/province/HN?month=2024-05", Some(&api));
    assert_eq!(r["code"], "HN");
    assert_eq!(r["asOfMonth"], "2024-05");
    assert_eq!(r["baseOffices"].as_array().unwrap().len(), 2);
    assert_eq!(r["office"]["tasks"][1]["percent"], 70);
    let status = |path: &str, token: Option<&str>| {
        let mut req = c.get(format!("{}{path}", s.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let (st, body) = status("/api/province/HN-1", Some(&api));
    assert_eq!(st, 404);
    assert!(body.contains("là BHXH cơ sở thuộc BHXH tỉnh"), "{body}");
    let (st, body) = status("/api/province/KHONG", Some(&api));
    assert_eq!(st, 404);
    assert!(body.contains("Không tìm thấy BHXH tỉnh"), "{body}");
    // only HQ staff and read tokens: not anyone, not an office (even the province's own)
    assert_eq!(status("/api/province/HN", None).0, 401);
    assert_eq!(status("/api/province/HN", Some(&hn)).0, 401);
    assert_eq!(status("/api/province/HN", Some(&hn1)).0, 401);
    assert_eq!(status("/api/province/HN", Some("bhxhapi_sai")).0, 401);
    let b = browser();
    let (_, session, _) = sign_in(&b, &s, "xem", PW);
    let session = session.unwrap();
    let (st, body) = get_signed_in(&b, &s, "/api/province/HN", &session);
    assert_eq!(st, 200, "{body}");
    let (st, page) = get_signed_in(&b, &s, "/?month=2024-05", &session);
    assert_eq!(st, 200);
    assert!(page.contains("2 đơn vị, 1 chậm báo cáo"), "{page}");
    assert!(page.contains("↳ Bảo hiểm xã hội cơ sở Ba Đình"), "{page}");
    // base offices are listed right after their province
    let at = |s: &str| page.find(s).unwrap();
    assert!(at("thành phố Hà Nội") < at("cơ sở Ba Đình"));
    assert!(at("thành phố Đà Nẵng") < at("thành phố Hà Nội"));
}

/// `pg_dump -Fc` of a filled HQ, restored with `pg_restore` into a fresh
/// database, serves everything it held: offices (with their levels and
/// tokens), reports, directives and their audiences. `docs/hq-deploy.md`
/// describes this procedure.
#[test]
fn a_pg_dump_backup_restores_into_a_fresh_database_and_hq_serves_it() {
    let env = HqEnv::new(Backend::Postgres);
    let pg = env.pg.as_ref().unwrap();
    let hn = env.add_office("HN", "Bảo hiểm xã hội thành phố Hà Nội");
    let dn = env.add_office("DN", "Bảo hiểm xã hội thành phố Đà Nẵng");
    let hn1 = env.add_base_office("HN-1", "Bảo hiểm xã hội cơ sở Ba Đình", "HN");
    let api = read_token(&env);
    env.hq_ok(&[
        "directive",
        "publish",
        "--title",
        "Chung",
        "--body",
        "Cho mọi đơn vị.",
    ]);
    env.hq_ok(&[
        "directive",
        "publish",
        "--title",
        "Tỉnh HN",
        "--body",
        "Cho Hà Nội.",
        "--to",
        "province:HN",
    ]);
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let c = client();
    {
        let s = env.serve(&[]);
        let (_, r) = push(&c, &s, &hn, vec![report_item(a, "2024-05", 1, 70)]);
        assert_eq!(r["results"][0]["outcome"], "stored");
        let (_, r) = push(&c, &s, &hn1, vec![report_item(b, "2024-05", 1, 40)]);
        assert_eq!(r["results"][0]["outcome"], "stored");
        s.kill();
    }
    let before = offices(&env);

    // the backup: custom format, as the deployment guide says
    let dump = pg.scratch_dir().join("hq.dump");
    let url = env.database.clone().unwrap();
    let out = pg.tool(
        "pg_dump",
        &[
            "-Fc".as_ref(),
            "-f".as_ref(),
            dump.as_os_str(),
            "-d".as_ref(),
            url.as_ref(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // the restore, into a database that has never seen HQ
    let fresh = pg.create_database();
    let out = pg.tool(
        "pg_restore",
        &[
            "--exit-on-error".as_ref(),
            "--no-owner".as_ref(),
            "-d".as_ref(),
            fresh.as_ref(),
            dump.as_os_str(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let restored = HqEnv {
        dir: tempfile::tempdir().unwrap(),
        database: Some(fresh),
        pg: None,
    };
    assert_eq!(offices(&restored), before, "offices, parents, counts");
    let s = restored.serve(&[]);
    // the old tokens work, with their levels
    assert_eq!(pulled(&c, &s, &hn1), ["Chung", "Tỉnh HN"]);
    assert_eq!(pulled(&c, &s, &dn), ["Chung"]);
    // the reports are there: the national figures, and a resend is a duplicate
    let n = get_json(&c, &s, "/api/national?month=2024-05", Some(&api));
    assert_eq!(n["lateOffices"], json!(["DN"]));
    let hn_row = n["provinces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "HN")
        .unwrap();
    assert_eq!(hn_row["office"]["tasks"][1]["percent"], 70);
    assert_eq!(hn_row["baseOffices"][0]["tasks"][1]["percent"], 40);
    let (_, r) = push(&c, &s, &hn, vec![report_item(a, "2024-05", 1, 70)]);
    assert_eq!(r["results"][0]["outcome"], "duplicate");
    // and HQ goes on numbering what it publishes after the restored items
    restored.hq_ok(&[
        "directive",
        "publish",
        "--title",
        "Sau khôi phục",
        "--body",
        "Mới.",
    ]);
    assert_eq!(pulled(&c, &s, &hn1), ["Chung", "Tỉnh HN", "Sau khôi phục"]);
}

both!(the_desks_client_pulls_only_its_offices_items_across_the_gaps);
fn the_desks_client_pulls_only_its_offices_items_across_the_gaps(backend: Backend) {
    let env = HqEnv::new(backend);
    env.add_office("HN", "Bảo hiểm xã hội thành phố Hà Nội");
    env.add_office("DN", "Bảo hiểm xã hội thành phố Đà Nẵng");
    let hn1 = env.add_base_office("HN-1", "Bảo hiểm xã hội cơ sở Ba Đình", "HN");
    let dn1 = env.add_base_office("DN-1", "Bảo hiểm xã hội cơ sở Hải Châu", "DN");
    for (title, to) in [
        ("Chung", "all"),
        ("Tỉnh ĐN", "province:DN"),
        ("Tỉnh HN", "province:HN"),
        ("Riêng DN-1", "office:DN-1"),
        ("Riêng HN-1", "office:HN-1"),
        ("Riêng HN", "office:HN"),
    ] {
        env.hq_ok(&[
            "directive",
            "publish",
            "--title",
            title,
            "--body",
            "Nội dung.",
            "--to",
            to,
        ]);
    }
    let s = env.serve(&[]);
    let now = bhxh_core::parse_ts("2024-06-03T08:00:00+07:00").unwrap();
    for (code, token, expected) in [("HN-1", &hn1, 3), ("DN-1", &dn1, 3)] {
        // the desk's own client, which refuses an answer whose cursor does
        // not follow its items: the gaps left by others' items are fine
        let dir = tempfile::tempdir().unwrap();
        let store = desk_store(dir.path());
        let client = bhxh_sync::Client::new(bhxh_sync::ClientConfig::new(&s.url), token).unwrap();
        let report = bhxh_sync::sync_round(&store.conn().unwrap(), &client, &now).unwrap();
        assert_eq!(report.pulled, expected, "{code}: {report:?}");
        let report = bhxh_sync::sync_round(&store.conn().unwrap(), &client, &now).unwrap();
        assert_eq!(report.pulled, 0, "{code}: nothing twice");
    }
}

both!(a_provincial_office_reads_its_own_base_offices_and_nobody_else_does);
/// `GET /v1/province` with an office's own token: a provincial office gets
/// its base offices' progress; the cheap ways around it are refused.
fn a_provincial_office_reads_its_own_base_offices_and_nobody_else_does(backend: Backend) {
    let env = HqEnv::new(backend);
    let hn = env.add_office("HN", "Bảo hiểm xã hội thành phố Hà Nội");
    let dn = env.add_office("DN", "Bảo hiểm xã hội thành phố Đà Nẵng");
    let hn1 = env.add_base_office("HN-1", "Bảo hiểm xã hội cơ sở Ba Đình", "HN");
    env.add_base_office("HN-2", "Bảo hiểm xã hội cơ sở Cầu Giấy", "HN");
    env.add_base_office("DN-1", "Bảo hiểm xã hội cơ sở Hải Châu", "DN");
    let api = read_token(&env);
    let s = env.serve(&[]);
    let c = client();
    push(
        &c,
        &s,
        &hn1,
        vec![report_item(Uuid::now_v7(), "2024-05", 1, 40)],
    );
    let get = |path: &str, token: Option<&str>| {
        let mut req = c.get(format!("{}{path}", s.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };

    // the province's own token: its base offices, read by the desk's parser
    let (st, body) = get("/v1/province", Some(&hn));
    assert_eq!(st, 200, "{body}");
    let r = bhxh_sync_proto::ProvinceResponse::parse(body.as_bytes()).unwrap();
    assert_eq!((r.code.as_str(), r.protocol), ("HN", 1));
    let codes: Vec<&str> = r.base_offices.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(codes, ["HN-1", "HN-2"], "its own base offices only");
    let b1 = &r.base_offices[0];
    assert_eq!(b1.name, "Bảo hiểm xã hội cơ sở Ba Đình");
    assert_eq!(b1.latest_month.as_deref(), Some("2024-05"));
    let t8 = b1.tasks.iter().find(|t| t.task_number == 8).unwrap();
    assert_eq!(
        (t8.percent, t8.status.as_deref()),
        (Some(40), Some("in_progress"))
    );
    assert_eq!(r.base_offices[1].latest_month, None);
    assert!(r.base_offices[1].late);

    // the province comes from the token only: asking for another one by
    // query is ignored, by path there is no such route, and the staff API
    // does not take an office's token
    let (st, body) = get("/v1/province?code=DN&province=DN&office=DN", Some(&hn));
    assert_eq!(st, 200);
    assert!(!body.contains("DN-1") && body.contains("HN-1"), "{body}");
    assert_eq!(get("/v1/province/DN", Some(&hn)).0, 404);
    assert_eq!(get("/api/province/DN", Some(&hn)).0, 401);
    let (st, body) = get("/v1/province", Some(&dn));
    assert_eq!(st, 200);
    assert!(body.contains("DN-1") && !body.contains("HN-1"), "{body}");

    // a base office is refused, saying why, even asking for its parent
    for path in ["/v1/province", "/v1/province?code=HN"] {
        let (st, body) = get(path, Some(&hn1));
        assert_eq!(st, 403, "{body}");
        let e: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(e["code"], "not_provincial");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains("HN-1 là BHXH cơ sở thuộc HN"),
            "{e}"
        );
    }

    // no token, a wrong one, a read API token (not an office): 401
    let (st, body) = get("/v1/province", None);
    assert_eq!(st, 401);
    assert!(body.contains("unauthorized"), "{body}");
    assert_eq!(get("/v1/province", Some("bhxhq_sai")).0, 401);
    assert_eq!(get("/v1/province", Some(&api)).0, 401);

    // a token rotated out, once its grace is over: 401
    let out = env.hq_ok(&["office", "rotate", "HN", "--grace-secs", "1"]);
    let new = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(get("/v1/province", Some(&hn)).0, 401);
    assert_eq!(get("/v1/province", Some(&new)).0, 200);
    // a revoked office: 401 revoked
    env.hq_ok(&["office", "revoke", "DN"]);
    let (st, body) = get("/v1/province", Some(&dn));
    assert_eq!(st, 401);
    assert!(body.contains("revoked"), "{body}");
}
