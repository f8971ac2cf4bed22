//! Output that fits a review: the Markdown pull-request comment, GitHub annotations most
//! important first with the job summary beside them, and a text report that stays short on
//! large plans.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `grantcheck ARGS` run at the repository root, with `env` set and CI variables cleared.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantcheck"));
    cmd.current_dir(repo()).args(args);
    for k in [
        "GITHUB_STEP_SUMMARY",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_SHA",
        "CI_PROJECT_URL",
        "CI_COMMIT_SHA",
    ] {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// A plan with `n` secrets, each shared with another account by an exact role ARN and
/// encrypted with the AWS managed key: 2 findings per secret.
fn many_secrets(n: usize) -> String {
    let mut changes = vec![];
    for i in 0..n {
        changes.push(format!(
            r#"{{"address":"aws_secretsmanager_secret.s{i}","mode":"managed","type":"aws_secretsmanager_secret","name":"s{i}","change":{{"actions":["create"],"before":null,"after":{{"name":"app/s{i}","kms_key_id":null}},"after_unknown":{{"arn":true,"id":true}}}}}}"#
        ));
        changes.push(format!(
            r#"{{"address":"aws_secretsmanager_secret_policy.s{i}","mode":"managed","type":"aws_secretsmanager_secret_policy","name":"s{i}","change":{{"actions":["create"],"before":null,"after":{{"policy":"{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":\"arn:aws:iam::444455556666:role/reader{i}\"}},\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}}]}}"}},"after_unknown":{{"secret_arn":true}}}}}}"#
        ));
    }
    let resources: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"address":"aws_secretsmanager_secret_policy.s{i}","mode":"managed","type":"aws_secretsmanager_secret_policy","name":"s{i}","provider_config_key":"aws","expressions":{{"secret_arn":{{"references":["aws_secretsmanager_secret.s{i}.arn","aws_secretsmanager_secret.s{i}"]}}}}}}"#))
        .collect();
    format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{}],"configuration":{{"provider_config":{{"aws":{{"name":"aws","expressions":{{"allowed_account_ids":{{"constant_value":["111122223333"]}}}}}}}},"root_module":{{"resources":[{}]}}}}}}"#,
        changes.join(","),
        resources.join(",")
    )
}

fn write_plan(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::Builder::new()
        .prefix("grantcheck-review-")
        .tempdir()
        .unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let shown = path.to_string_lossy().into_owned();
    (dir, shown)
}

#[test]
fn the_markdown_comment_leads_with_the_verdict_and_links_to_the_lines() {
    let plan = "examples/cross-account/plan.json";
    let out = run(&["check", plan, "--format", "markdown"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let md = stdout(&out);
    assert!(
        md.starts_with("## ❌ grantcheck: failed — 4 errors, 1 warning"),
        "{md}"
    );
    assert!(md.contains("### Access in this plan"), "{md}");
    assert!(
        md.contains("| <code>aws_secretsmanager_secret.legacy</code> | everyone (\\*) | — |"),
        "{md}"
    );
    assert!(
        md.contains("<details><summary>XA002 shared-secret-aws-managed-key"),
        "{md}"
    );
    // errors before warnings
    let (e, w) = (md.find("🔴 error").unwrap(), md.find("🟠 warning").unwrap());
    assert!(e < w);
    // no links without a place for them; GitHub's and GitLab's environments give one
    assert!(!md.contains("](http"), "{md}");
    let gh = stdout(&run(
        &["check", plan, "--format", "markdown"],
        &[
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_SHA", "abc"),
        ],
    ));
    assert!(
        // (the plan's configuration is beside it: the links go to the lines that write the values)
        gh.contains("](https://github.com/o/r/blob/abc/examples/cross-account/main.tf#L64)"),
        "{gh}"
    );
    let gl = stdout(&run(
        &["check", plan, "--format", "markdown"],
        &[
            ("CI_PROJECT_URL", "https://gitlab.example/g/p"),
            ("CI_COMMIT_SHA", "def"),
        ],
    ));
    assert!(
        gl.contains("](https://gitlab.example/g/p/-/blob/def/examples/"),
        "{gl}"
    );
    // passing: the headline says so, with the same threshold as the exit status
    let ok = run(
        &["check", plan, "--format", "markdown", "--fail-on", "never"],
        &[],
    );
    assert_eq!(ok.status.code(), Some(0));
    assert!(stdout(&ok).starts_with("## ✅ grantcheck: passed — 4 errors"));
}

#[test]
fn the_markdown_comment_masks_sensitive_values() {
    let out = run(
        &[
            "check",
            "tests/fixtures/output/sensitive-plan.json",
            "--format",
            "markdown",
        ],
        &[],
    );
    let md = stdout(&out);
    assert!(md.contains("(sensitive value)"), "{md}");
    for secret in [
        "SECRET-STRING-1",
        "SENSITIVE-DESCRIPTION-2",
        "VARIABLE-PASSWORD-3",
    ] {
        assert!(!md.contains(secret), "{secret} in {md}");
    }
}

#[test]
fn a_large_comment_stays_under_githubs_limit_and_says_what_it_left_out() {
    let (_dir, plan) = write_plan("plan.json", &many_secrets(400));
    let out = run(&["check", &plan, "--format", "markdown"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let md = stdout(&out);
    assert!(
        md.chars().count() <= 65_536,
        "{} characters",
        md.chars().count()
    );
    assert!(
        md.contains("not shown: a comment holds at most"),
        "{}",
        &md[md.len() - 600..]
    );
    assert!(md.contains("--format sarif"));
    // the headline counts every finding, shown or not
    assert!(
        md.starts_with("## ❌ grantcheck: failed — 400 errors, 400 warnings"),
        "{}",
        &md[..200]
    );
}

#[test]
fn annotations_come_most_important_first_and_the_job_summary_shows_the_rest() {
    let (dir, plan) = write_plan("plan.json", &many_secrets(12));
    let summary = dir.path().join("summary.md");
    let out = run(
        &["check", &plan, "--format", "github"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let kinds: Vec<&str> = text
        .lines()
        .map(|l| l.split([' ', ':']).nth(2).unwrap_or(""))
        .collect();
    let first_warning = kinds.iter().position(|k| *k == "warning").unwrap();
    assert!(
        kinds[..first_warning].iter().all(|k| *k == "error"),
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| **k == "error").count(), 12);
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("::notice title=grantcheck::GitHub shows 10 annotations of each severity per step, so 2 errors and 2 warnings are not shown"),
        "{last}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("## ❌ grantcheck: failed — 12 errors, 12 warnings"),
        "{md}"
    );
}

#[test]
fn a_large_text_report_shows_a_few_findings_of_each_rule_and_counts_the_rest() {
    let (_dir, plan) = write_plan("plan.json", &many_secrets(40));
    let short = stdout(&run(&["check", &plan], &[]));
    assert!(
        short.contains("... and 37 more XA002 (shared-secret-aws-managed-key) findings like these"),
        "{short}"
    );
    assert!(short.contains("... and 37 more XA001 (cross-account-exact-principal) findings"));
    assert!(short.contains("... and access to 30 more secrets changes"));
    assert!(
        short
            .lines()
            .last()
            .unwrap()
            .starts_with("failed: 40 errors, 40 warnings")
    );
    let full = stdout(&run(&["check", &plan, "--verbose"], &[]));
    assert!(!full.contains("... and"), "--verbose shows every finding");
    assert_eq!(full.matches("error[XA002]").count(), 40);
    assert_eq!(short.matches("error[XA002]").count(), 3);
    assert!(short.lines().count() * 4 < full.lines().count());
}
