//! Every message reads as a sentence, whatever the value it is about: known, known only after
//! apply, marked sensitive, or absent (a variable without a value). Each place a rule takes a
//! value from — the principal, the key reference, the actions, a condition, the key policy,
//! the secret an attached policy names — is varied through the four, and every message and
//! help of every finding is read for what makes a sentence wrong.

use grantcheck_tests::check_texts;

/// What a place of the configuration holds.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Value {
    Known,
    AfterApply,
    Sensitive,
    Absent,
}

const VALUES: [Value; 4] = [
    Value::Known,
    Value::AfterApply,
    Value::Sensitive,
    Value::Absent,
];

/// A text only a sensitive value holds: it must never be shown.
const SECRET_WORD: &str = "hushhush";

/// The HCL expression of a value: `known` as written, or a reference to a role's ARN (known
/// after apply), a sensitive variable, a variable without a value. Returns the expression and
/// the declarations it needs.
fn place(name: &str, v: Value, known: &str, sensitive_value: &str) -> (String, String) {
    match v {
        Value::Known => (known.to_string(), String::new()),
        Value::AfterApply => (
            format!("aws_iam_role.{name}.arn"),
            format!("resource \"aws_iam_role\" \"{name}\" {{ name = \"{name}\" }}\n"),
        ),
        Value::Sensitive => (
            format!("var.{name}"),
            format!(
                "variable \"{name}\" {{\n  sensitive = true\n  default   = {sensitive_value}\n}}\n"
            ),
        ),
        Value::Absent => (format!("var.{name}"), format!("variable \"{name}\" {{}}\n")),
    }
}

struct Case {
    principal: Value,
    key: Value,
    actions: Value,
    condition: Value,
    secret: Value,
}

fn config(c: &Case) -> String {
    let (principal, d1) = place(
        "principal",
        c.principal,
        "\"arn:aws:iam::444455556666:role/reader\"",
        &format!("\"arn:aws:iam::444455556666:role/{SECRET_WORD}\""),
    );
    let (key, d2) = place(
        "key",
        c.key,
        "aws_kms_key.k.key_id",
        &format!("\"alias/{SECRET_WORD}\""),
    );
    let (actions, d3) = place(
        "actions",
        c.actions,
        "[\"secretsmanager:GetSecretValue\", \"secretsmanager:PutSecretValue\"]",
        &format!("[\"secretsmanager:{SECRET_WORD}\"]"),
    );
    let (org, d4) = place(
        "org",
        c.condition,
        "\"o-abc123def4\"",
        &format!("\"o-{SECRET_WORD}\""),
    );
    let (secret_arn, d5) = place(
        "secret_arn",
        c.secret,
        "aws_secretsmanager_secret.s.arn",
        &format!("\"arn:aws:secretsmanager:eu-west-1:444455556666:secret:{SECRET_WORD}-AbCdEf\""),
    );
    format!(
        r#"
provider "aws" {{ region = "eu-west-1" }}
{d1}{d2}{d3}{d4}{d5}
resource "aws_kms_key" "k" {{
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{ Effect = "Allow", Principal = {{ AWS = "arn:aws:iam::111122223333:root" }}, Action = "kms:*", Resource = "*" }},
      {{ Effect = "Allow", Principal = {{ AWS = {principal} }}, Action = "kms:*", Resource = "*" }},
      {{ Effect = "Allow", Principal = {{ AWS = "*" }}, Action = "kms:Decrypt", Resource = "*",
         Condition = {{ StringLike = {{ "aws:PrincipalOrgID" = {org} }} }} }},
    ]
  }})
}}
resource "aws_secretsmanager_secret" "s" {{
  name       = "app/db"
  kms_key_id = {key}
  replica {{ region = "eu-central-1" }}
}}
resource "aws_secretsmanager_secret_policy" "p" {{
  secret_arn = {secret_arn}
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{ Effect = "Allow", Principal = {{ AWS = {principal} }}, Action = {actions}, Resource = "*" }},
      {{ Effect = "Allow", Principal = {{ AWS = "*" }}, Action = "secretsmanager:GetSecretValue", Resource = "*",
         Condition = {{ StringLike = {{ "aws:PrincipalOrgID" = {org} }} }} }},
    ]
  }})
}}
"#
    )
}

/// What makes a message wrong, or `None`.
fn fault(text: &str, address: &str, case: &Case) -> Option<String> {
    let lower = text.to_lowercase();
    let bad = [
        ("(unknown)", "a placeholder for a value"),
        ("account ?", "a placeholder for an account"),
        ("is var.", "\"is var.x\" is no sentence"),
        ("are var.", "\"are var.x\" is no sentence"),
        ("is the secret ", "\"is the secret … is\" is no sentence"),
        (
            "known after apply (known after apply",
            "the origin said twice",
        ),
        ("not known: known", "the origin said twice"),
        ("  ", "a double space"),
        ("\"\"", "empty quotes"),
        ("()", "empty parentheses"),
        (": :", "an empty clause"),
        (SECRET_WORD, "a sensitive value shown"),
    ];
    for (pattern, why) in bad {
        if lower.contains(pattern) {
            return Some(format!("{why} ({pattern:?})"));
        }
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    if let Some(w) = words
        .windows(2)
        .find(|w| w[0] == w[1] && w[0].chars().all(char::is_alphabetic))
    {
        return Some(format!("a doubled word ({:?})", w[0]));
    }
    if text.ends_with(':') || text.ends_with(',') || text.trim() != text {
        return Some("an unfinished sentence".into());
    }
    if !address.is_empty() && text.matches(address).count() > 1 {
        return Some(format!("the address {address} said twice"));
    }
    // a variable without a value is not "known after apply"
    let only_absent = [
        case.principal,
        case.key,
        case.actions,
        case.condition,
        case.secret,
    ]
    .iter()
    .all(|v| *v != Value::AfterApply);
    if only_absent && lower.contains("after apply") {
        return Some("\"after apply\" for a value that is absent, not computed".into());
    }
    None
}

#[test]
fn every_message_reads_as_a_sentence_whatever_its_value() {
    let mut faults = vec![];
    let mut seen_rules = std::collections::BTreeSet::new();
    let mut cases = vec![];
    for v in VALUES {
        let base = || Case {
            principal: Value::Known,
            key: Value::Known,
            actions: Value::Known,
            condition: Value::Known,
            secret: Value::Known,
        };
        cases.push(Case {
            principal: v,
            ..base()
        });
        cases.push(Case { key: v, ..base() });
        cases.push(Case {
            actions: v,
            ..base()
        });
        cases.push(Case {
            condition: v,
            ..base()
        });
        cases.push(Case {
            secret: v,
            ..base()
        });
        cases.push(Case {
            principal: v,
            key: v,
            actions: v,
            condition: v,
            secret: v,
        });
    }
    for case in &cases {
        let text = config(case);
        for accounts in [&[][..], &["111122223333"][..]] {
            let r = check_texts(&[("main.tf", &text)], accounts);
            for f in &r.findings {
                seen_rules.insert(f.check.unwrap_or(f.rule).to_string());
                for (what, s) in [("message", &f.message), ("help", &f.help)] {
                    if let Some(why) = fault(s, &f.resource, case) {
                        faults.push(format!(
                            "{} {what} ({}, principal {:?}, key {:?}, actions {:?}, condition {:?}, secret {:?}): {why}\n    {s}",
                            f.rule, f.resource, case.principal, case.key, case.actions, case.condition, case.secret
                        ));
                    }
                }
            }
            let json = r.to_json();
            if json.contains(SECRET_WORD) {
                faults.push(format!("a sensitive value in the JSON report: {json}"));
            }
        }
    }
    faults.sort();
    faults.dedup();
    assert!(faults.is_empty(), "{}", faults.join("\n"));
    // the matrix reaches the rules whose messages take these values
    for rule in [
        "XA001", "XA002", "XA003", "XA006", "XA007", "XA008", "XA009", "PA001", "PA002", "GC001",
    ] {
        assert!(
            seen_rules.contains(rule),
            "{rule} not reached: {seen_rules:?}"
        );
    }
}
