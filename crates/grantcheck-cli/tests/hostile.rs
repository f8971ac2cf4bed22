//! Hostile and broken inputs: each gives exit code 2 with one clear line naming the file and
//! the problem (or a finding saying what is wrong), in bounded time and memory, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_grantcheck"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh directory for one test's files, removed when dropped.
fn scratch(test: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("grantcheck-hostile-{test}-"))
        .tempdir()
        .unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, bytes).unwrap();
    p
}

fn check(paths: &[&Path]) -> Output {
    checked(bin(), paths)
}

/// Runs `command` (the binary, or a command that runs it) as `check PATHS --format json`, and
/// asserts that it ended in bounded time without a crash.
fn checked(mut command: Command, paths: &[&Path]) -> Output {
    let started = Instant::now();
    let out = command
        .current_dir(root())
        .arg("check")
        .args(paths)
        .args(["--format", "json"])
        .output()
        .expect("grantcheck runs");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("overflow") && out.status.code().is_some(),
        "crashed: {:?}\n{err}",
        out.status
    );
    out
}

/// Exit 2 and exactly one line on standard error that names the file and says `want`.
fn refused(path: &Path, want: &str) -> String {
    let out = check(&[path]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
    let name = path.file_name().unwrap().to_str().unwrap();
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(want)).collect();
    assert_eq!(lines.len(), 1, "one line saying {want:?}: {err}");
    assert!(
        lines[0].contains(name),
        "the line names the file: {}",
        lines[0]
    );
    lines[0].to_string()
}

/// The rules of a JSON report.
fn rules(out: &Output) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

const SECRET_POLICY: &str = r#"{"address":"aws_secretsmanager_secret_policy.p","mode":"managed","type":"aws_secretsmanager_secret_policy","name":"p","change":{"actions":["create"],"before":null,"after":{"secret_arn":"arn:aws:secretsmanager:eu-west-1:111122223333:secret:s","policy":POLICY}}}"#;

fn plan_with_policy(policy_json_string: &str) -> String {
    format!(
        r#"{{"format_version":"1.2","resource_changes":[{}]}}"#,
        SECRET_POLICY.replace("POLICY", policy_json_string)
    )
}

#[test]
fn empty_file() {
    let d = scratch("empty");
    refused(&write(d.path(), "empty.json", b""), "the file is empty");
}

#[test]
fn empty_object() {
    let d = scratch("object");
    refused(
        &write(d.path(), "object.json", b"{}"),
        "not a Terraform plan",
    );
}

#[test]
fn truncated_json() {
    let d = scratch("truncated");
    let plan = plan_with_policy(r#""{}""#);
    let cut = &plan.as_bytes()[..plan.len() / 2];
    refused(&write(d.path(), "truncated.json", cut), "ends early");
}

#[test]
fn trailing_garbage() {
    let d = scratch("trailing");
    let text = format!("{}\n}} garbage", plan_with_policy(r#""{}""#));
    refused(
        &write(d.path(), "trailing.json", text.as_bytes()),
        "not valid JSON",
    );
}

#[test]
fn non_utf8_bytes() {
    let d = scratch("latin1");
    refused(
        &write(
            d.path(),
            "latin1.json",
            b"{\"format_version\": \"1.2\xff\"}",
        ),
        "not UTF-8",
    );
    refused(
        &write(d.path(), "latin1.tf", b"locals { a = \"\xe9\" }"),
        "not UTF-8",
    );
}

#[test]
fn binary_zip_planfile() {
    let d = scratch("zip");
    let line = refused(
        &write(
            d.path(),
            "tfplan",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00tfplan\x00\x01\x02",
        ),
        "binary plan file",
    );
    assert!(line.contains("terraform show -json"), "{line}");
}

#[test]
fn unknown_format_version() {
    let d = scratch("v2");
    let text = r#"{"format_version":"2.0","resource_changes":[]}"#;
    let line = refused(
        &write(d.path(), "v2.json", text.as_bytes()),
        "unsupported plan format_version 2.0",
    );
    assert!(line.contains("upgrade grantcheck"), "{line}");
}

#[test]
fn state_file_given_as_a_plan() {
    let d = scratch("state");
    let state = r#"{"version":4,"terraform_version":"1.9.0","serial":3,"lineage":"5c1e","outputs":{},"resources":[]}"#;
    refused(
        &write(d.path(), "terraform.tfstate", state.as_bytes()),
        "Terraform state file, not a plan",
    );
    let shown =
        r#"{"format_version":"1.0","terraform_version":"1.9.0","values":{"root_module":{}}}"#;
    refused(
        &write(d.path(), "shown.json", shown.as_bytes()),
        "state JSON",
    );
}

#[test]
fn deeply_nested_json_arrays() {
    let d = scratch("deep-json");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    refused(
        &write(d.path(), "deep.json", deep.as_bytes()),
        "nests deeper",
    );
    // inside a resource's values, and unbalanced
    let inside = plan_with_policy(&deep);
    refused(
        &write(d.path(), "inside.json", inside.as_bytes()),
        "nests deeper",
    );
    refused(
        &write(d.path(), "open.json", "[".repeat(100_000).as_bytes()),
        "nests deeper",
    );
}

#[test]
fn deeply_nested_hcl() {
    let d = scratch("deep-hcl");
    let arrays = format!(
        "locals {{\n  x = {}{}\n}}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    refused(
        &write(d.path(), "arrays/main.tf", arrays.as_bytes()),
        "nests deeper",
    );
    let parens = format!(
        "locals {{\n  x = {}1{}\n}}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    refused(
        &write(d.path(), "parens/main.tf", parens.as_bytes()),
        "nests deeper",
    );
    let blocks = format!("a {}\n{}", "{\nb ".repeat(100_000), "}\n".repeat(100_000));
    refused(
        &write(d.path(), "blocks/main.tf", blocks.as_bytes()),
        "nests deeper",
    );
}

/// A check of `path` as [`check`] makes it, with the run's peak resident memory in KB when
/// `/usr/bin/time` can say it.
fn check_with_peak_rss_kb(path: &Path) -> (Output, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    if !time.is_file() {
        return (check(&[path]), None);
    }
    let mut command = Command::new(time);
    command
        .args(["-f", "peak-rss-kb=%M"])
        .arg(env!("CARGO_BIN_EXE_grantcheck"));
    let out = checked(command, &[path]);
    let kb = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss-kb="))
        .and_then(|kb| kb.trim().parse().ok());
    (out, kb)
}

/// Whether the test suite's exhaustive step asks for the largest inputs.
fn exhaustive() -> bool {
    std::env::var_os("GRANTCHECK_EXHAUSTIVE").is_some()
}

/// A huge string in a plan is read in bounded time and memory: 64 MB by default (like 200 MB,
/// far over the policy limit and under the input limit), and 200 MB, also as a secret's policy,
/// in the test suite's exhaustive step (`GRANTCHECK_EXHAUSTIVE=1`). The default run shows the
/// policy limit itself in `a_policy_over_the_size_limit_is_not_read`.
#[test]
fn a_huge_string_in_a_plan() {
    let d = scratch("huge");
    let size = if exhaustive() { 200 } else { 64 } * 1024 * 1024;
    let mut text = String::with_capacity(size + 1024);
    text.push_str(r#"{"format_version":"1.2","resource_changes":[{"address":"aws_s3_object.o","mode":"managed","type":"aws_s3_object","name":"o","change":{"actions":["create"],"before":null,"after":{"content":""#);
    text.push_str(&"a".repeat(size));
    text.push_str(r#""}}}]}"#);
    let plan = write(d.path(), "huge.json", text.as_bytes());
    drop(text);

    // one run gives the exit status and the peak memory
    let (out, kb) = check_with_peak_rss_kb(&plan);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    if let Some(kb) = kb {
        let input_kb = (size / 1024) as u64;
        assert!(
            kb < 3 * input_kb,
            "peak RSS {kb} KB for a {input_kb} KB input"
        );
    }
    if exhaustive() {
        // the same string as a secret's policy: far over AWS's size limit, refused before parsing
        let as_policy = plan_with_policy(&format!("\"{}\"", "a".repeat(size)));
        let policy = write(d.path(), "huge-policy.json", as_policy.as_bytes());
        drop(as_policy);
        let out = check(&[&policy]);
        assert_eq!(out.status.code(), Some(1));
        assert!(rules(&out).iter().any(|r| r.starts_with("PG")), "{out:?}");
    }
    let _ = std::fs::remove_dir_all(d.path());
}

/// A secret's policy one byte over the limit on what is read of a policy is refused before it is
/// parsed, with a finding that says so; one at the limit is read.
#[test]
fn a_policy_over_the_size_limit_is_not_read() {
    let d = scratch("policy-limit");
    let limit = grantcheck::analysis::MAX_POLICY_BYTES;
    for (size, refused) in [(limit + 1, true), (limit, false)] {
        let as_policy = plan_with_policy(&format!("\"{}\"", "a".repeat(size)));
        let policy = write(
            d.path(),
            &format!("policy-{size}.json"),
            as_policy.as_bytes(),
        );
        let out = check(&[&policy]);
        assert_eq!(out.status.code(), Some(1));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let not_read: Vec<&serde_json::Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["rule"] == "PG001"
                    && f["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("far over AWS's size limits"))
            })
            .collect();
        assert_eq!(not_read.len(), usize::from(refused), "{size}: {report}");
        if refused {
            let message = not_read[0]["message"].as_str().unwrap();
            assert!(
                message.contains(&format!("the policy is {size} bytes"))
                    && message.ends_with("it was not read"),
                "{message}"
            );
        } else {
            assert!(rules(&out).iter().any(|r| r.starts_with("PG")), "{report}");
        }
    }
}

#[test]
fn a_policy_json_encoded_twice() {
    let d = scratch("twice");
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:*","Resource":"*"}]}"#;
    let once = serde_json::to_string(policy).unwrap();
    let twice = serde_json::to_string(&once).unwrap();
    let plan = write(d.path(), "twice.json", plan_with_policy(&twice).as_bytes());
    let out = check(&[&plan]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let msgs: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "PG001")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(msgs.len(), 1, "{report}");
    assert!(msgs[0].contains("JSON-encoded twice"), "{}", msgs[0]);
}

#[test]
fn an_hcl_cycle_between_locals() {
    let d = scratch("cycle");
    let tf = r#"locals {
  a = local.b
  b = local.a
}

resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:s"
  policy     = local.a
}
"#;
    write(d.path(), "cfg/main.tf", tf.as_bytes());
    let line = refused(&d.path().join("cfg/main.tf"), "depends on itself");
    assert!(line.contains("local.a"), "{line}");
    // the directory form reports the same, once
    let out = check(&[&d.path().join("cfg")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_module_that_sources_itself() {
    let d = scratch("self");
    let tf = "module \"me\" {\n  source = \"./\"\n}\n";
    write(d.path(), "cfg/main.tf", tf.as_bytes());
    let out = check(&[&d.path().join("cfg")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("call itself")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("main.tf") && lines[0].contains("module.me"));
}

#[test]
fn modules_that_call_each_other() {
    let d = scratch("mutual");
    write(
        d.path(),
        "cfg/a/main.tf",
        b"module \"b\" {\n  source = \"../b\"\n}\n",
    );
    write(
        d.path(),
        "cfg/b/main.tf",
        b"module \"a\" {\n  source = \"../a\"\n}\n",
    );
    let out = check(&[&d.path().join("cfg")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("cycle")).collect();
    assert_eq!(lines.len(), 1, "{err}");
}

#[test]
fn a_lone_surrogate_in_resource_values_is_not_passed_silently() {
    let plan = root().join("tests/fixtures/hostile/lone-surrogate.json");
    refused(&plan, "values cannot be read");
}

#[test]
fn the_other_files_are_still_checked() {
    let d = scratch("others");
    let deep = write(d.path(), "deep.json", "[".repeat(100_000).as_bytes());
    let empty = write(d.path(), "empty.json", b"");
    let good = root().join("examples/cross-account/plan.json");
    let out = check(&[&deep, &empty, &good]);
    assert_eq!(out.status.code(), Some(2));
    let rules = rules(&out);
    assert_eq!(
        rules.iter().filter(|r| *r == "GC002").count(),
        2,
        "{rules:?}"
    );
    assert!(rules.iter().any(|r| r.starts_with("XA")), "{rules:?}");
}

#[test]
fn every_kept_crashing_input_is_refused_or_checked() {
    let dir = root().join("tests/fixtures/hostile");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let out = check(&[&p]);
        assert!(
            matches!(out.status.code(), Some(0..=2)),
            "{}: {:?}",
            p.display(),
            out.status
        );
        n += 1;
    }
    assert!(n > 0);
}

#[test]
fn a_huge_count_is_capped_with_a_note() {
    let d = scratch("count");
    let tf =
        "resource \"aws_secretsmanager_secret\" \"s\" {\n  count = 100000000\n  name  = \"s\"\n}\n";
    write(d.path(), "cfg/main.tf", tf.as_bytes());
    let out = check(&[&d.path().join("cfg")]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "GC001")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 1, "{report}");
    assert!(notes[0].contains("only the first 100000"), "{}", notes[0]);
}
