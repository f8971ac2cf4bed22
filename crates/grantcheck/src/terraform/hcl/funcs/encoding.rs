//! Encoding functions: `jsonencode` (which keeps the document it encodes, with the spans of
//! its parts, for policies to be read from) and `jsondecode`.

use hcl_edit::expr::Expression;

use super::Call;
use crate::base::json::{self, Placement};
use crate::base::source::Span;
use crate::base::value::{Node, NodeKind};
use crate::terraform::hcl::eval::{Evaluator, Scope, str_node, unknown};
use crate::terraform::hcl::text::to_json_text;

/// `jsonencode`, which looks at its argument before evaluating it: JSON text given to it is
/// encoded twice.
pub(super) fn jsonencode_call(c: &mut Call<'_, '_>, args: &[&Expression]) -> Node {
    if args.len() == 1 && is_json_text(c.ev, c.sc, args[0], 0) {
        let v = c.ev.eval(c.sc, args[0]);
        return double_encoded(v, c.span);
    }
    let vals = c.eval_all(args);
    jsonencode(c, vals)
}

fn jsonencode(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    match vals.into_iter().next() {
        // the value itself: policies read it as a document, with the spans of its parts
        Some(mut v) => {
            sort_keys(&mut v);
            if matches!(v.kind, NodeKind::String(_)) {
                return match to_json_text(&v) {
                    Some(t) => str_node(t, c.span),
                    None => c.unknown_result(&[v]),
                };
            }
            v
        }
        None => unknown("jsonencode() without an argument", vec![], c.span),
    }
}

pub(super) fn jsondecode(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    match vals.into_iter().next() {
        Some(v) => match &v.kind {
            NodeKind::String(s) => match json::parse(&s.value, Placement::of_string(s, v.span)) {
                Ok(n) => n,
                Err(e) => unknown(
                    format!("invalid: jsondecode: {}", e.message),
                    vec![],
                    e.span,
                ),
            },
            NodeKind::Object(_) | NodeKind::Array(_) => v,
            _ => c.unknown_result(&[v]),
        },
        None => unknown("jsondecode() without an argument", vec![], c.span),
    }
}

/// Is the expression's value a string of JSON text, although the evaluator holds it as the
/// document it encodes? (`data.aws_iam_policy_document.x.json`, `jsonencode(…)`, and locals
/// and parentheses around them.) `jsonencode` of it encodes the policy twice.
fn is_json_text(ev: &Evaluator<'_>, sc: &Scope, e: &Expression, depth: usize) -> bool {
    use hcl_edit::expr::TraversalOperator as Op;
    if depth > 16 {
        return false;
    }
    match e {
        Expression::Parenthesis(p) => is_json_text(ev, sc, p.inner(), depth + 1),
        Expression::FuncCall(f) => matches!(f.name.name.as_str(), "jsonencode"),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return false;
            };
            let ops: Vec<&Op> = t.operators.iter().map(|o| o.value()).collect();
            let attr = |i: usize| match ops.get(i) {
                Some(Op::GetAttr(a)) => Some(a.as_str()),
                _ => None,
            };
            match root.as_str() {
                "data" => {
                    attr(0) == Some("aws_iam_policy_document")
                        && attr(1).is_some()
                        && ops
                            .get(2)
                            .map(|o| match o {
                                Op::Index(_) | Op::LegacyIndex(_) => attr(3),
                                _ => attr(2),
                            })
                            .is_some_and(|a| matches!(a, Some("json" | "minified_json")))
                }
                "local" if ops.len() == 1 => attr(0)
                    .and_then(|name| ev.module_of(sc.inst).locals.get(name).copied())
                    .is_some_and(|(a, file)| {
                        let lsc = Scope {
                            inst: sc.inst,
                            file,
                            bind: vec![],
                        };
                        is_json_text(ev, &lsc, &a.value, depth + 1)
                    }),
                _ => false,
            }
        }
        _ => false,
    }
}

/// `jsonencode` of JSON text: a JSON string that holds the policy JSON, which AWS refuses.
/// When the text has unknown parts, what it encodes is still a JSON object in a string.
fn double_encoded(v: Node, span: Span) -> Node {
    let inner = to_json_text(&v).unwrap_or_else(|| "{}".to_string());
    let mut n = str_node(
        to_json_text(&str_node(inner, span)).unwrap_or_default(),
        span,
    );
    n.sensitive = v.any_sensitive();
    n
}

/// Sorts object keys, as `jsonencode` writes them.
fn sort_keys(n: &mut Node) {
    match &mut n.kind {
        NodeKind::Object(o) => {
            o.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            o.iter_mut().for_each(|(_, v)| sort_keys(v));
        }
        NodeKind::Array(a) => a.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::terraform::hcl::eval::testing::{json, value};
    use serde_json::json;

    #[test]
    fn jsonencode_keeps_the_document_and_encodes_json_text_twice() {
        let v = value("jsonencode({ b = 1, a = [\"x\"] })");
        assert_eq!(json(&v), json!({"a": ["x"], "b": 1}));
        assert_eq!(
            json(&value("jsonencode(jsonencode({ a = 1 }))")),
            json!("\"{\\\"a\\\":1}\"")
        );
        assert_eq!(
            json(&value("jsondecode(\"{\\\"k\\\": [1]}\")")),
            json!({"k": [1]})
        );
    }
}
