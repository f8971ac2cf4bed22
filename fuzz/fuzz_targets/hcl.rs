//! The HCL loader on a small configuration: the input is split at NUL bytes into a root
//! module, a local child module, a variables file and a policy file read by `file()`.
#![no_main]

use grantcheck::{Options, SourceFile, check};
use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 4] = [
    "main.tf",
    "modules/child/main.tf",
    "terraform.tfvars",
    "policy.json",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources: Vec<SourceFile> = text
        .split('\0')
        .zip(PATHS)
        .enumerate()
        .map(|(i, (part, path))| SourceFile::new(i as u32, path, part))
        .collect();
    let options = Options {
        vars: vec![("account_id".into(), "111122223333".into())],
        ..Options::default()
    };
    let _ = check(&sources, &options);
});
