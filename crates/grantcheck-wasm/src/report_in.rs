//! Reads a report (DESIGN §4.2) given back by JavaScript, for `toSarif(report)`.
//!
//! The core's report types only serialise; these mirror them field for field, so that a report
//! from `check()` reads back exactly and anything else is refused with a message.

use grantcheck::report::{Location, Position, RelatedLocation, Summary, Tool};
use grantcheck::{Report, ReportFinding, Severity};
use serde::Deserialize;

#[derive(Deserialize)]
struct ReportIn {
    version: u32,
    tool: ToolIn,
    findings: Vec<FindingIn>,
    summary: SummaryIn,
}

#[derive(Deserialize)]
struct ToolIn {
    name: String,
    version: String,
}

#[derive(Deserialize)]
struct FindingIn {
    rule: String,
    name: String,
    severity: String,
    message: String,
    help: String,
    resource: String,
    related: Vec<String>,
    location: Option<LocationIn>,
    #[serde(default)]
    policy_path: Option<String>,
    #[serde(default)]
    related_locations: Vec<RelatedLocationIn>,
    #[serde(default)]
    check: Option<String>,
    #[serde(default)]
    change: Option<grantcheck::changes::Change>,
}

#[derive(Deserialize)]
struct LocationIn {
    file: String,
    start: PositionIn,
    end: PositionIn,
}

#[derive(Deserialize)]
struct PositionIn {
    line: u32,
    column: u32,
    #[serde(default)]
    offset: Option<u32>,
    #[serde(default)]
    utf16: Option<u32>,
}

#[derive(Deserialize)]
struct RelatedLocationIn {
    message: String,
    location: LocationIn,
}

#[derive(Deserialize)]
struct SummaryIn {
    files: usize,
    resources: usize,
    policies: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    #[serde(default)]
    access_changes: Vec<grantcheck::changes::AccessChange>,
}

pub fn parse(json: &str) -> Result<Report, String> {
    let r: ReportIn = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let findings = r
        .findings
        .into_iter()
        .enumerate()
        .map(|(i, f)| finding(f).map_err(|m| format!("findings[{i}]: {m}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Report {
        version: r.version,
        tool: Tool {
            name: r.tool.name,
            version: r.tool.version,
        },
        findings,
        summary: Summary {
            files: r.summary.files,
            resources: r.summary.resources,
            policies: r.summary.policies,
            errors: r.summary.errors,
            warnings: r.summary.warnings,
            notes: r.summary.notes,
            access_changes: r.summary.access_changes,
        },
        // Not part of the JSON report; SARIF prints no source text to mask.
        sensitive: Vec::new(),
    })
}

fn finding(f: FindingIn) -> Result<ReportFinding, String> {
    let severity = Severity::parse(&f.severity).ok_or_else(|| {
        format!(
            "severity {:?} is not one of \"error\", \"warning\", \"note\"",
            f.severity
        )
    })?;
    Ok(ReportFinding {
        rule: f.rule,
        name: f.name,
        severity,
        message: f.message,
        help: f.help,
        resource: f.resource,
        related: f.related,
        location: f.location.map(location),
        policy_path: f.policy_path,
        related_locations: f
            .related_locations
            .into_iter()
            .map(|r| RelatedLocation {
                message: r.message,
                location: location(r.location),
            })
            .collect(),
        check: f.check,
        change: f.change,
    })
}

fn location(l: LocationIn) -> Location {
    Location {
        file: l.file,
        start: position(l.start),
        end: position(l.end),
    }
}

fn position(p: PositionIn) -> Position {
    Position {
        line: p.line,
        column: p.column,
        offset: p.offset,
        utf16: p.utf16,
    }
}

#[cfg(test)]
mod tests {
    use grantcheck::{Options, SourceFile, check};

    use super::parse;

    #[test]
    fn a_report_reads_back_equal() {
        let plan = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_secretsmanager_secret_policy.p","type":"aws_secretsmanager_secret_policy","name":"p","change":{"actions":["create"],"after":{"policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}]}"}}}]}"#;
        let sources = [
            SourceFile::new(0, "plan.json", plan),
            SourceFile::new(1, "bad.json", "{"),
        ];
        let options = Options {
            utf16: true,
            ..Options::default()
        };
        let report = check(&sources, &options);
        assert!(!report.findings.is_empty());
        let json = serde_json::to_string(&report).unwrap_or_default();
        assert_eq!(parse(&json), Ok(report));
    }

    #[test]
    fn a_wrong_severity_is_refused_with_its_place() {
        let json = r#"{"version":1,"tool":{"name":"grantcheck","version":"0"},"findings":[{"rule":"X","name":"x","severity":"fatal","message":"","help":"","resource":"","related":[],"location":null}],"summary":{"files":0,"resources":0,"policies":0,"errors":0,"warnings":0,"notes":0}}"#;
        let err = parse(json).err().unwrap_or_default();
        assert!(err.starts_with("findings[0]: severity \"fatal\""), "{err}");
    }

    #[test]
    fn something_else_is_refused() {
        assert!(parse(r#"{"findings": 3}"#).is_err());
        assert!(parse("[]").is_err());
    }
}
