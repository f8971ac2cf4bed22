//! grantcheck.toml (accounts, trusted accounts, rule settings, ignores) and inline
//! `# grantcheck:ignore` suppressions in .tf files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use grantcheck::{Options, Report, Severity, SourceFile};
use grantcheck_tests::OWNER;

/// A secret shared with a role of 444455556666 by exact ARN (XA001) and with write access
/// (XA008), encrypted with the AWS managed key (XA002).
const MAIN_TF: &str = r#"resource "aws_secretsmanager_secret" "s" {
  name = "app/db"
}

resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], Resource = "*",
                   Principal = { AWS = "arn:aws:iam::444455556666:role/reader" } }]
  })
}
"#;

fn run_with(tf: &str, config: Option<&str>, accounts: &[&str]) -> Report {
    let mut sources = vec![SourceFile::new(0, "main.tf", tf)];
    if let Some(c) = config {
        sources.push(SourceFile::new(1, "grantcheck.toml", c));
    }
    let options = Options {
        accounts: accounts.iter().map(|s| s.to_string()).collect(),
        config: config.map(|_| "grantcheck.toml".to_string()),
        ..Options::default()
    };
    grantcheck::check(&sources, &options)
}

fn codes(r: &Report) -> Vec<String> {
    let mut c: Vec<String> = r.findings.iter().map(|f| f.rule.to_string()).collect();
    c.sort();
    c
}

#[test]
fn without_configuration_all_three_rules_fire() {
    assert_eq!(
        codes(&run_with(MAIN_TF, None, &[OWNER])),
        ["XA001", "XA002", "XA008"]
    );
}

#[test]
fn owner_accounts_come_from_the_configuration() {
    let without = run_with(MAIN_TF, None, &[]);
    assert!(!codes(&without).contains(&"XA001".to_string()));
    let with = run_with(MAIN_TF, Some("accounts = [\"111122223333\"]\n"), &[]);
    assert_eq!(codes(&with), ["XA001", "XA002", "XA008"]);
}

#[test]
fn trusted_accounts_are_still_checked_for_broken_access_only() {
    let r = run_with(
        MAIN_TF,
        Some("trusted_accounts = [\"444455556666\"]\n"),
        &[OWNER],
    );
    // XA002 (the AWS managed key breaks the partner's reads) stays; XA001/XA008 do not
    assert_eq!(codes(&r), ["XA002"]);
}

#[test]
fn rules_can_be_disabled_or_given_another_severity() {
    let cfg = "[rules.XA001]\nenabled = false\n\n[rules.xa008]\nseverity = \"error\"\n";
    let r = run_with(MAIN_TF, Some(cfg), &[OWNER]);
    assert_eq!(codes(&r), ["XA002", "XA008"]);
    let xa008 = r.findings.iter().find(|f| f.rule == "XA008").unwrap();
    assert_eq!(xa008.severity, Severity::Error);
}

#[test]
fn ignores_suppress_by_rule_and_address_and_unused_ones_are_notes() {
    let cfg = r#"
[[ignore]]
rule = "XA001"
resource = "aws_secretsmanager_secret_policy.p"
reason = "the reader role is managed by us and never replaced"

[[ignore]]
rule = "XA003"
resource = "aws_secretsmanager_secret.gone"
reason = "left over"
"#;
    let r = run_with(MAIN_TF, Some(cfg), &[OWNER]);
    assert_eq!(codes(&r), ["GC004", "XA002", "XA008"]);
    let note = r.findings.iter().find(|f| f.rule == "GC004").unwrap();
    assert_eq!(note.severity, Severity::Note);
    let loc = note.location.as_ref().unwrap();
    assert_eq!((loc.file.as_str(), loc.start.line), ("grantcheck.toml", 7));
}

#[test]
fn configuration_errors_name_the_line() {
    for (cfg, line, what) in [
        (
            "accounts = [\"111122223333\"]\nacounts = []\n",
            2,
            "acounts",
        ),
        ("[rules.XA001]\nseverity = \"fatal\"\n", 2, "fatal"),
        ("\n[rules.XA999]\nenabled = false\n", 2, "XA999"),
        ("trusted_accounts = [\"4444\"]\n", 1, "4444"),
        (
            "[[ignore]]\nrule = \"XA001\"\nresource = \"aws_x.y\"\n",
            1,
            "reason",
        ),
        ("[rules.XA001]\nenable = false\n", 2, "enable"),
    ] {
        let r = run_with(MAIN_TF, Some(cfg), &[OWNER]);
        let e = r
            .findings
            .iter()
            .find(|f| f.rule == "GC002")
            .unwrap_or_else(|| panic!("no GC002 for {cfg:?}: {:#?}", r.findings));
        let loc = e.location.as_ref().unwrap();
        assert_eq!(loc.file, "grantcheck.toml", "{cfg:?}");
        assert_eq!(loc.start.line, line, "{cfg:?}: {}", e.message);
        assert!(e.message.contains(what), "{cfg:?}: {}", e.message);
        assert!(r.has_input_errors());
    }
}

#[test]
fn inline_suppression_above_a_resource_covers_its_block() {
    let tf = MAIN_TF.replace(
        "resource \"aws_secretsmanager_secret_policy\" \"p\" {",
        "# grantcheck:ignore XA001 XA008 the reader role is ours and writes the value\nresource \"aws_secretsmanager_secret_policy\" \"p\" {",
    );
    assert_eq!(codes(&run_with(&tf, None, &[OWNER])), ["XA002"]);
}

#[test]
fn inline_suppression_on_an_attribute_covers_only_that_attribute() {
    // at the end of the `policy` line: covers the whole multi-line policy expression
    let tf = MAIN_TF.replace(
        "  policy = jsonencode({",
        "  policy = jsonencode({ # grantcheck:ignore XA001 the reader role is never replaced",
    );
    assert_eq!(codes(&run_with(&tf, None, &[OWNER])), ["XA002", "XA008"]);
    // above `secret_arn`: the finding in `policy` is outside it, so it stays and the
    // suppression is unused
    let tf = MAIN_TF.replace(
        "  secret_arn =",
        "  // grantcheck:ignore XA001 the reader role is never replaced\n  secret_arn =",
    );
    let r = run_with(&tf, None, &[OWNER]);
    assert_eq!(codes(&r), ["GC004", "XA001", "XA002", "XA008"]);
    let note = r.findings.iter().find(|f| f.rule == "GC004").unwrap();
    assert_eq!(note.location.as_ref().unwrap().start.line, 6);
}

#[test]
fn inline_suppression_without_reason_or_with_unknown_code_is_a_finding() {
    for (comment, what) in [
        ("# grantcheck:ignore XA001", "no reason"),
        ("# grantcheck:ignore XA999 because", "XA999"),
        ("# grantcheck:ignore", "names no rule"),
    ] {
        let tf = MAIN_TF.replace(
            "resource \"aws_secretsmanager_secret_policy\"",
            &format!("{comment}\nresource \"aws_secretsmanager_secret_policy\""),
        );
        let r = run_with(&tf, None, &[OWNER]);
        assert_eq!(codes(&r), ["GC003", "XA001", "XA002", "XA008"], "{comment}");
        let f = r.findings.iter().find(|f| f.rule == "GC003").unwrap();
        assert!(f.message.contains(what), "{comment}: {}", f.message);
        assert_eq!(f.location.as_ref().unwrap().start.line, 5);
    }
}

#[test]
fn heredoc_policies_are_covered_to_their_end() {
    let tf = r#"resource "aws_secretsmanager_secret" "s" {
  name = "app/db"
  kms_key_id = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}

# grantcheck:ignore XA001 the reader role is never replaced
resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy     = <<-EOT
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
      "Resource": "*", "Principal": {"AWS": "arn:aws:iam::444455556666:role/reader"}}]}
  EOT
}
"#;
    let r = run_with(tf, None, &[OWNER]);
    assert!(
        !codes(&r).contains(&"XA001".to_string()),
        "{:#?}",
        r.findings
    );
    assert!(!codes(&r).contains(&"GC004".to_string()));
}

#[test]
fn a_marker_inside_a_string_or_heredoc_suppresses_nothing() {
    // in a quoted string at the end of the block's first line
    let tf = MAIN_TF.replace(
        "resource \"aws_secretsmanager_secret\" \"s\" {\n  name = \"app/db\"\n}",
        "resource \"aws_secretsmanager_secret\" \"s\" { name = \"# grantcheck:ignore XA002 not a comment\" }",
    );
    let r = run_with(&tf, None, &[OWNER]);
    assert_eq!(codes(&r), ["XA001", "XA002", "XA008"]);
    assert_eq!(r.summary.suppressed_inline, 0);
    // in a heredoc, on the line of the principal, and on a line of its own above it
    let tf = r##"resource "aws_secretsmanager_secret" "s" {
  name = "app/db"
  kms_key_id = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}

resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy     = <<-EOT
    {"Version": "2012-10-17", "Statement": [
      {"Sid": "# grantcheck:ignore XA001 not a comment", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Principal": {"AWS": "arn:aws:iam::444455556666:role/reader"}},
      {"Sid": "x ${"#"} grantcheck:ignore XA001 not a comment", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Principal": {"AWS": "arn:aws:iam::444455556666:role/writer"}}]}
  EOT
}
"##;
    let r = run_with(tf, None, &[OWNER]);
    let xa001 = codes(&r).iter().filter(|c| *c == "XA001").count();
    assert_eq!(xa001, 2, "{:#?}", r.findings);
    // a comment after a string that holds `#` is a comment
    let tf = MAIN_TF.replace(
        "resource \"aws_secretsmanager_secret\" \"s\" {\n  name = \"app/db\"\n}",
        "resource \"aws_secretsmanager_secret\" \"s\" { name = \"app#db\" } # grantcheck:ignore XA002 the key is changed next week",
    );
    let r = run_with(&tf, None, &[OWNER]);
    assert_eq!(codes(&r), ["XA001", "XA008"]);
    assert_eq!(r.summary.suppressed_inline, 1);
}
