//! Collection functions: lists, sets and maps (`concat`, `merge`, `lookup`, `keys`, …).

use super::Call;
use crate::base::value::{Key, Node, NodeKind};
use crate::terraform::hcl::eval::{as_f64, is_known, num_node, str_node, unknown};
use crate::terraform::hcl::text::as_text;

pub(super) fn concat(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    let mut out = vec![];
    for v in &vals {
        match &v.kind {
            NodeKind::Array(a) => out.extend(a.iter().cloned()),
            _ => return c.unknown_result(&vals),
        }
    }
    Node::new(NodeKind::Array(out), c.span)
}

pub(super) fn merge(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    let mut out: Vec<(Key, Node)> = vec![];
    for v in &vals {
        match &v.kind {
            NodeKind::Object(o) => {
                for (k, x) in o {
                    out.retain(|(kk, _)| kk.name != k.name);
                    out.push((k.clone(), x.clone()));
                }
            }
            NodeKind::Null => {}
            _ => return c.unknown_result(&vals),
        }
    }
    Node::new(NodeKind::Object(out), c.span)
}

pub(super) fn tolist(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    match vals.first() {
        None => unknown("a function needs an argument", vec![], c.span),
        Some(v) if matches!(v.kind, NodeKind::Array(_)) => v.clone(),
        Some(_) => c.unknown_result(&vals),
    }
}

pub(super) fn toset(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    unique(c, vals, true)
}

pub(super) fn distinct(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    unique(c, vals, false)
}

/// The elements of a list without repeats (unknown ones kept), sorted as a set when `sorted`
/// and all are known.
fn unique(c: &mut Call<'_, '_>, vals: Vec<Node>, sorted: bool) -> Node {
    let Some(v) = vals.first() else {
        return unknown("a function needs an argument", vec![], c.span);
    };
    match &v.kind {
        NodeKind::Array(a) => {
            let mut out: Vec<Node> = vec![];
            for x in a {
                if !is_known(x) || !out.iter().any(|o| o.to_json() == x.to_json()) {
                    out.push(x.clone());
                }
            }
            if sorted && out.iter().all(is_known) {
                out.sort_by_key(|x| as_text(x).unwrap_or_default());
            }
            Node::new(NodeKind::Array(out), v.span)
        }
        _ => c.unknown_result(&vals),
    }
}

pub(super) fn tomap(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    vals.into_iter()
        .next()
        .unwrap_or_else(|| unknown("tomap() without an argument", vec![], c.span))
}

pub(super) fn flatten(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    fn flat(n: &Node, out: &mut Vec<Node>) {
        match &n.kind {
            NodeKind::Array(a) => a.iter().for_each(|x| flat(x, out)),
            _ => out.push(n.clone()),
        }
    }
    let mut out = vec![];
    match vals.first() {
        Some(v) if matches!(v.kind, NodeKind::Array(_)) => flat(v, &mut out),
        _ => return c.unknown_result(&vals),
    }
    Node::new(NodeKind::Array(out), c.span)
}

pub(super) fn coalesce(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    for v in &vals {
        match &v.kind {
            // whether it is null or empty is not known
            NodeKind::Unknown(_) => return c.unknown_result(&vals),
            NodeKind::Null => {}
            NodeKind::String(s) if s.value.is_empty() => {}
            // a document or list with unknown parts is still neither null nor empty
            NodeKind::Array(_) | NodeKind::Object(_) => return v.clone(),
            _ if as_text(v).is_some_and(|t| !t.is_empty()) => return v.clone(),
            _ => {}
        }
    }
    unknown("invalid: coalesce: no non-null argument", vec![], c.span)
}

pub(super) fn coalescelist(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    vals.iter()
        .find(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        .cloned()
        .unwrap_or_else(|| Node::new(NodeKind::Array(vec![]), c.span))
}

pub(super) fn compact(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    match vals.first().and_then(Node::as_array) {
        Some(a) => Node::new(
            NodeKind::Array(
                a.iter()
                    .filter(|x| !x.is_null() && as_text(x).is_some_and(|t| !t.is_empty()))
                    .cloned()
                    .collect(),
            ),
            c.span,
        ),
        None => c.unknown_result(&vals),
    }
}

pub(super) fn lookup(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    let span = c.span;
    let (Some(m), Some(k)) = (vals.first(), vals.get(1)) else {
        return unknown("invalid: lookup needs a map and a key", vec![], span);
    };
    if !is_known(k) {
        return c.unknown_result(&vals);
    }
    let key = as_text(k).unwrap_or_default();
    match &m.kind {
        NodeKind::Object(_) => match m.get(&key) {
            Some(v) => v.clone(),
            None => vals.get(2).cloned().unwrap_or_else(|| {
                // (a key the configuration marks sensitive is not quoted)
                let shown = if k.sensitive {
                    "(sensitive value)"
                } else {
                    &key
                };
                unknown(format!("invalid: no key {shown}"), vec![], span)
            }),
        },
        NodeKind::Unknown(_) => m.clone(),
        _ => unknown("invalid: lookup needs a map", vec![], span),
    }
}

pub(super) fn element(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    let (Some(a), Some(i)) = (
        vals.first().and_then(Node::as_array),
        vals.get(1).and_then(as_f64),
    ) else {
        return c.unknown_result(&vals);
    };
    if a.is_empty() {
        return unknown("invalid: element of an empty list", vec![], c.span);
    }
    a[(i.max(0.0) as usize) % a.len()].clone()
}

pub(super) fn length(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    match vals.first().map(|v| &v.kind) {
        Some(NodeKind::Array(a)) => num_node(a.len() as f64, c.span),
        Some(NodeKind::Object(o)) => num_node(o.len() as f64, c.span),
        Some(NodeKind::String(s)) => num_node(s.value.chars().count() as f64, c.span),
        _ => c.unknown_result(&vals),
    }
}

pub(super) fn keys(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    members(c, vals, |k, _| str_node(k.name.clone(), k.span))
}

pub(super) fn values(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    members(c, vals, |_, v| v.clone())
}

/// A list made of each member of an object, in the order of their keys.
fn members(c: &mut Call<'_, '_>, vals: Vec<Node>, f: impl Fn(&Key, &Node) -> Node) -> Node {
    match vals.first().and_then(Node::as_object) {
        Some(o) => {
            let mut members: Vec<&(Key, Node)> = o.iter().collect();
            members.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            let items = members.into_iter().map(|(k, v)| f(k, v)).collect();
            Node::new(NodeKind::Array(items), c.span)
        }
        None => c.unknown_result(&vals),
    }
}

pub(super) fn contains(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    match (vals.first().and_then(Node::as_array), vals.get(1)) {
        (Some(a), Some(x)) => Node::new(
            NodeKind::Bool(a.iter().any(|y| y.to_json() == x.to_json())),
            c.span,
        ),
        _ => c.unknown_result(&vals),
    }
}

pub(super) fn anytrue(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    bools(c, vals, |b| b.contains(&true))
}

pub(super) fn alltrue(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    bools(c, vals, |b| !b.contains(&false))
}

/// A test of a list of bools.
fn bools(c: &mut Call<'_, '_>, vals: Vec<Node>, f: impl FnOnce(&[bool]) -> bool) -> Node {
    match vals.first().and_then(Node::as_array) {
        Some(a) => {
            let bools: Option<Vec<bool>> = a.iter().map(Node::as_bool).collect();
            match bools {
                Some(b) => Node::new(NodeKind::Bool(f(&b)), c.span),
                None => unknown(
                    "invalid: anytrue() and alltrue() take a list of bools",
                    vec![],
                    c.span,
                ),
            }
        }
        None => c.unknown_result(&vals),
    }
}

pub(super) fn one(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    match vals.first().and_then(Node::as_array) {
        Some([]) => Node::new(NodeKind::Null, c.span),
        Some([x]) => x.clone(),
        Some(_) => unknown("invalid: one() of more than one element", vec![], c.span),
        None => c.unknown_result(&vals),
    }
}

pub(super) fn sort(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    match vals.first().and_then(Node::as_array) {
        Some(a) => {
            let mut items = a.to_vec();
            items.sort_by_key(|x| as_text(x).unwrap_or_default());
            Node::new(NodeKind::Array(items), c.span)
        }
        None => c.unknown_result(&vals),
    }
}

#[cfg(test)]
mod tests {
    use crate::terraform::hcl::eval::testing::{json, value};
    use serde_json::json;

    #[test]
    fn collection_functions() {
        assert_eq!(
            json(&value("merge({ a = 1, b = 1 }, null, { b = 2 })")),
            json!({"a": 1, "b": 2})
        );
        assert_eq!(json(&value("concat([1], [2, 3])")), json!([1, 2, 3]));
        assert_eq!(
            json(&value("toset([\"b\", \"a\", \"b\"])")),
            json!(["a", "b"])
        );
        assert_eq!(json(&value("lookup({ a = 1 }, \"b\", 0)")), json!(0));
        assert_eq!(json(&value("keys({ b = 1, a = 2 })")), json!(["a", "b"]));
        assert_eq!(json(&value("values({ b = 1, a = 2 })")), json!([2, 1]));
        assert_eq!(json(&value("element([\"a\", \"b\"], 3)")), json!("b"));
        assert_eq!(json(&value("flatten([[1], [[2]]])")), json!([1, 2]));
        assert_eq!(json(&value("coalesce(\"\", null, \"x\")")), json!("x"));
        assert_eq!(json(&value("one([\"only\"])")), json!("only"));
        assert_eq!(json(&value("alltrue([true, 1 == 1])")), json!(true));
    }
}
