//! Generated workloads (../shared/bench/gen_workload.py): per rule, the number of distinct
//! secrets with findings equals the generator's expected counts — no more, no fewer — for
//! several seeds, with the owner taken from the provider's allowed_account_ids.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use grantcheck_tests::*;

#[test]
fn plan_counts_match_expected_for_several_seeds() {
    let Some(shared) = shared_or_skip("plan_counts_match_expected_for_several_seeds") else {
        return;
    };
    let runs: Vec<_> = [1, 7, 42, 2026]
        .into_iter()
        .map(|seed| {
            let dir = std::env::temp_dir()
                .join(format!("grantcheck-workload-{seed}-{}", std::process::id()));
            (seed, dir)
        })
        .collect();
    // the workloads are generated side by side, then checked one after the other
    let generated = gen_workloads(&shared, &runs);
    for ((seed, dir), expected) in runs.into_iter().zip(generated) {
        let expected = expected.expect("gen_workload.py runs");
        let plan = std::fs::read_to_string(dir.join("plan.json")).unwrap();
        let report = check_texts(&[("plan.json", &plan)], &[]);
        let got = secrets_per_rule(&report);
        let want = |k: &str| expected[k].as_u64().unwrap() as usize;
        let get = |k: &str| got.get(k).map_or(0, |s| s.len());
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
