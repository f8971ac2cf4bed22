//! HCL input: fixtures for every way a policy is written (the finding points at the principal
//! itself), generated workloads (same counts as the plan), and the corpus (.tf files parse or
//! are refused with a reason).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use grantcheck::{Options, Report, SourceFile};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shared() -> Option<PathBuf> {
    let p = manifest().join("../../shared");
    p.is_dir().then_some(p)
}

/// Every file under `dir` (sorted), as the CLI gives them, with paths relative to `base`.
fn read_dir(dir: &Path, base: &Path) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                let rel = p
                    .strip_prefix(base)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .to_string();
                out.push((rel, text));
            }
        }
    }
    out.sort();
    out
}

fn check_files(files: &[(String, String)], accounts: &[&str]) -> Report {
    let sources: Vec<SourceFile> = files
        .iter()
        .enumerate()
        .map(|(i, (p, t))| SourceFile::new(i as u32, p.clone(), t.clone()))
        .collect();
    let options = Options {
        accounts: accounts.iter().map(|s| s.to_string()).collect(),
        ..Options::default()
    };
    grantcheck::check(&sources, &options)
}

fn fixture(name: &str) -> (Report, Vec<(String, String)>) {
    let base = manifest().join("fixtures/hcl");
    let files = read_dir(&base.join(name), &base);
    (check_files(&files, &[]), files)
}

/// 1-based line and column of the first occurrence of `needle` in a fixture file.
fn position(files: &[(String, String)], file: &str, needle: &str) -> (u32, u32) {
    let (_, text) = files
        .iter()
        .find(|(p, _)| p.ends_with(file))
        .unwrap_or_else(|| panic!("no file {file}"));
    let off = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {file}"));
    let before = &text[..off];
    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() as u32 + 1;
    (line, col)
}

/// Asserts a finding of `rule` starts exactly where `needle` is written in `file`.
fn assert_at(report: &Report, files: &[(String, String)], rule: &str, file: &str, needle: &str) {
    let want = position(files, file, needle);
    let found = report.findings.iter().any(|f| {
        f.rule == rule
            && f.location
                .as_ref()
                .is_some_and(|l| l.file.ends_with(file) && (l.start.line, l.start.column) == want)
    });
    assert!(
        found,
        "{rule} at {file}:{}:{} ({needle}) not found in:\n{}",
        want.0,
        want.1,
        report
            .findings
            .iter()
            .map(|f| format!(
                "{} {} {:?}",
                f.rule,
                f.resource,
                f.location
                    .as_ref()
                    .map(|l| (&l.file, l.start.line, l.start.column))
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn rules_of(report: &Report) -> Vec<String> {
    report.findings.iter().map(|f| f.rule.to_string()).collect()
}

#[test]
fn jsonencode_points_at_the_principal_and_the_key() {
    let (r, files) = fixture("jsonencode");
    assert_at(
        &r,
        &files,
        "XA001",
        "main.tf",
        "\"arn:aws:iam::444455556666:role/reader\"",
    );
    assert_at(
        &r,
        &files,
        "XA002",
        "main.tf",
        "\"alias/aws/secretsmanager\"",
    );
}

#[test]
fn json_syntax_files_are_read_with_their_module() {
    let (r, files) = fixture("json_syntax");
    // a policy given as a JSON string: the principal inside it, with its escaped quotes
    let (line, col) = position(
        &files,
        "main.tf.json",
        "\\\"arn:aws:iam::${var.partner}:role/json-reader",
    );
    for rule in ["XA001", "XA003"] {
        assert!(
            r.findings.iter().any(|f| f.rule == rule
                && f.location
                    .as_ref()
                    .is_some_and(|l| l.file.ends_with("main.tf.json")
                        && (l.start.line, l.start.column) == (line, col))),
            "{rule} at {line}:{col} in {:?}",
            rules_of(&r)
        );
    }
    // the secret's key is an alias written in HCL beside it; the key policy is a jsonencode
    // inside a JSON string, placed at the object it encodes, where the string writes it
    let xa003 = r.findings.iter().find(|f| f.rule == "XA003").unwrap();
    assert!(xa003.message.contains("aws_kms_key.k"), "{}", xa003.message);
    let key_policy = position(&files, "main.tf.json", "{\\\"Version\\\" = ");
    assert!(
        xa003
            .related_locations
            .iter()
            .any(|l| (l.location.start.line, l.location.start.column) == key_policy),
        "{:?}",
        xa003.related_locations
    );
    assert_at(
        &r,
        &files,
        "XA002",
        "main.tf.json",
        "\"alias/aws/secretsmanager\"",
    );
    // a policy document written as JSON blocks
    let (line, col) = position(&files, "main.tf.json", "[\"*\"]}");
    assert!(
        r.findings.iter().any(|f| f.rule == "PA001"
            && f.location
                .as_ref()
                .is_some_and(|l| (l.start.line, l.start.column) == (line, col + 1))),
        "{:?}",
        rules_of(&r)
    );
    // a module call from JSON: the variable's value is where the call writes it
    assert_at(
        &r,
        &files,
        "XA001",
        "main.tf.json",
        "\"arn:aws:iam::444455556666:role/module-reader\"",
    );
    assert!(
        !r.findings
            .iter()
            .any(|f| f.rule == "GC002" || f.message.contains("not read")),
        "{:?}",
        rules_of(&r)
    );
}

#[test]
fn a_jsonencode_in_a_json_string_points_at_where_the_string_writes_each_part() {
    // Terraform reads `${...}` in a .tf.json string from the decoded string: the escaped
    // quotes are HCL's quotes there
    let tf_json = r#"{
  "resource": {
    "aws_kms_key": {"k": {"policy": "${jsonencode({\"Statement\" = [{\"Effect\" = \"Allow\", \"Principal\" = {\"AWS\" = \"arn:aws:iam::111122223333:root\"}, \"Action\" = \"kms:*\", \"Resource\" = \"*\"}]})}"}},
    "aws_secretsmanager_secret": {"s": {"name": "s", "kms_key_id": "${aws_kms_key.k.arn}"}},
    "aws_secretsmanager_secret_policy": {"s": {
      "secret_arn": "${aws_secretsmanager_secret.s.arn}",
      "policy": "${jsonencode({\"Statement\" = [{\"Effect\" = \"Allow\", \"Principal\" = {\"AWS\" = \"arn:aws:iam::444455556666:role/reader\"}, \"Action\" = \"secretsmanager:GetSecretValue\", \"Resource\" = \"*\"}]})}"
    }}
  }
}
"#;
    let files = vec![("m/main.tf.json".to_string(), tf_json.to_string())];
    let r = check_files(&files, &["111122223333"]);
    let under = |l: &grantcheck::report::Location| {
        &tf_json[l.start.offset.unwrap() as usize..l.end.offset.unwrap() as usize]
    };
    let xa001 = r.findings.iter().find(|f| f.rule == "XA001");
    assert_eq!(
        xa001.and_then(|f| f.location.as_ref()).map(under),
        Some(r#"\"arn:aws:iam::444455556666:role/reader\""#),
        "{:?}",
        rules_of(&r)
    );
    let xa003 = r.findings.iter().find(|f| f.rule == "XA003");
    let key_policy = xa003
        .and_then(|f| {
            f.related_locations
                .iter()
                .find(|l| l.message.contains("key policy"))
        })
        .map(|l| under(&l.location));
    assert!(
        key_policy.is_some_and(|t| t.starts_with(r#"{\"Statement\" = ["#) && t.ends_with("}]}")),
        "{key_policy:?} in {:?}",
        rules_of(&r)
    );
}

#[test]
fn json_syntax_errors_are_reported_at_their_place() {
    let files = vec![
        (
            "bad/main.tf.json".to_string(),
            "{\n  \"resource\": {\n    \"aws_kms_key\": {\"k\": {,}}\n  }\n}\n".to_string(),
        ),
        (
            "bad/ok.tf".to_string(),
            "resource \"aws_secretsmanager_secret\" \"s\" {\n  name = \"s\"\n}\n".to_string(),
        ),
    ];
    let r = check_files(&files, &[]);
    let e = r
        .findings
        .iter()
        .find(|f| f.rule == "GC002")
        .expect("a GC002 for the JSON file");
    let loc = e.location.as_ref().unwrap();
    assert!(loc.file.ends_with("main.tf.json"));
    // the comma where the first member should be
    assert_eq!((loc.start.line, loc.start.column), (3, 27), "{}", e.message);
    assert_eq!(
        r.summary.resources, 1,
        "the HCL file beside it is still read"
    );
}

#[test]
fn template_directives_are_evaluated_when_known() {
    let (r, files) = fixture("directives");
    // `%{for}` over two accounts in an indented heredoc: each principal is placed where its
    // template is written
    let xa001: Vec<_> = r.findings.iter().filter(|f| f.rule == "XA001").collect();
    assert_eq!(xa001.len(), 2, "{:?}", rules_of(&r));
    for account in ["444455556666", "777788889999"] {
        assert!(
            xa001.iter().any(|f| f.message.contains(account)),
            "{account}"
        );
    }
    assert_at(
        &r,
        &files,
        "XA001",
        "main.tf",
        "\"arn:aws:iam::${id}:role/loop-reader\"",
    );
    // `%{if var.public}` is false: no public statement
    assert!(!rules_of(&r).iter().any(|c| c == "PA001"));
    // a `%{for}` over a variable without a value leaves the policy unknown: nothing decided
    assert!(
        !r.findings
            .iter()
            .any(|f| f.resource.contains("later") && f.rule != "GC001"),
        "{:?}",
        rules_of(&r)
    );

    let base = manifest().join("fixtures/hcl");
    let sources: Vec<SourceFile> = read_dir(&base.join("directives"), &base)
        .into_iter()
        .enumerate()
        .map(|(i, (p, t))| SourceFile::new(i as u32, p, t))
        .collect();
    let options = Options {
        vars: vec![
            ("later".into(), "[\"444455556666\"]".into()),
            ("public".into(), "true".into()),
        ],
        ..Options::default()
    };
    let r = grantcheck::check(&sources, &options);
    let (line, col) = position(&files, "main.tf", "\"arn:aws:iam::${id}:root\"");
    let xa002 = r
        .findings
        .iter()
        .find(|f| f.rule == "XA002" && f.resource == "aws_secretsmanager_secret.later")
        .unwrap_or_else(|| panic!("{:?}", rules_of(&r)));
    assert!(
        xa002
            .related_locations
            .iter()
            .any(|l| (l.location.start.line, l.location.start.column) == (line, col)),
        "{:?}",
        xa002.related_locations
    );
    // `%{if}` true adds the public statement
    assert_at(&r, &files, "PA001", "main.tf", "\"*\", \"Action\"");
}

#[test]
fn heredocs_plain_and_indented() {
    let (r, files) = fixture("heredoc");
    assert_at(
        &r,
        &files,
        "XA001",
        "main.tf",
        "\"arn:aws:iam::444455556666:role/plain-reader\"",
    );
    assert_at(
        &r,
        &files,
        "XA001",
        "main.tf",
        "\"arn:aws:iam::444455556666:role/indented-reader\"",
    );
}

#[test]
fn quoted_json_string_keeps_offsets() {
    let (r, files) = fixture("quoted");
    // the JSON string with its escaped quotes, as a plan's policy string shows it
    let text = &files
        .iter()
        .find(|(p, _)| p.ends_with("main.tf"))
        .unwrap()
        .1;
    let under: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.rule == "XA001")
        .filter_map(|f| f.location.as_ref())
        .map(|l| &text[l.start.offset.unwrap() as usize..l.end.offset.unwrap() as usize])
        .collect();
    assert_eq!(
        under,
        ["\\\"arn:aws:iam::444455556666:role/quoted-reader\\\""],
        "{:?}",
        rules_of(&r)
    );
}

#[test]
fn interpolations_are_substituted_or_unknown() {
    let (r, files) = fixture("interpolated");
    assert_at(
        &r,
        &files,
        "XA001",
        "main.tf",
        "\"arn:aws:iam::${var.reader_account}:role/interp-reader\"",
    );
    // the principal from a variable without a value is unresolved, not a pass or a fail
    assert_at(&r, &files, "GC001", "main.tf", "\"${var.unset_arn}\"");
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "GC001" && f.message.contains("var.unset_arn has no value"))
    );
}

#[test]
fn policy_document_with_dynamic_blocks_and_merging() {
    let (r, files) = fixture("policy_document");
    // dynamic statement → dynamic principals → a local
    assert_at(
        &r,
        &files,
        "XA001",
        "main.tf",
        "\"arn:aws:iam::444455556666:role/doc-reader\"",
    );
    // the override document replaced the source statement with the same Sid
    assert_at(
        &r,
        &files,
        "XA001",
        "main.tf",
        "\"arn:aws:iam::777788889999:user/override-user\"",
    );
    assert_at(
        &r,
        &files,
        "XA003",
        "main.tf",
        "\"arn:aws:iam::444455556666:role/doc-reader\"",
    );
    // the owner-account statement of the source document was replaced, so it grants nothing
    assert!(
        !r.findings
            .iter()
            .any(|f| f.message.contains("111122223333:root"))
    );
}

#[test]
fn file_and_templatefile_point_into_the_read_file() {
    let (r, files) = fixture("file_fn");
    assert_at(
        &r,
        &files,
        "XA001",
        "policies/secret.json",
        "\"arn:aws:iam::444455556666:role/file-reader\"",
    );
    assert!(
        !rules_of(&r).contains(&"GC002".to_string()),
        "the policy file is not an input error"
    );
    let (r, files) = fixture("templatefile_fn");
    assert_at(
        &r,
        &files,
        "XA001",
        "secret-policy.json.tftpl",
        "\"${reader}\"",
    );
}

#[test]
fn module_variables_and_for_each() {
    let (r, files) = fixture("module_vars");
    assert_at(
        &r,
        &files,
        "XA001",
        "module_vars/main.tf",
        "\"arn:aws:iam::444455556666:role/module-reader\"",
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "XA002"
                && f.resource == "module.shared.aws_secretsmanager_secret.this")
    );
    let (r, files) = fixture("for_each");
    assert_at(
        &r,
        &files,
        "XA001",
        "main.tf",
        "\"arn:aws:iam::444455556666:role/app-reader\"",
    );
    // each secret's key grants its own reader: no XA003, and the key is a CMK: no XA002
    assert!(
        !rules_of(&r).iter().any(|c| c == "XA003" || c == "XA002"),
        "{:?}",
        rules_of(&r)
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.resource == "aws_secretsmanager_secret_policy.s[\"app\"]")
    );
}

#[test]
fn key_policy_through_an_alias_and_public_policy() {
    let (r, files) = fixture("key_policy");
    assert_at(
        &r,
        &files,
        "XA003",
        "main.tf",
        "\"arn:aws:iam::444455556666:root\"",
    );
    let (r, files) = fixture("public");
    assert_at(&r, &files, "PA001", "main.tf", "\"*\"");
}

#[test]
fn provider_alias_decides_the_owner() {
    let (r, _) = fixture("provider_alias");
    assert!(
        !rules_of(&r).iter().any(|c| c.starts_with("XA")),
        "{:?}",
        rules_of(&r)
    );
}

#[test]
fn each_syntax_error_is_reported_and_the_rest_is_read() {
    let (r, files) = fixture("syntax_errors");
    let errors: Vec<_> = r.findings.iter().filter(|f| f.rule == "GC002").collect();
    assert_eq!(
        errors.len(),
        2,
        "{:?}",
        errors.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    assert!(
        errors
            .iter()
            .all(|f| f.message.contains("main.tf") && f.message.contains("line"))
    );
    assert_at(
        &r,
        &files,
        "XA001",
        "main.tf",
        "\"arn:aws:iam::444455556666:role/after-errors\"",
    );
}

#[test]
fn cycles_are_input_errors_and_remote_modules_are_notes() {
    let (r, _) = fixture("cycles");
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "GC002" && f.message.contains("depends on itself"))
    );
    let (r, _) = fixture("remote_module");
    let notes: Vec<_> = r.findings.iter().filter(|f| f.rule == "GC001").collect();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].message.contains("was not downloaded"));
    assert!(notes[0].message.contains("terraform init"));
}

#[test]
fn variables_from_command_line_win() {
    let base = manifest().join("fixtures/hcl");
    let files = read_dir(&base.join("interpolated"), &base);
    let sources: Vec<SourceFile> = files
        .iter()
        .enumerate()
        .map(|(i, (p, t))| SourceFile::new(i as u32, p.clone(), t.clone()))
        .collect();
    let options = Options {
        vars: vec![
            ("reader_account".into(), "111122223333".into()),
            (
                "unset_arn".into(),
                "arn:aws:iam::777788889999:role/from-var".into(),
            ),
        ],
        ..Options::default()
    };
    let r = grantcheck::check(&sources, &options);
    let xa001: Vec<_> = r.findings.iter().filter(|f| f.rule == "XA001").collect();
    assert_eq!(xa001.len(), 1, "{:?}", rules_of(&r));
    assert!(xa001[0].message.contains("from-var"));
}

/// Distinct secret numbers per rule, from `resource` (`…s12` / `…k12`).
#[test]
fn generated_workloads_match_expected_counts() {
    let Some(shared) = shared() else {
        eprintln!("SKIPPED: ../shared is absent; the generated-workload HCL test did not run");
        return;
    };
    let runs: Vec<_> = [1, 2, 3]
        .into_iter()
        .map(|seed| {
            let out =
                std::env::temp_dir().join(format!("grantcheck-hcl-{}-{seed}", std::process::id()));
            (seed, out)
        })
        .collect();
    // the workloads are generated side by side, then checked one after the other
    let generated = grantcheck_tests::gen_workloads(&shared, &runs);
    for ((seed, out), expected) in runs.into_iter().zip(generated) {
        let expected = match expected {
            Ok(e) => e,
            Err(why) => {
                eprintln!(
                    "SKIPPED: python3 could not run gen_workload.py ({why}); the generated-workload HCL test did not run"
                );
                return;
            }
        };
        let files = read_dir(&out.join("tf"), &out);
        let report = check_files(&files, &[]);
        assert!(!rules_of(&report).contains(&"GC002".to_string()));
        let counts = grantcheck_tests::secrets_per_rule(&report);
        let n = |rule: &str| counts.get(rule).map_or(0, BTreeSet::len) as u64;
        for (rule, key) in [
            ("XA001", "exact_principal"),
            ("XA002", "without_cmk"),
            ("XA003", "key_not_shared"),
            ("PA001", "public_unconditioned"),
        ] {
            assert_eq!(
                n(rule),
                expected[key].as_u64().unwrap(),
                "seed {seed}: {rule} vs {key}"
            );
        }
        // the same as the plan of the same workload
        let plan = vec![(
            "plan.json".to_string(),
            std::fs::read_to_string(out.join("plan.json")).unwrap(),
        )];
        let from_plan = grantcheck_tests::secrets_per_rule(&check_files(&plan, &[]));
        for rule in ["XA001", "XA002", "XA003", "PA001"] {
            assert_eq!(
                counts.get(rule),
                from_plan.get(rule),
                "seed {seed}: {rule} HCL vs plan"
            );
        }
        let _ = std::fs::remove_dir_all(&out);
    }
}

#[test]
fn every_corpus_configuration_parses_or_is_refused_with_a_reason() {
    let Some(shared) = shared() else {
        eprintln!("SKIPPED: ../shared is absent; the corpus HCL test did not run");
        return;
    };
    let corpus = shared.join("corpus");
    let mut by_dir: BTreeMap<PathBuf, Vec<(String, String)>> = BTreeMap::new();
    let mut stack = vec![corpus.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if (p.to_string_lossy().ends_with(".tf")
                || p.to_string_lossy().ends_with(".tf.json"))
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                let rel = p
                    .strip_prefix(&corpus)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                by_dir.entry(d.clone()).or_default().push((rel, text));
            }
        }
    }
    let (mut files, mut refused) = (0, 0);
    for group in by_dir.values() {
        files += group.len();
        let report = check_files(group, &[]);
        for f in report.findings.iter().filter(|f| f.rule == "GC002") {
            refused += 1;
            assert!(
                f.message.len() > 20 && f.location.is_some(),
                "{}",
                f.message
            );
        }
    }
    eprintln!(
        "corpus: {files} .tf files in {} directories, {refused} syntax errors reported",
        by_dir.len()
    );
    assert!(files > 300);
}

#[test]
fn corpus_secret_cases_give_the_outcomes_our_rules_define() {
    let Some(shared) = shared() else {
        eprintln!("SKIPPED: ../shared is absent; the corpus expectations did not run");
        return;
    };
    let corpus = shared.join("corpus");
    let owner = "111122223333";
    // (file, owner account given, rules that must appear, rules that must not)
    let table: &[(&str, bool, &[&str], &[&str])] = &[
        // account-root principal of another account, no CMK: the grant cannot work
        (
            "terraform-provider-aws/website/docs/r/secretsmanager_secret_policy.html.markdown.example1.tf",
            true,
            &["XA002"],
            &["XA001", "PA001"],
        ),
        // AWS "*" in a tab-indented heredoc: public, and no CMK
        (
            "terraform-provider-aws/website/docs/r/secretsmanager_secret_policy.html.markdown.old-f5ef2a1.example1.tf",
            true,
            &["PA001", "XA002"],
            &[],
        ),
        // KICS: AWS "*" with secretsmanager:*
        (
            "kics/assets/queries/terraform/aws/secrets_manager_with_vulnerable_policy/test/positive.tf",
            true,
            &["PA001"],
            &[],
        ),
        // checkov CKV_AWS_149: secrets without policies are not shared: nothing to report
        (
            "checkov/tests/terraform/checks/resource/aws/example_SecretManagerSecretEncrypted/main.tf",
            true,
            &[],
            &["XA002", "PA001", "GC002"],
        ),
        // KICS: AWS managed key and no key, but not shared
        (
            "kics/assets/queries/terraform/aws/secretsmanager_secret_encrypted_with_aws_managed_key/test/positive1.tf",
            true,
            &[],
            &["XA002", "GC002"],
        ),
        (
            "kics/assets/queries/terraform/aws/secretsmanager_secret_without_kms/test/positive1.tf",
            true,
            &[],
            &["XA002", "GC002"],
        ),
        // without an owner account, a foreign account root cannot be told foreign: a note
        (
            "terraform-provider-aws/website/docs/r/secretsmanager_secret_policy.html.markdown.example1.tf",
            false,
            &["GC001"],
            &["XA002"],
        ),
    ];
    for (file, with_owner, must, must_not) in table {
        let path = corpus.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let accounts: &[&str] = if *with_owner { &[owner] } else { &[] };
        let report = check_files(&[(file.to_string(), text)], accounts);
        let got = rules_of(&report);
        for m in *must {
            assert!(
                got.iter().any(|g| g == m),
                "{file}: expected {m}, got {got:?}"
            );
        }
        for m in *must_not {
            assert!(
                !got.iter().any(|g| g == m),
                "{file}: did not expect {m}, got {got:?}"
            );
        }
    }
}

#[test]
fn values_of_sensitive_variables_never_reach_reports() {
    let check = |sensitive| {
        check_files(
            &grantcheck_tests::sensitive_variables_config(sensitive),
            &[],
        )
    };
    let (open, hidden) = (check(false), check(true));
    // the values decide the same way, marked or not
    assert_eq!(rules_of(&open), rules_of(&hidden));
    for rule in ["XA001", "XA002", "XA006"] {
        assert!(
            rules_of(&hidden).iter().any(|r| r == rule),
            "{rule}: {:#?}",
            hidden.findings
        );
    }
    for word in ["secret-reader-name", "secret-writer-name", "secretregion"] {
        grantcheck_tests::assert_only_unmarked_shows(&open, &hidden, word);
    }
}

/// Checks main.tf: a provider in `region` (an expression), the variable `name` defaulting to
/// `default` and declared sensitive or not, `resources`, and (with `aws`) a secret policy
/// granting `aws`.
fn check_with_variable(
    sensitive: bool,
    region: &str,
    (name, default): (&str, &str),
    resources: &str,
    aws: Option<&str>,
) -> Report {
    let main = format!(
        r#"provider "aws" {{
  region              = {region}
  allowed_account_ids = ["111122223333"]
}}

variable "{name}" {{
  default   = "{default}"
  sensitive = {sensitive}
}}

{resources}
{}"#,
        aws.map(grantcheck_tests::hcl_secret_policy)
            .unwrap_or_default()
    );
    check_files(&[("main.tf".to_string(), main)], &[])
}

#[test]
fn a_provider_region_from_a_sensitive_variable_is_not_named() {
    let check = |sensitive| {
        check_with_variable(
            sensitive,
            "var.region",
            ("region", "eu-secretregion-2"),
            r#"resource "aws_kms_key" "k" {
  description = "no grant for the reader"
}

resource "aws_secretsmanager_secret" "db" {
  name       = "db"
  kms_key_id = aws_kms_key.k.arn
}
"#,
            Some("\"arn:aws:iam::444455556666:root\""),
        )
    };
    let (open, hidden) = (check(false), check(true));
    // the Region decides the same way, marked or not: XA003 suggests a grant in it
    assert_eq!(rules_of(&open), rules_of(&hidden));
    assert!(
        rules_of(&hidden).iter().any(|r| r == "XA003"),
        "{:#?}",
        hidden.findings
    );
    let text = grantcheck_tests::assert_only_unmarked_shows(&open, &hidden, "secretregion");
    assert!(
        text.contains("secretsmanager.<region>.amazonaws.com"),
        "{text}"
    );
}

#[test]
fn a_missing_key_from_a_sensitive_variable_is_not_quoted() {
    let check = |sensitive| {
        check_with_variable(
            sensitive,
            "\"eu-west-1\"",
            ("team", "secret-team-name"),
            "resource \"aws_secretsmanager_secret\" \"db\" {\n  name = \"db\"\n}\n",
            Some(r#"lookup({ other = "arn:aws:iam::444455556666:root" }, var.team)"#),
        )
    };
    let (open, hidden) = (check(false), check(true));
    // the principal is not known either way: its checks are unresolved
    assert_eq!(rules_of(&open), rules_of(&hidden));
    assert!(
        hidden
            .findings
            .iter()
            .any(|f| f.rule == "GC001" && f.message.contains("no key")),
        "{:#?}",
        hidden.findings
    );
    grantcheck_tests::assert_only_unmarked_shows(&open, &hidden, "secret-team-name");
}

#[test]
fn an_element_picked_by_a_sensitive_key_is_not_quoted() {
    // the principal, in a policy document (no function call marks it), is the element of a
    // map that a key from a variable picks
    let check = |sensitive| {
        check_with_variable(
            sensitive,
            "\"eu-west-1\"",
            ("team", "readers"),
            r#"locals {
  principals = { readers = "arn:aws:iam::444455556666:role/picked-reader-name" }
}

resource "aws_secretsmanager_secret" "db" {
  name = "db"
}

data "aws_iam_policy_document" "read" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.principals[var.team]]
    }
  }
}

resource "aws_secretsmanager_secret_policy" "db" {
  secret_arn = aws_secretsmanager_secret.db.arn
  policy     = data.aws_iam_policy_document.read.json
}
"#,
            None,
        )
    };
    let (open, hidden) = (check(false), check(true));
    assert_eq!(rules_of(&open), rules_of(&hidden));
    assert!(
        hidden.findings.iter().any(|f| f.rule == "XA001"),
        "{:#?}",
        hidden.findings
    );
    grantcheck_tests::assert_only_unmarked_shows(&open, &hidden, "picked-reader-name");
}
