//! A policy document on its own: `check_policy` on any UTF-8 text, as a secret's and as a key's.
#![no_main]

use grantcheck::analysis::PolicyKind;
use grantcheck::{Options, check_policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = Options::default();
    for kind in [PolicyKind::Secret, PolicyKind::Key] {
        let report = check_policy(text, kind, &options);
        for f in &report.findings {
            assert!(!f.rule.is_empty());
        }
    }
});
