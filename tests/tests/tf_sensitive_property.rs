//! A value of a variable declared `sensitive = true` never reaches a report, wherever a policy
//! takes it and however the variable gets it. Each place a value can take in a configuration
//! — a principal (AWS or Service), a condition's operator, key and value, a Sid, an action, a
//! resource, `kms_key_id`, a local derived from it, a `file()` path, `templatefile()` vars, a
//! heredoc, the parts of an `aws_iam_policy_document`, a `for_each` map's value, a replica's
//! Region — holds a marker given by the variable's default, by `terraform.tfvars`, or by a
//! module call into a child's sensitive variable; with and without the owner account. No
//! finding's text, no part of the JSON report and nothing in the SARIF log may hold the marker.
//! The same configuration with the variable not declared sensitive shows the marker where a
//! message quotes the value, so that each case is seen to reach the check.

use grantcheck::Report;
use grantcheck_tests::check_texts;

/// How the sensitive variable gets its value.
#[derive(Clone, Copy, Debug)]
enum Given {
    /// `default` in the root module's declaration.
    Default,
    /// `terraform.tfvars` of the root module.
    Tfvars,
    /// An argument of a module call, into the child's variable declared sensitive.
    ModuleArgument,
}

const GIVEN: [Given; 3] = [Given::Default, Given::Tfvars, Given::ModuleArgument];

/// The parts of the configuration a placement changes; the rest is a secret encrypted with a
/// customer managed key, shared by its policy with a role of account 444455556666.
struct Parts {
    /// The value of the variable `v`, with `{M}` for the marker.
    value: &'static str,
    sid: &'static str,
    principal: &'static str,
    operator: &'static str,
    key: &'static str,
    condition: &'static str,
    action: &'static str,
    resource: &'static str,
    kms_key_id: &'static str,
    /// Blocks in the secret's resource (a replica).
    secret_blocks: &'static str,
    /// The secret policy's `policy` expression; `None`: the `jsonencode` of the parts above.
    policy: Option<&'static str>,
    /// More blocks of the module (locals, data sources).
    extra: String,
    /// Other files of the module's directory: (name, text), `{M}` for the marker.
    files: &'static [(&'static str, &'static str)],
    /// The secret policy resource's `for_each`, if any.
    for_each: &'static str,
}

const BASE: Parts = Parts {
    value: "",
    sid: "\"Share\"",
    principal: "{ AWS = \"arn:aws:iam::444455556666:role/reader\" }",
    operator: "StringEquals",
    key: "\"aws:PrincipalOrgID\"",
    condition: "\"o-abc123def4\"",
    action: "\"secretsmanager:GetSecretValue\"",
    resource: "\"*\"",
    kms_key_id: "aws_kms_key.k.arn",
    secret_blocks: "",
    policy: None,
    extra: String::new(),
    files: &[],
    for_each: "",
};

/// One place of the marker.
struct Placement {
    name: &'static str,
    parts: Parts,
    /// Rules that the case must report when the owner account is given (marked or not).
    expect: &'static [&'static str],
    /// A message quotes the value when it is not marked sensitive.
    quoted: bool,
}

fn placements() -> Vec<Placement> {
    vec![
        Placement {
            name: "principal AWS",
            parts: Parts {
                value: "arn:aws:iam::444455556666:role/{M}",
                principal: "{ AWS = var.v }",
                ..BASE
            },
            expect: &["XA001", "XA003"],
            quoted: true,
        },
        Placement {
            name: "principal Service",
            parts: Parts {
                value: "{M}",
                principal: "{ Service = var.v }",
                ..BASE
            },
            expect: &[],
            quoted: false,
        },
        Placement {
            name: "condition operator",
            parts: Parts {
                value: "{M}StringEquals",
                operator: "(var.v)",
                ..BASE
            },
            expect: &["XA001"],
            quoted: true,
        },
        Placement {
            name: "condition key",
            parts: Parts {
                value: "aws:{M}",
                key: "(var.v)",
                ..BASE
            },
            expect: &["XA001"],
            quoted: false,
        },
        Placement {
            name: "condition value",
            parts: Parts {
                value: "{M}",
                operator: "Bool",
                key: "\"aws:SecureTransport\"",
                condition: "var.v",
                ..BASE
            },
            expect: &[],
            quoted: true,
        },
        Placement {
            name: "Sid",
            parts: Parts {
                value: "{M} sid",
                sid: "var.v",
                ..BASE
            },
            expect: &["XA001"],
            quoted: true,
        },
        Placement {
            name: "action",
            parts: Parts {
                value: "secretsmanager:{M}",
                action: "[\"secretsmanager:GetSecretValue\", var.v]",
                ..BASE
            },
            expect: &["XA001"],
            quoted: true,
        },
        Placement {
            name: "resource",
            parts: Parts {
                value: "{M}",
                resource: "var.v",
                ..BASE
            },
            expect: &["XA001"],
            quoted: false,
        },
        Placement {
            name: "kms_key_id",
            parts: Parts {
                value: "alias/{M}",
                kms_key_id: "var.v",
                ..BASE
            },
            expect: &["XA001", "GC001"],
            quoted: true,
        },
        Placement {
            name: "local derived from it",
            parts: Parts {
                value: "{M}",
                principal: "{ AWS = local.reader }",
                extra:
                    "locals {\n  reader = \"arn:aws:iam::444455556666:role/${var.v}-reader\"\n}\n"
                        .into(),
                ..BASE
            },
            expect: &["XA001", "XA003"],
            quoted: true,
        },
        Placement {
            name: "file() path",
            parts: Parts {
                value: "{M}",
                policy: Some("file(\"${path.module}/policies/${var.v}.json\")"),
                files: &[(
                    "policies/{M}.json",
                    r#"{"Version":"2012-10-17","Statement":[{"Sid":"Share","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/reader"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#,
                )],
                ..BASE
            },
            expect: &["XA001", "XA003"],
            quoted: true,
        },
        Placement {
            name: "templatefile() vars",
            parts: Parts {
                value: "arn:aws:iam::444455556666:role/{M}",
                policy: Some(
                    "templatefile(\"${path.module}/policy.json.tftpl\", { reader = var.v })",
                ),
                files: &[(
                    "policy.json.tftpl",
                    r#"{"Version":"2012-10-17","Statement":[{"Sid":"Share","Effect":"Allow","Principal":{"AWS":"${reader}"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#,
                )],
                ..BASE
            },
            expect: &["XA001", "XA003"],
            quoted: true,
        },
        Placement {
            name: "heredoc policy",
            parts: Parts {
                value: "arn:aws:iam::444455556666:role/{M}",
                policy: Some(
                    r#"<<EOT
{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "Share", "Effect": "Allow",
    "Principal": {"AWS": "${var.v}"},
    "Action": "secretsmanager:GetSecretValue", "Resource": "*"
  }]
}
EOT"#,
                ),
                ..BASE
            },
            expect: &["XA001", "XA003"],
            quoted: true,
        },
        Placement {
            name: "policy document principal identifiers",
            parts: document(
                "arn:aws:iam::444455556666:role/{M}",
                &statement(READ, "var.v", "sid = \"Share\""),
            ),
            expect: &["XA001", "XA003"],
            quoted: true,
        },
        Placement {
            name: "policy document condition variable",
            parts: document(
                "aws:{M}",
                &statement(
                    READ,
                    READER,
                    &condition("\"StringEquals\"", "var.v", "[\"o-abc123def4\"]"),
                ),
            ),
            expect: &["XA001", "XA003"],
            quoted: false,
        },
        Placement {
            name: "policy document condition values",
            parts: document(
                "{M}",
                &statement(
                    READ,
                    READER,
                    &condition("\"Bool\"", "\"aws:SecureTransport\"", "[var.v]"),
                ),
            ),
            expect: &["XA001", "XA003"],
            quoted: true,
        },
        Placement {
            name: "policy document sid",
            parts: document("{M} sid", &statement(READ, READER, "sid = var.v")),
            expect: &["XA001", "XA003"],
            quoted: true,
        },
        Placement {
            name: "policy document actions",
            parts: document(
                "secretsmanager:{M}",
                &statement("[\"secretsmanager:GetSecretValue\", var.v]", READER, ""),
            ),
            expect: &["XA001", "XA003"],
            quoted: true,
        },
        Placement {
            name: "policy document source_policy_documents",
            parts: document(
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"Source","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/{M}"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#,
                &format!(
                    "source_policy_documents = [var.v]\n{}",
                    statement(READ, READER, "sid = \"Share\"")
                ),
            ),
            expect: &["XA001", "XA003"],
            quoted: true,
        },
        Placement {
            name: "for_each map value",
            parts: Parts {
                value: "arn:aws:iam::444455556666:role/{M}",
                principal: "{ AWS = each.value }",
                for_each: "for_each = { reader = var.v }",
                ..BASE
            },
            // (Terraform takes a map whose values, not the map itself, are sensitive: its
            // instances are checked, each.value marked)
            expect: &["XA001", "XA003"],
            quoted: true,
        },
        Placement {
            name: "replica region",
            parts: Parts {
                value: "eu-{M}-1",
                secret_blocks: "replica {\n    region = var.v\n  }\n",
                ..BASE
            },
            expect: &["XA001", "XA003"],
            quoted: true,
        },
    ]
}

/// The actions and principal of the documents' statements, unless a case changes them.
const READ: &str = "[\"secretsmanager:GetSecretValue\"]";
const READER: &str = "\"arn:aws:iam::444455556666:role/reader\"";

/// A statement of a policy document granting `actions` to the AWS principal `identifier`,
/// with `more` (a Sid, a condition).
fn statement(actions: &str, identifier: &str, more: &str) -> String {
    format!(
        "statement {{\n    {more}\n    actions   = {actions}\n    resources = [\"*\"]\n    principals {{\n      type        = \"AWS\"\n      identifiers = [{identifier}]\n    }}\n  }}"
    )
}

/// A condition block of a policy document statement.
fn condition(test: &str, variable: &str, values: &str) -> String {
    format!(
        "condition {{\n      test     = {test}\n      variable = {variable}\n      values   = {values}\n    }}"
    )
}

/// Parts whose secret policy is the JSON of `data.aws_iam_policy_document.d`, with `body`.
fn document(value: &'static str, body: &str) -> Parts {
    Parts {
        value,
        policy: Some("data.aws_iam_policy_document.d.json"),
        extra: format!("data \"aws_iam_policy_document\" \"d\" {{\n  {body}\n}}\n"),
        ..BASE
    }
}

/// A string as an HCL literal.
fn hcl_string(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace("${", "$${")
    )
}

/// The resources of the module that uses `var.v`.
fn module_body(p: &Parts) -> String {
    let policy = p.policy.map(str::to_string).unwrap_or_else(|| {
        format!(
            r#"jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid       = {sid}
      Effect    = "Allow"
      Principal = {principal}
      Action    = {action}
      Resource  = {resource}
      Condition = {{ {operator} = {{ {key} = {condition} }} }}
    }}]
  }})"#,
            sid = p.sid,
            principal = p.principal,
            action = p.action,
            resource = p.resource,
            operator = p.operator,
            key = p.key,
            condition = p.condition,
        )
    });
    format!(
        r#"resource "aws_kms_key" "k" {{
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ AWS = "arn:aws:iam::111122223333:root" }}
      Action    = "kms:*"
      Resource  = "*"
    }}]
  }})
}}

resource "aws_secretsmanager_secret" "s" {{
  name       = "app/db"
  kms_key_id = {kms}
  {blocks}
}}

resource "aws_secretsmanager_secret_policy" "p" {{
  {for_each}
  secret_arn = aws_secretsmanager_secret.s.arn
  policy     = {policy}
}}

{extra}"#,
        kms = p.kms_key_id,
        blocks = p.secret_blocks,
        for_each = p.for_each,
        extra = p.extra,
    )
}

/// The files of the configuration: the variable `v`, declared sensitive or not, holding
/// `value`, given as `given` says.
fn configuration(
    p: &Parts,
    (marker, value): (&str, &str),
    sensitive: bool,
    given: Given,
) -> Vec<(String, String)> {
    let provider = "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n";
    let literal = hcl_string(value);
    let body = module_body(p);
    let (dir, mut files) = match given {
        Given::Default => (
            "",
            vec![(
                "main.tf".to_string(),
                format!(
                    "{provider}\nvariable \"v\" {{\n  type      = string\n  sensitive = {sensitive}\n  default   = {literal}\n}}\n\n{body}"
                ),
            )],
        ),
        Given::Tfvars => (
            "",
            vec![
                (
                    "main.tf".to_string(),
                    format!(
                        "{provider}\nvariable \"v\" {{\n  type      = string\n  sensitive = {sensitive}\n}}\n\n{body}"
                    ),
                ),
                ("terraform.tfvars".to_string(), format!("v = {literal}\n")),
            ],
        ),
        Given::ModuleArgument => (
            "modules/app/",
            vec![
                (
                    "main.tf".to_string(),
                    format!(
                        "{provider}\nmodule \"app\" {{\n  source = \"./modules/app\"\n  v      = {literal}\n}}\n"
                    ),
                ),
                (
                    "modules/app/main.tf".to_string(),
                    format!(
                        "variable \"v\" {{\n  type      = string\n  sensitive = {sensitive}\n}}\n\n{body}"
                    ),
                ),
            ],
        ),
    };
    for (name, text) in p.files {
        files.push((
            format!("{dir}{}", name.replace("{M}", marker)),
            text.replace("{M}", marker),
        ));
    }
    files
}

fn check(files: &[(String, String)], accounts: &[&str]) -> Report {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    check_texts(&refs, accounts)
}

/// Where in `report` the marker shows, each as a short description.
fn leaks(report: &Report, marker: &str) -> Vec<String> {
    let mut out = vec![];
    for f in &report.findings {
        let mut fields: Vec<(&str, &str)> = vec![
            ("message", &f.message),
            ("help", &f.help),
            ("resource", &f.resource),
        ];
        fields.extend(f.related.iter().map(|r| ("related", r.as_str())));
        if let Some(path) = &f.policy_path {
            fields.push(("policy_path", path));
        }
        if let Some(loc) = &f.location {
            fields.push(("location file", &loc.file));
        }
        for r in &f.related_locations {
            fields.push(("related location message", &r.message));
            fields.push(("related location file", &r.location.file));
        }
        for (what, text) in fields {
            if text.contains(marker) {
                out.push(format!("{} {what}: {text}", f.rule));
            }
        }
    }
    let json = report.to_json();
    let sarif = grantcheck::report::sarif::to_sarif(report).to_string();
    for (what, text) in [("the JSON report", json), ("the SARIF log", sarif)] {
        if let Some(at) = text.find(marker) {
            out.push(format!("{what}: …{}…", around(&text, at)));
        }
    }
    out
}

/// The text around byte `at` of `text`.
fn around(text: &str, at: usize) -> &str {
    let mut from = at.saturating_sub(80);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (at + 80).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    &text[from..to]
}

fn rules(report: &Report) -> Vec<&str> {
    report.findings.iter().map(|f| f.rule.as_str()).collect()
}

/// Runs one placement in every way the variable can be given, with and without the owner
/// account; returns what went wrong.
fn run(index: usize, p: &Placement) -> Vec<String> {
    let mut faults = vec![];
    let marker = format!("zqxmarker{index}");
    let value = p.parts.value.replace("{M}", &marker);
    assert!(
        value.contains(&marker),
        "{}: the value holds no marker",
        p.name
    );
    let mut shown_when_open = false;
    for given in GIVEN {
        for accounts in [&[][..], &["111122223333"][..]] {
            let case = format!("{} ({given:?}, accounts {accounts:?})", p.name);
            let open = check(
                &configuration(&p.parts, (&marker, &value), false, given),
                accounts,
            );
            let hidden = check(
                &configuration(&p.parts, (&marker, &value), true, given),
                accounts,
            );
            // the configuration is read, and its secret policy checked
            if hidden.summary.policies == 0 || hidden.summary.resources < 3 {
                faults.push(format!("{case}: not checked: {:?}", hidden.summary));
            }
            if hidden.findings.iter().any(|f| f.rule == "GC002") {
                faults.push(format!("{case}: an input error: {:#?}", hidden.findings));
            }
            if !accounts.is_empty() {
                for rule in p.expect {
                    for (what, r) in [("marked", &hidden), ("unmarked", &open)] {
                        if !rules(r).contains(rule) {
                            faults.push(format!(
                                "{case}: {rule} not reported {what}: {:?}",
                                rules(r)
                            ));
                        }
                    }
                }
            }
            shown_when_open |= !leaks(&open, &marker).is_empty();
            for leak in leaks(&hidden, &marker) {
                faults.push(format!("{case}: the marker shows in {leak}"));
            }
        }
    }
    if p.quoted && !shown_when_open {
        faults.push(format!(
            "{}: the value is not quoted even when not sensitive",
            p.name
        ));
    }
    faults
}

#[test]
fn values_of_sensitive_variables_never_reach_any_output_wherever_a_policy_takes_them() {
    let mut faults = vec![];
    let all = placements();
    for (i, p) in all.iter().enumerate() {
        faults.extend(run(i, p));
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}
