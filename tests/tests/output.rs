//! Output formats: snapshots of text, SARIF, GitHub and JUnit output on fixtures, SARIF
//! validated against the 2.1.0 schema, GitHub escaping, and no sensitive value in any output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use grantcheck::{Report, Severity, SourceFile};
use grantcheck_cli::{github, junit, render};
use grantcheck_tests::{repo_root, shared_or_skip};

const FIXTURES: &[(&str, &str)] = &[
    ("cross_account", "examples/cross-account/plan.json"),
    ("sensitive", "tests/fixtures/output/sensitive-plan.json"),
    // a plan written on one line, as `terraform show -json` writes it, without its configuration
    ("one_line", "tests/fixtures/plan_config/plan.json"),
    // the same plan with its configuration: the findings are on the lines of its .tf files
    ("plan_config", "tests/fixtures/plan_config/plan.json+"),
];

/// The plan `rel`; with a `+` after its name, with the configuration beside it as well.
fn load(rel: &str) -> (Vec<SourceFile>, Report) {
    let (rel, with_config) = match rel.strip_suffix('+') {
        Some(r) => (r, true),
        None => (rel, false),
    };
    let text = std::fs::read_to_string(repo_root().join(rel)).unwrap();
    let mut sources = vec![SourceFile::new(0, rel, text)];
    let mut options = grantcheck::Options::default();
    if with_config {
        let dir = grantcheck::terraform::hcl::text::dir_of(rel);
        for (i, tf) in ["main.tf", "modules/shared_secret/main.tf"]
            .iter()
            .enumerate()
        {
            let path = format!("{dir}/{tf}");
            let text = std::fs::read_to_string(repo_root().join(&path)).unwrap();
            sources.push(
                SourceFile::new(i as u32 + 1, path, text)
                    .found_as(grantcheck::Found::PlanConfiguration),
            );
        }
        options
            .plan_configurations
            .push(grantcheck::PlanConfiguration {
                plan: rel.to_string(),
                dir,
                given: true,
            });
    }
    let report = grantcheck::check(&sources, &options);
    (sources, report)
}

/// SARIF for snapshots: rule descriptors keep id, name and level only, so that editing a
/// rule's documentation does not churn every snapshot (the full log is validated live).
fn sarif_text(report: &Report) -> String {
    let mut v = grantcheck::report::sarif::to_sarif(report);
    for r in v["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        let keep = serde_json::json!({
            "id": r["id"], "name": r["name"], "defaultConfiguration": r["defaultConfiguration"],
        });
        *r = keep;
    }
    serde_json::to_string_pretty(&v).unwrap()
}

fn all_formats(sources: &[SourceFile], report: &Report) -> Vec<(&'static str, String)> {
    let files: Vec<String> = sources
        .iter()
        .filter(|s| s.found_as.is_none())
        .map(|s| s.path.clone())
        .collect();
    vec![
        (
            "text",
            render::text(
                report,
                sources,
                &render::TextOptions {
                    color: false,
                    quiet: false,
                    verbose: false,
                    threshold: Some(Severity::Error),
                },
            ),
        ),
        (
            "text_quiet",
            render::text(
                report,
                sources,
                &render::TextOptions {
                    color: false,
                    quiet: true,
                    verbose: false,
                    threshold: Some(Severity::Error),
                },
            ),
        ),
        ("json", report.to_json()),
        ("sarif", sarif_text(report)),
        ("github", github::github(report)),
        ("junit", junit::junit(report, &files, Some(Severity::Error))),
        (
            "markdown",
            grantcheck_cli::markdown::markdown(
                report,
                sources,
                &grantcheck_cli::markdown::Options {
                    threshold: Some(Severity::Error),
                    link_base: Some("https://github.com/o/r/blob/abc/".into()),
                    max_chars: None,
                },
            ),
        ),
    ]
}

#[test]
fn snapshots_of_every_format() {
    for (name, rel) in FIXTURES {
        let (sources, report) = load(rel);
        assert!(!report.findings.is_empty(), "{rel} has findings");
        for (format, out) in all_formats(&sources, &report) {
            insta::assert_snapshot!(format!("{name}_{format}"), out);
        }
    }
}

#[test]
fn sarif_snapshots_validate_against_the_schema() {
    let Some(shared) = shared_or_skip("sarif_snapshots_validate_against_the_schema") else {
        return;
    };
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared.join("reference/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = repo_root().join("tests/tests/snapshots");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with("_sarif.snap") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // insta snapshot: a front matter between `---` lines, then the content
        let body = text.splitn(3, "---\n").nth(2).unwrap();
        let sarif: serde_json::Value = serde_json::from_str(body).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        checked += 1;
    }
    assert!(checked >= FIXTURES.len(), "found {checked} SARIF snapshots");
    // and the full logs, with the rule documentation
    for (_, rel) in FIXTURES {
        let (_, report) = load(rel);
        let full = grantcheck::report::sarif::to_sarif(&report);
        let errors: Vec<String> = validator
            .iter_errors(&full)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{rel}: {errors:#?}");
    }
    // the validator does reject a broken log
    let (_, report) = load(FIXTURES[0].1);
    let mut broken = grantcheck::report::sarif::to_sarif(&report);
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_results_carry_rules_locations_and_fingerprints() {
    let (_, report) = load(FIXTURES[0].1);
    let sarif = grantcheck::report::sarif::to_sarif(&report);
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), grantcheck::rules::all().count());
    for r in run["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(r["partialFingerprints"]["grantcheck/v1"].is_string());
    }
}

#[test]
fn fingerprints_survive_unrelated_lines_moving() {
    let rel = FIXTURES[0].1;
    let text = std::fs::read_to_string(repo_root().join(rel)).unwrap();
    let shifted = format!("\n\n\n{}", text.replacen("{", "{\n  \"x\": 1,", 1));
    let fp = |t: &str| {
        let r = grantcheck::check(
            &[SourceFile::new(0, rel, t)],
            &grantcheck::Options::default(),
        );
        let s = grantcheck::report::sarif::to_sarif(&r);
        let mut v: Vec<(String, u64)> = s["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["partialFingerprints"]["grantcheck/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    x["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (a, b) = (fp(&text), fp(&shifted));
    assert_eq!(a.len(), b.len());
    for ((fa, la), (fb, lb)) in a.iter().zip(&b) {
        assert_eq!(fa, fb);
        assert_ne!(la, lb, "the lines did move");
    }
}

#[test]
fn github_escaping_of_hostile_messages_and_paths() {
    assert_eq!(github::escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
    assert_eq!(github::escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
    let path = "dir,x/we:ird%\nname.json";
    let text = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_secretsmanager_secret_policy.p","mode":"managed","type":"aws_secretsmanager_secret_policy","name":"p","change":{"actions":["create"],"before":null,"after":{"policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}]}"},"after_unknown":{}}}]}"#;
    let mut report = grantcheck::check(
        &[SourceFile::new(0, path, text)],
        &grantcheck::Options::default(),
    );
    assert!(!report.findings.is_empty());
    report.findings[0].message = "100% bad:\r\nline two, ::error::injected".into();
    let out = github::github(&report);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), report.findings.len(), "one line per finding");
    // (annotations come most important first: the changed finding's line is found by its text)
    let first = lines
        .iter()
        .find(|l| l.contains("100%25"))
        .expect("the changed finding");
    assert!(
        first.contains("file=dir%2Cx/we%3Aird%25%0Aname.json,"),
        "{first}"
    );
    assert!(
        first.contains("100%25 bad:%0D%0Aline two, ::error::injected"),
        "{first}"
    );
    for l in &lines {
        assert!(
            l.starts_with("::error ") || l.starts_with("::warning ") || l.starts_with("::notice ")
        );
        // the properties end at the first `::`; nothing in them may contain `::` or a newline
        let props = &l[2..l[2..].find("::").unwrap() + 2];
        assert!(!props.contains('\n') && !props.contains("\r"));
    }
}

#[test]
fn sensitive_values_never_appear_in_any_output() {
    let secrets = [
        "SECRET-STRING-1",
        "SENSITIVE-DESCRIPTION-2",
        "VARIABLE-PASSWORD-3",
    ];
    let (sources, report) = load(FIXTURES[1].1);
    assert!(
        secrets.iter().all(|s| sources[0].text.contains(s)),
        "the fixture holds the values"
    );
    assert!(
        !report.findings.is_empty(),
        "findings sit next to the values"
    );
    let text = render::text(
        &report,
        &sources,
        &render::TextOptions {
            color: false,
            quiet: false,
            verbose: false,
            threshold: Some(Severity::Error),
        },
    );
    assert!(
        text.contains("(sensitive value)"),
        "a frame shows a masked value:\n{text}"
    );
    for (format, out) in all_formats(&sources, &report) {
        for s in secrets {
            assert!(!out.contains(s), "{format} output leaks {s}:\n{out}");
        }
    }
    // coloured text too
    let coloured = render::text(
        &report,
        &sources,
        &render::TextOptions {
            color: true,
            quiet: false,
            verbose: false,
            threshold: Some(Severity::Error),
        },
    );
    for s in secrets {
        assert!(!coloured.contains(s));
    }
}

#[test]
fn junit_is_well_formed_and_escaped() {
    let (sources, mut report) = load(FIXTURES[0].1);
    report.findings[0].message = "<tag attr=\"x\"> & ' \u{1} end".into();
    let files: Vec<String> = sources.iter().map(|s| s.path.clone()).collect();
    let xml = junit::junit(&report, &files, Some(Severity::Error));
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failures) = (0, 0);
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().into_inner() {
                    "testcase" => cases += 1,
                    "failure" => failures += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let errors = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error);
    let resources: std::collections::BTreeSet<&str> = errors.map(|f| f.resource.as_str()).collect();
    assert_eq!(failures, resources.len());
    assert!(cases >= failures);
    assert!(!xml.contains('\u{1}'));
    assert!(xml.contains("&lt;tag attr=&quot;x&quot;&gt; &amp;"));
}

/// The text report of `files`, which must find XA001 `xa001` times, shows `words` exactly when
/// the variables they come from are not declared sensitive; no format shows them when they are.
fn assert_masked(files: Vec<(String, String)>, sensitive: bool, xa001: usize, words: &[&str]) {
    let sources: Vec<SourceFile> = files
        .into_iter()
        .enumerate()
        .map(|(i, (path, text))| SourceFile::new(i as u32, path, text))
        .collect();
    let report = grantcheck::check(&sources, &grantcheck::Options::default());
    let found = report.findings.iter().filter(|f| f.rule == "XA001").count();
    assert_eq!(found, xa001, "{:#?}", report.findings);
    // frames show where each value is written: a variable file, a default, a module argument
    let text = render::text(
        &report,
        &sources,
        &render::TextOptions {
            color: false,
            quiet: false,
            verbose: false,
            threshold: Some(Severity::Error),
        },
    );
    for w in words {
        assert_eq!(text.contains(w), !sensitive, "{w} in\n{text}");
    }
    if sensitive {
        for (format, out) in all_formats(&sources, &report) {
            for w in words {
                assert!(!out.contains(w), "{format} output leaks {w}:\n{out}");
            }
        }
    }
}

#[test]
fn values_of_sensitive_variables_are_masked_in_frames() {
    let words = ["secret-reader-name", "secret-writer-name", "secretregion"];
    for sensitive in [false, true] {
        let files = grantcheck_tests::sensitive_variables_config(sensitive);
        assert_masked(files, sensitive, 2, &words);
    }
}

/// Values of a child module's variables declared sensitive: given by the `module` block, or by
/// their default in the child.
#[test]
fn values_of_sensitive_child_module_variables_are_masked_in_frames() {
    let words = ["secret-reader-name", "secret-writer-name"];
    for sensitive in [false, true] {
        let files = grantcheck_tests::sensitive_child_module_config(sensitive);
        assert_masked(files, sensitive, 2, &words);
    }
}

/// The source text a finding of `rule` points at.
fn under_finding<'t>(report: &Report, text: &'t str, rule: &str) -> &'t str {
    let f = report.findings.iter().find(|f| f.rule == rule).unwrap();
    let loc = f.location.as_ref().unwrap();
    let (start, end) = (loc.start.offset.unwrap(), loc.end.offset.unwrap());
    &text[start as usize..end as usize]
}

#[test]
fn findings_in_a_plan_policy_point_at_the_principal_unless_the_policy_is_sensitive() {
    use grantcheck_tests::{PlanBuilder, allow, check_texts, policy};
    let arn = "arn:aws:iam::777788889999:role/reader";
    let plan = |sensitive: bool| {
        let p = PlanBuilder::new()
            .provider("aws", Some("111122223333"), "eu-west-1")
            .create(
                "aws_secretsmanager_secret.s",
                serde_json::json!({"name": "s"}),
            )
            .create(
                "aws_secretsmanager_secret_policy.p",
                serde_json::json!({"policy": policy(serde_json::json!([allow(
                    serde_json::json!({"AWS": arn}),
                    &["secretsmanager:GetSecretValue"],
                )]))}),
            )
            .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"));
        if sensitive { p.sensitive("policy") } else { p }.build()
    };
    // the principal as the plan writes it, inside the policy's escaped JSON string
    let text = plan(false);
    let report = check_texts(&[("plan.json", &text)], &[]);
    assert_eq!(
        under_finding(&report, &text, "XA001"),
        format!("\\\"{arn}\\\"")
    );
    // inside a sensitive value, where its parts are is not shown: the finding points at it whole
    let text = plan(true);
    let report = check_texts(&[("plan.json", &text)], &[]);
    let under = under_finding(&report, &text, "XA001");
    assert!(
        under.starts_with("\"{") && under.ends_with("}\""),
        "{under}"
    );
}

#[test]
fn of_two_keys_that_exclude_each_other_in_a_plan_policy_the_later_one_is_shown() {
    use grantcheck_tests::{PlanBuilder, check_texts};
    for (first, second) in [("NotAction", "Action"), ("Action", "NotAction")] {
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::777788889999:root"}},"{first}":"secretsmanager:GetSecretValue","{second}":"kms:Decrypt","Resource":"*"}}]}}"#
        );
        let text = PlanBuilder::new()
            .provider("aws", Some("111122223333"), "eu-west-1")
            .create(
                "aws_secretsmanager_secret.s",
                serde_json::json!({"name": "s"}),
            )
            .create(
                "aws_secretsmanager_secret_policy.p",
                serde_json::json!({ "policy": policy }),
            )
            .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
            .build();
        let report = check_texts(&[("plan.json", &text)], &[]);
        assert_eq!(
            under_finding(&report, &text, "PG017"),
            format!("\\\"{second}\\\"")
        );
    }
}

#[test]
fn sensitive_values_stay_masked_when_a_plans_findings_are_placed_in_its_configuration() {
    let secrets = ["SECRET-STRING-1", "SENSITIVE-DESCRIPTION-2"];
    let rel = FIXTURES[1].1;
    let plan = std::fs::read_to_string(repo_root().join(rel)).unwrap();
    // the configuration writes the values: a sensitive variable's default, a secret string
    let config = r#"variable "description" {
  type      = string
  sensitive = true
  default   = "SENSITIVE-DESCRIPTION-2"
}

resource "aws_secretsmanager_secret" "db" {
  name        = "db"
  description = var.description
  tags        = { team = "x" }
}

resource "aws_secretsmanager_secret_policy" "db" {
  secret_arn = aws_secretsmanager_secret.db.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Partner"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::777788889999:role/reader" }
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
    }]
  })
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id     = aws_secretsmanager_secret.db.id
  secret_string = "SECRET-STRING-1"
}
"#;
    let sources = vec![
        SourceFile::new(0, rel, plan),
        SourceFile::new(1, "tests/fixtures/output/main.tf", config)
            .found_as(grantcheck::Found::PlanConfiguration),
    ];
    let options = grantcheck::Options {
        plan_configurations: vec![grantcheck::PlanConfiguration {
            plan: rel.into(),
            dir: "tests/fixtures/output".into(),
            given: true,
        }],
        ..grantcheck::Options::default()
    };
    let report = grantcheck::check(&sources, &options);
    assert!(
        report.findings.iter().any(|f| f
            .location
            .as_ref()
            .is_some_and(|l| l.file.ends_with("main.tf"))),
        "the findings are placed in the configuration: {:#?}",
        report.findings
    );
    // where the configuration writes the sensitive variable's value is masked in any frame
    let at = config.find("\"SENSITIVE-DESCRIPTION-2\"").unwrap() as u32 + 1;
    assert!(
        report
            .sensitive
            .iter()
            .any(|s| s.file == 1 && s.start <= at && at < s.end),
        "{:?}",
        report.sensitive
    );
    for (format, out) in all_formats(&sources, &report) {
        for s in secrets {
            assert!(!out.contains(s), "{format} shows {s}:\n{out}");
        }
    }
}
