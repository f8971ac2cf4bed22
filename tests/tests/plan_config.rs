//! A plan checked with the configuration it was made from: every finding points at the line of
//! a `.tf` file that a reviewer would change (the principal, the `kms_key_id`, the resource
//! block), the same place a check of the configuration itself gives, in the root module and in
//! modules called with `for_each` and `count`; its place in the plan stays a related one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use grantcheck::{Found, Options, PlanConfiguration, Report, SourceFile, check};
use grantcheck_tests::repo_root;

const DIR: &str = "tests/fixtures/plan_config";
const CONFIG: &[&str] = &["main.tf", "modules/shared_secret/main.tf"];

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo_root().join(DIR).join(rel)).unwrap()
}

/// The plan, and the configuration's files marked `found` (`None`: checked as well).
fn sources(found: Option<Found>, plan_found: Option<Found>) -> Vec<SourceFile> {
    let mut out = vec![];
    let mut plan = SourceFile::new(0, format!("{DIR}/plan.json"), read("plan.json"));
    if let Some(f) = plan_found {
        plan = plan.found_as(f);
    }
    out.push(plan);
    for (i, rel) in CONFIG.iter().enumerate() {
        let mut s = SourceFile::new(i as u32 + 1, format!("{DIR}/{rel}"), read(rel));
        if let Some(f) = found {
            s = s.found_as(f);
        }
        out.push(s);
    }
    out
}

fn options(given: bool) -> Options {
    Options {
        plan_configurations: vec![PlanConfiguration {
            plan: format!("{DIR}/plan.json"),
            dir: DIR.into(),
            given,
        }],
        ..Options::default()
    }
}

/// (rule, resource, file, line, column) of every finding.
fn places(r: &Report) -> Vec<(String, String, String, u32, u32)> {
    let mut v: Vec<_> = r
        .findings
        .iter()
        .map(|f| {
            let l = f.location.as_ref().expect("every finding has a place");
            (
                f.rule.to_string(),
                f.resource.clone(),
                l.file.clone(),
                l.start.line,
                l.start.column,
            )
        })
        .collect();
    v.sort();
    v
}

/// The line of `file` (under the fixture) that holds `text`.
fn line_of(file: &str, text: &str) -> u32 {
    let t = read(file);
    let at = t.find(text).unwrap_or_else(|| panic!("{text} in {file}"));
    t[..at].matches('\n').count() as u32 + 1
}

#[test]
fn plan_findings_point_at_the_lines_of_the_configuration_that_write_them() {
    let report = check(
        &sources(Some(Found::PlanConfiguration), None),
        &options(true),
    );
    let root = format!("{DIR}/main.tf");
    let module = format!("{DIR}/modules/shared_secret/main.tf");
    let root_principal = line_of("main.tf", "role/reader");
    let module_principal = line_of("modules/shared_secret/main.tf", "identifiers");
    let module_key = line_of("modules/shared_secret/main.tf", "kms_key_id");
    let root_secret = line_of("main.tf", "resource \"aws_secretsmanager_secret\" \"db\"");
    let mut expected = vec![
        (
            "XA001",
            "aws_secretsmanager_secret_policy.db".to_string(),
            &root,
            root_principal,
        ),
        (
            "XA002",
            "aws_secretsmanager_secret.db".to_string(),
            &root,
            root_secret,
        ),
    ];
    for m in [
        "module.shard[\"a\"]",
        "module.shard[\"b\"]",
        "module.legacy[0]",
    ] {
        expected.push((
            "XA001",
            format!("{m}.aws_secretsmanager_secret_policy.p"),
            &module,
            module_principal,
        ));
        expected.push((
            "XA002",
            format!("{m}.aws_secretsmanager_secret.s"),
            &module,
            module_key,
        ));
    }
    expected.sort();
    let got: Vec<_> = places(&report)
        .into_iter()
        .map(|(rule, res, file, line, _)| (rule, res, file, line))
        .collect();
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(r, res, f, l)| (r.to_string(), res, f.clone(), l))
        .collect();
    assert_eq!(got, expected);
    // each keeps its place in the plan, on the plan's one line
    for f in &report.findings {
        let in_plan: Vec<_> = f
            .related_locations
            .iter()
            .filter(|l| l.message == grantcheck::in_config::IN_THE_PLAN)
            .collect();
        assert_eq!(in_plan.len(), 1, "{f:?}");
        assert_eq!(in_plan[0].location.file, format!("{DIR}/plan.json"));
        assert_eq!(in_plan[0].location.start.line, 1);
        assert_eq!(f.change, Some(grantcheck::diagnostic::Change::Introduced));
    }
    // who can read each secret is said at the same places
    let links: Vec<_> = report
        .access
        .iter()
        .flat_map(|s| &s.readers)
        .flat_map(|r| &r.links)
        .filter_map(|l| l.location.as_ref())
        .collect();
    assert!(!links.is_empty());
    assert!(links.iter().all(|l| l.file.ends_with(".tf")), "{links:#?}");
    // only the plan is checked: the configuration's files are not counted
    assert_eq!(report.summary.files, 1);
    assert!(report.summary.roots.is_empty());
}

#[test]
fn the_places_are_those_a_check_of_the_configuration_gives() {
    let placed = check(
        &sources(Some(Found::PlanConfiguration), None),
        &options(true),
    );
    let config_only: Vec<SourceFile> = sources(None, None).into_iter().skip(1).collect();
    let of_config = check(&config_only, &Options::default());
    assert_eq!(places(&placed), places(&of_config));
}

#[test]
fn without_its_configuration_a_plan_keeps_its_places() {
    let plan_only: Vec<SourceFile> = sources(None, None).into_iter().take(1).collect();
    let report = check(&plan_only, &Options::default());
    assert_eq!(report.findings.len(), 8);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.location.as_ref().unwrap().file.ends_with("plan.json"))
    );
}

#[test]
fn a_directory_holding_a_plan_and_its_configuration_says_each_finding_once() {
    // the configuration is checked as well (a directory scan): its findings that the plan's
    // say already are said once, as the plan's (with what the plan changes)
    let report = check(&sources(None, Some(Found::Plan)), &options(false));
    assert_eq!(report.findings.len(), 8, "{:#?}", places(&report));
    assert!(report.findings.iter().all(|f| {
        f.location.as_ref().unwrap().file.ends_with(".tf")
            && f.change == Some(grantcheck::diagnostic::Change::Introduced)
    }));
    assert_eq!(report.summary.roots, vec![DIR.to_string()]);
}

#[test]
fn a_configuration_found_beside_a_plan_is_used_only_when_it_declares_the_plans_resources() {
    // the root module without the module calls: not the configuration of this plan
    let main = read("main.tf");
    let cut = main.find("module \"shard\"").unwrap();
    let srcs = vec![
        SourceFile::new(0, format!("{DIR}/plan.json"), read("plan.json")),
        SourceFile::new(1, format!("{DIR}/main.tf"), &main[..cut])
            .found_as(Found::PlanConfiguration),
    ];
    let report = check(&srcs, &options(false));
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.location.as_ref().unwrap().file.ends_with("plan.json")),
        "{:#?}",
        places(&report)
    );
    // named with --config-dir, it places what it declares
    let report = check(&srcs, &options(true));
    let in_tf = report
        .findings
        .iter()
        .filter(|f| f.location.as_ref().unwrap().file.ends_with("main.tf"))
        .count();
    assert_eq!(in_tf, 2, "{:#?}", places(&report));
}

#[test]
fn a_configuration_in_json_syntax_places_them_as_well() {
    // the root module written as main.tf.json; named, it places the resources it declares
    let tf_json = r#"{
  "provider": {"aws": {"region": "eu-west-1", "allowed_account_ids": ["111122223333"]}},
  "resource": {
    "aws_secretsmanager_secret": {
      "db": {"name": "app/db"}
    },
    "aws_secretsmanager_secret_policy": {
      "db": {
        "secret_arn": "${aws_secretsmanager_secret.db.arn}",
        "policy": "${jsonencode({Version = \"2012-10-17\", Statement = [{Sid = \"PartnerRead\", Effect = \"Allow\",\n Principal = {AWS = \"arn:aws:iam::444455556666:role/reader\"},\n Action = \"secretsmanager:GetSecretValue\", Resource = \"*\"}]})}"
      }
    }
  }
}
"#;
    let path = format!("{DIR}/main.tf.json");
    let placed = check(
        &[
            SourceFile::new(0, format!("{DIR}/plan.json"), read("plan.json")),
            SourceFile::new(1, path.clone(), tf_json).found_as(Found::PlanConfiguration),
        ],
        &options(true),
    );
    let of_config = check(
        &[SourceFile::new(1, path.clone(), tf_json)],
        &Options::default(),
    );
    let root = |r: &Report| -> Vec<_> {
        places(r)
            .into_iter()
            .filter(|(_, res, _, _, _)| !res.starts_with("module."))
            .collect()
    };
    let got = root(&placed);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(
        got.iter().all(|(_, _, file, _, _)| file == &path),
        "{got:#?}"
    );
    assert_eq!(got, root(&of_config));
    // at the principal, inside the `${jsonencode(...)}` string
    let principal = got.iter().find(|(rule, ..)| rule == "XA001").unwrap();
    let line = tf_json.lines().nth(principal.3 as usize - 1).unwrap();
    let at: String = line.chars().skip(principal.4 as usize - 1).collect();
    assert!(
        at.starts_with("\\\"arn:aws:iam::444455556666:role/reader"),
        "{at}"
    );
}

#[test]
fn a_plan_that_deletes_a_resource_is_placed_in_the_configuration_without_it() {
    let mut plan: serde_json::Value = serde_json::from_str(&read("plan.json")).unwrap();
    plan["resource_changes"].as_array_mut().unwrap().push(serde_json::json!({
        "address": "aws_secretsmanager_secret.old", "mode": "managed",
        "type": "aws_secretsmanager_secret", "name": "old",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["delete"], "before": {"name": "app/old", "kms_key_id": null},
                   "after": null, "after_unknown": {}, "before_sensitive": {}, "after_sensitive": false}
    }));
    let mut srcs = sources(Some(Found::PlanConfiguration), None);
    srcs[0] = SourceFile::new(0, format!("{DIR}/plan.json"), plan.to_string());
    let report = check(&srcs, &options(false));
    let got = places(&report);
    assert_eq!(got.len(), 8, "{got:#?}");
    assert!(
        got.iter().all(|(_, _, file, _, _)| file.ends_with(".tf")),
        "{got:#?}"
    );
}
