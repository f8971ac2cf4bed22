//! Rules run over parts of an analysis (a run of policies and secrets at a time, so that a part's
//! documents stay in the processor's cache). A rule that is not `whole` must find over the parts,
//! in order, exactly what it finds over everything at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use grantcheck::analysis::Analysis;
use grantcheck::model::Infrastructure;
use grantcheck::rules::{Context, Findings, RULES};
use grantcheck_tests::*;

/// For every rule that splits: its findings over `parts`, in order, against its findings over
/// everything. Returns how many findings the rules gave over everything.
fn compare(name: &str, text: &str, accounts: &[String], sizes: &[usize]) -> usize {
    let src = grantcheck::SourceFile::new(0, "plan.json", text);
    let mut infra = Infrastructure::default();
    if grantcheck::terraform::plan::load(&src, &mut infra).is_err() {
        return 0;
    }
    infra.dedup_hints();
    let a = Analysis::new(&infra, accounts);
    let mut total = 0;
    for rule in RULES.iter().filter(|r| !r.whole()) {
        let mut whole = Findings::default();
        rule.check(&Context::whole(&a), &mut whole);
        total += whole.list.len();
        for &size in sizes {
            let mut parts = Findings::default();
            for part in Context::split(&a, size) {
                rule.check(&part, &mut parts);
            }
            assert!(
                parts.list == whole.list,
                "{name}: {} over parts of {size} policies found {} findings, over everything {}",
                rule.meta().code,
                parts.list.len(),
                whole.list.len()
            );
        }
    }
    total
}

#[test]
fn parts_cover_every_policy_and_secret_once() {
    let mut plan = PlanBuilder::new().provider("aws", Some("111122223333"), "us-east-1");
    for i in 0..7 {
        plan = plan
            .create(
                &format!("aws_secretsmanager_secret.s{i}"),
                serde_json::json!({"name": format!("s{i}")}),
            )
            .create(
                &format!("aws_secretsmanager_secret_policy.p{i}"),
                serde_json::json!({"policy": policy(serde_json::json!([allow(
                    serde_json::json!({"AWS": "arn:aws:iam::444455556666:root"}),
                    &["secretsmanager:GetSecretValue"]
                )]))}),
            );
    }
    let text = plan.build();
    let src = grantcheck::SourceFile::new(0, "plan.json", text.as_str());
    let mut infra = Infrastructure::default();
    grantcheck::terraform::plan::load(&src, &mut infra).unwrap();
    let a = Analysis::new(&infra, &[]);
    for size in [1, 2, 5, 1000] {
        let parts = Context::split(&a, size);
        let policies: usize = parts.iter().map(|p| p.policies().count()).sum();
        let secrets: usize = parts.iter().map(|p| p.secrets().len()).sum();
        assert_eq!(policies, a.policies.len(), "parts of {size}");
        assert_eq!(secrets, a.secrets.len(), "parts of {size}");
        assert!(!parts.is_empty());
    }
    assert_eq!(a.policies.len(), 7);
    assert!(a.secrets.len() >= 7);
}

#[test]
fn rules_find_over_parts_what_they_find_over_everything() {
    let mut dirs = vec![repo_root().join("tests/fixtures")];
    let shared = shared_or_skip("rules_find_over_parts_what_they_find_over_everything (corpus)");
    if let Some(shared) = &shared {
        dirs.push(shared.join("corpus"));
    }
    let mut found = 0;
    let mut checked = 0;
    for path in plan_json_under(&dirs) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path.display().to_string();
        // without an owner account, and with one: rules take other paths
        for accounts in [vec![], vec!["111122223333".to_string()]] {
            found += compare(&name, &text, &accounts, &[1, 3]);
        }
        checked += 1;
    }
    if let Some(shared) = &shared {
        let dir = std::env::temp_dir().join(format!("grantcheck-parts-{}", std::process::id()));
        gen_workload(shared, 7, &dir).expect("gen_workload.py runs");
        let text = std::fs::read_to_string(dir.join("plan.json")).unwrap();
        found += compare("workload", &text, &[], &[1, 7, 64]);
        checked += 1;
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(checked > 0, "no plans to check");
    assert!(
        found > 0,
        "the rules found nothing, so nothing was compared"
    );
}
