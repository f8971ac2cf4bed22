//! Generated workloads (../shared/bench/gen_workload.py): per rule, the number of distinct
//! secrets with findings equals the generator's expected counts — no more, no fewer — for
//! several seeds, with the owner taken from the provider's allowed_account_ids.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use grantcheck_tests::*;

/// Secret index `i` from addresses like `module.shard_3.aws_secretsmanager_secret.s42`.
fn secret_index(address: &str) -> Option<u32> {
    let last = address.rsplit('.').next()?;
    last.strip_prefix('s')
        .or_else(|| last.strip_prefix('k'))?
        .parse()
        .ok()
}

pub fn counts(report: &grantcheck::Report) -> BTreeMap<String, usize> {
    let mut by_rule: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for f in &report.findings {
        if let Some(i) = secret_index(&f.resource) {
            by_rule.entry(f.rule.clone()).or_default().insert(i);
        }
    }
    by_rule.into_iter().map(|(k, v)| (k, v.len())).collect()
}

fn generate(shared: &Path, seed: u32, out: &Path) -> serde_json::Value {
    let status = Command::new("python3")
        .arg(shared.join("bench/gen_workload.py"))
        .args([
            "--secrets",
            "300",
            "--filler",
            "1000",
            "--seed",
            &seed.to_string(),
            "--out",
        ])
        .arg(out)
        .output()
        .expect("python3 runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out.join("expected.json")).unwrap()).unwrap()
}

#[test]
fn plan_counts_match_expected_for_several_seeds() {
    let Some(shared) = shared_or_skip("plan_counts_match_expected_for_several_seeds") else {
        return;
    };
    for seed in [1, 7, 42, 2026] {
        let dir =
            std::env::temp_dir().join(format!("grantcheck-workload-{seed}-{}", std::process::id()));
        let expected = generate(&shared, seed, &dir);
        let plan = std::fs::read_to_string(dir.join("plan.json")).unwrap();
        let report = check_texts(&[("plan.json", &plan)], &[]);
        let got = counts(&report);
        let want = |k: &str| expected[k].as_u64().unwrap() as usize;
        let get = |k: &str| got.get(k).copied().unwrap_or(0);
        assert_eq!(get("XA001"), want("exact_principal"), "seed {seed}: XA001");
        assert_eq!(get("XA002"), want("without_cmk"), "seed {seed}: XA002");
        assert_eq!(get("XA003"), want("key_not_shared"), "seed {seed}: XA003");
        assert_eq!(
            get("PA001"),
            want("public_unconditioned"),
            "seed {seed}: PA001"
        );
        // the owner is known from allowed_account_ids: nothing is left undecided
        assert_eq!(
            get("GC001"),
            0,
            "seed {seed}: {:#?}",
            report.findings.iter().find(|f| f.rule == "GC001")
        );
        assert!(!report.has_input_errors());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
