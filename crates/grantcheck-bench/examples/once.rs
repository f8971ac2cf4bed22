//! Runs `grantcheck::check` once on a plan, for instruction-count profiles.
#![allow(clippy::unwrap_used, clippy::expect_used)]
fn main() {
    let path = std::env::args().nth(1).expect("a plan path");
    let text = std::fs::read_to_string(path).unwrap();
    let src = grantcheck::SourceFile::new(0, "plan.json", text);
    let r = grantcheck::check(std::slice::from_ref(&src), &grantcheck::Options::default());
    std::hint::black_box(r.findings.len());
}
