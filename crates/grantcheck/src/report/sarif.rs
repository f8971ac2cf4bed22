//! SARIF 2.1.0 output (`--format sarif`, the JS `toSarif`), accepted by GitHub code scanning.
//!
//! Pure data in, data out: the report's paths are used as given (the CLI makes absolute paths
//! relative before it builds the report). Relative paths are resolved against `%SRCROOT%`.
//! Columns are 1-based Unicode code points (`columnKind: unicodeCodePoints`), as in the report.

use crate::base::hash::HashMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Location, Report, ReportFinding, Severity};
use crate::diagnostic::Change;
use crate::diagnostic::{RuleCode, RuleMeta};
use crate::rules;

/// The schema URI written in `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool and its rules are documented.
pub const INFORMATION_URI: &str = "https://github.com/grantcheck/grantcheck";

/// The `partialFingerprints` key of grantcheck's own fingerprint.
pub const FINGERPRINT_KEY: &str = "grantcheck/v1";

/// The base id that relative artifact URIs are resolved against.
pub const SRCROOT: &str = "%SRCROOT%";

/// Characters kept as they are in a URI path: RFC 3986 unreserved characters and `/`.
const PATH_KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// In absolute `file:` URIs a drive letter's `:` is kept too.
const ABS_PATH_KEEP: &AsciiSet = &PATH_KEEP.remove(b':');

/// The SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The report as a SARIF 2.1.0 log with one run.
pub fn to_sarif(report: &Report) -> Value {
    serde_json::to_value(Log(report)).unwrap_or_default()
}

/// The report as a SARIF 2.1.0 log with one run, to serialise: its results are made one at a
/// time as they are written, so that the log of a large plan is never held whole as a tree
/// (which takes several times the memory of its text). The text is the same as that of
/// [`to_sarif`]'s value: members are written in the order serde_json's maps keep them.
pub struct Log<'a>(pub &'a Report);

impl Serialize for Log<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("$schema", SCHEMA_URI)?;
        m.serialize_entry("runs", &[Run(self.0)])?;
        m.serialize_entry("version", "2.1.0")?;
        m.end()
    }
}

struct Run<'a>(&'a Report);

impl Serialize for Run<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        let metas: Vec<&'static RuleMeta> = rules::all().collect();
        let index: HashMap<RuleCode, usize> =
            metas.iter().enumerate().map(|(i, m)| (m.code, i)).collect();
        // A result needs a place in a file: GitHub code scanning refuses the whole log for one
        // result without it. What has none (an input that could not be read) is said as a
        // notification of the run, which then did not succeed.
        let mut notifications: Vec<Value> = report
            .findings
            .iter()
            .filter(|f| f.location.is_none())
            .map(|f| notification(f, index.get(&f.rule).copied()))
            .collect();
        // checks that did not run for want of the owner account: said for the whole run
        if let Some(line) = super::owner_unknown_line(&report.summary) {
            notifications.push(json!({
                "level": "warning",
                "message": { "text": line },
                "properties": { "ownerUnknownSecrets": report.summary.owner_unknown_secrets },
            }));
        }
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("columnKind", "unicodeCodePoints")?;
        m.serialize_entry(
            "invocations",
            &json!([{
                "executionSuccessful": !report.has_input_errors(),
                "toolExecutionNotifications": notifications,
            }]),
        )?;
        m.serialize_entry(
            "originalUriBaseIds",
            &json!({
                SRCROOT: {
                    "description": { "text": "The directory grantcheck was run in." }
                }
            }),
        )?;
        m.serialize_entry(
            "results",
            &Results {
                report,
                index: &index,
            },
        )?;
        m.serialize_entry(
            "tool",
            &json!({
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": INFORMATION_URI,
                    "rules": metas.iter().map(|m| rule_descriptor(m)).collect::<Vec<_>>(),
                }
            }),
        )?;
        m.end()
    }
}

/// The results of the findings that have a place in a file, each made as it is written.
struct Results<'a> {
    report: &'a Report,
    index: &'a HashMap<RuleCode, usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let findings = &self.report.findings;
        let located = findings.iter().filter(|f| f.location.is_some()).count();
        let mut seq = s.serialize_seq(Some(located))?;
        for (f, fp) in findings.iter().zip(fingerprints(findings)) {
            if let Some(loc) = &f.location {
                let rule_index = self.index.get(&f.rule).copied();
                seq.serialize_element(&result(f, loc, rule_index, fp))?;
            }
        }
        seq.end()
    }
}

/// A finding with no place in a file, as a `notification` of the run.
fn notification(f: &ReportFinding, rule_index: Option<usize>) -> Value {
    let mut rule = json!({ "id": f.rule });
    if let (Some(i), Some(obj)) = (rule_index, rule.as_object_mut()) {
        obj.insert("index".into(), json!(i));
    }
    json!({
        "level": level(f.severity),
        "message": { "text": message_text(f) },
        "associatedRule": rule,
    })
}

/// A finding's message, with its help on a line of its own.
fn message_text(f: &ReportFinding) -> String {
    let mut text = f.message.clone();
    if !f.help.is_empty() {
        text.push_str("\nhelp: ");
        text.push_str(&f.help);
    }
    text
}

/// A `reportingDescriptor` for a rule, from the registry.
pub fn rule_descriptor(m: &RuleMeta) -> Value {
    let docs = m.docs();
    let full = first_paragraph(&docs).unwrap_or_else(|| m.summary.to_string());
    json!({
        "id": m.code,
        "name": m.name,
        "shortDescription": { "text": m.summary },
        "fullDescription": { "text": full },
        "help": {
            "text": format!("{} {}: {}\n\n{}", m.code, m.name, m.summary, docs),
            "markdown": format!("**{} {}**: {}\n\n{}", m.code, m.name, m.summary, docs),
        },
        "helpUri": format!("{INFORMATION_URI}#rules"),
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": { "tags": ["terraform", "aws", "secretsmanager", "iam"] },
    })
}

/// The first paragraph of the docs that is prose (not a heading or code), on one line.
fn first_paragraph(docs: &str) -> Option<String> {
    docs.split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#') && !p.starts_with("```"))
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn result(
    f: &ReportFinding,
    loc: &Location,
    rule_index: Option<usize>,
    fingerprint: String,
) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": { "text": message_text(f) },
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
    });
    let Some(obj) = r.as_object_mut() else {
        return r;
    };
    if let Some(i) = rule_index {
        obj.insert("ruleIndex".into(), json!(i));
    }
    let mut l = json!({ "physicalLocation": physical_location(loc) });
    if !f.resource.is_empty()
        && let Some(m) = l.as_object_mut()
    {
        m.insert(
            "logicalLocations".into(),
            json!([logical_location(&f.resource)]),
        );
    }
    obj.insert("locations".into(), json!([l]));
    if !f.related_locations.is_empty() {
        let related: Vec<Value> = f
            .related_locations
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({
                    "id": i + 1,
                    "physicalLocation": physical_location(&r.location),
                    "message": { "text": r.message },
                })
            })
            .collect();
        obj.insert("relatedLocations".into(), json!(related));
    }
    let mut props = serde_json::Map::new();
    props.insert("name".into(), json!(f.name));
    if !f.resource.is_empty() {
        props.insert("resource".into(), json!(f.resource));
    }
    if !f.related.is_empty() {
        props.insert("related".into(), json!(f.related));
    }
    if let Some(p) = &f.policy_path {
        props.insert("policyPath".into(), json!(p));
    }
    if let Some(c) = &f.check {
        props.insert("check".into(), json!(c));
    }
    if let Some(c) = f.change {
        props.insert("change".into(), json!(c.as_str()));
        obj.insert("baselineState".into(), json!(baseline_state(c)));
    }
    obj.insert("properties".into(), Value::Object(props));
    r
}

/// SARIF's own word for how a result relates to the state before the plan.
fn baseline_state(c: Change) -> &'static str {
    match c {
        Change::Introduced => "new",
        Change::Existing => "unchanged",
        Change::Fixed => "absent",
    }
}

fn logical_location(address: &str) -> Value {
    let name = address.rsplit('.').next().unwrap_or(address);
    json!({ "name": name, "fullyQualifiedName": address, "kind": "resource" })
}

/// A `physicalLocation`: the artifact and the region (1-based lines and columns).
pub fn physical_location(loc: &Location) -> Value {
    let mut region = json!({
        "startLine": loc.start.line.max(1),
        "startColumn": loc.start.column.max(1),
        "endLine": loc.end.line.max(loc.start.line).max(1),
        "endColumn": loc.end.column.max(1),
    });
    if loc.end.line <= loc.start.line
        && loc.end.column < loc.start.column
        && let Some(r) = region.as_object_mut()
    {
        r.insert("endColumn".into(), json!(loc.start.column.max(1)));
    }
    json!({ "artifactLocation": artifact_location(&loc.file), "region": region })
}

/// An `artifactLocation` for a path as the user gave it: relative paths become URI references
/// against `%SRCROOT%`, absolute paths become `file:` URIs.
pub fn artifact_location(path: &str) -> Value {
    let p = path.replace('\\', "/");
    let p = p.strip_prefix("./").unwrap_or(&p);
    let drive = p.len() >= 2 && p.as_bytes()[1] == b':' && p.as_bytes()[0].is_ascii_alphabetic();
    if p.starts_with('/') || drive {
        let path = if drive {
            format!("/{p}")
        } else {
            p.to_string()
        };
        let uri = format!("file://{}", utf8_percent_encode(&path, ABS_PATH_KEEP));
        return json!({ "uri": uri });
    }
    json!({ "uri": utf8_percent_encode(p, PATH_KEEP).to_string(), "uriBaseId": SRCROOT })
}

/// Fingerprints of the findings, in order. They depend on the rule, the resource, the policy
/// path, the file and the message (with line and column numbers removed), never on where the
/// finding sits, so they stay the same when unrelated lines move. Identical findings are told
/// apart by their order.
pub fn fingerprints(findings: &[ReportFinding]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::default();
    findings
        .iter()
        .map(|f| {
            let base = fingerprint(f);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 { base } else { format!("{base}:{n}") }
        })
        .collect()
}

/// A stable fingerprint of one finding (hex SHA-256 of its identity).
pub fn fingerprint(f: &ReportFinding) -> String {
    let mut h = Sha256::new();
    for part in [
        f.rule.as_str(),
        f.resource.as_str(),
        f.policy_path.as_deref().unwrap_or(""),
        f.location.as_ref().map(|l| l.file.as_str()).unwrap_or(""),
        &normalize_message(&f.message),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

/// Collapses whitespace and drops the numbers of "line N" / "column N" from a message.
pub fn normalize_message(message: &str) -> String {
    let words: Vec<&str> = message.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        out.push(w);
        let positional = matches!(
            w.trim_end_matches([',', ':']).to_ascii_lowercase().as_str(),
            "line" | "column" | "col"
        );
        if positional
            && let Some(next) = words.get(i + 1)
            && next
                .trim_end_matches([',', ':', ';', ')', '.'])
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            out.push("N");
            i += 2;
            continue;
        }
        i += 1;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Position;

    fn pos(line: u32, column: u32) -> Position {
        Position {
            line,
            column,
            offset: None,
            utf16: None,
        }
    }

    fn finding(line: u32, message: &str) -> ReportFinding {
        ReportFinding {
            rule: RuleCode::XA002,
            name: "shared-secret-aws-managed-key".into(),
            severity: Severity::Error,
            message: message.into(),
            help: String::new(),
            resource: "aws_secretsmanager_secret.s".into(),
            related: vec![],
            location: Some(Location {
                file: "plan.json".into(),
                start: pos(line, 3),
                end: pos(line, 9),
            }),
            policy_path: None,
            related_locations: vec![],
            check: None,
            change: None,
            accounts: vec![],
        }
    }

    fn report_of(findings: Vec<ReportFinding>) -> Report {
        Report {
            version: 1,
            tool: crate::report::Tool {
                name: "grantcheck".into(),
                version: "0".into(),
            },
            findings,
            summary: Default::default(),
            access: vec![],
            sensitive: vec![],
        }
    }

    #[test]
    fn fingerprint_ignores_position_but_not_identity() {
        let a = finding(10, "shared  with 111122223333");
        let b = finding(50, "shared with 111122223333");
        assert_eq!(fingerprint(&a), fingerprint(&b));
        let c = finding(10, "shared with 444455556666");
        assert_ne!(fingerprint(&a), fingerprint(&c));
        let d = finding(10, "not valid JSON at line 3 column 7");
        let e = finding(10, "not valid JSON at line 9 column 1");
        assert_eq!(fingerprint(&d), fingerprint(&e));
    }

    #[test]
    fn identical_findings_get_distinct_fingerprints() {
        let f = finding(1, "m");
        let fps = fingerprints(&[f.clone(), f]);
        assert_ne!(fps[0], fps[1]);
        assert!(fps[1].starts_with(&fps[0]));
    }

    #[test]
    fn plan_changes_are_baseline_states() {
        let report = |change| {
            let mut f = finding(1, "m");
            f.change = change;
            let loc = f.location.clone().unwrap();
            result(&f, &loc, Some(1), "fp".into())
        };
        for (change, state, word) in [
            (Change::Introduced, "new", "introduced"),
            (Change::Existing, "unchanged", "existing"),
            (Change::Fixed, "absent", "fixed"),
        ] {
            let r = report(Some(change));
            assert_eq!(r["baselineState"], state);
            assert_eq!(r["properties"]["change"], word);
        }
        let r = report(None);
        assert!(r.get("baselineState").is_none());
        assert!(r["properties"].get("change").is_none());
    }

    #[test]
    fn an_input_that_could_not_be_read_is_a_notification_of_a_run_that_failed() {
        let mut report = report_of(vec![finding(3, "shared")]);
        let ok = to_sarif(&report);
        assert_eq!(ok["runs"][0]["invocations"][0]["executionSuccessful"], true);
        report.add_unreadable("tfplan: this is a binary plan file".into());
        let log = to_sarif(&report);
        let run = &log["runs"][0];
        // every result has a place in a file, which GitHub code scanning requires of each
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 1);
        assert!(results.iter().all(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string()
        }));
        let invocation = &run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0]["level"], "error");
        assert_eq!(notes[0]["associatedRule"]["id"], "GC002");
        assert_eq!(
            notes[0]["message"]["text"],
            "tfplan: this is a binary plan file"
        );
    }

    #[test]
    fn the_log_written_result_by_result_is_the_text_of_the_whole_value() {
        let mut report = report_of(vec![finding(3, "shared"), finding(9, "again")]);
        report.add_unreadable("tfplan: this is a binary plan file".into());
        let streamed = serde_json::to_string_pretty(&Log(&report)).unwrap();
        let whole = serde_json::to_string_pretty(&to_sarif(&report)).unwrap();
        assert_eq!(streamed, whole);
        assert!(streamed.find("\"results\"") < streamed.find("\"tool\""));
    }

    #[test]
    fn artifact_uris() {
        assert_eq!(
            artifact_location("./dir/my plan.json"),
            json!({"uri": "dir/my%20plan.json", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location("/tmp/a,b.json"),
            json!({"uri": "file:///tmp/a%2Cb.json"})
        );
        assert_eq!(
            artifact_location("C:\\x\\p.json"),
            json!({"uri": "file:///C:/x/p.json"})
        );
    }

    #[test]
    fn empty_region_never_ends_before_it_starts() {
        let loc = Location {
            file: "p.json".into(),
            start: pos(1, 5),
            end: pos(1, 2),
        };
        let v = physical_location(&loc);
        assert_eq!(v["region"]["endColumn"], json!(5));
    }
}
