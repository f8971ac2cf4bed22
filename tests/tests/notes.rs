//! Findings that are few and right: one finding for one thing said at several places, notes
//! where the value is used, no finding on a statement that has no effect, one note for a
//! module checked without the values its callers give.

use grantcheck_tests::check_texts;

const KEY_AND_SECRET: &str = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
variable "other" {}
resource "aws_kms_key" "k" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Admin", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "kms:*", Resource = "*" },
      { Sid = "NoResource", Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:*" },
      { Sid = "Partner", Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "kms:Decrypt", Resource = "*",
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.eu-west-1.amazonaws.com" } } },
      { Sid = "Other", Effect = "Allow", Principal = { AWS = var.other }, Action = "kms:Decrypt", Resource = "*" },
    ]
  })
}
resource "aws_secretsmanager_secret" "s" {
  name       = "app/db"
  kms_key_id = aws_kms_key.k.arn
}
resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:role/reader" }, Action = "secretsmanager:GetSecretValue", Resource = "*" },
      { Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:role/reader" }, Action = "secretsmanager:DescribeSecret", Resource = "*" },
      { Effect = "Allow", Principal = { AWS = var.other }, Action = "secretsmanager:DescribeSecret", Resource = "*" },
    ]
  })
}
"#;

fn line_of(text: &str, needle: &str, nth: usize) -> u32 {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(nth)
        .map(|(i, _)| i as u32 + 1)
        .unwrap_or_else(|| panic!("{needle} #{nth} not in the text"))
}

#[test]
fn one_principal_in_two_statements_is_one_finding_with_both_places() {
    let r = check_texts(&[("main.tf", KEY_AND_SECRET)], &[]);
    let xa001: Vec<_> = r.findings.iter().filter(|f| f.rule == "XA001").collect();
    assert_eq!(xa001.len(), 1, "{:#?}", r.findings);
    let f = xa001[0];
    let first = f.location.as_ref().map(|l| l.start.line);
    assert_eq!(first, Some(line_of(KEY_AND_SECRET, "role/reader", 0)));
    let others: Vec<(u32, &str)> = f
        .related_locations
        .iter()
        .map(|l| (l.location.start.line, l.message.as_str()))
        .collect();
    assert_eq!(
        others,
        [(line_of(KEY_AND_SECRET, "role/reader", 1), "and here")]
    );
}

#[test]
fn a_key_statement_without_effect_gets_only_pg018() {
    let r = check_texts(&[("main.tf", KEY_AND_SECRET)], &[]);
    let rules: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| {
            f.location.as_ref().map(|l| l.start.line)
                == Some(line_of(KEY_AND_SECRET, "NoResource", 0))
        })
        .map(|f| f.rule.as_str())
        .collect();
    // "*" with kms:* would be PA002 and XA009, were the statement in force
    assert_eq!(rules, ["PG018"], "{:#?}", r.findings);
}

#[test]
fn a_note_points_at_the_use_it_is_about() {
    let r = check_texts(&[("main.tf", KEY_AND_SECRET)], &[]);
    let note = r
        .findings
        .iter()
        .find(|f| f.rule == "GC001" && f.message.contains("of principal var.other"))
        .unwrap_or_else(|| panic!("{:#?}", r.findings));
    // the secret policy's use of var.other, not the key policy's (which comes first)
    let secret_use = line_of(KEY_AND_SECRET, "AWS = var.other", 1);
    assert_eq!(
        note.location.as_ref().map(|l| l.start.line),
        Some(secret_use)
    );
    assert_eq!(
        note.message,
        "cross-account checks (XA001–XA003) of principal var.other could not be decided: var.other has no value (give it with --var or a .tfvars file)"
    );
}

const MODULE: &str = r#"
variable "reader" { type = string }
variable "org" {}
variable "name" { default = "db" }
resource "aws_kms_key" "k" {}
resource "aws_secretsmanager_secret" "this" {
  name       = var.name
  kms_key_id = aws_kms_key.k.arn
}
resource "aws_secretsmanager_secret_policy" "this" {
  secret_arn = aws_secretsmanager_secret.this.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Principal = { AWS = "arn:aws:iam::${var.reader}:root" }, Action = "secretsmanager:GetSecretValue", Resource = "*" },
      { Effect = "Allow", Principal = { AWS = "*" }, Action = "secretsmanager:GetSecretValue", Resource = "*",
        Condition = { StringLike = { "aws:PrincipalOrgID" = var.org } } },
    ]
  })
}
"#;

#[test]
fn a_module_that_nothing_calls_gets_one_note_for_the_values_it_lacks() {
    let r = check_texts(&[("modules/secret/main.tf", MODULE)], &["111122223333"]);
    let notes: Vec<(&str, &str)> = r
        .findings
        .iter()
        .filter(|f| f.rule == "GC001")
        .map(|f| (f.resource.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        notes,
        [(
            "module in modules/secret",
            "2 checks could not be decided: no configuration that was checked calls this module, so it was checked on its own, where var.org and var.reader have no value"
        )],
        "{:#?}",
        r.findings
    );
    // the note is at the first variable without a value
    let note = r.findings.iter().find(|f| f.rule == "GC001");
    assert_eq!(
        note.and_then(|f| f.location.as_ref()).map(|l| l.start.line),
        Some(2)
    );
}

#[test]
fn a_root_module_keeps_a_note_per_use_of_a_missing_value() {
    // a provider configuration makes it a root: a value it lacks is its user's to give
    let root = format!("provider \"aws\" {{ region = \"eu-west-1\" }}\n{MODULE}");
    let r = check_texts(&[("envs/prod/main.tf", &root)], &["111122223333"]);
    let notes = r.findings.iter().filter(|f| f.rule == "GC001").count();
    assert_eq!(notes, 2, "{:#?}", r.findings);
    // a module called with its values is decided through its caller
    let caller = r#"
module "secret" {
  source = "../modules/secret"
  reader = "444455556666"
  org    = "o-abc123def4"
}
"#;
    let r = check_texts(
        &[("modules/secret/main.tf", MODULE), ("envs/main.tf", caller)],
        &["111122223333"],
    );
    assert!(
        !r.findings.iter().any(|f| f.rule == "GC001"),
        "{:#?}",
        r.findings
    );
}
