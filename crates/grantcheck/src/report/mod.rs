//! Findings and the report every front end renders.

pub mod locate;
pub mod sarif;

use serde::{Deserialize, Serialize};

use crate::access::SecretAccess;
use crate::base::source::{SourceFile, Span};
use crate::changes::AccessChange;
use crate::diagnostic::{Change, Finding, RuleCode, Severity};

/// A 1-based position, with its byte offset and UTF-16 offset from the start of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utf16: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub start: Position,
    pub end: Position,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RelatedLocation {
    pub message: String,
    pub location: Location,
}

/// A finding as reported (JSON report contract).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportFinding {
    pub rule: RuleCode,
    pub name: String,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub resource: String,
    pub related: Vec<String>,
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_path: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_locations: Vec<RelatedLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<RuleCode>,
    /// For plan input: `introduced`, `existing` or `fixed` by this plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    /// The foreign accounts the finding concerns (`*` for everyone): XA001, XA002, XA003,
    /// XA008 and PA001 say them here, and XA010 and XA011 the reader's account, so that no one
    /// needs to read them from the message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
}

/// Whether a run fails: an input error, or a finding at or above `threshold` (`--fail-on`;
/// `None`: nothing fails). The exit status and the text summary's first word follow it.
pub fn fails(report: &Report, threshold: Option<Severity>) -> bool {
    report.has_input_errors()
        || matches!((threshold, report.max_severity()), (Some(t), Some(max)) if max >= t)
}

/// What the summary says when cross-account checks were not decided for want of an owner
/// account, with how to give it.
pub fn owner_unknown_line(s: &Summary) -> Option<String> {
    let n = s.owner_unknown_secrets;
    (n > 0).then(|| {
        format!(
            "cross-account checks of {n} secret{} not decided: the owner account is not known; give it with --account ID (or accounts in grantcheck.toml, or allowed_account_ids in the AWS provider)",
            if n == 1 { " were" } else { "s were" }
        )
    })
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Summary {
    pub files: usize,
    pub resources: usize,
    pub policies: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// The root modules checked, each a configuration of its own (their directories).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roots: Vec<String>,
    /// The plans checked, each on its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<String>,
    /// Files a directory walk found and left alone: neither configuration nor plan (CI files,
    /// scripts, images), and not read by the configuration either.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped: usize,
    /// Secrets whose cross-account checks (XA001–XA003) were not decided because no owner
    /// account is known: never a quiet pass, every format says so.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub owner_unknown_secrets: usize,
    /// For plan input: per secret, the foreign accounts that gain or lose access.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_changes: Vec<AccessChange>,
    /// The configuration file (`grantcheck.toml`) the run used, as shown in findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// Findings the configuration took away: its `[[ignore]]` entries and `enabled = false`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub suppressed_by_config: usize,
    /// Findings inline `# grantcheck:ignore` comments took away (one that the configuration
    /// also ignores counts here).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub suppressed_inline: usize,
}

/// What the report says about the configuration used and the findings suppressed, e.g.
/// `3 findings suppressed: 2 by grantcheck.toml, 1 by inline comments`; `None` when nothing was.
pub fn suppressed_line(s: &Summary) -> Option<String> {
    let total = s.suppressed_by_config + s.suppressed_inline;
    if total == 0 {
        return None;
    }
    let mut by = vec![];
    if s.suppressed_by_config > 0 {
        let file = s.config.as_deref().unwrap_or("the configuration");
        by.push(format!("{} by {file}", s.suppressed_by_config));
    }
    if s.suppressed_inline > 0 {
        by.push(format!(
            "{} by inline grantcheck:ignore comments",
            s.suppressed_inline
        ));
    }
    Some(format!(
        "{total} finding{} suppressed: {}",
        if total == 1 { "" } else { "s" },
        by.join(", ")
    ))
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// The report (JSON contract, DESIGN §4.2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub tool: Tool,
    pub findings: Vec<ReportFinding>,
    pub summary: Summary,
    /// Who can read each secret after apply: one entry per secret with a reader outside the
    /// owner account (see [`crate::access`]); left out when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<SecretAccess<Option<Location>>>,
    /// Spans of values the inputs mark sensitive (sorted, merged): renderers that print source
    /// text mask them. Not part of the JSON report.
    #[serde(skip, default)]
    pub sensitive: Vec<Span>,
}

impl Report {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The most severe finding, if any. What the plan fixes does not count.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| f.change != Some(Change::Fixed))
            .map(|f| f.severity)
            .max()
    }

    /// Input errors (GC002) make the run unreliable: front ends exit with 2.
    pub fn has_input_errors(&self) -> bool {
        self.findings.iter().any(|f| f.rule == RuleCode::GC002)
    }

    /// Adds an input error (GC002) for an input the front end could not read at all (a missing
    /// file, a binary plan file), so that every output says so, not only the front end's
    /// messages: `message` names the input; there is no text to point into, so no location.
    pub fn add_unreadable(&mut self, message: String) {
        let meta = &crate::rules::InputError::META;
        self.findings.push(ReportFinding {
            rule: meta.code,
            name: meta.name.to_string(),
            severity: meta.severity,
            message,
            help: String::new(),
            resource: String::new(),
            related: vec![],
            location: None,
            policy_path: None,
            related_locations: vec![],
            check: None,
            change: None,
            accounts: vec![],
        });
        self.summary.errors += 1;
    }
}

/// Who can read each secret, as `grantcheck access --format json` writes it and the npm
/// package's `access()` returns it: the report's `access` section with what the plan changes, and
/// what could not be read (GC002) or decided (GC001, and secrets whose owner account is not
/// known), so that an empty list is never a quiet "no one can read".
#[derive(Clone, Debug, Serialize)]
pub struct AccessReport<'a> {
    pub version: u32,
    pub tool: &'a Tool,
    /// One entry per secret with a reader outside the owner account (always present).
    pub access: &'a [SecretAccess<Option<Location>>],
    /// Plan input: per secret, the foreign accounts that gain or lose access.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub access_changes: &'a [AccessChange],
    /// Secrets whose readers were not worked out because no owner account is known.
    #[serde(skip_serializing_if = "is_zero")]
    pub owner_unknown_secrets: usize,
    /// GC001 findings: what a value known only after apply (or not in the input) left undecided.
    pub unresolved: Vec<&'a ReportFinding>,
    /// GC002 findings: inputs that could not be read; their secrets are missing from `access`.
    pub errors: Vec<&'a ReportFinding>,
}

impl Report {
    /// The access view of this report (see [`AccessReport`]).
    pub fn access_report(&self) -> AccessReport<'_> {
        let of = |code: RuleCode| self.findings.iter().filter(move |f| f.rule == code);
        AccessReport {
            version: self.version,
            tool: &self.tool,
            access: &self.access,
            access_changes: &self.summary.access_changes,
            owner_unknown_secrets: self.summary.owner_unknown_secrets,
            unresolved: of(RuleCode::GC001).collect(),
            errors: of(RuleCode::GC002).collect(),
        }
    }
}

/// Builds the report: sorts findings, resolves spans to positions.
pub fn build(
    sources: &[SourceFile],
    findings: Vec<Finding>,
    summary: Summary,
    utf16: bool,
) -> Report {
    build_with_access(sources, findings, vec![], summary, utf16)
}

/// [`build`], with the access graph of the inputs, whose places are resolved as the findings'.
pub fn build_with_access(
    sources: &[SourceFile],
    mut findings: Vec<Finding>,
    access: Vec<SecretAccess>,
    mut summary: Summary,
    utf16: bool,
) -> Report {
    findings.sort_by(|a, b| {
        let ka = a.span.map(|s| (s.file, s.start, s.end));
        let kb = b.span.map(|s| (s.file, s.start, s.end));
        (ka.is_none(), ka, a.rule, &a.resource, &a.message).cmp(&(
            kb.is_none(),
            kb,
            b.rule,
            &b.resource,
            &b.message,
        ))
    });
    findings.dedup();
    let mut loc = locate::Locator::new(sources, utf16);
    for f in &findings {
        if let Some(s) = f.span {
            loc.want(s);
        }
        for l in &f.labels {
            loc.want(l.span);
        }
    }
    for span in access
        .iter()
        .flat_map(|s| &s.readers)
        .flat_map(|r| &r.links)
        .filter_map(|l| l.location)
    {
        loc.want(span);
    }
    loc.resolve();
    for f in &findings {
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Note => summary.notes += 1,
        }
    }
    let findings = findings
        .into_iter()
        .map(|f| ReportFinding {
            location: f.span.and_then(|s| loc.location(s)),
            related_locations: f
                .labels
                .iter()
                .filter_map(|l| {
                    Some(RelatedLocation {
                        message: l.message.clone(),
                        location: loc.location(l.span)?,
                    })
                })
                .collect(),
            rule: f.rule,
            name: f.name.to_string(),
            severity: f.severity,
            message: f.message,
            help: f.help,
            resource: f.resource,
            related: f.related,
            policy_path: f.policy_path,
            check: f.check,
            change: f.change,
            accounts: f.accounts,
        })
        .collect();
    Report {
        version: 1,
        tool: Tool {
            name: "grantcheck".into(),
            version: crate::VERSION.into(),
        },
        findings,
        summary,
        access: access
            .into_iter()
            .map(|s| s.map_at(|at| at.and_then(|span| loc.location(span))))
            .collect(),
        sensitive: vec![],
    }
}

/// The findings in the order a reviewer reads them (a pull-request comment, a run task's
/// outcomes): what the plan does not fix first, the most severe first, then by rule and resource.
pub fn reading_order(report: &Report) -> Vec<&ReportFinding> {
    let mut order: Vec<&ReportFinding> = report.findings.iter().collect();
    order.sort_by(|a, b| {
        let fixed = |f: &ReportFinding| f.change == Some(Change::Fixed);
        fixed(a)
            .cmp(&fixed(b))
            .then(b.severity.cmp(&a.severity))
            .then(a.rule.cmp(&b.rule))
            .then_with(|| a.resource.cmp(&b.resource))
    });
    order
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
