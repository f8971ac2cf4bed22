//! `grantcheck check DIR` on repositories laid out as people have them: environment monorepos
//! calling `../../modules`, CI files, package manifests and saved plans beside the Terraform,
//! plans recognised by content, and modules outside the directory given.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// A module that shares its own secret (no `kms_key_id`) with `var.reader`'s account root.
const SHARING_MODULE: &str = include_str!("../../../tests/fixtures/hcl/sharing-module/main.tf");

fn env(owner: &str) -> String {
    format!(
        "provider \"aws\" {{ allowed_account_ids = [\"{owner}\"] }}\nmodule \"secret\" {{\n  source = \"../../modules/secret\"\n  reader = \"444455556666\"\n}}\n"
    )
}

/// An environment monorepo with what else a repository root holds.
fn monorepo() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("grantcheck-scan-")
        .tempdir()
        .unwrap();
    let (prod, staging) = (env("111122223333"), env("777788889999"));
    let files: &[(&str, &[u8])] = &[
        ("envs/prod/main.tf", prod.as_bytes()),
        ("envs/staging/main.tf", staging.as_bytes()),
        ("modules/secret/main.tf", SHARING_MODULE.as_bytes()),
        (
            "docker-compose.yaml",
            b"services:\n  db:\n    image: postgres\n",
        ),
        (
            "package.json",
            b"{\"name\": \"infra\", \"version\": \"1.0.0\"}\n",
        ),
        (
            "tfplan.txt",
            b"Terraform will perform the following actions:\n",
        ),
        (".github/workflows/ci.yml", b"on: push\n"),
        ("docs/policy.json.tpl", b"{\"Version\": \"${version}\"}\n"),
        ("docs/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        (
            "node_modules/x/index.json",
            b"{\"format_version\": \"1.2\"}",
        ),
    ];
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("grantcheck runs")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn rules(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["resource"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_repository_root_is_checked_root_by_root_and_other_files_are_skipped() {
    let repo = monorepo();
    let out = run(repo.path(), &["check", ".", "--format", "json"]);
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(
        rules(&report),
        ["XA002 module.secret.aws_secretsmanager_secret.this"]
    );
    assert_eq!(
        report["summary"]["roots"],
        serde_json::json!(["envs/prod", "envs/staging"])
    );
    // docker-compose, package.json, tfplan.txt, the template and the image; nothing hidden or
    // under node_modules
    assert_eq!(report["summary"]["skipped"], 5, "{report:#}");
    let text = run(repo.path(), &["check", "."]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(
            "checked 2 root modules (envs/prod, envs/staging); 5 other files not checked"
        ),
        "{text}"
    );
}

#[test]
fn an_environment_directory_reads_the_modules_it_calls_from_outside() {
    let repo = monorepo();
    for args in [
        &["check", "envs/prod", "--format", "json"][..],
        &["check", "envs/prod", "envs/staging", "--format", "json"][..],
    ] {
        let out = run(repo.path(), args);
        let report = json_of(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {report:#}");
        assert_eq!(
            rules(&report),
            ["XA002 module.secret.aws_secretsmanager_secret.this"],
            "{args:?}"
        );
        assert_eq!(
            report["findings"][0]["location"]["file"],
            "modules/secret/main.tf"
        );
    }
    // from inside the environment, as `cd envs/prod && grantcheck check .`
    let out = run(
        &repo.path().join("envs/prod"),
        &["check", ".", "--format", "json"],
    );
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(
        report["findings"][0]["location"]["file"],
        "../../modules/secret/main.tf"
    );
}

#[test]
fn a_plan_found_by_the_walk_is_checked_on_its_own_and_other_json_is_not_a_plan() {
    let repo = monorepo();
    let plan = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/cross-account/plan.json"),
    )
    .unwrap();
    // as `terraform show -json` writes it: one line, named without .json
    let one_line = serde_json::to_string(&serde_json::from_str::<Value>(&plan).unwrap()).unwrap();
    std::fs::create_dir_all(repo.path().join("plans")).unwrap();
    std::fs::write(repo.path().join("plans/prod.tfplan.out"), one_line).unwrap();
    let out = run(repo.path(), &["check", ".", "--format", "json"]);
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(
        report["summary"]["plans"],
        serde_json::json!(["plans/prod.tfplan.out"])
    );
    let in_plan = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["file"] == "plans/prod.tfplan.out")
        .count();
    assert_eq!(in_plan, 5, "{report:#}");
    // named on the command line, a file that is not a plan is still an input error
    let strict = run(repo.path(), &["check", "package.json"]);
    assert_eq!(strict.status.code(), Some(2));
}

#[test]
fn a_tree_without_configuration_or_plan_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "# nothing here\n").unwrap();
    let out = run(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no Terraform configuration"), "{err}");
}

#[test]
fn downloaded_modules_are_read_and_the_missing_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join(".terraform/modules/kms")).unwrap();
    std::fs::write(
        p.join("main.tf"),
        "module \"kms\" {\n  source = \"terraform-aws-modules/kms/aws\"\n}\nmodule \"label\" {\n  source = \"cloudposse/label/null\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        p.join(".terraform/modules/kms/main.tf"),
        "resource \"aws_kms_key\" \"this\" {\n  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Principal = \"*\", Action = \"kms:*\", Resource = \"*\" }] })\n}\n",
    )
    .unwrap();
    std::fs::write(
        p.join(".terraform/modules/modules.json"),
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"kms","Source":"registry.terraform.io/terraform-aws-modules/kms/aws","Dir":".terraform/modules/kms"}]}"#,
    )
    .unwrap();
    let out = run(p, &["check", ".", "--format", "json"]);
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(
        rules(&report),
        ["GC001 module.label", "PA002 module.kms.aws_kms_key.this"]
    );
}

/// The whole public repositories in `../shared/corpus/repos`, checked from their root as users
/// run grantcheck: never an input error, and exactly the findings a reader of each expects.
#[test]
fn the_corpus_repositories_give_their_expected_findings_from_their_root() {
    let repos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/repos");
    if !repos.is_dir() {
        eprintln!(
            "SKIPPED: {} is absent; the corpus repositories are not checked",
            repos.display()
        );
        return;
    }
    let expected: &[(&str, i32, &[&str])] = &[
        (
            // "kms:Describe" is not an action (three statements of two keys: one finding per
            // key, the second statement a label); the CloudFront module is remote
            "aws-ia__terraform-aws-runtask-iam-access-analyzer",
            1,
            &[
                "GC001 module.runtask_iam_access_analyzer.module.runtask_cloudfront",
                "PG005 module.runtask_iam_access_analyzer.aws_kms_key.runtask_key",
                "PG005 module.runtask_iam_access_analyzer.aws_kms_key.runtask_waf[0]",
            ],
        ),
        (
            // the label module is remote and not downloaded, in the module and its example;
            // the key and its alias exist when that module says so (count), so they are
            // checked as one instance each, with a note
            "cloudposse__terraform-aws-kms-key",
            0,
            &[
                "GC001 module.kms_key.module.this",
                "GC001 module.kms_key.aws_kms_key.default",
                "GC001 module.kms_key.aws_kms_alias.default",
                "GC001 module.this",
            ],
        ),
        // every key policy of examples/complete is evaluated and sound
        ("terraform-aws-modules__terraform-aws-kms", 0, &[]),
        (
            // the rotation Lambda's role comes from a remote module that is not downloaded
            "terraform-aws-modules__terraform-aws-secrets-manager",
            0,
            &[
                "GC001 module.secrets_manager_rotate.aws_secretsmanager_secret.this[0]",
                "GC001 module.lambda",
            ],
        ),
    ];
    for (name, code, findings) in expected {
        let out = run(&repos.join(name), &["check", ".", "--format", "json"]);
        let report = json_of(&out);
        assert_eq!(out.status.code(), Some(*code), "{name}: {report:#}");
        assert_eq!(rules(&report), *findings, "{name}");
    }
    let kms = json_of(&run(
        &repos.join("terraform-aws-modules__terraform-aws-kms"),
        &["check", ".", "--format", "json"],
    ));
    // nine module calls in examples/complete, one of them with create = false
    assert_eq!(kms["summary"]["policies"], 8, "{kms:#}");
    assert_eq!(
        kms["summary"]["roots"],
        serde_json::json!(["examples/complete", "wrappers"])
    );
}

/// Cross-account checks not decided for want of the owner account are said in every format,
/// and `--account` decides them.
#[test]
fn an_unknown_owner_account_is_said_in_every_format() {
    let dir = tempfile::Builder::new()
        .prefix("grantcheck-owner-")
        .tempdir()
        .unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "module \"secret\" {\n  source = \"./modules/secret\"\n  reader = \"444455556666\"\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("modules/secret")).unwrap();
    std::fs::write(dir.path().join("modules/secret/main.tf"), SHARING_MODULE).unwrap();
    let line = "cross-account checks of 1 secret were not decided: the owner account is not known";
    for format in ["text", "json", "sarif", "junit", "github"] {
        let out = run(dir.path(), &["check", ".", "--format", format]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{format}: {text}");
        if format == "json" {
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["summary"]["owner_unknown_secrets"], 1, "{text}");
            continue;
        }
        assert!(text.contains(line), "{format}: {text}");
        if format == "text" {
            let last = text.lines().last().unwrap_or_default();
            assert!(
                last.ends_with("; the cross-account checks of 1 secret were not decided (owner account not known)"),
                "{text}"
            );
        }
        if format == "sarif" {
            let v: Value = serde_json::from_str(&text).unwrap();
            let notes = &v["runs"][0]["invocations"][0]["toolExecutionNotifications"];
            assert_eq!(notes[0]["level"], "warning", "{notes}");
        }
        if format == "junit" {
            assert!(
                text.contains("<skipped message=\"cross-account checks of 1 secret"),
                "{text}"
            );
        }
    }
    let out = run(
        dir.path(),
        &[
            "check",
            ".",
            "--format",
            "junit",
            "--account",
            "111122223333",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("skipped message"), "{text}");
    assert!(text.contains("XA002"), "{text}");
    assert_eq!(out.status.code(), Some(1), "{text}");
}
