//! Findings of a plan placed where its configuration writes them.
//!
//! `terraform show -json` writes a plan on one line: a finding at `plan.json:1:2593190` is no
//! place a reviewer can read or a pull request can annotate. When the plan's configuration (the
//! `.tf` and `.tf.json` files it was made from) is at hand, each finding's place in the plan is
//! followed to the value that holds it — a resource, an attribute, an element of a policy held as
//! a JSON string — and the same value is looked up in the configuration, read as a `.tf` check
//! reads it: the resource block, the argument, the `jsonencode` element, the
//! `aws_iam_policy_document` principal. The finding then points there, and its place in the plan
//! becomes a related place labelled "in the plan".
//!
//! The way down is the same on both sides: an attribute by name, a list element by index, a key
//! of a policy by name. Where the configuration does not write the value that far (a variable
//! without a value, an argument left out, a value computed by the provider), the finding points
//! at the deepest part that is written, at the least the resource block. A finding whose
//! resource the configuration does not declare keeps its place in the plan.

use crate::base::json::{self, Placement};
use crate::base::source::{FileId, SourceFile, Span};
use crate::base::value::{Node, NodeKind, StrValue, TextMap};
use crate::diagnostic::Finding;
use crate::model::{Infrastructure, Mode, Resource};

/// The label of a mapped finding's place in the plan.
pub const IN_THE_PLAN: &str = "in the plan";

/// A step down a value: an attribute or key by name, a list element by index; `Key` is the name
/// of an object member itself (a finding about a key, such as a misspelt condition operator).
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Member(String),
    Index(usize),
    Key(String),
}

/// Where a place in a plan is: the resource and the steps from its values down to it.
struct Found {
    resource: usize,
    steps: Vec<Step>,
}

/// Does every resource of the plan that is there after apply have a resource of its address
/// (instance keys aside) in the configuration? (What the plan deletes is no longer in it.) A
/// configuration found beside a plan is taken for its configuration only then.
pub fn covers(config: &Infrastructure, plan: &Infrastructure) -> bool {
    let mut kept = plan
        .resources
        .iter()
        .filter(|r| r.action.survives())
        .peekable();
    kept.peek().is_some() && kept.all(|r| !config.instances(&r.base_address).is_empty())
}

/// Where each of `found` goes: its new place and its labels' (`None`: where they are).
pub struct Places(Vec<Option<(Span, Vec<Option<Span>>)>>);

/// Places what is in one plan in the configuration it was made from.
pub struct Placer<'a> {
    plan_file: FileId,
    plan: &'a Infrastructure,
    config: &'a Infrastructure,
    sources: &'a [SourceFile],
    /// The spans of the plan's resources and of their values, sorted: (start, end, resource).
    /// They do not overlap (each is a part of its own entry of the plan).
    index: Vec<(u32, u32, usize)>,
}

impl<'a> Placer<'a> {
    /// For the plan `plan_file`, read as `plan`, and its configuration `config`.
    pub fn new(
        plan_file: FileId,
        plan: &'a Infrastructure,
        config: &'a Infrastructure,
        sources: &'a [SourceFile],
    ) -> Self {
        let mut index: Vec<(u32, u32, usize)> = plan
            .resources
            .iter()
            .enumerate()
            .flat_map(|(id, r)| {
                [
                    Some(r.span),
                    r.after.as_ref().map(|n| n.span),
                    r.before.as_ref().map(|n| n.span),
                ]
                .into_iter()
                .flatten()
                .filter(|s| s.file == plan_file)
                .map(move |s| (s.start, s.end, id))
            })
            .collect();
        index.sort_unstable();
        Placer {
            plan_file,
            plan,
            config,
            sources,
            index,
        }
    }

    /// Where the findings whose place is in the plan go in the configuration: where it writes
    /// their values. Labels in the plan are placed the same way.
    pub fn places(&self, found: &[Finding]) -> Places {
        Places(
            found
                .iter()
                .map(|f| {
                    let to = self.written(f.span?, &f.resource)?;
                    let labels = f
                        .labels
                        .iter()
                        .map(|l| self.written(l.span, &f.resource))
                        .collect();
                    Some((to, labels))
                })
                .collect(),
        )
    }

    /// Where the configuration writes what is at `span`, if it is in the plan and the
    /// configuration writes it; `resource`: the resource it is about, whose block is the place
    /// when the span is in no resource's values.
    pub fn written(&self, span: Span, resource: &str) -> Option<Span> {
        if span.file != self.plan_file {
            return None;
        }
        let (plan, config) = (self.plan, self.config);
        let Some(found) = self.find(span, resource) else {
            // (a place outside the resources' values: the provider, a reference in the plan's
            // configuration section) the resource the finding is about
            let base = plan
                .get(resource)
                .map(|id| plan.resources[id].base_address.as_str());
            return config_resource(config, resource, base).map(|r| r.span);
        };
        let r = &plan.resources[found.resource];
        let c = config_resource(config, &r.address, Some(&r.base_address))?;
        let Some(values) = &c.after else {
            return Some(c.span);
        };
        Some(follow(values, &found.steps, config, c, self.sources).unwrap_or(c.span))
    }

    /// The resource of the plan whose values hold `span`, and the steps down to it.
    fn find(&self, span: Span, resource: &str) -> Option<Found> {
        // (the finding's own resource first: most often it is there)
        let own = self.plan.get(resource).filter(|&id| {
            let r = &self.plan.resources[id];
            [
                Some(r.span),
                r.after.as_ref().map(|n| n.span),
                r.before.as_ref().map(|n| n.span),
            ]
            .into_iter()
            .flatten()
            .any(|s| holds(s, span))
        });
        let id = own.or_else(|| {
            let at = self
                .index
                .partition_point(|&(start, _, _)| start <= span.start);
            // (the last that starts before it, or one of the few before that should a value
            // enclose its resource's address)
            self.index[..at]
                .iter()
                .rev()
                .take(4)
                .find(|&&(start, end, _)| start <= span.start && span.end <= end)
                .map(|&(_, _, id)| id)
        })?;
        let r = &self.plan.resources[id];
        if holds(r.span, span) {
            return Some(Found {
                resource: id,
                steps: vec![],
            });
        }
        let values = [&r.after, &r.before]
            .into_iter()
            .flatten()
            .find(|v| holds(v.span, span))?;
        let mut steps = vec![];
        descend(values, span, self.sources, &mut steps);
        Some(Found {
            resource: id,
            steps,
        })
    }
}

/// Moves `found` (those [`places`] was given) to their places; each finding moved keeps its
/// place in the plan as a label ([`IN_THE_PLAN`]).
pub fn apply(found: &mut [Finding], places: Places) {
    for (f, place) in found.iter_mut().zip(places.0) {
        let (Some((written, labels)), Some(in_plan)) = (place, f.span) else {
            continue;
        };
        for (l, to) in f.labels.iter_mut().zip(labels) {
            if let Some(to) = to {
                l.span = to;
            }
        }
        f.span = Some(written);
        f.label(in_plan, IN_THE_PLAN);
    }
}

/// Where a plan and its configuration are both checked (a directory holding both), a finding
/// of the configuration that a plan's finding, placed in it, says already (the same rule at the
/// same place) is said once, as the plan's: the plan knows the values and what it changes.
pub fn merge_checked(found: &mut Vec<Finding>) {
    let placed = |f: &Finding| f.labels.iter().any(|l| l.message == IN_THE_PLAN);
    let said: crate::base::hash::HashSet<_> = found
        .iter()
        .filter(|f| placed(f))
        .map(|f| (f.rule, f.check, f.span))
        .collect();
    if said.is_empty() {
        return;
    }
    found.retain(|f| placed(f) || !said.contains(&(f.rule, f.check, f.span)));
}

/// The resource of the configuration at `address`, or (instance keys that the configuration
/// does not expand the same way) the first instance at `base`.
fn config_resource<'c>(
    config: &'c Infrastructure,
    address: &str,
    base: Option<&str>,
) -> Option<&'c Resource> {
    if address.is_empty() {
        return None;
    }
    if let Some(id) = config.get(address) {
        return Some(&config.resources[id]);
    }
    config
        .instances(base?)
        .first()
        .map(|&id| &config.resources[id])
}

fn holds(outer: Span, inner: Span) -> bool {
    outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
}

/// The steps from `node` down to the deepest value that holds `span`.
fn descend(node: &Node, span: Span, sources: &[SourceFile], steps: &mut Vec<Step>) {
    match &node.kind {
        NodeKind::Object(members) => {
            for (k, v) in members {
                if holds(v.span, span) {
                    steps.push(Step::Member(k.name.to_string()));
                    return descend(v, span, sources, steps);
                }
                if holds(k.span, span) {
                    steps.push(Step::Key(k.name.to_string()));
                    return;
                }
            }
        }
        NodeKind::Array(items) => {
            if let Some((i, v)) = items.iter().enumerate().find(|(_, v)| holds(v.span, span)) {
                steps.push(Step::Index(i));
                descend(v, span, sources, steps);
            }
        }
        NodeKind::String(s) if !node.sensitive && span != node.span => {
            if let Some(inner) = json_inside(node, s, sources) {
                descend(&inner, span, sources, steps);
            }
        }
        _ => {}
    }
}

/// The span of the value `steps` lead to from `node` in the configuration, as deep as it is
/// written; `None` when not even the first step is.
fn follow(
    node: &Node,
    steps: &[Step],
    config: &Infrastructure,
    holder: &Resource,
    sources: &[SourceFile],
) -> Option<Span> {
    walk(node, steps, 0, &(config, holder, sources))
}

/// [`follow`], `reads` documents deep in the one value (a document rendered as its JSON text
/// is read again, a few times at most). Values are borrowed, never copied.
fn walk(
    node: &Node,
    steps: &[Step],
    reads: u8,
    cx: &(&Infrastructure, &Resource, &[SourceFile]),
) -> Option<Span> {
    let (step, rest) = steps.split_first()?;
    let (config, holder, sources) = *cx;
    // a document held in a string, or rendered by a policy document data source, is read for
    // the same step
    if reads < 3 {
        let doc = match &node.kind {
            NodeKind::String(s) if !node.sensitive => json_inside(node, s, sources),
            NodeKind::Unknown(_) => rendered(node, config, holder),
            _ => None,
        };
        if let Some(doc) = doc {
            return walk(&doc, steps, reads + 1, cx);
        }
    }
    let next = match (&node.kind, step) {
        (NodeKind::Object(members), Step::Member(name)) => members
            .iter()
            .find(|(k, _)| k.name == name.as_str())
            .map(|(_, v)| v),
        (NodeKind::Object(members), Step::Key(name)) => {
            return members
                .iter()
                .find(|(k, _)| k.name == name.as_str())
                .map(|(k, _)| k.span);
        }
        (NodeKind::Array(items), Step::Index(i)) => items.get(*i),
        // a value written alone where the plan has a list of one
        (_, Step::Index(0)) => Some(node),
        _ => None,
    }?;
    Some(walk(next, rest, 0, cx).unwrap_or(next.span))
}

/// The document a `data "aws_iam_policy_document"` renders, for a value of the configuration
/// that is its `json`.
fn rendered(node: &Node, config: &Infrastructure, holder: &Resource) -> Option<Node> {
    let u = node.as_unknown()?;
    u.refs.iter().find_map(|r| {
        let id = config.resolve_ref(r, Some(holder))?;
        let data = &config.resources[id];
        if data.mode != Mode::Data || data.rtype != "aws_iam_policy_document" {
            return None;
        }
        crate::policy::iam_policy_document::from_data_source(data.after.as_ref()?)
    })
}

/// The JSON document a string value holds, its values placed where they are written (through
/// the escapes of a JSON string literal); `None` when it holds none.
fn json_inside(node: &Node, s: &StrValue, sources: &[SourceFile]) -> Option<Node> {
    let t = s.value.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    match s.map {
        TextMap::Escaped { base } => {
            let src = sources.iter().find(|f| f.id == node.span.file)?;
            let written = src
                .text
                .get(base as usize..(node.span.end as usize).checked_sub(1)?)?;
            let mut escapes = json::Escapes::read(written, base, s.value.len())?;
            // read in a file of its own, then placed through the escapes
            let mut doc =
                json::parse(&s.value, Placement::exact(FileId::MAX, 0, s.value.len())).ok()?;
            let file = node.span.file;
            respan(&mut doc, &mut |sp| {
                escapes.span(file, sp.start as usize, sp.end as usize)
            });
            Some(doc)
        }
        _ => json::parse(&s.value, Placement::of_string(s, node.span)).ok(),
    }
}

fn respan(node: &mut Node, to: &mut impl FnMut(Span) -> Span) {
    node.span = to(node.span);
    match &mut node.kind {
        NodeKind::Object(members) => {
            for (k, v) in members {
                k.span = to(k.span);
                respan(v, to);
            }
        }
        NodeKind::Array(items) => {
            for v in items {
                respan(v, to);
            }
        }
        _ => {}
    }
}
