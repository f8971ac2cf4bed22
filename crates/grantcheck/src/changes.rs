//! What a plan changes: every finding is marked as introduced by the plan, already present
//! before it, or fixed by it, and each secret's foreign accounts are compared before and after.
//!
//! The rules run a second time on a *before view* of the infrastructure: every managed resource
//! as it is now (its `before` values), without the resources the plan creates. Findings of the
//! two runs are matched by rule, resource and the text they point at (the same principal, the
//! same action list), then by message.

use crate::base::hash::HashMap;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;
use crate::base::source::SourceFile;
use crate::diagnostic::{Change, Finding, RuleCode, Severity};
use crate::model::{Action, Infrastructure, Mode, Resource};
use crate::policy::PrincipalKind;

/// The foreign accounts (`*` for everyone) that gain or lose access to a secret in the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessChange {
    pub secret: String,
    pub gained: Vec<String>,
    pub lost: Vec<String>,
}

/// What the input says about change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanState {
    /// Not (only) a plan: a configuration has no before.
    NotAPlan,
    /// A plan that changes nothing: every finding is already present.
    Unchanged,
    /// A plan that creates, updates or deletes something.
    Changes,
}

pub fn plan_state(infra: &Infrastructure) -> PlanState {
    if infra.resources.is_empty()
        || infra
            .resources
            .iter()
            .any(|r| r.action == Action::Configured)
    {
        return PlanState::NotAPlan;
    }
    let changes = infra
        .resources
        .iter()
        .any(|r| r.mode == Mode::Managed && !matches!(r.action, Action::NoOp | Action::Read));
    if changes {
        PlanState::Changes
    } else {
        PlanState::Unchanged
    }
}

/// The infrastructure as it is before apply: managed resources take their `before` values, and
/// what the plan creates is left out. Data sources stay as read. The resources left out are
/// given back, to be freed when convenient.
pub fn before_view(mut infra: Infrastructure) -> (Infrastructure, Vec<Resource>) {
    let mut out = Infrastructure::default();
    out.providers = std::mem::take(&mut infra.providers);
    out.account_hints = std::mem::take(&mut infra.account_hints);
    out.notes = std::mem::take(&mut infra.notes);
    // what stays is moved into a list of its length; what is left out stays where it is, to
    // be freed later (no list grows, and the long one is not copied)
    let stays = |r: &Resource| r.mode != Mode::Managed || r.before.is_some();
    let mut gone = std::mem::take(&mut infra.resources);
    let mut kept = Vec::with_capacity(gone.iter().filter(|r| stays(r)).count());
    kept.extend(gone.extract_if(.., |r| stays(r)));
    for r in &mut kept {
        if r.mode == Mode::Managed
            && let Some(before) = r.before.take()
        {
            r.after = Some(before);
            r.action = Action::NoOp;
        }
    }
    out.extend(kept);
    (out, gone)
}

/// Each secret's foreign accounts (`*` for everyone), by secret address, each with whether a
/// grant of it is in a value the plan marks sensitive (then it is never named).
pub type Access = HashMap<String, BTreeMap<String, bool>>;

/// Who can read each secret, as the analysis says.
pub fn access_of(a: &Analysis<'_>) -> Access {
    let mut m = Access::default();
    for s in &a.secrets {
        let set = m.entry(a.resource(s.res).address.clone()).or_default();
        for g in &s.grants {
            let acct = if g.not_principal || g.principal.kind == PrincipalKind::Wildcard {
                "*"
            } else if let Some(acct) = &g.principal.account {
                acct.as_str()
            } else {
                continue;
            };
            // a secret is granted to the same account many times: copied once
            let sensitive = g.principal.sensitive;
            match set.get_mut(acct) {
                Some(s) => *s |= sensitive,
                None => {
                    set.insert(acct.to_string(), sensitive);
                }
            }
        }
    }
    m
}

/// Accounts gained and lost per secret, sorted by secret address; secrets without a change are
/// left out.
pub fn access_changes(after: &Access, before: &Access) -> Vec<AccessChange> {
    let empty = BTreeMap::new();
    let mut secrets: Vec<&String> = after.keys().chain(before.keys()).collect();
    secrets.sort_unstable();
    secrets.dedup();
    // each secret on its own, in parallel where it can
    crate::base::par::map(&secrets, |&s| {
        let now = after.get(s).unwrap_or(&empty);
        let was = before.get(s).unwrap_or(&empty);
        // (decided by the accounts; one the plan marks sensitive is shown as such)
        let only_in = |a: &BTreeMap<String, bool>, b: &BTreeMap<String, bool>| -> Vec<String> {
            a.iter()
                .filter(|(acct, _)| !b.contains_key(*acct))
                .map(|(acct, &sensitive)| {
                    if sensitive {
                        "(sensitive value)".to_string()
                    } else {
                        acct.clone()
                    }
                })
                .collect()
        };
        let gained = only_in(now, was);
        let lost = only_in(was, now);
        (!gained.is_empty() || !lost.is_empty()).then(|| AccessChange {
            secret: s.clone(),
            gained,
            lost,
        })
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Marks every finding `existing` (a plan that changes nothing).
pub fn mark_existing(findings: &mut [Finding]) {
    for f in findings {
        f.change = Some(Change::Existing);
    }
}

/// Matches the findings after apply with those before it. Unmatched findings after apply are
/// introduced; unmatched findings before it are fixed and appended as notes, except on a
/// resource whose findings after apply could not all be decided (GC001): whether they are fixed
/// is not known then.
pub fn compare(
    sources: &[SourceFile],
    after: &mut [Finding],
    before: Vec<Finding>,
) -> Vec<Finding> {
    let by_id: HashMap<u32, &SourceFile> = sources.iter().map(|s| (s.id, s)).collect();
    let text_of = |f: &Finding| -> Option<&str> {
        let s = f.span?;
        by_id
            .get(&s.file)?
            .text
            .get(s.start as usize..s.end as usize)
    };
    let mut before: Vec<Option<Finding>> = before.into_iter().map(Some).collect();
    for f in after.iter_mut() {
        f.change = Some(Change::Introduced);
    }
    // Pass 1: the same text at the finding's span; pass 2: the same message.
    for pass in 0..2 {
        let mut index: HashMap<(RuleCode, &str, Option<RuleCode>, &str), Vec<usize>> =
            HashMap::default();
        for (i, b) in before.iter().enumerate() {
            let Some(b) = b else { continue };
            let detail = if pass == 0 {
                match text_of(b) {
                    Some(t) => t,
                    None => continue,
                }
            } else {
                b.message.as_str()
            };
            index
                .entry((b.rule, b.resource.as_str(), b.check, detail))
                .or_default()
                .push(i);
        }
        let mut taken = Vec::new();
        for (ai, f) in after.iter().enumerate() {
            if f.change != Some(Change::Introduced) {
                continue;
            }
            let detail = if pass == 0 {
                match text_of(f) {
                    Some(t) => t,
                    None => continue,
                }
            } else {
                f.message.as_str()
            };
            if let Some(list) = index.get_mut(&(f.rule, f.resource.as_str(), f.check, detail))
                && let Some(bi) = list.pop()
            {
                taken.push((ai, bi));
            }
        }
        for (ai, bi) in taken {
            after[ai].change = Some(Change::Existing);
            before[bi] = None;
        }
    }
    let undecided: BTreeSet<&str> = after
        .iter()
        .filter(|f| f.rule == RuleCode::GC001)
        .map(|f| f.resource.as_str())
        .collect();
    before
        .into_iter()
        .flatten()
        .filter(|b| !undecided.contains(b.resource.as_str()))
        .map(|mut b| {
            b.change = Some(Change::Fixed);
            b.severity = Severity::Note;
            b
        })
        .collect()
}

/// Keeps only what the plan introduces (and input errors, which make the run unreliable);
/// findings without a change mark (configuration input) stay. Recounts the summary.
pub fn retain_new_only(report: &mut crate::Report) {
    report.findings.retain(|f| {
        f.rule == RuleCode::GC002 || !matches!(f.change, Some(Change::Existing | Change::Fixed))
    });
    let s = &mut report.summary;
    (s.errors, s.warnings, s.notes) = (0, 0, 0);
    for f in &report.findings {
        match f.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Note => s.notes += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::source::Span;
    use crate::base::value::{Node, NodeKind};
    use crate::model::split_address;

    fn res(address: &str, mode: Mode, action: Action, before: Option<&str>) -> Resource {
        let (module, local, _) = split_address(address);
        let values = |v: &str| Node::new(NodeKind::Null, Span::new(0, 0, v.len()));
        Resource {
            address: address.into(),
            base_address: local.clone(),
            module,
            mode,
            rtype: "aws_kms_key".into(),
            name: "k".into(),
            span: Span::default(),
            action,
            provider_key: None,
            after: Some(values("after")),
            before: before.map(values),
            configured: vec![],
        }
    }

    #[test]
    fn the_view_before_apply_keeps_what_exists_in_order_and_gives_back_the_rest() {
        let mut infra = Infrastructure::default();
        infra.extend(vec![
            res("aws_kms_key.new", Mode::Managed, Action::Create, None),
            res(
                "aws_kms_key.a",
                Mode::Managed,
                Action::Update,
                Some("before"),
            ),
            res("data.aws_kms_key.d", Mode::Data, Action::Read, None),
            res("aws_kms_key.new2", Mode::Managed, Action::Create, None),
            res("aws_kms_key.b", Mode::Managed, Action::Delete, Some("b")),
        ]);
        let (old, gone) = before_view(infra);
        let kept: Vec<&str> = old.resources.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            kept,
            ["aws_kms_key.a", "data.aws_kms_key.d", "aws_kms_key.b"]
        );
        let gone: Vec<&str> = gone.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(gone, ["aws_kms_key.new", "aws_kms_key.new2"]);
        // managed resources hold their values from before, unchanged; data sources as read
        let a = &old.resources[0];
        assert_eq!(a.action, Action::NoOp);
        assert_eq!(a.after.as_ref().map(|n| n.span.end), Some(6));
        assert!(a.before.is_none());
        assert_eq!(old.resources[1].action, Action::Read);
        assert_eq!(old.resources[1].after.as_ref().map(|n| n.span.end), Some(5));
        assert_eq!(old.resources[2].after.as_ref().map(|n| n.span.end), Some(1));
        // indexed by address: what stays is found, what is gone is not
        assert_eq!(old.get("aws_kms_key.b"), Some(2));
        assert_eq!(old.get("data.aws_kms_key.d"), Some(1));
        assert_eq!(old.get("aws_kms_key.new"), None);
    }
}
