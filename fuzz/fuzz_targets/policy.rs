//! A policy document on its own: `check_policy` on any UTF-8 text, as a secret's and as a key's;
//! and the strict JSON reader against serde_json on the same text (same texts accepted, same
//! values read).
#![no_main]

use grantcheck::analysis::PolicyKind;
use grantcheck::base::json::{Placement, parse};
use grantcheck::base::source::Span;
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
            assert!(!f.message.is_empty(), "{f:?}");
        }
    }
    let ours = parse(text, Placement::collapsed(Span::default()));
    match (ours, serde_json::from_str::<serde_json::Value>(text)) {
        (Ok(node), Ok(value)) => assert_eq!(node.to_json(), value),
        (Err(_), Err(_)) => {}
        // serde_json stops at 128 levels (grantcheck at 256) and refuses numbers beyond f64
        (Ok(_), Err(e))
            if e.to_string().contains("recursion limit")
                || e.to_string().contains("number out of range") => {}
        (ours, theirs) => panic!(
            "grantcheck read it: {}, serde_json read it: {}",
            ours.is_ok(),
            theirs.is_ok()
        ),
    }
});
