//! The rule registry. One file per rule; each rule's doc comment is its documentation
//! (`grantcheck explain`, the README table and SARIF help all come from it).

use std::ops::Range;

use crate::analysis::{Analysis, PolicyInfo, PolicyReading, SecretInfo};
use crate::base::source::Span;
pub use crate::diagnostic::RuleMeta;
use crate::diagnostic::{Finding, RuleCode, catalogue};
use crate::model::Resource;
use crate::policy::{Condition, Item, PolicyDocument, Statement};

/// A check over the analysed infrastructure.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Whether the rule must see the whole analysis in one run. A rule that does not looks at
    /// each policy and each secret of its context on its own, so that its findings over the
    /// shares of an analysis, in order, are its findings over the whole.
    fn whole(&self) -> bool {
        false
    }

    /// Checks the policies and secrets of `ctx` (all of them, for a rule that is `whole`).
    fn check(&self, ctx: &Context<'_>, out: &mut Findings);
}

/// What a rule checks: the analysis, and the share of its policies and secrets this run is
/// about (the runner decides how an analysis is shared out; a rule sees every policy and
/// secret through one context or another, each once).
#[derive(Clone)]
pub struct Context<'a> {
    analysis: &'a Analysis<'a>,
    policies: Range<usize>,
    secrets: Range<usize>,
}

impl<'a> Context<'a> {
    /// Every policy and every secret.
    pub fn whole(analysis: &'a Analysis<'a>) -> Context<'a> {
        Context {
            analysis,
            policies: 0..analysis.policies.len(),
            secrets: 0..analysis.secrets.len(),
        }
    }

    /// Shares of at most `size` policies and `size` secrets each, in order, policies and
    /// secrets shared out in the same proportion (both come in the order of their resources).
    pub fn split(analysis: &'a Analysis<'a>, size: usize) -> Vec<Context<'a>> {
        let (np, ns) = (analysis.policies.len(), analysis.secrets.len());
        let n = np.max(ns).div_ceil(size.max(1)).max(1);
        (0..n)
            .map(|i| Context {
                analysis,
                policies: np * i / n..np * (i + 1) / n,
                secrets: ns * i / n..ns * (i + 1) / n,
            })
            .collect()
    }

    /// The whole analysis, to look up what the context's policies and secrets refer to.
    pub fn analysis(&self) -> &'a Analysis<'a> {
        self.analysis
    }

    /// The context's policies with their indexes in the analysis.
    pub fn policies(&self) -> impl Iterator<Item = (usize, &'a PolicyInfo)> + 'a {
        let start = self.policies.start;
        self.analysis.policies[self.policies.clone()]
            .iter()
            .enumerate()
            .map(move |(i, p)| (start + i, p))
    }

    /// The context's secrets.
    pub fn secrets(&self) -> &'a [SecretInfo] {
        &self.analysis.secrets[self.secrets.clone()]
    }

    /// Every parsed policy of the context with its index and the resource that holds it.
    pub fn parsed_policies(
        &self,
    ) -> impl Iterator<Item = (usize, &'a PolicyInfo, &'a PolicyDocument, &'a Resource)> + 'a {
        let a = self.analysis;
        self.policies().filter_map(move |(pid, p)| match &p.doc {
            PolicyReading::Parsed(d) => Some((pid, p, d, a.resource(p.holder))),
            _ => None,
        })
    }

    /// Every condition entry of every parsed policy of the context, with the policy, its holder
    /// and the statement.
    pub fn parsed_conditions(
        &self,
    ) -> impl Iterator<Item = (&'a PolicyInfo, &'a Resource, &'a Statement, &'a Condition)> + 'a
    {
        self.parsed_policies().flat_map(|(_, p, doc, holder)| {
            doc.statements
                .iter()
                .flat_map(move |st| st.conditions.iter().map(move |c| (p, holder, st, c)))
        })
    }

    /// Every action item with known text of every parsed policy of the context (`Action` and
    /// `NotAction`), with the policy, its holder, the statement, the item and its text.
    pub fn parsed_actions(
        &self,
    ) -> impl Iterator<
        Item = (
            &'a PolicyInfo,
            &'a Resource,
            &'a Statement,
            &'a Item,
            &'a str,
        ),
    > + 'a {
        self.parsed_policies().flat_map(|(_, p, doc, holder)| {
            doc.statements.iter().flat_map(move |st| {
                st.action.iter().flat_map(move |list| {
                    list.items
                        .iter()
                        .filter_map(move |it| Some((p, holder, st, it, it.text.as_deref()?)))
                })
            })
        })
    }
}

/// Declares the rules of the catalogue (`diagnostic::catalogue`): their modules, the checks in
/// catalogue order, and each code's metadata.
macro_rules! register {
    (
        checks: [$($c:ident $cm:ident $ct:ident,)*],
        diagnostics: [$($d:ident $dm:ident $dt:ident,)*],
    ) => {
        $(mod $cm; pub use $cm::$ct;)*
        $(mod $dm; pub use $dm::$dt;)*

        /// Every check, in catalogue order.
        pub static RULES: &[&dyn Rule] = &[$(&$ct,)*];

        /// The metadata of a code.
        pub fn meta(code: RuleCode) -> &'static RuleMeta {
            match code {
                $(RuleCode::$c => &$ct::META,)*
                $(RuleCode::$d => &$dt::META,)*
            }
        }
    };
}

catalogue!(register);

/// Declares a rule struct whose doc comment becomes its `RuleMeta::doc`.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            code: $code:ident,
            name: $rname:literal,
            severity: $sev:ident,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;
        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                code: $crate::diagnostic::RuleCode::$code,
                name: $rname,
                severity: $crate::diagnostic::Severity::$sev,
                summary: $summary,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}
pub(crate) use declare_rule;

/// Rule metadata in catalogue order.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    RuleCode::ALL.iter().map(|&c| meta(c))
}

/// Metadata by code or name (case-insensitive).
pub fn by_code(code: &str) -> Option<&'static RuleMeta> {
    all().find(|m| m.code.as_str().eq_ignore_ascii_case(code) || m.name.eq_ignore_ascii_case(code))
}

/// Collects findings.
#[derive(Default)]
pub struct Findings {
    pub list: Vec<Finding>,
}

impl Findings {
    pub fn report(
        &mut self,
        meta: &'static RuleMeta,
        resource: &str,
        span: Option<Span>,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.list.push(Finding::new(meta, resource, span, message));
        let last = self.list.len() - 1;
        &mut self.list[last]
    }

    /// `rule` could not be decided because of an unknown value: a GC001 note naming it.
    pub fn unresolved(
        &mut self,
        rule: &'static RuleMeta,
        resource: &str,
        span: Option<Span>,
        why: impl AsRef<str>,
    ) -> &mut Finding {
        let f = self.report(
            &Unresolved::META,
            resource,
            span,
            format!(
                "{} ({}) could not be decided: {}",
                rule.code,
                rule.name,
                why.as_ref()
            ),
        );
        f.check = Some(rule.code);
        f
    }
}

/// The rule table of the README, generated from the registry.
pub fn markdown_table() -> String {
    let mut s =
        String::from("| code | name | default severity | what it flags |\n|---|---|---|---|\n");
    for m in all() {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            m.code,
            m.name,
            m.severity.as_str(),
            m.summary.replace('|', "\\|")
        ));
    }
    s
}
