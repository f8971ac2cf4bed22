//! `grantcheck.toml` through the command line: found by walking up from the input or given with
//! `--config`, unknown keys refused with their line, and `--new-only` on a plan that changes a
//! policy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

/// A fresh directory of its own under the system temporary directory, removed when dropped.
fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("grantcheck-config-{name}-"))
        .tempdir()
        .unwrap()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("grantcheck runs")
}

/// The JSON report of a run.
fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn rules_of(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

const OWNER: &str = "111122223333";
const SECRET_ARN: &str = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf";

fn policy_of(roles: &[&str]) -> Value {
    let principals: Vec<String> = roles
        .iter()
        .map(|r| format!("arn:aws:iam::{r}:role/reader"))
        .collect();
    Value::String(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": principals}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
        .to_string(),
    )
}

fn resource_change(address: &str, actions: &[&str], before: Value, after: Value) -> Value {
    let (rtype, name) = address.split_once('.').unwrap();
    json!({"address": address, "mode": "managed", "type": rtype, "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": {},
                   "before_sensitive": false, "after_sensitive": {}}})
}

/// A secret whose policy the plan changes from granting the roles `before` to the roles `after`.
fn plan(before: &[&str], after: &[&str]) -> String {
    let secret = json!({"name": "db", "arn": SECRET_ARN, "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"});
    let pol = |roles: &[&str]| json!({"secret_arn": SECRET_ARN, "policy": policy_of(roles)});
    let config = |address: &str| {
        let (rtype, name) = address.split_once('.').unwrap();
        json!({"address": address, "mode": "managed", "type": rtype, "name": name,
               "provider_config_key": "aws", "expressions": {}, "schema_version": 0})
    };
    json!({
        "format_version": "1.2", "terraform_version": "1.9.5",
        "resource_changes": [
            resource_change("aws_secretsmanager_secret.s", &["no-op"], secret.clone(), secret),
            resource_change("aws_secretsmanager_secret_policy.p", &["update"], pol(before), pol(after)),
        ],
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                "expressions": {"region": {"constant_value": "eu-west-1"},
                                "allowed_account_ids": {"constant_value": [OWNER]}}}},
            "root_module": {"resources": [config("aws_secretsmanager_secret.s"), config("aws_secretsmanager_secret_policy.p")]}
        },
        "applyable": true, "complete": true, "errored": false
    })
    .to_string()
}

const NO_XA001: &str = "[rules.XA001]\nenabled = false\n";

#[test]
fn the_config_is_found_by_walking_up_from_the_input() {
    let d = scratch("walk");
    write(&d.path().join("repo/grantcheck.toml"), NO_XA001);
    write(
        &d.path().join("repo/infra/prod/plan.json"),
        &plan(&[], &["444455556666"]),
    );
    write(
        &d.path().join("elsewhere/plan.json"),
        &plan(&[], &["444455556666"]),
    );

    let with = run(
        d.path(),
        &["check", "repo/infra/prod/plan.json", "--format", "json"],
    );
    assert!(!rules_of(&report(&with)).contains(&"XA001".to_string()));
    // the same plan where no grantcheck.toml is above it
    let without = run(
        d.path(),
        &["check", "elsewhere/plan.json", "--format", "json"],
    );
    assert!(rules_of(&report(&without)).contains(&"XA001".to_string()));
}

#[test]
fn config_names_the_file_to_use() {
    let d = scratch("flag");
    write(&d.path().join("settings/strict.toml"), NO_XA001);
    write(&d.path().join("plan.json"), &plan(&[], &["444455556666"]));
    let plain = run(d.path(), &["check", "plan.json", "--format", "json"]);
    assert!(rules_of(&report(&plain)).contains(&"XA001".to_string()));
    let given = run(
        d.path(),
        &[
            "check",
            "plan.json",
            "--config",
            "settings/strict.toml",
            "--format",
            "json",
        ],
    );
    assert!(!rules_of(&report(&given)).contains(&"XA001".to_string()));
    // a --config that does not exist is an input error, not a silent default
    let missing = run(
        d.path(),
        &["check", "plan.json", "--config", "settings/none.toml"],
    );
    assert_eq!(missing.status.code(), Some(2));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&missing.stdout),
        String::from_utf8_lossy(&missing.stderr)
    );
    assert!(said.contains("settings/none.toml"), "{said}");
}

#[test]
fn an_unknown_key_exits_2_naming_file_and_line() {
    let d = scratch("unknown");
    write(
        &d.path().join("grantcheck.toml"),
        "accounts = [\"111122223333\"]\n\n[rules.XA008]\nseverity = \"error\"\nlevel = \"high\"\n",
    );
    write(&d.path().join("plan.json"), &plan(&[], &[]));
    let out = run(d.path(), &["check", "plan.json"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("grantcheck.toml:5:"), "{text}");
    assert!(text.contains("level"), "{text}");
}

#[test]
fn new_only_keeps_what_the_plan_introduces() {
    let d = scratch("new-only");
    write(
        &d.path().join("plan.json"),
        &plan(&["444455556666"], &["444455556666", "777788889999"]),
    );
    let all = report(&run(d.path(), &["check", "plan.json", "--format", "json"]));
    let xa001 = |r: &Value| -> Vec<(String, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "XA001")
            .map(|f| {
                let acct = if f["message"].as_str().unwrap().contains("777788889999") {
                    "777788889999"
                } else {
                    "444455556666"
                };
                (
                    acct.to_string(),
                    f["change"].as_str().unwrap_or("-").to_string(),
                )
            })
            .collect()
    };
    let mut marks = xa001(&all);
    marks.sort();
    assert_eq!(
        marks,
        vec![
            ("444455556666".to_string(), "existing".to_string()),
            ("777788889999".to_string(), "introduced".to_string())
        ]
    );
    let new = report(&run(
        d.path(),
        &["check", "plan.json", "--format", "json", "--new-only"],
    ));
    assert_eq!(
        xa001(&new),
        vec![("777788889999".to_string(), "introduced".to_string())]
    );
    for f in new["findings"].as_array().unwrap() {
        assert_eq!(f["change"], "introduced", "{f}");
    }
}

#[test]
fn the_search_for_the_config_stops_at_the_repository_root() {
    let d = scratch("repo-root");
    // a grantcheck.toml above the repository is not the repository's
    write(&d.path().join("grantcheck.toml"), NO_XA001);
    write(
        &d.path().join("repo/infra/plan.json"),
        &plan(&[], &["444455556666"]),
    );
    std::fs::create_dir_all(d.path().join("repo/.git")).unwrap();
    // a worktree or submodule has a .git file
    write(
        &d.path().join("worktree/plan.json"),
        &plan(&[], &["444455556666"]),
    );
    write(&d.path().join("worktree/.git"), "gitdir: ../repo/.git\n");
    for input in ["repo/infra/plan.json", "worktree/plan.json"] {
        let out = run(d.path(), &["check", input, "--format", "json"]);
        let r = report(&out);
        assert!(rules_of(&r).contains(&"XA001".to_string()), "{r}");
        assert!(r["summary"].get("config").is_none(), "{r}");
    }
    // inside the repository it is found, and said
    write(&d.path().join("repo/grantcheck.toml"), NO_XA001);
    let out = run(
        d.path(),
        &["check", "repo/infra/plan.json", "--format", "json"],
    );
    let r = report(&out);
    assert!(!rules_of(&r).contains(&"XA001".to_string()), "{r}");
    assert_eq!(r["summary"]["config"], "repo/grantcheck.toml", "{r}");
    assert_eq!(r["summary"]["suppressed_by_config"], 1, "{r}");
}

/// Two secrets shared with another account without a customer managed key (XA002 on each).
const TWO_SHARED: &str = r#"provider "aws" { allowed_account_ids = ["111122223333"] }
# grantcheck:ignore XA002 the reader is in our organisation and this secret is rotated daily
resource "aws_secretsmanager_secret" "one" { name = "one" }
resource "aws_secretsmanager_secret" "two" { name = "two" }
resource "aws_secretsmanager_secret_policy" "one" {
  secret_arn = aws_secretsmanager_secret.one.arn
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }] })
}
resource "aws_secretsmanager_secret_policy" "two" {
  secret_arn = aws_secretsmanager_secret.two.arn
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }] })
}
"#;

#[test]
fn the_outputs_say_which_config_was_used_and_what_it_suppressed() {
    let d = scratch("said");
    write(&d.path().join("infra/main.tf"), TWO_SHARED);
    write(
        &d.path().join("grantcheck.toml"),
        "[[ignore]]\nrule = \"XA002\"\nresource = \"aws_secretsmanager_secret.two\"\nreason = \"a test secret\"\n",
    );
    std::fs::create_dir_all(d.path().join(".git")).unwrap();
    let out = run(d.path(), &["check", "infra", "--format", "json"]);
    let r = report(&out);
    assert!(!rules_of(&r).contains(&"XA002".to_string()), "{r}");
    assert_eq!(r["summary"]["config"], "grantcheck.toml", "{r}");
    assert_eq!(r["summary"]["suppressed_by_config"], 1, "{r}");
    assert_eq!(r["summary"]["suppressed_inline"], 1, "{r}");
    // the configuration is not one of the files checked
    assert_eq!(r["summary"]["files"], 1, "{r}");
    let text = run(d.path(), &["check", "infra"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("configuration: grantcheck.toml; 2 findings suppressed: 1 by grantcheck.toml, 1 by inline grantcheck:ignore comments"),
        "{text}"
    );
}

#[test]
fn a_config_error_is_said_on_standard_error_before_any_finding() {
    let d = scratch("error-first");
    write(
        &d.path().join("grantcheck.toml"),
        "accounts = [\"111122223333\"]\nlevel = \"high\"\n",
    );
    write(&d.path().join("plan.json"), &plan(&[], &["444455556666"]));
    for format in ["text", "json"] {
        let out = run(d.path(), &["check", "plan.json", "--format", format]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("grantcheck: grantcheck.toml:2:") && first.contains("level"),
            "{format}: {err}"
        );
        assert_eq!(err.matches("level").count(), 1, "said once: {err}");
    }
    // a --config that cannot be read is said first too
    let out = run(
        d.path(),
        &[
            "check",
            "plan.json",
            "--config",
            "none.toml",
            "--format",
            "json",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("grantcheck: none.toml: cannot read"),
        "{err}"
    );
    assert_eq!(err.matches("none.toml").count(), 1, "said once: {err}");
}
