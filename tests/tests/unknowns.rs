//! Unknowns at the finest grain: a value that is not known decides a check only when the
//! check's outcome depends on it, and a note says why in one sentence.

use grantcheck_tests::check_texts;

fn count(r: &grantcheck::Report, rule: &str) -> usize {
    r.findings.iter().filter(|f| f.rule == rule).count()
}

/// A key and a secret encrypted with it; the secret policy holds `statements` (HCL), the key
/// policy grants its own account and `key_extra` (HCL statements).
fn config(variables: &str, statements: &str, key_extra: &str) -> String {
    format!(
        r#"
provider "aws" {{ allowed_account_ids = ["111122223333"] }}
{variables}
resource "aws_kms_key" "k" {{
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{ Sid = "Admin", Effect = "Allow", Principal = {{ AWS = "arn:aws:iam::111122223333:root" }}, Action = "kms:*", Resource = "*" }},
      {key_extra}
    ]
  }})
}}
resource "aws_secretsmanager_secret" "s" {{
  name       = "app/db"
  kms_key_id = aws_kms_key.k.arn
}}
resource "aws_secretsmanager_secret_policy" "p" {{
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{statements}]
  }})
}}
"#
    )
}

const ORG_STAR: &str = r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "secretsmanager:GetSecretValue", Resource = "*",
        Condition = { StringEquals = { "aws:PrincipalOrgID" = var.org } } }"#;
const ORG_STAR_KEY: &str = r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:Decrypt", Resource = "*",
        Condition = { StringEquals = { "aws:PrincipalOrgID" = var.org } } }"#;

#[test]
fn an_exact_match_on_an_organization_or_account_limits_star_whatever_its_unknown_value() {
    for key in [
        "aws:PrincipalOrgID",
        "aws:PrincipalAccount",
        "aws:SourceAccount",
        "kms:CallerAccount",
    ] {
        let st = ORG_STAR.replace("aws:PrincipalOrgID", key);
        let kst = ORG_STAR_KEY.replace("aws:PrincipalOrgID", key);
        let r = check_texts(
            &[("main.tf", &config(r#"variable "org" {}"#, &st, &kst))],
            &[],
        );
        assert_eq!(count(&r, "PA001"), 0, "{key}: {:#?}", r.findings);
        assert_eq!(count(&r, "PA002"), 0, "{key}: {:#?}", r.findings);
        assert!(
            !r.findings
                .iter()
                .any(|f| f.check.map(|c| c.as_str()) == Some("PA001")
                    || f.check.map(|c| c.as_str()) == Some("PA002")),
            "{key}: {:#?}",
            r.findings
        );
    }
    // a pattern might turn out to be "*": that stays open, and the note says why
    let st = ORG_STAR.replace("StringEquals", "StringLike");
    let r = check_texts(
        &[("main.tf", &config(r#"variable "org" {}"#, &st, ""))],
        &[],
    );
    let open: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.check.map(|c| c.as_str()) == Some("PA001"))
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        open,
        [
            "PA001 (public-secret-policy) could not be decided: the values of the condition that would limit \"*\" are not known: var.org has no value (give it with --var or a .tfvars file)"
        ]
    );
}

#[test]
fn a_key_condition_on_the_organization_does_not_leave_the_key_grant_open() {
    // the key policy grants "*" within the same (unknown) organization as the secret policy
    let r = check_texts(
        &[(
            "main.tf",
            &config(r#"variable "org" {}"#, ORG_STAR, ORG_STAR_KEY),
        )],
        &[],
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn a_root_principal_with_an_unknown_account_is_never_an_xa001_question() {
    let st = r#"{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::${var.acct}:root" }, Action = "secretsmanager:GetSecretValue", Resource = "*" },
      { Effect = "Allow", Principal = { AWS = var.role }, Action = "secretsmanager:GetSecretValue", Resource = "*" }"#;
    let r = check_texts(
        &[(
            "main.tf",
            &config("variable \"acct\" {}\nvariable \"role\" {}", st, ""),
        )],
        &[],
    );
    let notes: Vec<(&str, &str)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.check.map(|c| c.as_str()).unwrap_or(""),
                f.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        [
            (
                "XA002",
                "cross-account checks (XA002, XA003) of principal arn:aws:iam::${var.acct}:root could not be decided: var.acct has no value (give it with --var or a .tfvars file)"
            ),
            (
                "XA001",
                "cross-account checks (XA001–XA003) of principal var.role could not be decided: var.role has no value (give it with --var or a .tfvars file)"
            ),
        ]
    );
}

#[test]
fn jsonencode_of_a_policy_document_encodes_the_policy_twice() {
    let main = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
resource "aws_kms_key" "k" {}
resource "aws_iam_role" "r" { name = "reader" }
data "aws_iam_policy_document" "known" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::444455556666:root"]
    }
  }
}
data "aws_iam_policy_document" "after_apply" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.r.arn]
    }
  }
}
locals { doc = data.aws_iam_policy_document.known.json }
resource "aws_secretsmanager_secret" "a" {
  kms_key_id = aws_kms_key.k.arn
  policy     = jsonencode(data.aws_iam_policy_document.known.json)
}
resource "aws_secretsmanager_secret" "b" {
  kms_key_id = aws_kms_key.k.arn
  policy     = jsonencode(data.aws_iam_policy_document.after_apply.json)
}
resource "aws_secretsmanager_secret" "c" {
  kms_key_id = aws_kms_key.k.arn
  policy     = jsonencode(jsonencode({ Version = "2012-10-17", Statement = [] }))
}
resource "aws_secretsmanager_secret" "d" {
  kms_key_id = aws_kms_key.k.arn
  policy     = jsonencode(local.doc)
}
resource "aws_secretsmanager_secret" "once" {
  kms_key_id = aws_kms_key.k.arn
  policy     = data.aws_iam_policy_document.known.json
}
"#;
    let r = check_texts(&[("main.tf", main)], &[]);
    let mut pg001: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.rule == "PG001")
        .map(|f| f.resource.as_str())
        .collect();
    pg001.sort();
    assert_eq!(
        pg001,
        [
            "aws_secretsmanager_secret.a",
            "aws_secretsmanager_secret.b",
            "aws_secretsmanager_secret.c",
            "aws_secretsmanager_secret.d",
        ]
    );
    for f in r.findings.iter().filter(|f| f.rule == "PG001") {
        assert!(f.message.contains("JSON-encoded twice"), "{}", f.message);
    }
    // the policy encoded once is read: its grant is checked against the key (XA003)
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "XA003" && f.resource == "aws_secretsmanager_secret.once"),
        "{:#?}",
        r.findings
    );
    assert!(
        !r.findings
            .iter()
            .any(|f| f.rule == "XA003" && f.resource != "aws_secretsmanager_secret.once"),
        "{:#?}",
        r.findings
    );
}
