//! The task result sent back to HCP Terraform: passed or failed (as the command line's exit
//! status would be), a one-line message, and one outcome per finding with a Markdown body.

use std::collections::BTreeMap;

use grantcheck::diagnostic::Change;
use grantcheck::report::ReportFinding;
use grantcheck::{Report, Severity, SourceFile};
use serde_json::{Value, json};

/// The most outcomes sent with one result; past it the message says how many were left out.
pub const MAX_OUTCOMES: usize = 50;
/// The longest outcome description, in characters.
const MAX_DESCRIPTION: usize = 250;

/// Renders the Markdown body of one finding's outcome: the masked excerpt and the help.
pub type BodyFn = fn(&Report, &ReportFinding, &[SourceFile]) -> String;

/// A task result: `passed` or `failed`, its message and outcomes.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskResult {
    pub passed: bool,
    pub message: String,
    pub outcomes: Vec<Value>,
}

impl TaskResult {
    /// A failed result that says why the run could not be checked.
    pub fn failed(message: String) -> TaskResult {
        TaskResult {
            passed: false,
            message,
            outcomes: vec![],
        }
    }

    /// The PATCH body, in the JSON:API form HCP Terraform reads.
    pub fn body(&self, url: Option<&str>) -> String {
        let mut attributes = json!({
            "status": if self.passed { "passed" } else { "failed" },
            "message": self.message,
        });
        if let Some(u) = url {
            attributes["url"] = json!(u);
        }
        let mut data = json!({"type": "task-results", "attributes": attributes});
        if !self.outcomes.is_empty() {
            data["relationships"] = json!({"outcomes": {"data": self.outcomes}});
        }
        json!({ "data": data }).to_string()
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `3 errors, 1 warning` (zero counts left out).
fn counts(report: &Report) -> String {
    let s = &report.summary;
    let parts: Vec<String> = [
        (s.errors, "error"),
        (s.warnings, "warning"),
        (s.notes, "note"),
    ]
    .into_iter()
    .filter(|&(n, _)| n > 0)
    .map(|(n, w)| plural(n, w))
    .collect();
    parts.join(", ")
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "info",
    }
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
        Severity::Note => "Note",
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The task result of a checked plan. `threshold` is `--fail-on` (`None`: nothing fails).
pub fn from_report(
    report: &Report,
    sources: &[SourceFile],
    threshold: Option<Severity>,
    body: BodyFn,
) -> TaskResult {
    let passed = !grantcheck::report::fails(report, threshold);
    let counted: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.change != Some(Change::Fixed))
        .collect();
    let mut message = if counted.is_empty() {
        format!(
            "No findings: {} and {} checked",
            plural(report.summary.resources, "resource"),
            if report.summary.policies == 1 {
                "1 policy".to_string()
            } else {
                format!("{} policies", report.summary.policies)
            }
        )
    } else {
        // the most frequent rule (ties: the most severe, then the first code)
        let mut by_rule: BTreeMap<grantcheck::RuleCode, (usize, Severity)> = BTreeMap::new();
        for f in &counted {
            let e = by_rule.entry(f.rule).or_insert((0, f.severity));
            e.0 += 1;
            e.1 = e.1.max(f.severity);
        }
        let top = by_rule
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(code, (n, _))| (*code, *n));
        let mut m = counts(report);
        if let Some((code, n)) = top {
            let meta = grantcheck::rules::meta(code);
            m.push_str(&format!("; most frequent {code} ({n}): {}", meta.summary));
        }
        m
    };
    if report.has_input_errors() {
        if let Some(f) = counted
            .iter()
            .find(|f| f.rule == grantcheck::RuleCode::GC002)
        {
            message = format!("The plan could not be checked: {}", f.message);
        }
    } else if let Some(line) = grantcheck::report::owner_unknown_line(&report.summary) {
        message.push_str(&format!(". Also: {line}"));
    }
    let ordered = grantcheck::report::reading_order(report);
    if ordered.len() > MAX_OUTCOMES {
        message.push_str(&format!(
            " (the first {MAX_OUTCOMES} of {} findings are listed)",
            ordered.len()
        ));
    }
    let outcomes = ordered
        .iter()
        .take(MAX_OUTCOMES)
        .enumerate()
        .map(|(i, f)| outcome(i, f, report, sources, threshold, body))
        .collect();
    TaskResult {
        passed,
        message,
        outcomes,
    }
}

fn outcome(
    index: usize,
    f: &ReportFinding,
    report: &Report,
    sources: &[SourceFile],
    threshold: Option<Severity>,
    body: BodyFn,
) -> Value {
    let fails = f.change != Some(Change::Fixed)
        && (f.rule == grantcheck::RuleCode::GC002 || threshold.is_some_and(|t| f.severity >= t));
    let (status, status_level) = match (f.change, fails) {
        (Some(Change::Fixed), _) => ("Fixed by this plan", "info"),
        (_, true) => ("Failed", "error"),
        (_, false) => ("Advisory", level(f.severity.min(Severity::Warning))),
    };
    let description = if f.resource.is_empty() {
        format!("{} {}", f.rule, f.name)
    } else {
        format!("{} {}: {}", f.rule, f.name, f.resource)
    };
    json!({
        "type": "task-result-outcomes",
        "attributes": {
            "outcome-id": format!("{}-{}", f.rule, index + 1),
            "description": cut(&description, MAX_DESCRIPTION),
            "body": body(report, f, sources),
            "tags": {
                "Status": [{"label": status, "level": status_level}],
                "Severity": [{"label": severity_label(f.severity), "level": level(f.severity)}],
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::{MAX_OUTCOMES, TaskResult, from_report};
    use grantcheck::{Options, Report, ReportFinding, Severity, SourceFile};
    use serde_json::Value;

    fn body(_: &Report, f: &ReportFinding, _: &[SourceFile]) -> String {
        f.help.clone()
    }

    fn checked() -> (Report, Vec<SourceFile>) {
        let text = include_str!("../../../examples/cross-account/plan.json");
        let sources = vec![SourceFile::new(0, "plan.json", text)];
        (grantcheck::check(&sources, &Options::default()), sources)
    }

    #[test]
    fn the_status_follows_the_threshold_and_the_message_counts() {
        let (report, sources) = checked();
        let failed = from_report(&report, &sources, Some(Severity::Error), body);
        assert!(!failed.passed);
        assert!(
            failed
                .message
                .starts_with("4 errors, 1 warning; most frequent XA002 (2): "),
            "{}",
            failed.message
        );
        assert_eq!(failed.outcomes.len(), report.findings.len());
        // the most severe first
        assert_eq!(
            failed.outcomes[0]["attributes"]["tags"]["Severity"][0]["level"],
            "error"
        );
        assert!(from_report(&report, &sources, None, body).passed);
        let v: Value = serde_json::from_str(&failed.body(None)).unwrap();
        assert_eq!(v["data"]["attributes"]["status"], "failed");
        assert_eq!(
            v["data"]["relationships"]["outcomes"]["data"]
                .as_array()
                .unwrap()
                .len(),
            5
        );
    }

    #[test]
    fn outcomes_are_capped_and_the_message_says_so() {
        let (mut report, sources) = checked();
        let first = report.findings[0].clone();
        report.findings = vec![first; MAX_OUTCOMES + 7];
        let r = from_report(&report, &sources, Some(Severity::Error), body);
        assert_eq!(r.outcomes.len(), MAX_OUTCOMES);
        assert!(
            r.message.ends_with(&format!(
                "(the first {MAX_OUTCOMES} of {} findings are listed)",
                MAX_OUTCOMES + 7
            )),
            "{}",
            r.message
        );
    }

    #[test]
    fn an_unreadable_plan_fails_with_its_reason_and_no_outcome_body_is_needed() {
        let sources = vec![SourceFile::new(0, "plan.json", "{\"not\": \"a plan\"")];
        let report = grantcheck::check(&sources, &Options::default());
        let r = from_report(&report, &sources, None, body);
        assert!(!r.passed, "{}", r.message);
        assert!(
            r.message.starts_with("The plan could not be checked: "),
            "{}",
            r.message
        );
        let failed = TaskResult::failed("the plan JSON could not be fetched: HTTP 404".into());
        let v: Value = serde_json::from_str(&failed.body(Some("https://example.test/r"))).unwrap();
        assert_eq!(v["data"]["attributes"]["status"], "failed");
        assert_eq!(v["data"]["attributes"]["url"], "https://example.test/r");
        assert!(v["data"].get("relationships").is_none());
    }
}
