//! JUnit XML (`--format junit`) for CI systems that show test reports.
//!
//! One `<testsuite>` per input file. In it, one `<testcase>` per resource that has findings
//! (named by its Terraform address), and one named `(file)` for findings about the file as a
//! whole (input errors) or for a file without findings, so every checked file shows up as a
//! passing case. Findings at or above `--fail-on` make the case fail (one `<failure>` listing
//! them); lower findings are listed in its `<system-out>`. Findings without a location go to a
//! suite named `grantcheck`, and so does a case `cross-account checks`, skipped, when they were
//! not decided for want of the owner account.

use std::collections::BTreeMap;
use std::fmt::Write;

use grantcheck::{Report, ReportFinding, Severity};
use quick_xml::escape::escape;

/// The case for findings about a whole file.
pub const FILE_CASE: &str = "(file)";
/// The suite for findings without a location.
pub const NO_FILE_SUITE: &str = "grantcheck";
/// The case, skipped, of cross-account checks not decided for want of the owner account.
pub const OWNER_CASE: &str = "cross-account checks";

/// Text as XML character data or attribute value: escaped, with the characters XML 1.0
/// cannot hold dropped.
fn xml(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| {
            matches!(c, '\t' | '\n' | '\r') || (*c >= ' ' && *c != '\u{FFFE}' && *c != '\u{FFFF}')
        })
        .collect();
    escape(clean.as_str()).into_owned()
}

fn describe(f: &ReportFinding) -> String {
    let mut s = format!(
        "{}[{}] {}: {}",
        f.severity.as_str(),
        f.rule,
        f.name,
        f.message
    );
    if let Some(loc) = &f.location {
        s = format!("{}:{}:{}: {s}", loc.file, loc.start.line, loc.start.column);
    }
    if !f.help.is_empty() {
        s.push_str("\n  help: ");
        s.push_str(&f.help);
    }
    s
}

/// The report as JUnit XML. `files` are the checked inputs in order; `threshold` is the
/// `--fail-on` level (`None`: nothing fails).
pub fn junit(report: &Report, files: &[String], threshold: Option<Severity>) -> String {
    // suite → case → findings, suites in input order
    let mut suites: Vec<(String, BTreeMap<String, Vec<&ReportFinding>>)> =
        files.iter().map(|f| (f.clone(), BTreeMap::new())).collect();
    for f in &report.findings {
        let file = f
            .location
            .as_ref()
            .map(|l| l.file.as_str())
            .unwrap_or(NO_FILE_SUITE);
        let i = match suites.iter().position(|(n, _)| n == file) {
            Some(i) => i,
            None => {
                suites.push((file.to_string(), BTreeMap::new()));
                suites.len() - 1
            }
        };
        let case = if f.resource.is_empty() {
            FILE_CASE.to_string()
        } else {
            f.resource.clone()
        };
        suites[i].1.entry(case).or_default().push(f);
    }
    let fails = |f: &&ReportFinding| threshold.is_some_and(|t| f.severity >= t);

    let mut body = String::new();
    let (mut total_tests, mut total_failures) = (0usize, 0usize);
    for (name, mut cases) in suites {
        if cases.is_empty() {
            cases.insert(FILE_CASE.to_string(), vec![]);
        }
        let failures = cases.values().filter(|v| v.iter().any(fails)).count();
        total_tests += cases.len();
        total_failures += failures;
        let _ = writeln!(
            body,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="0">"#,
            xml(&name),
            cases.len(),
            failures
        );
        for (case, findings) in &cases {
            let _ = write!(
                body,
                r#"    <testcase classname="{}" name="{}""#,
                xml(&name),
                xml(case)
            );
            if findings.is_empty() {
                body.push_str("/>\n");
                continue;
            }
            body.push_str(">\n");
            let (failing, other): (Vec<&ReportFinding>, Vec<&ReportFinding>) =
                findings.iter().partition(|f| fails(f));
            if let Some(first) = failing.first() {
                let message = if failing.len() == 1 {
                    format!("{} {}: {}", first.rule, first.name, first.message)
                } else {
                    format!("{} findings: {}", failing.len(), {
                        let codes: Vec<&str> = failing.iter().map(|f| f.rule.as_str()).collect();
                        codes.join(", ")
                    })
                };
                let text: Vec<String> = failing.iter().map(|f| describe(f)).collect();
                let _ = writeln!(
                    body,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    xml(&message),
                    xml(first.rule.as_str()),
                    xml(&text.join("\n"))
                );
            }
            if !other.is_empty() {
                let text: Vec<String> = other.iter().map(|f| describe(f)).collect();
                let _ = writeln!(
                    body,
                    "      <system-out>{}</system-out>",
                    xml(&text.join("\n"))
                );
            }
            body.push_str("    </testcase>\n");
        }
        body.push_str("  </testsuite>\n");
    }
    // checks that did not run are skipped cases, never quiet passes
    let mut total_skipped = 0;
    if let Some(line) = grantcheck::report::owner_unknown_line(&report.summary) {
        total_tests += 1;
        total_skipped += 1;
        let _ = write!(
            body,
            "  <testsuite name=\"{NO_FILE_SUITE}\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\">\n    <testcase classname=\"{NO_FILE_SUITE}\" name=\"{OWNER_CASE}\">\n      <skipped message=\"{}\"/>\n    </testcase>\n  </testsuite>\n",
            xml(&line)
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"grantcheck\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"0\" skipped=\"{total_skipped}\">\n{body}</testsuites>\n"
    )
}
