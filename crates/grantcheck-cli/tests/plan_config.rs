//! `grantcheck check` on a plan with the configuration it was made from: `--config-dir DIR`,
//! the plan's own directory by default, and a directory that holds both; findings point at the
//! lines of the `.tf` files, their place in the plan kept as a related one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/plan_config";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .current_dir(root())
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(args)
        .output()
        .expect("grantcheck runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The plan alone, in a directory of its own.
fn plan_elsewhere() -> (tempfile::TempDir, String) {
    let dir = tempfile::Builder::new()
        .prefix("grantcheck-plan-")
        .tempdir()
        .unwrap();
    let path = dir.path().join("plan.json");
    std::fs::copy(root().join(FIXTURE).join("plan.json"), &path).unwrap();
    let shown = path.to_string_lossy().into_owned();
    (dir, shown)
}

/// (file, line) of each finding's place, and of its place in the plan.
fn places(report: &Value) -> Vec<(String, u64, Option<String>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let in_plan = f["related_locations"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|l| l["message"] == "in the plan")
                .map(|l| l["location"]["file"].as_str().unwrap().to_string());
            (
                f["location"]["file"].as_str().unwrap().to_string(),
                f["location"]["start"]["line"].as_u64().unwrap(),
                in_plan,
            )
        })
        .collect()
}

/// Every finding is on a line of the configuration, as its check gives it.
fn assert_on_config_lines(report: &Value, plan: &str) {
    let config = json(&run(&["check", FIXTURE, "--format", "json"]));
    let mut want: Vec<(String, u64)> = places(&config)
        .into_iter()
        .map(|(f, l, _)| (f, l))
        .collect();
    let got = places(report);
    assert_eq!(got.len(), 8, "{got:#?}");
    for (file, _, in_plan) in &got {
        assert!(file.ends_with(".tf"), "{got:#?}");
        // (a plan under the working directory is shown relative to it)
        let shown = Path::new(plan)
            .strip_prefix(root())
            .map_or(plan.to_string(), |p| p.to_string_lossy().into_owned());
        assert_eq!(in_plan.as_deref(), Some(shown.as_str()), "{got:#?}");
    }
    let mut got: Vec<(String, u64)> = got.into_iter().map(|(f, l, _)| (f, l)).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn config_dir_places_a_plans_findings_on_the_lines_of_its_configuration() {
    let (_dir, plan) = plan_elsewhere();
    let out = run(&["check", &plan, "--config-dir", FIXTURE, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_on_config_lines(&report, &plan);
    // the configuration is not checked on its own: one file, no root module
    assert_eq!(report["summary"]["files"], 1);
    assert!(report["summary"].get("roots").is_none());
    // GitHub annotations land on those lines
    let gh = String::from_utf8_lossy(
        &run(&[
            "check",
            &plan,
            "--config-dir",
            FIXTURE,
            "--format",
            "github",
        ])
        .stdout,
    )
    .into_owned();
    assert!(
        gh.contains(
            "::error file=tests/fixtures/plan_config/modules/shared_secret/main.tf,line=11,col=16,"
        ),
        "{gh}"
    );
    assert!(!gh.contains("file=/"), "{gh}");
}

#[test]
fn a_plan_beside_its_configuration_is_placed_there_by_default() {
    let plan = format!("{FIXTURE}/plan.json");
    let report = json(&run(&["check", &plan, "--format", "json"]));
    assert_on_config_lines(&report, &plan);
    assert_eq!(report["summary"]["files"], 1);
}

#[test]
fn a_directory_with_a_plan_and_its_configuration_says_each_finding_once() {
    let report = json(&run(&["check", FIXTURE, "--format", "json"]));
    assert_on_config_lines(&report, &format!("{FIXTURE}/plan.json"));
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["change"] == "introduced")
    );
}

#[test]
fn without_its_configuration_a_one_line_plan_is_annotated_by_resource() {
    let (_dir, plan) = plan_elsewhere();
    let report = json(&run(&["check", &plan, "--format", "json"]));
    assert!(
        places(&report)
            .iter()
            .all(|(f, line, _)| plan.ends_with(f.as_str()) && *line == 1)
    );
    let gh =
        String::from_utf8_lossy(&run(&["check", &plan, "--format", "github"]).stdout).into_owned();
    let first = gh.lines().next().unwrap();
    // no column millions of characters into the line; the title names the resource
    assert!(!first.contains("col="), "{gh}");
    assert!(first.contains(",line=1,"), "{gh}");
    assert!(
        first.contains(
            "title=XA002 shared-secret-aws-managed-key%3A aws_secretsmanager_secret.db::"
        ),
        "{gh}"
    );
}

#[test]
fn a_config_dir_that_is_not_one_is_an_input_error() {
    let (_dir, plan) = plan_elsewhere();
    let out = run(&["check", &plan, "--config-dir", "no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
    let said = |o: &Output| {
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
    };
    let err = said(&out);
    assert!(
        err.contains("no/such/dir: --config-dir: not a directory"),
        "{err}"
    );
    let out = run(&["check", &plan, "--config-dir", "crates"]);
    assert_eq!(out.status.code(), Some(2));
    let err = said(&out);
    assert!(
        err.contains("crates: --config-dir: no Terraform configuration"),
        "{err}"
    );
}

#[test]
fn no_config_dir_keeps_the_findings_in_the_plan() {
    let plan = format!("{FIXTURE}/plan.json");
    let report = json(&run(&[
        "check",
        &plan,
        "--no-config-dir",
        "--format",
        "json",
    ]));
    let got = places(&report);
    assert_eq!(got.len(), 8);
    assert!(
        got.iter()
            .all(|(f, line, in_plan)| f == &plan && *line == 1 && in_plan.is_none()),
        "{got:#?}"
    );
    let out = run(&["check", &plan, "--no-config-dir", "--config-dir", FIXTURE]);
    assert_eq!(out.status.code(), Some(2));
}
