//! Every command of the UI contract fed malformed arguments through the
//! real IPC of the real window (issue 16: never a raw invoke/serde message
//! on screen). Each command that takes arguments is called twice from the
//! page — every argument of the wrong type, then none at all — signed in as
//! the administrator, so a refusal is about the arguments, not a
//! permission. None may succeed; each refusal must be one the window's
//! normaliser turns into a translated sentence: an `ErrorInfo` whose code
//! the window knows, or Tauri's own argument message (a string, which
//! `ui/src/lib/api/errors.ts` replaces by the desk's internal-error sentence
//! in the user's language — unit-tested in `api.test.ts`). The app must
//! still answer afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_e2e::*;

/// The commands of `bindings.ts` that take arguments, with their names.
fn commands_with_arguments() -> Vec<(String, Vec<String>)> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/api/bindings.ts");
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.contains("__TAURI_INVOKE<")) {
        let Some(call) = line.split("__TAURI_INVOKE<").nth(1) else {
            continue;
        };
        let Some(name) = call.split("(\"").nth(1).and_then(|s| s.split('"').next()) else {
            continue;
        };
        let Some(args) = call
            .split(", { ")
            .nth(1)
            .and_then(|s| s.split(" })").next())
        else {
            continue;
        };
        let args: Vec<String> = args.split(", ").map(|a| a.trim().to_owned()).collect();
        out.push((name.to_owned(), args));
    }
    out
}

/// The error codes the window knows (`CODES` in `errors.ts`).
fn known_codes() -> Vec<String> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/api/errors.ts");
    let text = std::fs::read_to_string(path).unwrap();
    let start = text.find("const CODES").expect("CODES in errors.ts");
    let body = &text[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("};").unwrap()];
    body.lines()
        .filter_map(|l| l.trim().split(':').next())
        .map(|k| k.trim().trim_matches('\'').to_owned())
        .filter(|k| !k.is_empty() && !k.starts_with("//"))
        .collect()
}

const CALL_ALL: &str = r#"
const [cmds, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const out = [];
  for (const [name, params] of cmds) {
    for (const form of ['wrong', 'none']) {
      const args = {};
      if (form === 'wrong') for (const p of params) args[p] = { bogus: [1, 2, 3] };
      try {
        await window.__TAURI_INTERNALS__.invoke(name, args);
        out.push({ name, form, kind: 'resolved', value: null });
      } catch (e) {
        out.push({ name, form, kind: typeof e, value: e });
      }
    }
  }
  done(out);
})();
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_refuses_malformed_arguments_with_a_message_the_window_translates()
-> Result<()> {
    let cmds = commands_with_arguments();
    assert!(cmds.len() > 50, "bindings.ts parsed: {}", cmds.len());
    let codes = known_codes();
    assert!(codes.iter().any(|c| c == "internal"), "{codes:?}");
    let dir = tempfile::tempdir()?;
    let driver = Driver::start()?;
    let c = driver.launch(dir.path()).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        visible(&c, "#nav-admin").await?;
        let list = serde_json::to_value(&cmds)?;
        let got = c.execute_async(CALL_ALL, vec![list]).await?;
        let got = got.as_array().expect("an array of outcomes");
        assert_eq!(got.len(), cmds.len() * 2);
        let mut bad = Vec::new();
        for o in got {
            let (name, form, kind) = (&o["name"], &o["form"], o["kind"].as_str().unwrap_or(""));
            let v = &o["value"];
            let fine = match kind {
                // Tauri's own argument message: the window shows its own
                // translated sentence instead.
                "string" => v.as_str().is_some_and(|s| {
                    s.contains("invalid args") || s.contains("missing required key")
                }),
                // The desk's refusal: a code the window knows, a message.
                "object" => {
                    v["code"]
                        .as_str()
                        .is_some_and(|code| codes.iter().any(|k| k == code))
                        && v["message"].as_str().is_some_and(|m| !m.is_empty())
                }
                _ => false,
            };
            if !fine {
                bad.push(format!("{name} ({form}): {kind} {v}"));
            }
        }
        assert!(
            bad.is_empty(),
            "not refused as the window expects:\n{}",
            bad.join("\n")
        );
        // Still alive and signed in.
        click(&c, "#nav-admin").await?;
        visible(&c, "#staff-username").await?;
        Ok::<(), Error>(())
    }
    .await;
    c.close().await?;
    result
}
