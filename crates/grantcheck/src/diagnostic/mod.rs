//! What the checks say: a finding with its rule code, severity, place, labels and what the plan
//! does to it. A leaf: it depends on source spans alone, and every stage of the pipeline may use
//! it (the report turns findings into positions for the front ends).

mod catalogue;

pub use catalogue::RuleCode;
pub(crate) use catalogue::catalogue;

use serde::{Deserialize, Serialize};

use crate::base::source::Span;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// How a finding relates to the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Not there before the plan; there after apply.
    Introduced,
    /// There before and after.
    Existing,
    /// There before the plan; gone after apply. Reported as a note, never fails a run.
    Fixed,
}

impl Change {
    pub fn as_str(&self) -> &'static str {
        match self {
            Change::Introduced => "introduced",
            Change::Existing => "existing",
            Change::Fixed => "fixed",
        }
    }
}

/// A code's identity and documentation, as its rule file declares them.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: RuleCode,
    pub name: &'static str,
    pub severity: Severity,
    /// One line: what it flags.
    pub summary: &'static str,
    /// The rule's documentation (Markdown), from its doc comment.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The documentation with the one-space indent of doc comments removed.
    pub fn docs(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
}

/// A second place that explains a finding ("shared with account 444455556666 here").
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One finding, with spans (resolved to lines and columns when the report is built).
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: RuleCode,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub resource: String,
    pub related: Vec<String>,
    pub span: Option<Span>,
    pub policy_path: Option<String>,
    pub labels: Vec<Label>,
    /// For GC001: the rule that could not be decided.
    pub check: Option<RuleCode>,
    /// For plan input: whether the plan introduces, keeps or fixes it.
    pub change: Option<Change>,
    /// The foreign accounts the finding concerns (`*` for everyone), for the rules about
    /// sharing with other accounts; empty for the others.
    pub accounts: Vec<String>,
}

impl Finding {
    /// A finding of `meta`'s rule at its default severity.
    pub fn new(
        meta: &RuleMeta,
        resource: impl Into<String>,
        span: Option<Span>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: meta.code,
            name: meta.name,
            severity: meta.severity,
            message: message.into(),
            help: String::new(),
            resource: resource.into(),
            related: vec![],
            span,
            policy_path: None,
            labels: vec![],
            check: None,
            change: None,
            accounts: vec![],
        }
    }

    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = help.into();
        self
    }

    pub fn related(&mut self, address: impl Into<String>) -> &mut Self {
        let a = address.into();
        if a != self.resource && !self.related.contains(&a) {
            self.related.push(a);
        }
        self
    }

    pub fn label(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// The foreign accounts the finding concerns (sorted, each once).
    pub fn accounts<S: Into<String>>(
        &mut self,
        accounts: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        self.accounts.extend(accounts.into_iter().map(Into::into));
        self.accounts.sort();
        self.accounts.dedup();
        self
    }

    pub fn path(&mut self, path: impl Into<String>) -> &mut Self {
        let p = path.into();
        self.policy_path = (!p.is_empty()).then_some(p);
        self
    }

    /// The rule the finding is about: its own, or for GC001 the rule it could not decide.
    pub fn about(&self) -> RuleCode {
        match self.check {
            Some(c) if self.rule == RuleCode::GC001 => c,
            _ => self.rule,
        }
    }
}
