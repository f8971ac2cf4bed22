//! The whole check on arbitrary bytes, as the CLI and the npm package take them: bytes that
//! cannot be text are refused with a reason, the rest is checked under a name chosen by the
//! first byte.
#![no_main]

use grantcheck::{Options, SourceFile, check, sniff_bytes};
use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 4] = ["plan.json", "main.tf", "-", "input.txt"];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    if let Some(reason) = sniff_bytes(rest) {
        assert!(!reason.is_empty());
        return;
    }
    let Ok(text) = std::str::from_utf8(rest) else {
        panic!("sniff_bytes let through bytes that are not UTF-8");
    };
    let path = PATHS[usize::from(first) % PATHS.len()];
    let report = check(&[SourceFile::new(0, path, text)], &Options::default());
    if text.trim().is_empty() && path != "main.tf" {
        assert!(report.findings.iter().any(|f| f.rule == "GC002"));
    }
});
