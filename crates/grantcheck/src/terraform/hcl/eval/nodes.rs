//! Values as the evaluator makes and reads them: unknowns (with their origin and references),
//! invalid values (evaluation errors `try` moves past), strings, numbers, objects, and the
//! entries a collection iterates over.

use crate::source::Span;
use crate::value::{Key, Node, NodeKind, Origin, Ref, TextMap, Unknown};

pub fn unknown(origin: impl Into<std::sync::Arc<str>>, refs: Vec<Ref>, span: Span) -> Node {
    Node::unknown(
        Unknown {
            origin: Origin::Said(origin.into()),
            refs,
            template: None,
        },
        span,
    )
}

/// An unknown that stands for an evaluation error (`try` moves past it).
pub(super) fn invalid(what: impl Into<String>, span: Span) -> Node {
    unknown(format!("invalid: {}", what.into()), vec![], span)
}

pub fn is_invalid(n: &Node) -> bool {
    n.as_unknown()
        .is_some_and(|u| u.origin_text().starts_with("invalid: "))
}

/// All references of the unknowns inside a value.
pub fn refs_in(n: &Node, out: &mut Vec<Ref>) {
    match &n.kind {
        NodeKind::Unknown(u) => {
            for r in &u.refs {
                if !out.contains(r) {
                    out.push(r.clone());
                }
            }
        }
        NodeKind::Array(a) => a.iter().for_each(|v| refs_in(v, out)),
        NodeKind::Object(o) => o.iter().for_each(|(_, v)| refs_in(v, out)),
        _ => {}
    }
}

/// The first unknown inside a value.
pub fn first_unknown(n: &Node) -> Option<&Unknown> {
    match &n.kind {
        NodeKind::Unknown(u) => Some(u),
        NodeKind::Array(a) => a.iter().find_map(first_unknown),
        NodeKind::Object(o) => o.iter().find_map(|(_, v)| first_unknown(v)),
        _ => None,
    }
}

/// An unknown made from the unknown parts of `parts`.
pub fn combine_unknown(parts: &[&Node], span: Span) -> Node {
    let mut refs = vec![];
    let mut origin = None;
    for p in parts {
        refs_in(p, &mut refs);
        if origin.is_none() {
            origin = first_unknown(p).map(Unknown::origin_for_another);
        }
    }
    Node::unknown(
        Unknown {
            origin: origin.unwrap_or_else(|| "not known before apply".into()),
            refs,
            template: None,
        },
        span,
    )
}

pub fn is_known(n: &Node) -> bool {
    first_unknown(n).is_none()
}

pub fn str_node(s: impl Into<compact_str::CompactString>, span: Span) -> Node {
    Node::string(s, span, TextMap::Collapsed)
}

pub fn num_node(x: f64, span: Span) -> Node {
    let text = if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    };
    Node::new(NodeKind::Number(text.into()), span)
}

pub fn as_f64(n: &Node) -> Option<f64> {
    match &n.kind {
        NodeKind::Number(x) => x.parse().ok(),
        NodeKind::String(s) => s.value.trim().parse().ok(),
        _ => None,
    }
}

pub fn obj(members: Vec<(String, Node)>, span: Span) -> Node {
    Node::new(
        NodeKind::Object(
            members
                .into_iter()
                .map(|(k, v)| {
                    (
                        Key {
                            name: k.into(),
                            span,
                        },
                        v,
                    )
                })
                .collect(),
        ),
        span,
    )
}

/// The (key, value) pairs a `for` or `for_each` iterates over: list indexes or map keys.
/// `None` when the value is not a collection.
pub fn collection_entries(coll: &Node) -> Option<Vec<(Node, Node)>> {
    match &coll.kind {
        NodeKind::Array(a) => Some(
            a.iter()
                .enumerate()
                .map(|(i, v)| (num_node(i as f64, v.span), v.clone()))
                .collect(),
        ),
        NodeKind::Object(o) => Some(
            o.iter()
                .map(|(k, v)| (str_node(k.name.clone(), k.span), v.clone()))
                .collect(),
        ),
        NodeKind::Null => Some(vec![]),
        _ => None,
    }
}
