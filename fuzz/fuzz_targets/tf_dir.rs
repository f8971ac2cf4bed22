//! The whole check on a directory of configuration files, as the CLI reads one: the input is
//! split at NUL bytes into up to seven files, named in turn `main.tf`, `variables.tf`,
//! `terraform.tfvars`, `modules/m/main.tf`, `override.tf`, `x.tf.json` and `policy.json.tpl`;
//! a part whose first line is `@PATH` is named PATH instead (that line is not part of the file),
//! so that seeds keep their directories' own layout. Checked with and without an owner account
//! (by the parity of the input's length), the JSON report must read back as the same report,
//! the SARIF log hold a result for each finding with a place, and every location lie within
//! the file it names.
#![no_main]

use grantcheck::report::Location;
use grantcheck::{Options, Report, SourceFile, check};
use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 7] = [
    "main.tf",
    "variables.tf",
    "terraform.tfvars",
    "modules/m/main.tf",
    "override.tf",
    "x.tf.json",
    "policy.json.tpl",
];

/// The files of the directory the input describes.
fn files(text: &str) -> Vec<SourceFile> {
    let mut out: Vec<SourceFile> = vec![];
    for (i, part) in text.split('\0').take(PATHS.len()).enumerate() {
        let (path, body) = match part.strip_prefix('@').and_then(|p| p.split_once('\n')) {
            Some((path, body)) if !path.is_empty() => (path.to_string(), body),
            _ => (PATHS[i].to_string(), part),
        };
        // two files of one name are not a directory: the later one moves aside
        let path = if out.iter().any(|f| f.path == path) {
            format!("dup{i}/{path}")
        } else {
            path
        };
        out.push(SourceFile::new(i as u32, path, body));
    }
    out
}

/// Panics unless `loc` names one of `sources` and its positions are in that file's text.
fn assert_within(sources: &[SourceFile], loc: &Location) {
    let src = sources
        .iter()
        .find(|s| s.path == loc.file)
        .unwrap_or_else(|| panic!("a location in {:?}, which is not an input", loc.file));
    let len = src.text.len();
    let mut offsets = vec![];
    for pos in [&loc.start, &loc.end] {
        let offset = pos
            .offset
            .unwrap_or_else(|| panic!("a position without its offset: {loc:?}"));
        let at = offset as usize;
        assert!(
            at <= len,
            "offset {at} past the end ({len}) of {}",
            loc.file
        );
        assert!(
            src.text.is_char_boundary(at),
            "offset {at} inside a character of {}",
            loc.file
        );
        let lc = src.line_col(offset);
        assert_eq!(
            (pos.line, pos.column),
            (lc.line, lc.column),
            "line and column of offset {at} in {}",
            loc.file
        );
        assert_eq!(
            pos.utf16,
            Some(src.line_index().utf16_offset(&src.text, offset)),
            "UTF-16 offset of {at} in {}",
            loc.file
        );
        offsets.push(offset);
    }
    assert!(
        offsets[0] <= offsets[1],
        "a location that ends before it starts: {loc:?}"
    );
}

fn assert_report(sources: &[SourceFile], report: &Report) {
    for f in &report.findings {
        assert!(!f.message.is_empty(), "{f:?}");
        if let Some(loc) = &f.location {
            assert_within(sources, loc);
        }
        for r in &f.related_locations {
            assert_within(sources, &r.location);
        }
    }
    let json = report.to_json();
    let read: Report = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("the JSON report does not read back ({e}): {json}"));
    assert_eq!(read.findings, report.findings);
    assert_eq!(read.summary, report.summary);
    // SARIF: one result for each finding with a place in a file (a log that cannot be made
    // comes out as null)
    let sarif = grantcheck::report::sarif::to_sarif(report);
    let results = sarif["runs"][0]["results"].as_array().map(Vec::len);
    let located = report
        .findings
        .iter()
        .filter(|f| f.location.is_some())
        .count();
    assert_eq!(results, Some(located), "SARIF results: {sarif}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources = files(text);
    let options = Options {
        accounts: if data.len() % 2 == 0 {
            vec!["111122223333".into()]
        } else {
            vec![]
        },
        utf16: true,
        ..Options::default()
    };
    let report = check(&sources, &options);
    assert_report(&sources, &report);
});
