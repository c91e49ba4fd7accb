//! The architecture's promises that a machine can check (ARCHITECTURE.md):
//! the crates depend on each other only along the allowed edges, only the
//! shell knows Tauri, and the shell reaches the domain only through
//! `bhxh-app` (and the command line it hands arguments to).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each workspace crate and the workspace crates it may depend on (normal
/// and build dependencies; tests may use anything).
const ALLOWED: &[(&str, &[&str])] = &[
    ("bhxh-desk", &["bhxh-app", "bhxh-cli"]),
    ("bhxh-cli", &["bhxh-app"]),
    (
        "bhxh-app",
        &[
            "bhxh-core",
            "bhxh-emrtd",
            "bhxh-files",
            "bhxh-print",
            "bhxh-report",
            "bhxh-scan",
            "bhxh-secrets",
            "bhxh-sign",
            "bhxh-store",
            "bhxh-sync",
            "bhxh-tabular",
        ],
    ),
    ("bhxh-sign", &["bhxh-emrtd"]),
    ("bhxh-core", &["bhxh-store"]),
    ("bhxh-scan", &["bhxh-report"]),
    ("bhxh-files", &["bhxh-secrets"]),
    ("bhxh-store", &["bhxh-secrets"]),
    ("bhxh-sync", &["bhxh-core", "bhxh-sync-proto"]),
    ("bhxh-hq", &["bhxh-sync-proto"]),
    ("bhxh-e2e", &["bhxh-emrtd", "bhxh-print", "bhxh-sign"]),
    ("bhxh-emrtd", &[]),
    ("bhxh-print", &[]),
    ("bhxh-report", &[]),
    ("bhxh-secrets", &[]),
    ("bhxh-sync-proto", &[]),
    ("bhxh-tabular", &[]),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// package → (workspace deps, external deps), non-dev only.
fn graph() -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    let m = metadata();
    let packages = m["packages"].as_array().unwrap();
    let ours: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    packages
        .iter()
        .map(|p| {
            let mut inside = BTreeSet::new();
            let mut outside = BTreeSet::new();
            for d in p["dependencies"].as_array().unwrap() {
                if d["kind"].as_str() == Some("dev") {
                    continue;
                }
                let name = d["name"].as_str().unwrap().to_owned();
                if ours.contains(&name) {
                    inside.insert(name);
                } else {
                    outside.insert(name);
                }
            }
            (p["name"].as_str().unwrap().to_owned(), (inside, outside))
        })
        .collect()
}

#[test]
fn crates_depend_on_each_other_only_along_the_allowed_edges() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(k, v)| (*k, v.iter().copied().collect()))
        .collect();
    for (name, (inside, _)) in graph() {
        let Some(ok) = allowed.get(name.as_str()) else {
            panic!(
                "{name} is a new workspace crate: add its allowed edges to this test and ARCHITECTURE.md"
            );
        };
        for dep in inside {
            assert!(
                ok.contains(dep.as_str()),
                "{name} must not depend on {dep} (allowed: {ok:?})"
            );
        }
    }
}

#[test]
fn only_the_shell_knows_tauri_and_only_the_boundary_knows_the_ui_contract() {
    for (name, (_, outside)) in graph() {
        let tauri: Vec<&String> = outside.iter().filter(|d| d.starts_with("tauri")).collect();
        if name == "bhxh-desk" {
            continue;
        }
        assert!(tauri.is_empty(), "{name} depends on {tauri:?}");
        if outside.contains("specta") {
            assert_eq!(
                name, "bhxh-app",
                "only bhxh-app describes values for the UI"
            );
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_shell_reaches_the_domain_only_through_bhxh_app() {
    let crates: BTreeSet<String> = graph().keys().map(|n| n.replace('-', "_")).collect();
    let mut files = Vec::new();
    rust_files(&root().join("src-tauri/src"), &mut files);
    assert!(!files.is_empty());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("bhxh_") {
                let ident: String = rest[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    !crates.contains(&ident) || ident == "bhxh_app" || ident == "bhxh_cli",
                    "{}:{}: the shell names `{ident}`; go through bhxh_app",
                    file.display(),
                    i + 1
                );
                rest = &rest[at + ident.len()..];
            }
        }
    }
}

#[test]
fn the_window_reaches_rust_only_through_its_api_module() {
    let mut files = Vec::new();
    for entry in walk(&root().join("ui/src")) {
        files.push(entry);
    }
    for file in files {
        let rel = file
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // The contract's own module, and unit tests that stand in for Tauri.
        if rel.starts_with("ui/src/lib/api/") || rel.ends_with(".test.ts") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in ["@tauri-apps/api/core", "invoke("] {
            assert!(
                !text.contains(needle),
                "{rel} uses `{needle}`: the UI talks to Rust only through ui/src/lib/api"
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "ts" || e == "svelte") {
            out.push(path);
        }
    }
    out
}
