//! `grantcheck access`: who can read each secret, from the report's `access` section, as a
//! table and as JSON, the same for a plan and for the configuration that made it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .current_dir(repo())
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// The row of `principal` under the heading of `secret`.
fn row<'a>(text: &'a str, secret: &str, principal: &str) -> &'a str {
    let at = text
        .find(&format!("{secret}\n"))
        .unwrap_or_else(|| panic!("{secret} in {text}"));
    text[at..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .find(|l| l.trim_start().starts_with(principal))
        .unwrap_or_else(|| panic!("{principal} under {secret} in {text}"))
}

#[test]
fn a_plan_says_who_reads_each_secret_and_what_the_plan_breaks() {
    let out = run(&["access", "examples/cross-account/plan.json"]);
    // the exit status follows the findings, as `check`'s does
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let api = row(
        &text,
        "aws_secretsmanager_secret.api",
        "arn:aws:iam::777788889999:role/reader",
    );
    assert!(
        api.contains("✘ cannot read") && api.contains("key: no kms_key_id"),
        "{api}"
    );
    let db = row(
        &text,
        "aws_secretsmanager_secret.db",
        "arn:aws:iam::444455556666:root",
    );
    assert!(db.contains("✔ reads"), "{db}");
    let reports = row(
        &text,
        "aws_secretsmanager_secret.reports",
        "arn:aws:iam::444455556666:root",
    );
    assert!(
        reports.contains("key-policy: the key aws_kms_key.reports"),
        "{reports}"
    );
    assert!(
        text.contains("  this plan gives access to 777788889999\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  broken by this plan: XA003: the secret is shared with account 444455556666"
        )
    );
    assert!(text.ends_with("4 secrets with readers: 1 reader can read, 3 cannot, 0 unresolved\n"));
}

#[test]
fn the_json_form_is_the_reports_access_section_with_what_the_plan_changes() {
    let access = run(&[
        "access",
        "examples/cross-account/plan.json",
        "--format",
        "json",
    ]);
    let check = run(&[
        "check",
        "examples/cross-account/plan.json",
        "--format",
        "json",
    ]);
    let a: serde_json::Value = serde_json::from_slice(&access.stdout).unwrap();
    let c: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(a["access"], c["access"]);
    assert_eq!(a["access"].as_array().unwrap().len(), 4);
    assert_eq!(a["access_changes"], c["summary"]["access_changes"]);
    assert_eq!(a["tool"], c["tool"]);
    assert_eq!(a["errors"], serde_json::json!([]));
    assert!(a["unresolved"].is_array());
}

/// A configuration that shares a secret with an account root, with no owner account given.
const UNKNOWN_OWNER: &str = r#"
resource "aws_secretsmanager_secret" "s" {
  name = "s"
}
resource "aws_secretsmanager_secret_policy" "s" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:root" },
      Action = "secretsmanager:GetSecretValue", Resource = "*" }]
  })
}
"#;

#[test]
fn what_could_not_be_read_or_decided_is_said_in_both_forms() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), UNKNOWN_OWNER).unwrap();
    let truncated = dir.path().join("truncated.json");
    std::fs::write(
        &truncated,
        r#"{"format_version": "1.2", "resource_changes": ["#,
    )
    .unwrap();
    let plan = repo().join("examples/cross-account/plan.json");
    let (plan, truncated) = (plan.to_str().unwrap(), truncated.to_str().unwrap());

    // an input that cannot be read: exit 2, and the output says which
    let text = run(&["access", plan, truncated]);
    assert_eq!(text.status.code(), Some(2));
    let t = stdout(&text);
    assert!(
        t.lines()
            .any(|l| l.starts_with("error: ") && l.contains("truncated.json")),
        "{t}"
    );
    assert!(t.contains("aws_secretsmanager_secret.api"), "{t}");
    let json = run(&["access", plan, truncated, "--format", "json"]);
    assert_eq!(json.status.code(), Some(2));
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(j["errors"][0]["rule"], "GC002");
    assert!(
        j["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("truncated.json")
    );
    assert_eq!(j["access"].as_array().unwrap().len(), 4);

    // no owner account: no reader is worked out, and both forms say why
    let tf = dir.path().join("main.tf");
    let text = stdout(&run(&["access", tf.to_str().unwrap()]));
    assert!(text.contains("the owner account is not known"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("undecided: ") && l.contains("main.tf:")),
        "{text}"
    );
    let j: serde_json::Value =
        serde_json::from_slice(&run(&["access", tf.to_str().unwrap(), "--format", "json"]).stdout)
            .unwrap();
    assert_eq!(j["access"], serde_json::json!([]));
    assert_eq!(j["owner_unknown_secrets"], 1);
    assert_eq!(j["unresolved"][0]["rule"], "GC001");
}

#[test]
fn a_configuration_gives_each_verdict_with_its_deciding_link() {
    let out = run(&["access", "tests/fixtures/access/tf"]);
    let text = stdout(&out);
    let acct = "arn:aws:iam::444455556666:root";
    for (secret, verdict, why) in [
        (
            "aws_secretsmanager_secret.aws_managed",
            "✘ cannot read",
            "key: no kms_key_id",
        ),
        (
            "aws_secretsmanager_secret.no_grant",
            "✘ cannot read",
            "key-policy: ",
        ),
        (
            "aws_secretsmanager_secret.denied",
            "✘ cannot read",
            "secret-policy: statement NoPartner",
        ),
        (
            "aws_secretsmanager_secret.after_apply",
            "? unresolved",
            "var.key_arn has no value",
        ),
        (
            "aws_secretsmanager_secret.other_region",
            "✘ cannot read",
            "kms:ViaService",
        ),
    ] {
        let r = row(&text, secret, acct);
        assert!(r.contains(verdict) && r.contains(why), "{secret}: {r}");
    }
    let org = row(&text, "aws_secretsmanager_secret.org", "*");
    assert!(
        org.contains("✔ reads") && org.contains("when aws:PrincipalOrgID"),
        "{org}"
    );
}

#[test]
fn formats_other_than_text_and_json_are_refused() {
    let out = run(&[
        "access",
        "examples/cross-account/plan.json",
        "--format",
        "sarif",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("access writes text or json"));
}

#[test]
fn sensitive_values_never_appear() {
    for format in ["text", "json"] {
        let out = run(&[
            "access",
            "tests/fixtures/output/sensitive-plan.json",
            "--format",
            format,
        ]);
        let text = stdout(&out);
        assert!(text.contains("777788889999"), "{text}");
        for secret in [
            "SECRET-STRING-1",
            "SENSITIVE-DESCRIPTION-2",
            "VARIABLE-PASSWORD-3",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}

#[test]
fn roles_of_the_input_are_readers_decided_by_their_identity_policies() {
    for input in [
        "tests/fixtures/access/identity.plan.json",
        "tests/fixtures/access/identity",
    ] {
        let text = stdout(&run(&["access", input]));
        let role = row(
            &text,
            "aws_secretsmanager_secret.no_decrypt",
            "arn:aws:iam::444455556666:role/reader-no_decrypt",
        );
        assert!(
            role.contains("✘ cannot read")
                && role.contains("identity-policy: ")
                && role.contains("kms:Decrypt"),
            "{input}: {role}"
        );
        // the account root's reader stays beside its role's
        let root = row(
            &text,
            "aws_secretsmanager_secret.no_decrypt",
            "arn:aws:iam::444455556666:root",
        );
        assert!(root.contains("✔ reads"), "{input}: {root}");
        let reads = row(
            &text,
            "aws_secretsmanager_secret.reads",
            "arn:aws:iam::444455556666:role/reader-reads",
        );
        assert!(reads.contains("✔ reads"), "{input}: {reads}");
    }
}

#[test]
fn the_readmes_worked_example_is_what_the_command_prints() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let command = "$ grantcheck access examples/cross-account/plan.json\n";
    let at = readme
        .find(command)
        .expect("the worked example in README.md")
        + command.len();
    let shown = &readme[at..at + readme[at..].find("```").unwrap()];
    let out = run(&["access", "examples/cross-account/plan.json"]);
    assert_eq!(
        stdout(&out),
        shown,
        "README.md's `grantcheck access` example is out of date"
    );
}
