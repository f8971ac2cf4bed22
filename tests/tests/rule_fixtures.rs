//! Every rule of the catalogue against realistic inputs: `tests/fixtures/rules/<CODE>/` holds
//! the cases of one rule, each a Terraform configuration (`*.tf`, or a folder for a
//! configuration of several files or modules) or a plan (`*.plan.json`, as `terraform show
//! -json` writes it). A case named `flagged…` must produce a finding of its folder's code, one
//! named `accepted…` none; neither may be an input error unless the folder is GC002's. Each case
//! is checked on its own, as `grantcheck check <case>` checks it, and its text output (no
//! colour) is kept as a snapshot in the folder's `snapshots/`, named after the case.
//!
//! The owner account comes from the AWS provider's `allowed_account_ids` in the case itself.
//! A case that needs command-line options has them in `<case>.args` beside it (`--account ID`,
//! `--var NAME=VALUE`, `--new-only`, separated by white space).
//!
//! Which kinds of input a rule has cases for is read from the files present: every code has
//! flagged and accepted cases of both kinds, except the codes of [`ONE_KIND`].
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use grantcheck::{Options, Report, Severity, SourceFile};
use grantcheck_cli::discover::Discovered;
use grantcheck_cli::render;
use grantcheck_tests::repo_root;

/// The fixture tree, relative to the repository root.
const DIR: &str = "tests/fixtures/rules";

/// The codes that have cases of one kind only, and why.
const ONE_KIND: &[(&str, Kind, &str)] = &[
    (
        "XA004",
        Kind::Plan,
        "only a plan deletes or replaces a principal",
    ),
    (
        "GC003",
        Kind::Config,
        "suppression comments are written in .tf files; a plan has none",
    ),
    (
        "GC004",
        Kind::Config,
        "suppression comments are written in .tf files; a plan has none",
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A Terraform configuration: a `.tf` or `.tf.json` file, or a folder.
    Config,
    /// Plan JSON (`*.plan.json`).
    Plan,
}

struct Case {
    code: String,
    /// The file or folder name inside the code's folder; also the snapshot's name.
    name: String,
    /// Relative to the repository root, with `/` separators.
    rel: String,
    kind: Kind,
    flagged: bool,
    args: Vec<String>,
}

fn rules_dir() -> PathBuf {
    repo_root().join(DIR)
}

/// The case folders, by code.
fn folders() -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(rules_dir()).expect("tests/fixtures/rules exists") {
        let p = e.unwrap().path();
        assert!(p.is_dir(), "{}: only rule folders belong here", p.display());
        let code = p.file_name().unwrap().to_string_lossy().to_string();
        out.insert(code, p);
    }
    out
}

/// The cases of one folder, sorted by name.
fn cases_of(code: &str, dir: &Path) -> Vec<Case> {
    let mut cases = vec![];
    let mut args_files = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name == "snapshots" && p.is_dir() {
            continue;
        }
        if let Some(case) = name.strip_suffix(".args") {
            args_files.push(case.to_string());
            continue;
        }
        let kind = if p.is_dir() || name.ends_with(".tf") || name.ends_with(".tf.json") {
            Kind::Config
        } else if name.ends_with(".plan.json") {
            Kind::Plan
        } else {
            panic!(
                "{DIR}/{code}/{name}: not a case: a case is a .tf, .tf.json or .plan.json file, or a folder"
            );
        };
        let stem = name.split('.').next().unwrap();
        let flagged = match stem.split_once('-').map_or(stem, |(first, _)| first) {
            "flagged" => true,
            "accepted" => false,
            _ => panic!("{DIR}/{code}/{name}: a case's name starts with `flagged` or `accepted`"),
        };
        let args = match std::fs::read_to_string(dir.join(format!("{name}.args"))) {
            Ok(text) => text.split_whitespace().map(str::to_string).collect(),
            Err(_) => vec![],
        };
        cases.push(Case {
            code: code.to_string(),
            rel: format!("{DIR}/{code}/{name}"),
            name,
            kind,
            flagged,
            args,
        });
    }
    for a in args_files {
        assert!(
            cases.iter().any(|c| c.name == a),
            "{DIR}/{code}/{a}.args: no case {a} beside it"
        );
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

fn all_cases() -> Vec<Case> {
    folders()
        .iter()
        .flat_map(|(code, dir)| cases_of(code, dir))
        .collect()
}

/// The options a case's `.args` give.
fn options(case: &Case) -> (Options, bool) {
    let mut options = Options::default();
    let mut new_only = false;
    let mut it = case.args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--account" => options
                .accounts
                .push(it.next().expect("--account ID").clone()),
            "--var" => {
                let v = it.next().expect("--var NAME=VALUE");
                let (n, v) = v.split_once('=').expect("--var NAME=VALUE");
                options.vars.push((n.to_string(), v.to_string()));
            }
            "--new-only" => new_only = true,
            other => panic!("{}.args: unknown option {other}", case.rel),
        }
    }
    (options, new_only)
}

/// Checks a case as `grantcheck check <case>` does, with paths shown relative to the
/// repository root; returns the report and its text output.
fn check(case: &Case) -> (Report, String) {
    let root = repo_root();
    let abs = root.join(&case.rel);
    let prefix = format!("{}/", root.display());
    let shown = |p: &str| p.strip_prefix(&prefix).unwrap_or(p).replace('\\', "/");
    let discovered = Discovered::read(&[abs.to_string_lossy().to_string()]);
    let sources: Vec<SourceFile> = discovered
        .inputs
        .into_iter()
        .enumerate()
        .map(|(i, input)| {
            let src = SourceFile::new(i as u32, shown(&input.path), input.text);
            match input.found_as {
                Some(found) => src.found_as(found),
                None => src,
            }
        })
        .collect();
    let (options, new_only) = options(case);
    let mut report = grantcheck::check(&sources, &options);
    report.summary.skipped += discovered.skipped;
    if new_only {
        grantcheck::changes::retain_new_only(&mut report);
    }
    for e in &discovered.errors {
        report.add_unreadable(e.replace(&prefix, ""));
    }
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
        !text.contains(&prefix),
        "{}: the output names the machine's path {prefix}:\n{text}",
        case.rel
    );
    (report, text)
}

#[test]
fn every_case_gives_what_its_name_says() {
    let mut failures = vec![];
    for case in all_cases() {
        let (report, text) = check(&case);
        let codes: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
        let has = codes.contains(&case.code.as_str());
        if case.flagged && !has {
            failures.push(format!("{}: no {} finding:\n{text}", case.rel, case.code));
        }
        if !case.flagged && has {
            failures.push(format!("{}: a {} finding:\n{text}", case.rel, case.code));
        }
        if case.code != "GC002" && codes.contains(&"GC002") {
            failures.push(format!("{}: an input error:\n{text}", case.rel));
        }
        insta::with_settings!({
            snapshot_path => rules_dir().join(&case.code).join("snapshots"),
            prepend_module_to_snapshot => false,
            input_file => repo_root().join(&case.rel),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(case.name.as_str(), text);
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_code_of_the_catalogue_has_flagged_and_accepted_cases_of_its_kinds() {
    let folders = folders();
    let codes: Vec<&str> = grantcheck::rules::all().map(|m| m.code.as_str()).collect();
    for code in folders.keys() {
        assert!(
            codes.contains(&code.as_str()),
            "{DIR}/{code}: not a code of the catalogue"
        );
    }
    for code in &codes {
        let dir = folders
            .get(*code)
            .unwrap_or_else(|| panic!("{DIR}/{code} is missing: every rule has cases"));
        let cases = cases_of(code, dir);
        let kinds: Vec<Kind> = match ONE_KIND.iter().find(|(c, _, _)| c == code) {
            Some((_, kind, _)) => vec![*kind],
            None => vec![Kind::Config, Kind::Plan],
        };
        for kind in [Kind::Config, Kind::Plan] {
            for flagged in [true, false] {
                let n = cases
                    .iter()
                    .filter(|c| c.kind == kind && c.flagged == flagged)
                    .count();
                let which = if flagged { "flagged" } else { "accepted" };
                if kinds.contains(&kind) {
                    assert!(n >= 1, "{DIR}/{code}: no {which} {kind:?} case");
                } else {
                    let why = ONE_KIND.iter().find(|(c, _, _)| c == code).unwrap().2;
                    assert!(
                        n == 0,
                        "{DIR}/{code}: a {which} {kind:?} case, but {code} has none ({why})"
                    );
                }
            }
        }
    }
}

#[test]
fn every_snapshot_belongs_to_a_case() {
    for (code, dir) in folders() {
        let names: Vec<String> = cases_of(&code, &dir)
            .into_iter()
            .map(|c| format!("{}.snap", c.name))
            .collect();
        let Ok(entries) = std::fs::read_dir(dir.join("snapshots")) else {
            continue;
        };
        for e in entries {
            let file = e.unwrap().file_name().to_string_lossy().to_string();
            // (insta's files of a snapshot under review)
            if file.ends_with(".snap.new") || file.ends_with(".pending-snap") {
                continue;
            }
            assert!(
                names.contains(&file),
                "{DIR}/{code}/snapshots/{file}: no case of that name; remove the snapshot"
            );
        }
    }
}
