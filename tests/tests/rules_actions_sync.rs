//! The action tables in the core are generated from ../shared/reference/actions.json by
//! scripts/gen-actions.py; this test regenerates them and compares.

use grantcheck_tests::{repo_root, shared_or_skip};

#[test]
fn actions_data_is_in_sync_with_the_reference() {
    let Some(shared) = shared_or_skip("actions_data_is_in_sync_with_the_reference") else {
        return;
    };
    let root = repo_root();
    let out = std::process::Command::new("python3")
        .arg(root.join("scripts/gen-actions.py"))
        .arg(shared.join("reference/actions.json"))
        .arg("--stdout")
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => panic!(
            "gen-actions.py failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => {
            eprintln!(
                "SKIPPED actions_data_is_in_sync_with_the_reference: python3 is not available: {e}"
            );
            return;
        }
    };
    let generated = String::from_utf8(out.stdout).unwrap_or_default();
    let committed =
        std::fs::read_to_string(root.join("crates/grantcheck/src/policy/actions_data.rs"))
            .unwrap_or_default();
    assert!(
        generated == committed,
        "crates/grantcheck/src/policy/actions_data.rs is out of date: run `python3 scripts/gen-actions.py` and commit it"
    );
}
