//! The plan loader and every rule on any UTF-8 text given as `plan.json`.
#![no_main]

use grantcheck::{Options, SourceFile, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = Options {
        utf16: true,
        ..Options::default()
    };
    let report = check(&[SourceFile::new(0, "plan.json", text)], &options);
    // Never a silent pass: text that is not a readable plan gives a finding.
    if grantcheck::terraform::plan::load(
        &SourceFile::new(0, "plan.json", text),
        &mut grantcheck::model::Infrastructure::default(),
    )
    .is_err()
    {
        assert!(report.findings.iter().any(|f| f.rule == "GC002"));
    }
});
