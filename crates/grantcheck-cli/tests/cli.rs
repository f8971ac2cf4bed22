//! The command line contract: exit codes, formats, explain and rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_grantcheck"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    bin()
        .current_dir(root())
        .args(args)
        .output()
        .expect("grantcheck runs")
}

/// The rule codes of a JSON report's findings.
fn rules_of(report: &serde_json::Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}

/// A file named `name` holding `text`, in a directory removed when the guard is dropped.
fn tmp(name: &str, text: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("grantcheck-cli-")
        .tempdir()
        .unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    (dir, p)
}

#[test]
fn findings_exit_1_and_fail_on_moves_the_threshold() {
    let out = run(&["check", "examples/cross-account/plan.json"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("error[XA002]"), "{text}");
    assert!(text.contains("examples/cross-account/plan.json:"), "{text}");
    assert!(
        text.lines().last().unwrap().contains("4 errors, 1 warning"),
        "{text}"
    );

    let never = run(&[
        "check",
        "examples/cross-account/plan.json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(never.status.code(), Some(0));
}

#[test]
fn a_clean_plan_exits_0_and_warnings_fail_only_on_request() {
    let (_dir, plan) = tmp(
        "clean.json",
        br#"{"format_version":"1.2","resource_changes":[]}"#,
    );
    let out = run(&["check", plan.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 errors"));
}

#[test]
fn bad_input_exits_2_with_one_line_naming_the_file() {
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "truncated.json",
            br#"{"format_version": "1.2", "resource_ch"#,
            "ends early",
        ),
        ("empty.json", b"", "empty"),
        ("obj.json", b"{}", "not a Terraform plan"),
        (
            "v2.json",
            br#"{"format_version": "2.0"}"#,
            "unsupported plan format_version 2.0",
        ),
        ("bin.plan", b"PK\x03\x04\x14\x00binary", "binary plan file"),
        ("latin1.json", b"{\"a\": \"\xe9\"}", "not UTF-8"),
    ];
    for (name, bytes, want) in cases {
        let (_dir, p) = tmp(name, bytes);
        let out = run(&["check", p.to_str().unwrap(), "--format", "json"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8(out.stderr).unwrap();
        let line = err
            .lines()
            .find(|l| l.contains(want))
            .unwrap_or_else(|| panic!("{name}: {err}"));
        assert!(
            line.contains(name),
            "{name}: the message names the file: {line}"
        );
        // the report says so too: a pipeline reading only the report never takes it for a pass
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == "GC002"
                    && f["message"].as_str().unwrap().contains(want)
                    && f["message"].as_str().unwrap().contains(name)),
            "{name}: {report}"
        );
    }
}

#[test]
fn a_sarif_log_of_a_run_with_an_unreadable_input_is_one_github_accepts_and_says_it_failed() {
    let (_dir, bin) = tmp("tfplan", b"PK\x03\x04\x14\x00binary");
    let out = run(&[
        "check",
        bin.to_str().unwrap(),
        "examples/cross-account/plan.json",
        "--format",
        "sarif",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    // GitHub code scanning refuses a whole log for one result without a file to point at
    for r in results {
        assert!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string(),
            "{r}"
        );
    }
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n["associatedRule"]["id"] == "GC002"
            && n["message"]["text"]
                .as_str()
                .unwrap()
                .contains("binary plan file")),
        "{notes:?}"
    );
}

#[test]
fn other_files_are_still_checked_when_one_is_bad() {
    let (_dir, bad) = tmp("bad.json", b"{not json");
    let out = run(&[
        "check",
        bad.to_str().unwrap(),
        "examples/cross-account/plan.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = rules_of(&report);
    assert!(
        rules.contains(&"GC002") && rules.contains(&"XA003"),
        "{rules:?}"
    );
}

#[test]
fn json_report_has_the_contract_fields() {
    let out = run(&[
        "check",
        "examples/cross-account/plan.json",
        "--format",
        "json",
    ]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["version"], 1);
    assert_eq!(r["tool"]["name"], "grantcheck");
    let f = &r["findings"][0];
    for k in [
        "rule", "name", "severity", "message", "help", "resource", "related", "location",
    ] {
        assert!(f.get(k).is_some(), "missing {k}: {f}");
    }
    assert!(f["location"]["start"]["line"].as_u64().unwrap() >= 1);
    for k in [
        "files",
        "resources",
        "policies",
        "errors",
        "warnings",
        "notes",
    ] {
        assert!(r["summary"][k].is_u64(), "summary.{k}");
    }
}

#[test]
fn account_flag_is_validated() {
    let out = run(&[
        "check",
        "examples/cross-account/plan.json",
        "--account",
        "12345",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("12 digits"));
}

#[test]
fn explain_works_for_every_rule_and_rejects_unknown_codes() {
    let rules = run(&["rules", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&rules.stdout).unwrap();
    let codes: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect();
    assert!(codes.len() >= 7);
    for c in &codes {
        let out = run(&["explain", c]);
        assert_eq!(out.status.code(), Some(0), "{c}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with(c.as_str()) && text.contains("## What it flags"),
            "{c}: {text}"
        );
    }
    let out = run(&["explain", "XX999"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn stdin_is_read_with_a_dash() {
    use std::io::Write;
    let mut child = bin()
        .current_dir(root())
        .args(["check", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let plan = std::fs::read(root().join("examples/cross-account/plan.json")).unwrap();
    child.stdin.take().unwrap().write_all(&plan).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["findings"][0]["location"]["file"], "-");
}

#[test]
fn frames_cut_on_the_left_keep_their_location_and_no_empty_origin_line() {
    // `terraform show -json` writes the plan on one line: every frame is cut on the left
    let plan = std::fs::read_to_string(root().join("examples/cross-account/plan.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&plan).unwrap();
    let (_dir, path) = tmp("one-line-plan.json", value.to_string().as_bytes());
    let out = run(&["check", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[XA002]"), "{text}");
    assert!(text.contains("1 | ..."), "a frame cut on the left: {text}");
    // the renderer trims long lines with "...": the excerpt's own cuts use the same mark
    assert!(
        !text
            .lines()
            .any(|l| l.contains(" | ") && l.contains('\u{2026}')),
        "two kinds of cut marks in a frame: {text}"
    );
    assert!(text.contains("one-line-plan.json:1:"), "{text}");
    assert!(
        !text.lines().any(|l| l.trim() == ":::"),
        "an empty origin line: {text}"
    );
}

#[test]
fn rules_and_explain_say_when_they_cannot_write() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("SKIPPED: no /dev/full");
        return;
    };
    for args in [
        &["rules"][..],
        &["rules", "--format", "json"],
        &["explain", "XA001"],
    ] {
        let out = bin()
            .args(args)
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("cannot write"), "{args:?}: {err}");
    }
}

/// A var file of any name is read as Terraform reads `-var-file`: JSON when the name ends in
/// `.json`, HCL otherwise.
#[test]
fn var_files_of_any_name_are_read_as_terraform_reads_them() {
    let dir = tempfile::Builder::new()
        .prefix("grantcheck-cli-varfile-")
        .tempdir()
        .unwrap();
    let module = include_str!("../../../tests/fixtures/hcl/sharing-module/main.tf");
    std::fs::create_dir(dir.path().join("infra")).unwrap();
    std::fs::write(
        dir.path().join("infra/main.tf"),
        format!("provider \"aws\" {{ allowed_account_ids = [\"111122223333\"] }}\n{module}"),
    )
    .unwrap();
    std::fs::write(dir.path().join("vars.txt"), "reader = \"444455556666\"\n").unwrap();
    std::fs::write(
        dir.path().join("x.json"),
        "{\"reader\": \"444455556666\"}\n",
    )
    .unwrap();
    for var_file in ["vars.txt", "x.json"] {
        let out = bin()
            .current_dir(dir.path())
            .args(["check", "infra", "--var-file", var_file, "--format", "json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rules = rules_of(&report);
        assert_eq!(out.status.code(), Some(1), "{var_file}: {report}");
        assert!(!rules.contains(&"GC002"), "{var_file}: {report}");
        // the value read from the file decides the check
        assert!(rules.contains(&"XA002"), "{var_file}: {report}");
        assert!(!rules.contains(&"GC001"), "{var_file}: {report}");
    }
}
