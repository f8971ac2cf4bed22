//! Helpers shared by the end-to-end tests: where the shared corpus is, and a small builder of
//! plan JSON documents in the `terraform show -json` format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `../shared` beside the repository (corpus, generator, schemas), when present.
pub fn shared_dir() -> Option<PathBuf> {
    let p = repo_root().join("..").join("shared");
    p.join("DESIGN.md").exists().then_some(p)
}

/// Returns `../shared`, or says loudly that the test is skipped.
pub fn shared_or_skip(test: &str) -> Option<PathBuf> {
    let s = shared_dir();
    if s.is_none() {
        eprintln!(
            "SKIPPED {test}: ../shared (corpus, generator) is not beside the repository; CI always has it"
        );
    }
    s
}

/// Every file under `dir`, at any depth (none when it cannot be read).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = vec![];
    walk(dir, &mut out);
    out
}

/// Every JSON file under `dirs` that holds a `format_version` (plans, and the states and broken
/// plans among them), sorted.
pub fn plan_json_under(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| files_under(d))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && std::fs::read(p)
                    .is_ok_and(|b| String::from_utf8_lossy(&b).contains("\"format_version\""))
        })
        .collect();
    files.sort();
    files
}

/// Runs the core on in-memory files.
pub fn check_texts(files: &[(&str, &str)], accounts: &[&str]) -> grantcheck::Report {
    let sources: Vec<grantcheck::SourceFile> = files
        .iter()
        .enumerate()
        .map(|(i, (p, t))| grantcheck::SourceFile::new(i as u32, *p, *t))
        .collect();
    let options = grantcheck::Options {
        accounts: accounts.iter().map(|s| s.to_string()).collect(),
        ..grantcheck::Options::default()
    };
    grantcheck::check(&sources, &options)
}

/// (rule, resource) of every finding, in report order.
pub fn rules_of(report: &grantcheck::Report) -> Vec<(String, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.rule.to_string(), f.resource.clone()))
        .collect()
}

/// Builds plan JSON the way Terraform writes it.
#[derive(Default)]
pub struct PlanBuilder {
    changes: Vec<Value>,
    config: Vec<(String, Value)>,
    providers: Map<String, Value>,
    prior: Vec<Value>,
}

impl PlanBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The default AWS provider, with `allowed_account_ids` when `owner` is given.
    pub fn provider(mut self, key: &str, owner: Option<&str>, region: &str) -> Self {
        let mut ex = json!({"region": {"constant_value": region}});
        if let Some(o) = owner {
            ex["allowed_account_ids"] = json!({"constant_value": [o]});
        }
        self.providers.insert(
            key.to_string(),
            json!({"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws", "expressions": ex}),
        );
        self
    }

    /// A managed resource created by the plan, with every value known.
    pub fn create(self, address: &str, after: Value) -> Self {
        self.change(address, &["create"], Value::Null, after)
    }

    /// A managed resource with explicit actions and before/after.
    pub fn change(mut self, address: &str, actions: &[&str], before: Value, after: Value) -> Self {
        let (module, local) = split(address);
        let (rtype, name) = type_name(&local);
        let mut rc = json!({
            "address": address, "mode": if local.starts_with("data.") {"data"} else {"managed"},
            "type": rtype, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": actions, "before": before, "after": after,
                       "after_unknown": {}, "before_sensitive": false, "after_sensitive": {}}
        });
        if !module.is_empty() {
            rc["module_address"] = json!(module);
        }
        self.changes.push(rc);
        self.config.push((
            address.to_string(),
            json!({"address": local, "mode": if local.starts_with("data.") {"data"} else {"managed"},
                   "type": rtype, "name": name, "provider_config_key": "aws", "expressions": {}, "schema_version": 0}),
        ));
        self
    }

    /// Marks `attr` of the last resource as known after apply, computed from `reference`
    /// (module-relative, e.g. `aws_kms_key.k.arn`).
    pub fn unknown(mut self, attr: &str, reference: Option<&str>) -> Self {
        let rc = self.changes.last_mut().expect("a resource first");
        rc["change"]["after_unknown"][attr] = json!(true);
        if let Some(after) = rc["change"]["after"].as_object_mut() {
            after.remove(attr);
        }
        let cfg = &mut self.config.last_mut().expect("a resource first").1;
        cfg["expressions"][attr] = match reference {
            Some(r) => {
                let short = r.rsplit_once('.').map(|(a, _)| a).unwrap_or(r);
                json!({"references": [r, short]})
            }
            None => json!({}),
        };
        self
    }

    /// Marks `attr` of the last resource as computed by the provider (unknown, not configured).
    pub fn computed(mut self, attr: &str) -> Self {
        let rc = self.changes.last_mut().expect("a resource first");
        rc["change"]["after_unknown"][attr] = json!(true);
        self
    }

    /// Records that `attr` of the last resource is written in the configuration with a constant.
    pub fn configured(mut self, attr: &str, value: Value) -> Self {
        let cfg = &mut self.config.last_mut().expect("a resource first").1;
        cfg["expressions"][attr] = json!({"constant_value": value});
        self
    }

    /// Marks `attr` of the last resource as sensitive in the plan.
    pub fn sensitive(mut self, attr: &str) -> Self {
        let rc = self.changes.last_mut().expect("a resource first");
        rc["change"]["after_sensitive"][attr] = json!(true);
        self
    }

    /// A data source read during planning (in prior_state only).
    pub fn data(mut self, address: &str, values: Value) -> Self {
        let (_, local) = split(address);
        let (rtype, name) = type_name(&local);
        self.prior.push(
            json!({"address": address, "mode": "data", "type": rtype, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
            "values": values, "sensitive_values": {}}),
        );
        self
    }

    /// A secret `aws_secretsmanager_secret.s` whose policy is the `json` of
    /// `data.aws_iam_policy_document.p`, read during apply (unknown in the plan). The document's
    /// configuration (`expressions`) is the last resource of the configuration, left empty.
    pub fn secret_with_deferred_document(self) -> Self {
        self.create("aws_secretsmanager_secret.s", json!({"name": "x"}))
            .create("aws_secretsmanager_secret_policy.p", json!({}))
            .unknown("policy", Some("data.aws_iam_policy_document.p.json"))
            .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
            .change(
                "data.aws_iam_policy_document.p",
                &["read"],
                Value::Null,
                json!({}),
            )
            .unknown("json", None)
    }

    pub fn build(self) -> String {
        let mut root = json!({"resources": [], "module_calls": {}});
        for (address, cfg) in self.config {
            let (module, _) = split(&address);
            let mut node = &mut root;
            for m in module.split('.').collect::<Vec<_>>().chunks(2) {
                if m.len() < 2 {
                    continue;
                }
                let name = m[1].split('[').next().unwrap().to_string();
                node = &mut node["module_calls"][name.as_str()];
                if node.is_null() {
                    *node = json!({"source": format!("./modules/{name}"), "module": {"resources": [], "module_calls": {}}});
                }
                node = &mut node["module"];
            }
            node["resources"].as_array_mut().unwrap().push(cfg);
        }
        let mut plan = json!({
            "format_version": "1.2", "terraform_version": "1.9.5",
            "planned_values": {"root_module": {}},
            "resource_changes": self.changes,
            "configuration": {"provider_config": self.providers, "root_module": root},
            "applyable": true, "complete": true, "errored": false
        });
        if !self.prior.is_empty() {
            plan["prior_state"] = json!({"format_version": "1.0", "terraform_version": "1.9.5",
                "values": {"root_module": {"resources": self.prior}}});
        }
        serde_json::to_string_pretty(&plan).unwrap()
    }
}

fn split(address: &str) -> (String, String) {
    let parts: Vec<&str> = address.split('.').collect();
    let mut i = 0;
    while i + 1 < parts.len() && parts[i] == "module" {
        i += 2;
    }
    (parts[..i].join("."), parts[i..].join("."))
}

fn type_name(local: &str) -> (String, String) {
    let l = local.strip_prefix("data.").unwrap_or(local);
    let (t, n) = l.split_once('.').expect("type.name");
    (t.to_string(), n.split('[').next().unwrap().to_string())
}

/// A policy document as the JSON string a plan holds.
pub fn policy(statements: Value) -> Value {
    Value::String(
        serde_json::to_string(&json!({"Version": "2012-10-17", "Statement": statements})).unwrap(),
    )
}

/// One Allow statement for `principal` with `actions`.
pub fn allow(principal: Value, actions: &[&str]) -> Value {
    json!({"Effect": "Allow", "Principal": principal, "Action": actions, "Resource": "*"})
}

pub const OWNER: &str = "111122223333";
pub const PARTNER: &str = "444455556666";
pub const READ: &[&str] = &["secretsmanager:GetSecretValue"];

/// Runs `shared/bench/gen_workload.py` (300 secrets, 1,000 filler resources) into `out` and
/// returns its expected.json.
pub fn gen_workload(shared: &Path, seed: u32, out: &Path) -> Result<Value, String> {
    let mut generated = gen_workloads(shared, &[(seed, out.to_path_buf())]);
    generated
        .pop()
        .unwrap_or_else(|| Err("nothing was generated".to_string()))
}

/// [`gen_workload`] for each `(seed, out)`, the generators running side by side; what each
/// expects, in the order given.
pub fn gen_workloads(shared: &Path, runs: &[(u32, PathBuf)]) -> Vec<Result<Value, String>> {
    let started: Vec<_> = runs
        .iter()
        .map(|(seed, out)| {
            std::process::Command::new("python3")
                .arg(shared.join("bench/gen_workload.py"))
                .args([
                    "--secrets",
                    "300",
                    "--filler",
                    "1000",
                    "--seed",
                    &seed.to_string(),
                    "--out",
                ])
                .arg(out)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| format!("python3 cannot run: {e}"))
        })
        .collect();
    started
        .into_iter()
        .zip(runs)
        .map(|(child, (_, out))| {
            let run = child?
                .wait_with_output()
                .map_err(|e| format!("python3 cannot run: {e}"))?;
            if !run.status.success() {
                return Err(String::from_utf8_lossy(&run.stderr).to_string());
            }
            let text =
                std::fs::read_to_string(out.join("expected.json")).map_err(|e| e.to_string())?;
            serde_json::from_str(&text).map_err(|e| e.to_string())
        })
        .collect()
}

/// Per rule, the generated workload's secrets (index `i` of `…s{i}` / `…k{i}`) with findings.
pub fn secrets_per_rule(report: &grantcheck::Report) -> BTreeMap<String, BTreeSet<u32>> {
    let mut by_rule: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for f in &report.findings {
        let last = f.resource.rsplit('.').next().unwrap_or("");
        if let Some(i) = last
            .strip_prefix('s')
            .or_else(|| last.strip_prefix('k'))
            .and_then(|n| n.parse().ok())
        {
            by_rule.entry(f.rule.to_string()).or_default().insert(i);
        }
    }
    by_rule
}

/// Checks that `word` is in the report of the input without its sensitive mark (so that a test
/// can see it go) and in neither the JSON nor the SARIF of the report of the input with the
/// mark, whose text (both) it returns.
pub fn assert_only_unmarked_shows(
    open: &grantcheck::Report,
    hidden: &grantcheck::Report,
    word: &str,
) -> String {
    let open_text = open.to_json();
    assert!(open_text.contains(word), "{word} in {open_text}");
    let text = format!(
        "{}{}",
        hidden.to_json(),
        grantcheck::report::sarif::to_sarif(hidden)
    );
    assert!(!text.contains(word), "{word} in {text}");
    text
}

/// A configuration (main.tf, terraform.tfvars) whose values come from variables declared
/// sensitive or not: the secret is shared with a principal given in terraform.tfvars and one
/// given by its default, and replicated to a Region given by its default.
pub fn sensitive_variables_config(sensitive: bool) -> Vec<(String, String)> {
    let main = format!(
        r#"provider "aws" {{
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}}

{}

variable "replica_region" {{
  default   = "eu-secretregion-1"
  sensitive = {sensitive}
}}

resource "aws_secretsmanager_secret" "db" {{
  name       = "db"
  kms_key_id = "alias/aws/secretsmanager"
  replica {{
    region = var.replica_region
  }}
}}

{}"#,
        reader_and_writer(sensitive),
        hcl_secret_policy(r#"["${var.reader}", var.writer]"#)
    );
    let tfvars = "reader = \"arn:aws:iam::444455556666:role/secret-reader-name\"\n";
    vec![
        ("main.tf".to_string(), main),
        ("terraform.tfvars".to_string(), tfvars.to_string()),
    ]
}

/// The variables `reader` (no default) and `writer` (a role ARN by default), declared
/// sensitive or not.
pub fn reader_and_writer(sensitive: bool) -> String {
    format!(
        r#"variable "reader" {{
  type      = string
  sensitive = {sensitive}
}}

variable "writer" {{
  default   = "arn:aws:iam::444455556666:role/secret-writer-name"
  sensitive = {sensitive}
}}"#
    )
}

/// A root module (main.tf) whose `module` block gives the child module (modules/share/main.tf)
/// the principal `reader`; the child's `writer` has a principal by default. The child shares
/// its secret with both, from variables declared sensitive or not.
pub fn sensitive_child_module_config(sensitive: bool) -> Vec<(String, String)> {
    let root = r#"provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

module "share" {
  source = "./modules/share"
  reader = "arn:aws:iam::444455556666:role/secret-reader-name"
}
"#;
    let child = format!(
        r#"{}

resource "aws_secretsmanager_secret" "db" {{
  name       = "db"
  kms_key_id = "alias/aws/secretsmanager"
}}

{}"#,
        reader_and_writer(sensitive),
        hcl_secret_policy("[var.reader, var.writer]")
    );
    vec![
        ("main.tf".to_string(), root.to_string()),
        ("modules/share/main.tf".to_string(), child),
    ]
}

/// The configuration of `aws_secretsmanager_secret_policy.db`, letting the principals `aws`
/// (an HCL expression) read `aws_secretsmanager_secret.db`.
pub fn hcl_secret_policy(aws: &str) -> String {
    format!(
        r#"resource "aws_secretsmanager_secret_policy" "db" {{
  secret_arn = aws_secretsmanager_secret.db.arn
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ AWS = {aws} }}
      Action    = ["secretsmanager:GetSecretValue"]
      Resource  = "*"
    }}]
  }})
}}
"#
    )
}
