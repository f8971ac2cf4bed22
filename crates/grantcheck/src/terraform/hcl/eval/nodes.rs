//! Values as the evaluator makes and reads them: unknowns (with their origin and references),
//! invalid values (evaluation errors `try` moves past), strings, numbers, objects, and the
//! entries a collection iterates over.

use crate::base::source::Span;
use crate::base::value::{Key, Node, NodeKind, TextMap};
pub use crate::base::value::{combine_unknown, first_unknown, is_known, refs_in, unknown};

/// An unknown that stands for an evaluation error (`try` moves past it).
pub(super) fn invalid(what: impl Into<String>, span: Span) -> Node {
    unknown(format!("invalid: {}", what.into()), vec![], span)
}

pub fn is_invalid(n: &Node) -> bool {
    n.as_unknown()
        .is_some_and(|u| u.origin_text().starts_with("invalid: "))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::value::Ref;

    fn at(start: usize, end: usize) -> Span {
        Span::new(0, start, end)
    }

    #[test]
    fn numbers_are_written_as_terraform_writes_them() {
        let text = |x: f64| match num_node(x, at(0, 0)).kind {
            NodeKind::Number(n) => n.to_string(),
            _ => unreachable!(),
        };
        assert_eq!(text(3.0), "3");
        assert_eq!(text(-2.0), "-2");
        assert_eq!(text(0.5), "0.5");
        assert_eq!(as_f64(&str_node(" 42 ", at(0, 0))), Some(42.0));
    }

    #[test]
    fn an_unknown_made_of_parts_keeps_their_references_and_the_first_origin() {
        let r = |a: &str| Ref {
            address: a.to_string(),
            attr: Some("arn".to_string()),
            index: None,
        };
        let a = unknown("first reason", vec![r("aws_iam_role.a")], at(0, 1));
        let b = Node::new(
            NodeKind::Array(vec![
                str_node("known", at(2, 3)),
                unknown(
                    "second reason",
                    vec![r("aws_iam_role.b"), r("aws_iam_role.a")],
                    at(3, 4),
                ),
            ]),
            at(2, 5),
        );
        let u = combine_unknown(&[&a, &b], at(0, 9));
        assert_eq!(u.span, at(0, 9));
        let x = u.as_unknown().unwrap();
        assert_eq!(x.origin_text(), "first reason");
        let refs: Vec<&str> = x.refs.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(refs, ["aws_iam_role.a", "aws_iam_role.b"]);
        assert!(!is_known(&b));
        assert!(is_invalid(&invalid("bad", at(0, 0))));
        assert!(!is_invalid(&a));
    }

    #[test]
    fn collections_iterate_by_index_or_key_and_other_values_do_not() {
        let list = Node::new(
            NodeKind::Array(vec![str_node("a", at(1, 2)), str_node("b", at(3, 4))]),
            at(0, 5),
        );
        let e = collection_entries(&list).unwrap();
        assert_eq!(e[1].0.to_json(), serde_json::json!(1));
        assert_eq!(e[1].1.to_json(), serde_json::json!("b"));
        let map = obj(vec![("k".to_string(), str_node("v", at(0, 1)))], at(0, 1));
        let e = collection_entries(&map).unwrap();
        assert_eq!(e[0].0.to_json(), serde_json::json!("k"));
        assert_eq!(
            collection_entries(&Node::new(NodeKind::Null, at(0, 0)))
                .unwrap()
                .len(),
            0
        );
        assert!(collection_entries(&str_node("s", at(0, 1))).is_none());
    }
}
