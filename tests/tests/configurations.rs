//! Configurations as real repositories hold them: several roots and plans checked at once, each
//! on its own; modules called with `count` and `for_each`; variables with type constraints;
//! modules downloaded by `terraform init`; the caller identity as the owner.

use grantcheck_tests::{OWNER, PARTNER, PlanBuilder, READ, allow, check_texts, policy, rules_of};
use serde_json::{Value, json};

fn root(acct: &str) -> Value {
    json!({"AWS": format!("arn:aws:iam::{acct}:root")})
}

/// A module that shares its own secret (no `kms_key_id`) with `var.reader`'s account root.
const SHARING_MODULE: &str = include_str!("../fixtures/hcl/sharing-module/main.tf");

fn messages<'a>(r: &'a grantcheck::Report, rule: &str) -> Vec<&'a str> {
    r.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.message.as_str())
        .collect()
}

fn count(r: &grantcheck::Report, rule: &str) -> usize {
    r.findings.iter().filter(|f| f.rule == rule).count()
}

#[test]
fn a_module_called_with_count_or_for_each_links_each_instance_to_its_own_secret() {
    let main = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
module "many" {
  for_each = toset(["a", "b"])
  source   = "./mod"
  reader   = "444455556666"
}
module "counted" {
  count  = 2
  source = "./mod"
  reader = "444455556666"
}
"#;
    let r = check_texts(&[("main.tf", main), ("mod/main.tf", SHARING_MODULE)], &[]);
    let mut xa002: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.rule == "XA002")
        .map(|f| f.resource.clone())
        .collect();
    xa002.sort();
    assert_eq!(
        xa002,
        [
            "module.counted[0].aws_secretsmanager_secret.this",
            "module.counted[1].aws_secretsmanager_secret.this",
            "module.many[\"a\"].aws_secretsmanager_secret.this",
            "module.many[\"b\"].aws_secretsmanager_secret.this",
        ]
    );
    assert_eq!(count(&r, "GC001"), 0, "{:#?}", r.findings);
}

#[test]
fn a_plan_of_a_module_with_for_each_links_each_instance_to_its_own_secret() {
    let mut b = PlanBuilder::new().provider("aws", Some(OWNER), "eu-west-1");
    for key in ["a", "b"] {
        b = b
            .create(
                &format!("module.many[\"{key}\"].aws_secretsmanager_secret.this"),
                json!({"name": format!("db-{key}")}),
            )
            .unknown("arn", None)
            .create(
                &format!("module.many[\"{key}\"].aws_secretsmanager_secret_policy.this"),
                json!({"policy": policy(json!([allow(root(PARTNER), READ)]))}),
            )
            .unknown("secret_arn", Some("aws_secretsmanager_secret.this.arn"));
    }
    let r = check_texts(&[("plan.json", &b.build())], &[]);
    assert_eq!(
        rules_of(&r),
        [
            (
                "XA002".to_string(),
                "module.many[\"a\"].aws_secretsmanager_secret.this".to_string()
            ),
            (
                "XA002".to_string(),
                "module.many[\"b\"].aws_secretsmanager_secret.this".to_string()
            ),
        ]
    );
}

/// A plan sharing `aws_secretsmanager_secret.s` with the partner, without a customer key.
fn sharing_plan() -> String {
    PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .create("aws_secretsmanager_secret.s", json!({"name": "x"}))
        .unknown("arn", None)
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(json!([allow(root(PARTNER), READ)]))}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build()
}

#[test]
fn two_plans_with_the_same_addresses_are_each_checked_on_their_own() {
    let plan = sharing_plan();
    let one = check_texts(&[("staging.json", &plan)], &[]);
    assert_eq!(count(&one, "XA002"), 1);
    let both = check_texts(&[("staging.json", &plan), ("prod.json", &plan)], &[]);
    assert_eq!(count(&both, "XA002"), 2, "{:#?}", both.findings);
    assert_eq!(count(&both, "GC001"), 0, "{:#?}", both.findings);
    let files: Vec<&str> = both
        .findings
        .iter()
        .filter_map(|f| f.location.as_ref().map(|l| l.file.as_str()))
        .collect();
    assert_eq!(files, ["staging.json", "prod.json"]);
    assert_eq!(both.summary.plans, ["staging.json", "prod.json"]);
}

#[test]
fn a_plan_and_its_configuration_given_together_do_not_shadow_each_other() {
    let tf = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
module "app" {
  source = "./mod"
  reader = "444455556666"
}
"#;
    let r = check_texts(
        &[
            ("plan.json", &sharing_plan()),
            ("main.tf", tf),
            ("mod/main.tf", SHARING_MODULE),
        ],
        &[],
    );
    assert_eq!(count(&r, "XA002"), 2, "{:#?}", r.findings);
    assert_eq!(count(&r, "GC001"), 0, "{:#?}", r.findings);
}

#[test]
fn root_modules_are_independent_and_keep_their_own_owner_accounts() {
    // envs/staging names its owner; envs/prod does not: staging's owner is not prod's
    let env = |owner: Option<&str>| {
        let provider = owner.map_or(String::new(), |o| {
            format!("provider \"aws\" {{ allowed_account_ids = [\"{o}\"] }}\n")
        });
        format!(
            "{provider}module \"secret\" {{\n  source = \"../../modules/secret\"\n  reader = \"{PARTNER}\"\n}}\n"
        )
    };
    let staging = env(Some(OWNER));
    let prod = env(None);
    let r = check_texts(
        &[
            ("envs/prod/main.tf", &prod),
            ("envs/staging/main.tf", &staging),
            ("modules/secret/main.tf", SHARING_MODULE),
        ],
        &[],
    );
    assert_eq!(r.summary.roots, ["envs/prod", "envs/staging"]);
    // the module is checked through each root; one finding for the same place and message
    assert_eq!(count(&r, "XA002"), 1, "{:#?}", r.findings);
    // prod's owner is not known: its checks are said to be open, in the summary too
    assert_eq!(r.summary.owner_unknown_secrets, 1);
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "GC001" && f.message.contains("owner account is not known")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn with_no_owner_known_the_summary_says_how_many_secrets_were_not_decided() {
    let r = check_texts(
        &[
            (
                "main.tf",
                "module \"s\" {\n  source = \"./mod\"\n  reader = \"444455556666\"\n}\n",
            ),
            ("mod/main.tf", SHARING_MODULE),
        ],
        &[],
    );
    assert_eq!(r.summary.owner_unknown_secrets, 1);
    let line = grantcheck::report::owner_unknown_line(&r.summary).expect("a line");
    assert!(
        line.contains("1 secret were not decided") && line.contains("--account"),
        "{line}"
    );
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["summary"]["owner_unknown_secrets"], 1);
    let known = check_texts(
        &[
            (
                "main.tf",
                "module \"s\" {\n  source = \"./mod\"\n  reader = \"444455556666\"\n}\n",
            ),
            ("mod/main.tf", SHARING_MODULE),
        ],
        &[OWNER],
    );
    assert_eq!(known.summary.owner_unknown_secrets, 0);
    assert_eq!(count(&known, "XA002"), 1);
}

/// The shape of terraform-aws-modules/terraform-aws-kms: statements given as a list of objects
/// with optional attributes, rendered with dynamic blocks guarded by `!= null` and `length()`,
/// principals and condition values from the caller identity.
const KMS_MODULE: &str = r#"
variable "key_owners" {
  type    = list(string)
  default = []
}
variable "policy" {
  type    = string
  default = null
}
variable "key_statements" {
  type = list(object({
    sid        = optional(string)
    actions    = optional(list(string))
    effect     = optional(string)
    resources  = optional(list(string))
    principals = optional(list(object({ type = string, identifiers = list(string) })))
    condition  = optional(list(object({ test = string, values = list(string), variable = string })))
  }))
  default = null
}
resource "aws_kms_external_key" "this" {
  count  = 1
  policy = coalesce(var.policy, data.aws_iam_policy_document.this[0].json)
}
data "aws_iam_policy_document" "this" {
  count = 1
  dynamic "statement" {
    for_each = length(var.key_owners) > 0 ? [1] : []
    content {
      sid       = "KeyOwner"
      actions   = ["kms:*"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = var.key_owners
      }
    }
  }
  dynamic "statement" {
    for_each = var.key_statements != null ? var.key_statements : []
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      effect    = statement.value.effect
      resources = statement.value.resources
      dynamic "principals" {
        for_each = statement.value.principals != null ? statement.value.principals : []
        content {
          type        = principals.value.type
          identifiers = principals.value.identifiers
        }
      }
      dynamic "condition" {
        for_each = statement.value.condition != null ? statement.value.condition : []
        content {
          test     = condition.value.test
          values   = condition.value.values
          variable = condition.value.variable
        }
      }
    }
  }
}
"#;

#[test]
fn a_key_policy_built_like_terraform_aws_kms_is_evaluated_from_its_example() {
    let example = r#"
data "aws_caller_identity" "current" {}
locals {
  account_id       = data.aws_caller_identity.current.account_id
  current_identity = data.aws_caller_identity.current.arn
}
module "kms" {
  source     = "../.."
  key_owners = [local.current_identity]
  key_statements = [
    {
      sid        = "Logs"
      actions    = ["kms:Decrypt*"]
      resources  = ["*"]
      principals = [{ type = "AWS", identifiers = ["*"] }]
      condition = [{
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = ["arn:aws:logs:us-east-1:${local.account_id}:log-group:*"]
      }]
    }
  ]
}
"#;
    let r = check_texts(
        &[
            ("main.tf", KMS_MODULE),
            ("examples/complete/main.tf", example),
        ],
        &[],
    );
    assert_eq!(r.summary.roots, ["examples/complete"]);
    assert_eq!(r.summary.policies, 1);
    assert_eq!(
        rules_of(&r),
        [(
            "PA002".to_string(),
            "module.kms.aws_kms_external_key.this[0]".to_string()
        )],
        "{:#?}",
        r.findings
    );
}

#[test]
fn a_tfvars_value_of_the_wrong_type_is_an_input_error_that_does_not_quote_it() {
    let main = r#"
variable "readers" { type = map(set(string)) }
"#;
    let r = check_texts(
        &[
            ("main.tf", main),
            (
                "terraform.tfvars",
                "readers = \"arn:aws:iam::444455556666:root\"\n",
            ),
        ],
        &[],
    );
    // the variable is not used by a policy, so nothing asks for its value: nothing to refuse
    assert_eq!(count(&r, "GC002"), 0);
    let used = format!(
        "{main}\nresource \"aws_secretsmanager_secret\" \"s\" {{ name = \"x\" }}\nresource \"aws_secretsmanager_secret_policy\" \"p\" {{\n  secret_arn = aws_secretsmanager_secret.s.arn\n  policy = jsonencode({{ Version = \"2012-10-17\", Statement = [{{ Effect = \"Allow\", Principal = {{ AWS = var.readers[\"a\"] }}, Action = \"secretsmanager:GetSecretValue\", Resource = \"*\" }}] }})\n}}\n"
    );
    let r = check_texts(
        &[
            ("main.tf", &used),
            (
                "terraform.tfvars",
                "readers = \"arn:aws:iam::444455556666:root\"\n",
            ),
        ],
        &[OWNER],
    );
    let errors = messages(&r, "GC002");
    assert_eq!(errors.len(), 1, "{:#?}", r.findings);
    assert!(
        errors[0].contains("var.readers: a string is given where the type is map(set(string))"),
        "{}",
        errors[0]
    );
    assert!(!errors[0].contains("4444"), "{}", errors[0]);
}

#[test]
fn the_caller_identity_is_the_owner_account_whatever_its_value() {
    let main = r#"
data "aws_caller_identity" "current" {}
resource "aws_secretsmanager_secret" "s" { name = "x" }
resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" },
        Action = "secretsmanager:GetSecretValue", Resource = "*" },
      { Effect = "Allow", Principal = { AWS = data.aws_caller_identity.current.arn },
        Action = "secretsmanager:GetSecretValue", Resource = "*" }
    ]
  })
}
"#;
    for accounts in [&[][..], &[OWNER][..]] {
        let r = check_texts(&[("main.tf", main)], accounts);
        assert!(r.findings.is_empty(), "{accounts:?}: {:#?}", r.findings);
    }
    // another provider's caller identity is another account
    let other = main
        .replace(
            "data \"aws_caller_identity\" \"current\" {}",
            "provider \"aws\" {\n  alias = \"partner\"\n}\ndata \"aws_caller_identity\" \"current\" { provider = aws.partner }",
        );
    let r = check_texts(&[("main.tf", &other)], &[OWNER]);
    assert!(count(&r, "GC001") > 0, "{:#?}", r.findings);
}

#[test]
fn downloaded_modules_are_read_through_the_manifest_terraform_init_writes() {
    let main = "module \"kms\" {\n  source  = \"terraform-aws-modules/kms/aws\"\n  version = \"3.0.0\"\n}\nmodule \"label\" {\n  source = \"cloudposse/label/null\"\n}\n";
    let key = "resource \"aws_kms_key\" \"this\" {\n  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Principal = \"*\", Action = \"kms:*\", Resource = \"*\" }] })\n}\nmodule \"inner\" { source = \"./modules/inner\" }\n";
    let inner = "resource \"aws_kms_key\" \"inner\" {\n  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Principal = \"*\", Action = \"kms:Decrypt\", Resource = \"*\" }] })\n}\n";
    let manifest = r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"kms","Source":"registry.terraform.io/terraform-aws-modules/kms/aws","Version":"3.0.0","Dir":".terraform/modules/kms"},{"Key":"kms.inner","Source":"./modules/inner","Dir":".terraform/modules/kms/modules/inner"}]}"#;
    let sources: Vec<grantcheck::SourceFile> = [
        ("live/main.tf", main),
        ("live/.terraform/modules/kms/main.tf", key),
        ("live/.terraform/modules/kms/modules/inner/main.tf", inner),
        ("live/.terraform/modules/modules.json", manifest),
    ]
    .iter()
    .enumerate()
    .map(|(i, (p, t))| {
        let s = grantcheck::SourceFile::new(i as u32, *p, *t);
        if p.ends_with(".json") {
            s.found_as(grantcheck::Found::Other)
        } else {
            s
        }
    })
    .collect();
    let r = grantcheck::check(&sources, &grantcheck::Options::default());
    assert_eq!(r.summary.roots, ["live"]);
    assert_eq!(
        rules_of(&r),
        [
            ("GC001".to_string(), "module.label".to_string()),
            (
                "PA002".to_string(),
                "module.kms.aws_kms_key.this".to_string()
            ),
            (
                "PA002".to_string(),
                "module.kms.module.inner.aws_kms_key.inner".to_string()
            ),
        ],
        "{:#?}",
        r.findings
    );
    assert!(r.findings[0].message.contains("was not downloaded"));
    assert!(r.findings[0].message.contains("terraform init"));
    assert!(!r.findings[0].message.starts_with("module.label"));
}

const SHARED_WITH_VAR: &str = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
variable "reader" { default = "111122223333" }
resource "aws_kms_key" "k" {}
resource "aws_secretsmanager_secret" "s" {
  name       = "app/db"
  kms_key_id = aws_kms_key.k.arn
}
resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::${var.reader}:root" },
                   Action = "secretsmanager:GetSecretValue", Resource = "*" }]
  })
}
"#;

#[test]
fn override_files_are_merged_as_terraform_merges_them() {
    // without overrides: the owner shares with itself, nothing to say
    let r = check_texts(&[("main.tf", SHARED_WITH_VAR)], &[]);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    let key = "resource \"aws_secretsmanager_secret\" \"s\" {\n  kms_key_id = \"alias/aws/secretsmanager\"\n}\n";
    let var = "variable \"reader\" { default = \"444455556666\" }\n";
    let r = check_texts(
        &[
            ("main.tf", SHARED_WITH_VAR),
            ("override.tf", key),
            ("reader_override.tf", var),
        ],
        &[],
    );
    assert_eq!(
        rules_of(&r),
        [(
            "XA002".to_string(),
            "aws_secretsmanager_secret.s".to_string()
        )]
    );
    // the finding points at the override that sets the key
    let at = r.findings[0]
        .location
        .as_ref()
        .map(|l| (l.file.as_str(), l.start.line));
    assert_eq!(at, Some(("override.tf", 2)));
    // overrides are merged in the order of their names, after every other file
    let later = "variable \"reader\" { default = \"111122223333\" }\n";
    let r = check_texts(
        &[
            ("z_override.tf", later),
            ("main.tf", SHARED_WITH_VAR),
            ("override.tf", key),
            ("reader_override.tf", var),
        ],
        &[],
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn a_block_declared_twice_or_an_override_of_nothing_is_an_input_error() {
    let twice = format!(
        "{SHARED_WITH_VAR}\nresource \"aws_secretsmanager_secret\" \"s\" {{ name = \"other\" }}\n"
    );
    let r = check_texts(&[("main.tf", &twice)], &[]);
    let errors = messages(&r, "GC002");
    assert_eq!(
        errors,
        [
            "main.tf: resource \"aws_secretsmanager_secret\" \"s\" is declared twice in this module; Terraform refuses the configuration: rename or remove one"
        ]
    );
    // in two files of one module, and for variables
    let r = check_texts(
        &[
            ("main.tf", SHARED_WITH_VAR),
            ("vars.tf", "variable \"reader\" {}\n"),
        ],
        &[],
    );
    assert_eq!(
        r.findings.iter().filter(|f| f.rule == "GC002").count(),
        1,
        "{:#?}",
        r.findings
    );
    let r = check_texts(
        &[
            ("main.tf", SHARED_WITH_VAR),
            ("override.tf", "resource \"aws_kms_key\" \"other\" {}\n"),
        ],
        &[],
    );
    let errors = messages(&r, "GC002");
    assert_eq!(
        errors,
        [
            "override.tf: this override file overrides resource \"aws_kms_key\" \"other\", which no other file of the module declares; Terraform refuses the configuration"
        ]
    );
}

#[test]
fn tfvars_take_every_expression_terraform_accepts() {
    let main = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
variable "readers" { type = list(string) }
variable "note" { type = string }
resource "aws_secretsmanager_secret" "s" { name = "app/db" }
resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = var.readers },
                   Action = "secretsmanager:GetSecretValue", Resource = "*" }]
  })
}
"#;
    let tfvars = r#"
readers = [
  "arn:aws:iam::444455556666:root", # the partner
  "arn:aws:iam::777788889999:root"
  ,
]
note = <<-EOT
  read by the partner's reporting jobs
  EOT
"#;
    let r = check_texts(&[("main.tf", main), ("terraform.tfvars", tfvars)], &[]);
    assert_eq!(
        rules_of(&r),
        [(
            "XA002".to_string(),
            "aws_secretsmanager_secret.s".to_string()
        )]
    );
    assert!(
        r.findings[0].message.contains("444455556666")
            && r.findings[0].message.contains("777788889999"),
        "{}",
        r.findings[0].message
    );
}

#[test]
fn policies_rendered_by_data_template_file_are_checked() {
    let main = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
variable "reader" { default = "444455556666" }
data "template_file" "from_file" {
  template = file("${path.module}/policy.json.tpl")
  vars     = { reader = var.reader }
}
data "template_file" "inline" {
  template = <<-EOT
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::$${reader}:root"},
      "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
  EOT
  vars = { reader = var.reader }
}
resource "aws_secretsmanager_secret" "a" {
  name   = "a"
  policy = data.template_file.from_file.rendered
}
resource "aws_secretsmanager_secret" "b" {
  name   = "b"
  policy = data.template_file.inline.rendered
}
"#;
    let tpl = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"AWS": "arn:aws:iam::${reader}:root"},
  "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
"#;
    let r = check_texts(&[("main.tf", main), ("policy.json.tpl", tpl)], &[]);
    assert_eq!(
        rules_of(&r),
        [
            (
                "XA002".to_string(),
                "aws_secretsmanager_secret.a".to_string()
            ),
            (
                "XA002".to_string(),
                "aws_secretsmanager_secret.b".to_string()
            ),
        ],
        "{:#?}",
        r.findings
    );
    // a finding from the template file points into it
    let in_file = r.findings[0]
        .related_locations
        .iter()
        .any(|l| l.location.file == "policy.json.tpl");
    assert!(in_file, "{:#?}", r.findings[0]);
}

#[test]
fn a_resource_whose_count_is_not_known_is_checked_as_one_instance_with_a_note() {
    let main = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
variable "enabled" { type = bool }
resource "aws_secretsmanager_secret" "s" {
  count = var.enabled ? 1 : 0
  name  = "app/db"
}
resource "aws_secretsmanager_secret_policy" "p" {
  count      = var.enabled ? 1 : 0
  secret_arn = aws_secretsmanager_secret.s[0].arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:root" },
                   Action = "secretsmanager:GetSecretValue", Resource = "*" }]
  })
}
"#;
    let r = check_texts(&[("envs/prod/main.tf", main)], &[]);
    assert_eq!(
        rules_of(&r),
        [
            (
                "GC001".to_string(),
                "aws_secretsmanager_secret.s".to_string()
            ),
            (
                "XA002".to_string(),
                "aws_secretsmanager_secret.s".to_string()
            ),
            (
                "GC001".to_string(),
                "aws_secretsmanager_secret_policy.p".to_string()
            ),
        ]
    );
    assert!(
        messages(&r, "GC001").iter().all(|m| m.starts_with(
            "its count is not known: var.enabled has no value (give it with --var or a .tfvars file), so it is checked as one instance"
        )),
        "{:#?}",
        r.findings
    );
    // with the value, the count decides
    let off = check_texts(
        &[
            ("envs/prod/main.tf", main),
            ("envs/prod/terraform.tfvars", "enabled = false\n"),
        ],
        &[],
    );
    assert!(off.findings.is_empty(), "{:#?}", off.findings);
}

#[test]
fn functions_modules_use_for_counts_and_principals_are_evaluated() {
    let main = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
variable "on" { default = true }
locals {
  accounts = ["444455556666", "777788889999"]
  reader   = one([for a in local.accounts : a if startswith(a, "4444")])
  partner  = trimprefix("acct-777788889999", "acct-")
}
resource "aws_secretsmanager_secret" "s" {
  count = anytrue([false, var.on]) && alltrue([true]) ? max(1, min(3, length(range(2)))) : 0
  name  = "app/db-${count.index}"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = "*",
                   Principal = { AWS = ["arn:aws:iam::${local.reader}:root", "arn:aws:iam::${local.partner}:root"] } }]
  })
}
"#;
    let r = check_texts(&[("main.tf", main)], &[]);
    assert_eq!(
        rules_of(&r),
        [
            (
                "XA002".to_string(),
                "aws_secretsmanager_secret.s[0]".to_string()
            ),
            (
                "XA002".to_string(),
                "aws_secretsmanager_secret.s[1]".to_string()
            ),
        ],
        "{:#?}",
        r.findings
    );
    assert!(
        r.findings[0].message.contains("444455556666"),
        "{}",
        r.findings[0].message
    );
    assert!(
        r.findings[0].message.contains("777788889999"),
        "{}",
        r.findings[0].message
    );
}
