//! Parses a plan into `serde::de::IgnoredAny` once: the floor any plan reader pays.
#![allow(clippy::unwrap_used, clippy::expect_used)]
fn main() {
    let path = std::env::args().nth(1).expect("a plan path");
    let text = std::fs::read_to_string(path).unwrap();
    let r: Result<serde::de::IgnoredAny, _> = serde_json::from_str(&text);
    std::hint::black_box(r.is_ok());
}
