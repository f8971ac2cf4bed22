//! The owner account, where the configuration says it without `allowed_account_ids`: the role
//! the provider assumes, the administrator statement of a key policy, the ARN of a secret given
//! as a value. With the owner known, cross-account checks are decided instead of left open.

use grantcheck_tests::{PARTNER, PlanBuilder, READ, allow, check_texts, policy};
use serde_json::{Value, json};

fn rules(r: &grantcheck::Report) -> Vec<String> {
    let mut v: Vec<String> = r.findings.iter().map(|f| f.rule.to_string()).collect();
    v.sort();
    v
}

/// A secret without kms_key_id shared with the partner's root, under `provider`.
fn shared_without_key(provider: &str) -> String {
    format!(
        r#"
{provider}
resource "aws_secretsmanager_secret" "s" {{ name = "app/db" }}
resource "aws_secretsmanager_secret_policy" "p" {{
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ AWS = "arn:aws:iam::444455556666:root" }},
                   Action = "secretsmanager:GetSecretValue", Resource = "*" }}]
  }})
}}
"#
    )
}

#[test]
fn the_role_a_provider_assumes_names_the_owner_account() {
    let unknown = check_texts(
        &[(
            "main.tf",
            &shared_without_key("provider \"aws\" { region = \"eu-west-1\" }"),
        )],
        &[],
    );
    assert_eq!(rules(&unknown), ["GC001"], "{:#?}", unknown.findings);
    assert_eq!(unknown.summary.owner_unknown_secrets, 1);
    let assumed = shared_without_key(
        r#"variable "deploy_role" { default = "arn:aws:iam::111122223333:role/deploy" }
provider "aws" {
  region = "eu-west-1"
  assume_role { role_arn = var.deploy_role }
}"#,
    );
    let r = check_texts(&[("main.tf", &assumed)], &[]);
    assert_eq!(rules(&r), ["XA002"], "{:#?}", r.findings);
    assert_eq!(r.summary.owner_unknown_secrets, 0);
    // the partner's own role as the assumed one: sharing with oneself is no finding
    let own = assumed.replace("111122223333:role/deploy", "444455556666:role/deploy");
    let r = check_texts(&[("main.tf", &own)], &[]);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn a_plan_provider_that_assumes_a_role_names_the_owner_account() {
    let plan = PlanBuilder::new()
        .provider("aws", None, "eu-west-1")
        .create("aws_secretsmanager_secret.s", json!({"name": "app/db"}))
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(json!([allow(json!({"AWS": format!("arn:aws:iam::{PARTNER}:root")}), READ)]))}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build();
    let r = check_texts(&[("plan.json", &plan)], &[]);
    assert_eq!(rules(&r), ["GC001"], "{:#?}", r.findings);
    let mut v: Value = serde_json::from_str(&plan).unwrap();
    v["configuration"]["provider_config"]["aws"]["expressions"]["assume_role"] =
        json!([{"role_arn": {"constant_value": "arn:aws:iam::111122223333:role/deploy"}}]);
    let r = check_texts(&[("plan.json", &v.to_string())], &[]);
    assert_eq!(rules(&r), ["XA002"], "{:#?}", r.findings);
}

/// A secret encrypted with a key whose policy has `statements` (HCL), shared with the
/// partner's root.
fn with_key_policy(statements: &str) -> String {
    format!(
        r#"
resource "aws_kms_key" "k" {{
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{statements}] }})
}}
resource "aws_secretsmanager_secret" "s" {{
  name       = "app/db"
  kms_key_id = aws_kms_key.k.arn
}}
resource "aws_secretsmanager_secret_policy" "p" {{
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ AWS = "arn:aws:iam::444455556666:root" }},
                   Action = "secretsmanager:GetSecretValue", Resource = "*" }}]
  }})
}}
"#
    )
}

const ADMIN: &str = r#"{ Sid = "Enable IAM User Permissions", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "kms:*", Resource = "*" }"#;
const PARTNER_DECRYPT: &str = r#"{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "kms:Decrypt", Resource = "*",
    Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.eu-west-1.amazonaws.com" } } }"#;

#[test]
fn the_administrator_of_the_secrets_key_is_the_owner_account() {
    // the partner may decrypt: decided, and sound
    let r = check_texts(
        &[(
            "main.tf",
            &with_key_policy(&format!("{ADMIN}, {PARTNER_DECRYPT}")),
        )],
        &[],
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.summary.owner_unknown_secrets, 0);
    // the key policy forgets the partner: an error, no longer an open question
    let r = check_texts(&[("main.tf", &with_key_policy(ADMIN))], &[]);
    assert_eq!(rules(&r), ["XA003"], "{:#?}", r.findings);
    // two accounts administer the key: which one owns it is not said
    let two = ADMIN
        .replace("Enable IAM User Permissions", "Other")
        .replace("111122223333", "777788889999");
    let r = check_texts(
        &[(
            "main.tf",
            &with_key_policy(&format!("{ADMIN}, {two}, {PARTNER_DECRYPT}")),
        )],
        &[],
    );
    assert_eq!(r.summary.owner_unknown_secrets, 1, "{:#?}", r.findings);
}

#[test]
fn the_arn_of_a_secret_given_as_a_value_names_its_owner() {
    let main = r#"
variable "secret_arn" { type = string }
resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = var.secret_arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:role/reader" },
                   Action = "secretsmanager:DescribeSecret", Resource = "*" }]
  })
}
"#;
    let tfvars =
        "secret_arn = \"arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/db-AbCdEf\"\n";
    let r = check_texts(&[("main.tf", main), ("terraform.tfvars", tfvars)], &[]);
    assert_eq!(rules(&r), ["XA001"], "{:#?}", r.findings);
    // the secret's own account's role is no cross-account grant
    let own = tfvars.replace("111122223333", "444455556666");
    let r = check_texts(&[("main.tf", main), ("terraform.tfvars", &own)], &[]);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}
