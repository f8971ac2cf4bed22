//! Every plan JSON in ../shared/corpus loads, or — for the deliberately broken ones — gives one
//! GC002 with a reason. Nothing panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use grantcheck_tests::*;

/// Files a user would give as a plan: anything with a format_version, and binary plan files.
fn plan_candidates(corpus: &Path) -> Vec<PathBuf> {
    let mut v = plan_json_under(&[corpus.to_path_buf()]);
    v.extend(files_under(corpus).into_iter().filter(|p| {
        let name = p.to_string_lossy();
        name.ends_with(".plan") || name.ends_with(".tfplan")
    }));
    v.sort();
    v
}

/// Deliberately broken inputs and what their error must say.
const BROKEN: &[(&str, &str)] = &[
    (
        "terraform-json/testdata/invalid/plan.json",
        "not valid JSON",
    ),
    (
        "terraform-json/testdata/invalid/state.json",
        "not valid JSON",
    ),
    ("test_plan.plan", "binary plan file"),
];

#[test]
fn every_corpus_plan_loads_or_says_why_not() {
    let Some(shared) = shared_or_skip("every_corpus_plan_loads_or_says_why_not") else {
        return;
    };
    let corpus = shared.join("corpus");
    let files = plan_candidates(&corpus);
    assert!(
        files.len() > 100,
        "expected the corpus's plans, found {}",
        files.len()
    );
    let (mut loaded, mut states, mut broken) = (0, 0, 0);
    for path in &files {
        let rel = path
            .strip_prefix(&corpus)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let bytes = std::fs::read(path).unwrap();
        let expected_broken = BROKEN.iter().find(|(f, _)| rel.ends_with(f));
        if let Some(why) = grantcheck::sniff_bytes(&bytes) {
            let (_, want) = expected_broken.unwrap_or_else(|| panic!("{rel}: unexpected: {why}"));
            assert!(why.contains(want), "{rel}: {why}");
            broken += 1;
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        let report = check_texts(&[(&rel, &text)], &[]);
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == "GC002")
            .collect();
        match (expected_broken, errors.as_slice()) {
            (None, []) => loaded += 1,
            (Some((_, want)), [e]) => {
                assert!(e.message.contains(want), "{rel}: {}", e.message);
                assert!(e.location.is_some(), "{rel}: the error has a place");
                broken += 1;
            }
            (None, [e]) if e.message.contains("state") => {
                // `terraform show -json` of a state, not a plan: refused with the command to run
                assert!(
                    e.message.contains("terraform show -json"),
                    "{rel}: {}",
                    e.message
                );
                states += 1;
            }
            (want, got) => panic!("{rel}: expected broken={want:?}, got {got:#?}"),
        }
    }
    eprintln!(
        "corpus: {loaded} plans loaded, {states} state files refused, {broken} broken inputs refused"
    );
    assert!(loaded >= 120, "only {loaded} plans loaded");
    assert_eq!(broken, BROKEN.len());
}

#[test]
fn negative_inputs_from_other_tools_are_refused_with_a_reason() {
    let Some(shared) = shared_or_skip("negative_inputs_from_other_tools_are_refused_with_a_reason")
    else {
        return;
    };
    let all = files_under(&shared.join("corpus/terrascan"));
    let mut seen = 0;
    for p in all
        .iter()
        .filter(|p| p.to_string_lossy().contains("invalid"))
    {
        let text = std::fs::read_to_string(p).unwrap();
        let report = check_texts(&[("input.json", &text)], &[]);
        assert!(
            report.has_input_errors(),
            "{}: {:#?}",
            p.display(),
            report.findings
        );
        let msg = &report.findings[0].message;
        assert!(msg.starts_with("input.json: "), "{msg}");
        assert!(msg.contains("terraform show -json"), "{msg}");
        seen += 1;
    }
    assert!(seen >= 2, "terrascan's invalid inputs are in the corpus");
}
