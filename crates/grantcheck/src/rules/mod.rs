//! The rule registry. One file per rule; each rule's doc comment is its documentation
//! (`grantcheck explain`, the README table and SARIF help all come from it).

mod gc001;
mod gc002;
mod gc003;
mod gc004;
mod pa001;
mod pa002;
mod pg001;
mod pg002;
mod pg003;
mod pg004;
mod pg005;
mod pg006;
mod pg007;
mod pg008;
mod pg009;
mod pg010;
mod pg011;
mod pg012;
mod pg013;
mod pg014;
mod pg015;
mod pg016;
mod pg017;
mod pg018;
mod pg019;
mod xa001;
mod xa002;
mod xa003;
mod xa004;
mod xa005;
mod xa006;
mod xa007;
mod xa008;
mod xa009;

use std::ops::Range;

use crate::analysis::{Analysis, PolicyDoc, PolicyInfo, SecretInfo};
use crate::model::Resource;
use crate::policy::{Condition, Item, PolicyDocument, Statement};
use crate::report::{Finding, Severity};
use crate::source::Span;

pub use gc001::Unresolved;
pub use gc002::InputError;
pub use gc003::InvalidSuppression;
pub use gc004::UnusedSuppression;
pub use pa001::PublicSecretPolicy;
pub use pa002::PublicKeyPolicy;
pub use pg001::PolicySyntax;
pub use pg002::InvalidVersion;
pub use pg003::PolicyVariablesIgnored;
pub use pg004::InvalidEffect;
pub use pg005::UnknownAction;
pub use pg006::ActionWildcardMatchesNothing;
pub use pg007::ActionWithoutEffect;
pub use pg008::InvalidPrincipal;
pub use pg009::InvalidConditionOperator;
pub use pg010::SetOperatorOnSingleValuedKey;
pub use pg011::DuplicateSid;
pub use pg012::InvalidSid;
pub use pg013::PolicyTooLarge;
pub use pg014::AllowWithNotPrincipal;
pub use pg015::MissingPrincipal;
pub use pg016::InvalidViaService;
pub use pg017::StatementStructure;
pub use pg018::KeyStatementWithoutEffect;
pub use pg019::MistypedConditionValue;
pub use xa001::CrossAccountExactPrincipal;
pub use xa002::SharedSecretAwsManagedKey;
pub use xa003::KeyPolicyMissingGrant;
pub use xa004::PrincipalReplacedInPlan;
pub use xa005::DeletedPrincipalId;
pub use xa006::ReplicaWithoutCmk;
pub use xa007::KeyNotReferencedByArn;
pub use xa008::CrossAccountWriteAccess;
pub use xa009::KeyGrantTooBroad;

/// A rule's stable identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
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

/// A check over the analysed infrastructure.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Whether the rule must see the whole analysis in one run. A rule that does not looks at
    /// each policy and each secret of its part on its own, so that its findings over the parts
    /// of an analysis, in order, are its findings over the whole.
    fn whole(&self) -> bool {
        false
    }

    /// Checks the policies and secrets of `part` (all of them, for a rule that is `whole`).
    fn check(&self, a: &Analysis<'_>, part: &Part, out: &mut Findings);
}

/// A share of an analysis that rules check in one run: a run of its policies and a run of its
/// secrets, by index. All the rules run over one part before the next, while the part's policy
/// documents are still in the processor's cache: on a large plan, one rule after another over
/// every document would read all of them from memory each time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    policies: Range<usize>,
    secrets: Range<usize>,
}

impl Part {
    /// Every policy and every secret.
    pub fn all(a: &Analysis<'_>) -> Part {
        Part {
            policies: 0..a.policies.len(),
            secrets: 0..a.secrets.len(),
        }
    }

    /// Parts of at most `size` policies and `size` secrets each, in order, policies and secrets
    /// shared out in the same proportion (both come in the order of their resources).
    pub fn split(a: &Analysis<'_>, size: usize) -> Vec<Part> {
        let (np, ns) = (a.policies.len(), a.secrets.len());
        let n = np.max(ns).div_ceil(size.max(1)).max(1);
        (0..n)
            .map(|i| Part {
                policies: np * i / n..np * (i + 1) / n,
                secrets: ns * i / n..ns * (i + 1) / n,
            })
            .collect()
    }

    /// The part's policies with their indexes.
    pub fn policies<'b>(
        &self,
        a: &'b Analysis<'_>,
    ) -> impl Iterator<Item = (usize, &'b PolicyInfo)> + 'b {
        let start = self.policies.start;
        a.policies[self.policies.clone()]
            .iter()
            .enumerate()
            .map(move |(i, p)| (start + i, p))
    }

    /// The part's secrets.
    pub fn secrets<'b>(&self, a: &'b Analysis<'_>) -> &'b [SecretInfo] {
        &a.secrets[self.secrets.clone()]
    }
}

/// Declares a rule struct whose doc comment becomes its `RuleMeta::doc`.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            code: $code:literal,
            name: $rname:literal,
            severity: $sev:ident,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;
        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                code: $code,
                name: $rname,
                severity: $crate::report::Severity::$sev,
                summary: $summary,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}
pub(crate) use declare_rule;

/// Every rule, in catalogue order.
pub static RULES: &[&dyn Rule] = &[
    &CrossAccountExactPrincipal,
    &SharedSecretAwsManagedKey,
    &KeyPolicyMissingGrant,
    &PrincipalReplacedInPlan,
    &DeletedPrincipalId,
    &ReplicaWithoutCmk,
    &KeyNotReferencedByArn,
    &CrossAccountWriteAccess,
    &KeyGrantTooBroad,
    &PublicSecretPolicy,
    &PublicKeyPolicy,
    &PolicySyntax,
    &InvalidVersion,
    &PolicyVariablesIgnored,
    &InvalidEffect,
    &UnknownAction,
    &ActionWildcardMatchesNothing,
    &ActionWithoutEffect,
    &InvalidPrincipal,
    &InvalidConditionOperator,
    &SetOperatorOnSingleValuedKey,
    &DuplicateSid,
    &InvalidSid,
    &PolicyTooLarge,
    &AllowWithNotPrincipal,
    &MissingPrincipal,
    &InvalidViaService,
    &StatementStructure,
    &KeyStatementWithoutEffect,
    &MistypedConditionValue,
    &Unresolved,
    &InputError,
    &InvalidSuppression,
    &UnusedSuppression,
];

/// Every parsed policy of a part with its index and the resource that holds it.
pub(crate) fn parsed_policies<'b>(
    a: &'b Analysis<'_>,
    part: &Part,
) -> impl Iterator<Item = (usize, &'b PolicyInfo, &'b PolicyDocument, &'b Resource)> + 'b {
    part.policies(a).filter_map(move |(pid, p)| match &p.doc {
        PolicyDoc::Parsed(d) => Some((pid, p, d, a.resource(p.holder))),
        _ => None,
    })
}

/// Every condition entry of every parsed policy of a part, with the policy, its holder and the
/// statement.
pub(crate) fn parsed_conditions<'b>(
    a: &'b Analysis<'_>,
    part: &Part,
) -> impl Iterator<Item = (&'b PolicyInfo, &'b Resource, &'b Statement, &'b Condition)> + 'b {
    parsed_policies(a, part).flat_map(|(_, p, doc, holder)| {
        doc.statements
            .iter()
            .flat_map(move |st| st.conditions.iter().map(move |c| (p, holder, st, c)))
    })
}

/// Every action item with known text of every parsed policy of a part (`Action` and
/// `NotAction`), with the policy, its holder, the statement, the item and its text.
pub(crate) fn parsed_actions<'b>(
    a: &'b Analysis<'_>,
    part: &Part,
) -> impl Iterator<
    Item = (
        &'b PolicyInfo,
        &'b Resource,
        &'b Statement,
        &'b Item,
        &'b str,
    ),
> + 'b {
    parsed_policies(a, part).flat_map(|(_, p, doc, holder)| {
        doc.statements.iter().flat_map(move |st| {
            st.action.iter().flat_map(move |list| {
                list.items
                    .iter()
                    .filter_map(move |it| Some((p, holder, st, it, it.text.as_deref()?)))
            })
        })
    })
}

/// Rule metadata in catalogue order.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().map(|r| r.meta())
}

/// Metadata by code (case-insensitive).
pub fn by_code(code: &str) -> Option<&'static RuleMeta> {
    all().find(|m| m.code.eq_ignore_ascii_case(code) || m.name.eq_ignore_ascii_case(code))
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
        self.list.push(Finding {
            rule: meta.code,
            name: meta.name,
            severity: meta.severity,
            message: message.into(),
            help: String::new(),
            resource: resource.to_string(),
            related: vec![],
            span,
            policy_path: None,
            labels: vec![],
            check: None,
            change: None,
        });
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
