//! Every example in every rule's documentation: flagged examples produce the rule, accepted
//! ones do not, and no rule reports a warning or error on another rule's accepted example.
//! Also keeps the README rule table in sync with the registry.

use grantcheck::analysis::PolicyKind;
use grantcheck::{Options, Report, Severity, SourceFile};
use grantcheck_tests::{OWNER, repo_root};

struct Example {
    rule: &'static str,
    flagged: bool,
    lang: String,
    text: String,
}

fn examples() -> Vec<Example> {
    let mut out = vec![];
    for m in grantcheck::rules::all() {
        let docs = m.docs();
        let mut section = None;
        let mut block: Option<(String, String)> = None;
        for line in docs.lines() {
            if let Some((lang, text)) = block.as_mut() {
                if line.trim_start().starts_with("```") {
                    if let Some(flagged) = section {
                        out.push(Example {
                            rule: m.code.as_str(),
                            flagged,
                            lang: lang.clone(),
                            text: text.clone(),
                        });
                    }
                    block = None;
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
                continue;
            }
            if let Some(h) = line.strip_prefix("## ") {
                section = match h.trim() {
                    "Flagged" => Some(true),
                    "Accepted" => Some(false),
                    _ => None,
                };
            } else if let Some(lang) = line.trim_start().strip_prefix("```") {
                block = Some((lang.trim().to_string(), String::new()));
            }
        }
        assert!(
            block.is_none(),
            "{}: unterminated code block in its docs",
            m.code
        );
    }
    out
}

fn options() -> Options {
    Options {
        accounts: vec![OWNER.to_string()],
        ..Options::default()
    }
}

/// Can the core read `.tf` files yet?
fn hcl_supported() -> bool {
    let src = SourceFile::new(0, "main.tf", "resource \"aws_kms_key\" \"k\" {}\n");
    let r = grantcheck::check(&[src], &options());
    !r.findings.iter().any(|f| f.rule == "GC002")
}

fn run(e: &Example, hcl: bool) -> Option<Report> {
    match e.lang.as_str() {
        "json" => Some(grantcheck::check_policy(
            &e.text,
            PolicyKind::Secret,
            &options(),
        )),
        "json,key" => Some(grantcheck::check_policy(
            &e.text,
            PolicyKind::Key,
            &options(),
        )),
        "hcl" if hcl => {
            let src = SourceFile::new(0, "main.tf", e.text.clone());
            Some(grantcheck::check(&[src], &options()))
        }
        _ => None,
    }
}

fn summary(r: &Report) -> String {
    r.findings
        .iter()
        .map(|f| format!("{} {}: {}", f.rule, f.severity.as_str(), f.message))
        .collect::<Vec<_>>()
        .join("\n    ")
}

#[test]
fn every_rule_documents_flagged_and_accepted_examples() {
    for m in grantcheck::rules::all() {
        if !m.code.is_check() {
            continue;
        }
        let docs = m.docs();
        assert!(
            docs.contains("## Flagged"),
            "{} has no Flagged section",
            m.code
        );
        assert!(
            docs.contains("## Accepted"),
            "{} has no Accepted section",
            m.code
        );
    }
}

#[test]
fn rule_doc_examples_hold() {
    let hcl = hcl_supported();
    if !hcl {
        eprintln!(
            "SKIPPED the HCL examples of the rule docs: this build does not read .tf files yet"
        );
    }
    let all = examples();
    assert!(all.len() > 20, "only {} examples found", all.len());
    let mut ran = 0;
    let mut failures = vec![];
    for e in &all {
        let Some(report) = run(e, hcl) else { continue };
        ran += 1;
        let fired = report.findings.iter().any(|f| f.rule == e.rule);
        if e.flagged && !fired {
            failures.push(format!(
                "{} flagged {} example does not produce {}:\n{}\n  got:\n    {}",
                e.rule,
                e.lang,
                e.rule,
                e.text,
                summary(&report)
            ));
        }
        if !e.flagged {
            let noisy: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.rule == e.rule || f.severity >= Severity::Warning)
                .collect();
            if !noisy.is_empty() {
                failures.push(format!(
                    "{} accepted {} example is reported:\n{}\n  got:\n    {}",
                    e.rule,
                    e.lang,
                    e.text,
                    summary(&report)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    eprintln!("ran {ran} of {} rule doc examples", all.len());
}

#[test]
fn readme_rule_table_is_generated_from_the_registry() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap_or_default();
    let start = "<!-- rules:start -->\n";
    let (Some(a), Some(b)) = (readme.find(start), readme.find("<!-- rules:end -->")) else {
        panic!("README.md has no <!-- rules:start --> / <!-- rules:end --> markers");
    };
    let table = &readme[a + start.len()..b];
    let generated = grantcheck::rules::markdown_table();
    // (written anew, as snapshots are, with INSTA_UPDATE=always)
    if table != generated && std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always") {
        let written = format!("{}{generated}{}", &readme[..a + start.len()], &readme[b..]);
        std::fs::write(repo_root().join("README.md"), written).unwrap();
        return;
    }
    assert_eq!(
        table, generated,
        "the README rule table is stale: regenerate it with `INSTA_UPDATE=always cargo test -p grantcheck-tests --test rules_docs`"
    );
}
