//! Fail closed: what cannot be read or decided is said — a policy of the wrong type, a JSON
//! configuration of the wrong shape, a plan changed by hand — and values of sensitive
//! variables (read through files, policy documents, count and for_each) are never shown.

use grantcheck_tests::{OWNER, PARTNER, PlanBuilder, READ, allow, check_texts, policy};
use serde_json::{Value, json};

fn messages<'a>(r: &'a grantcheck::Report, rule: &str) -> Vec<(&'a str, &'a str)> {
    r.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.resource.as_str(), f.message.as_str()))
        .collect()
}

#[test]
fn a_policy_of_the_wrong_type_is_a_pg001_in_configurations() {
    let main = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
resource "aws_secretsmanager_secret" "number" {
  name   = "a"
  policy = 42
}
resource "aws_secretsmanager_secret" "list" {
  name   = "b"
  policy = ["x"]
}
resource "aws_secretsmanager_secret" "c" { name = "c" }
resource "aws_secretsmanager_secret_policy" "bool" {
  secret_arn = aws_secretsmanager_secret.c.arn
  policy     = true
}
resource "aws_secretsmanager_secret" "d" { name = "d" }
resource "aws_secretsmanager_secret_policy" "empty" {
  secret_arn = aws_secretsmanager_secret.d.arn
  policy     = ""
}
resource "aws_kms_key" "number" { policy = 7 }
resource "aws_kms_key" "k" {}
resource "aws_kms_key_policy" "blank" {
  key_id = aws_kms_key.k.id
  policy = "  "
}
"#;
    let r = check_texts(&[("main.tf", main)], &[]);
    let mut got = messages(&r, "PG001");
    got.sort();
    let wrong = |what: &str| {
        format!(
            "policy in `policy`: the policy is {what}, not a string that holds a JSON policy document, which Terraform and AWS expect; write it with jsonencode({{...}}) or data \"aws_iam_policy_document\""
        )
    };
    let expected = [
        ("aws_kms_key.number", format!("key {}", wrong("a number"))),
        (
            "aws_kms_key_policy.blank",
            "key policy in `policy`: the policy is not valid JSON: empty JSON text".to_string(),
        ),
        (
            "aws_secretsmanager_secret.list",
            format!("secret {}", wrong("a list")),
        ),
        (
            "aws_secretsmanager_secret.number",
            format!("secret {}", wrong("a number")),
        ),
        (
            "aws_secretsmanager_secret_policy.bool",
            format!("secret {}", wrong("a bool")),
        ),
        (
            "aws_secretsmanager_secret_policy.empty",
            "secret policy in `policy`: the policy is not valid JSON: empty JSON text".to_string(),
        ),
    ];
    let expected: Vec<(&str, &str)> = expected.iter().map(|(a, m)| (*a, m.as_str())).collect();
    assert_eq!(got, expected);
}

#[test]
fn a_policy_of_the_wrong_type_is_a_pg001_in_plans() {
    for value in [json!(42), json!(true), json!(["x"])] {
        let plan = PlanBuilder::new()
            .provider("aws", Some(OWNER), "eu-west-1")
            .create(
                "aws_secretsmanager_secret.s",
                json!({"name": "db", "policy": value}),
            )
            .create("aws_kms_key.k", json!({"policy": value}))
            .build();
        let r = check_texts(&[("plan.json", &plan)], &[]);
        let mut got: Vec<&str> = messages(&r, "PG001").iter().map(|(a, _)| *a).collect();
        got.sort();
        assert_eq!(
            got,
            ["aws_kms_key.k", "aws_secretsmanager_secret.s"],
            "{value}: {:#?}",
            r.findings
        );
    }
}

#[test]
fn a_json_configuration_of_the_wrong_shape_is_an_input_error() {
    let json_cfg = r#"{"resource": {"aws_secretsmanager_secret": "oops", "aws_kms_key": {"k": 5}},
 "variable": {"v": [1]}}"#;
    let r = check_texts(&[("main.tf.json", json_cfg)], &[]);
    let got: Vec<&str> = messages(&r, "GC002").iter().map(|(_, m)| *m).collect();
    assert_eq!(
        got,
        [
            "main.tf.json: Terraform's JSON syntax expects the resource blocks by name here (a JSON object, or a list of them), not a string; Terraform refuses this file",
            "main.tf.json: Terraform's JSON syntax expects the body of a resource block here (a JSON object, or a list of them), not a number; Terraform refuses this file",
            "main.tf.json: Terraform's JSON syntax expects the body of a variable block here (a JSON object, or a list of them), not a list that holds something else than objects; Terraform refuses this file",
        ]
    );
}

/// A plan that shares a secret with the partner, as `terraform show -json` writes it.
fn shared_plan() -> Value {
    let plan = PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .create("aws_secretsmanager_secret.s", json!({"name": "db"}))
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(json!([allow(json!({"AWS": format!("arn:aws:iam::{PARTNER}:root")}), READ)]))}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build();
    serde_json::from_str(&plan).unwrap()
}

fn change_of<'a>(plan: &'a mut Value, address: &str) -> &'a mut Value {
    plan["resource_changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["address"] == address)
        .unwrap()
}

#[test]
fn a_value_given_and_marked_unknown_is_refused() {
    let mut plan = shared_plan();
    let c = change_of(&mut plan, "aws_secretsmanager_secret_policy.p");
    c["change"]["after_unknown"]["policy"] = json!(true);
    let r = check_texts(&[("plan.json", &plan.to_string())], &[]);
    let got: Vec<&str> = messages(&r, "GC002").iter().map(|(_, m)| *m).collect();
    assert_eq!(
        got,
        [
            "plan.json: aws_secretsmanager_secret_policy.p: `policy` has a value in `after` and is marked known only after apply in `after_unknown`; Terraform never writes both, so the plan was changed after `terraform show -json`: produce it again"
        ]
    );
}

#[test]
fn a_key_written_twice_in_a_resource_is_refused() {
    let plan = shared_plan().to_string();
    // the policy first written empty, then shared: readers differ on which one counts
    let twice = plan.replacen("\"policy\":", "\"policy\":\"\",\"policy\":", 1);
    assert_ne!(twice, plan);
    let r = check_texts(&[("plan.json", &twice)], &[]);
    let got: Vec<&str> = messages(&r, "GC002").iter().map(|(_, m)| *m).collect();
    assert_eq!(got.len(), 1, "{:#?}", r.findings);
    assert!(got[0].contains("the key \"policy\" twice"), "{}", got[0]);
}

#[test]
fn what_planned_values_marks_sensitive_is_never_shown() {
    let mut plan = shared_plan();
    // the changes do not mark the policy; the planned values do
    plan["planned_values"] = json!({"root_module": {"resources": [
        {"address": "aws_secretsmanager_secret_policy.p", "mode": "managed",
         "type": "aws_secretsmanager_secret_policy", "values": {},
         "sensitive_values": {"policy": true}}]}});
    let r = check_texts(&[("plan.json", &plan.to_string())], &[]);
    assert!(
        r.findings.iter().any(|f| f.rule == "XA002"),
        "{:#?}",
        r.findings
    );
    let text = r.to_json();
    assert!(!text.contains(PARTNER), "{text}");
}

#[test]
fn a_broken_file_does_not_stop_the_others() {
    let good = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
resource "aws_secretsmanager_secret" "s" {
  name   = "db"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }] })
}
"#;
    let r = check_texts(
        &[
            ("a_broken.tf", "resource \"aws_kms_key\" \"k\" {\n"),
            ("main.tf", good),
            ("z.tf.json", "{\"resource\": "),
        ],
        &[],
    );
    let mut rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort();
    assert_eq!(rules, ["GC002", "GC002", "XA002"], "{:#?}", r.findings);
}

const SECRET_WORD: &str = "hushhush";

#[test]
fn values_read_through_sensitive_variables_are_never_shown() {
    let main = format!(
        r#"
provider "aws" {{ allowed_account_ids = ["111122223333"] }}
variable "docs" {{
  sensitive = true
  default = ["{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":\"arn:aws:iam::444455556666:role/{SECRET_WORD}doc\"}},\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}}]}}"]
}}
variable "path" {{
  sensitive = true
  default   = "{SECRET_WORD}.json"
}}
variable "names" {{
  sensitive = true
  default   = ["{SECRET_WORD}name"]
}}
data "aws_iam_policy_document" "d" {{
  source_policy_documents = var.docs
}}
resource "aws_secretsmanager_secret" "from_documents" {{
  name   = "a"
  policy = data.aws_iam_policy_document.d.json
}}
resource "aws_secretsmanager_secret" "from_file" {{
  name   = "b"
  policy = file(var.path)
}}
resource "aws_secretsmanager_secret" "from_template" {{
  name   = "c"
  policy = templatefile(var.path, {{}})
}}
resource "aws_secretsmanager_secret" "many" {{
  for_each = toset(var.names)
  name     = each.key
  policy   = data.aws_iam_policy_document.d.json
}}
"#
    );
    let file = format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":\"arn:aws:iam::444455556666:role/{SECRET_WORD}file\"}},\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}}]}}\n"
    );
    let r = check_texts(
        &[("main.tf", &main), (&format!("{SECRET_WORD}.json"), &file)],
        &[],
    );
    // every policy is checked: the documents and the files share the secret (XA002) with an
    // exact role (XA001); for_each from a sensitive value is refused by Terraform
    let mut rules: Vec<(&str, &str)> = r
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.resource.as_str()))
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            ("GC002", ""),
            ("XA001", "aws_secretsmanager_secret.from_documents"),
            ("XA001", "aws_secretsmanager_secret.from_file"),
            ("XA001", "aws_secretsmanager_secret.from_template"),
            ("XA001", "aws_secretsmanager_secret.many"),
            ("XA002", "aws_secretsmanager_secret.from_documents"),
            ("XA002", "aws_secretsmanager_secret.from_file"),
            ("XA002", "aws_secretsmanager_secret.from_template"),
            ("XA002", "aws_secretsmanager_secret.many"),
        ],
        "{:#?}",
        r.findings
    );
    let json = r.to_json();
    assert!(!json.contains(SECRET_WORD), "{json}");
    // no finding is placed in the file the sensitive path names
    assert!(
        r.findings.iter().all(|f| {
            f.location.as_ref().is_none_or(|l| l.file == "main.tf")
                && f.related_locations
                    .iter()
                    .all(|l| l.location.file == "main.tf")
        }),
        "{:#?}",
        r.findings
    );
}

#[test]
fn a_value_that_doubles_past_any_policy_is_an_input_error_not_an_abort() {
    let mut main = String::from("locals {\n  a0 = \"xxxxxxxxxxxxxxxx\"\n");
    for i in 1..=24 {
        main.push_str(&format!(
            "  a{i} = \"${{local.a{}}}${{local.a{}}}\"\n",
            i - 1,
            i - 1
        ));
    }
    main.push_str("}\nresource \"aws_secretsmanager_secret\" \"s\" {\n  name   = \"x\"\n  policy = local.a24\n}\n");
    let r = check_texts(&[("main.tf", &main)], &[]);
    let errors: Vec<&str> = messages(&r, "GC002").iter().map(|(_, m)| *m).collect();
    assert_eq!(
        errors,
        [
            "main.tf: this expression's value is over 4 MB, far larger than any policy; grantcheck does not evaluate it, so what uses it is not checked"
        ]
    );
    // the policy that uses it is open, not passed
    let open: Vec<&str> = messages(&r, "GC001").iter().map(|(_, m)| *m).collect();
    assert_eq!(
        open,
        [
            "cross-account checks (XA001–XA003) and PA001 of aws_secretsmanager_secret.s could not be decided: its policy is not valid: the value is too large to be evaluated"
        ]
    );
}

#[test]
fn past_the_module_instance_limit_says_exactly_what_was_checked() {
    let main = r#"
provider "aws" { allowed_account_ids = ["111122223333"] }
module "m" {
  count  = 10001
  source = "./mod"
}
"#;
    let module = r#"
resource "aws_secretsmanager_secret" "s" {
  name   = "x"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }] })
}
"#;
    let r = check_texts(&[("main.tf", main), ("mod/main.tf", module)], &[]);
    let errors: Vec<&str> = messages(&r, "GC002").iter().map(|(_, m)| *m).collect();
    assert_eq!(
        errors,
        [
            "main.tf: module.m[9999] and the module instances after it are not checked: the configuration expands to more than 10000 module instances, and the first 10000 are checked"
        ]
    );
    // the root and the first 9,999 instances of the module: each secret checked
    assert_eq!(
        r.findings.iter().filter(|f| f.rule == "XA002").count(),
        9999
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.resource == "module.m[9998].aws_secretsmanager_secret.s")
    );
    assert!(
        !r.findings
            .iter()
            .any(|f| f.resource.starts_with("module.m[9999]"))
    );
}

#[test]
fn small_input_errors_say_what_is_wrong() {
    // a number past what a float holds is not called a syntax error
    let r = check_texts(
        &[(
            "main.tf",
            "resource \"aws_secretsmanager_secret\" \"s\" {\n  count = 1e400\n  name  = \"x\"\n}\n",
        )],
        &[],
    );
    let errors: Vec<&str> = messages(&r, "GC002").iter().map(|(_, m)| *m).collect();
    assert_eq!(
        errors,
        [
            "main.tf: the number 1e400 at line 2 is out of range: grantcheck reads numbers as 64-bit floating point, as far as about 1.8e308; no count, index or policy value needs more: write a smaller number"
        ]
    );
    // a plan with a byte-order mark says so
    let plan = format!("\u{feff}{}", shared_plan());
    let r = check_texts(&[("plan.json", &plan)], &[]);
    let errors: Vec<&str> = messages(&r, "GC002").iter().map(|(_, m)| *m).collect();
    assert_eq!(errors.len(), 1, "{:#?}", r.findings);
    assert!(errors[0].contains("byte-order mark"), "{}", errors[0]);
}

#[test]
fn an_address_that_does_not_decode_is_shown_as_written() {
    let mut plan = shared_plan();
    change_of(&mut plan, "aws_secretsmanager_secret.s")["address"] =
        json!("aws_secretsmanager_secret.s[\"LONE\"]");
    // a lone surrogate, which Terraform never writes and which decodes to no text
    let text = plan.to_string().replace("LONE", "\\ud800");
    assert!(serde_json::from_str::<String>("\"\\ud800\"").is_err());
    let r = check_texts(&[("plan.json", &text)], &[]);
    assert!(
        r.findings.iter().all(|f| !f.resource.is_empty()),
        "{:#?}",
        r.findings
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "XA002" && f.resource.contains("\\ud800")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn a_finding_at_a_wide_character_is_placed_on_character_boundaries() {
    // a syntax error at a two-byte character: its one-byte span widens to the character
    let r = check_texts(&[("main.tf", "\u{612}")], &[]);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "GC002")
        .unwrap_or_else(|| panic!("{:#?}", r.findings));
    let loc = f.location.as_ref().unwrap_or_else(|| panic!("{f:#?}"));
    assert_eq!(
        (loc.start.offset, loc.end.offset),
        (Some(0), Some(2)),
        "{loc:?}"
    );
    assert_eq!((loc.start.column, loc.end.column), (1, 2), "{loc:?}");
}

#[test]
fn a_value_given_and_marked_unknown_never_names_a_sensitive_key() {
    let mut plan = shared_plan();
    let c = change_of(&mut plan, "aws_secretsmanager_secret.s");
    c["change"]["after"]["tags"] = json!({"hushkey": "v"});
    c["change"]["after_sensitive"] = json!({"tags": true});
    c["change"]["after_unknown"]["tags"] = json!({"hushkey": true});
    let r = check_texts(&[("plan.json", &plan.to_string())], &[]);
    let got: Vec<&str> = messages(&r, "GC002").iter().map(|(_, m)| *m).collect();
    assert_eq!(got.len(), 1, "{:#?}", r.findings);
    assert!(got[0].contains("`tags.(sensitive key)`"), "{}", got[0]);
    assert!(!r.to_json().contains("hushkey"));
}
