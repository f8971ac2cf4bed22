//! Number functions: `max`, `min`, `range`.

use super::Call;
use crate::base::value::{Node, NodeKind};
use crate::terraform::hcl::eval::{as_f64, num_node, unknown};

pub(super) fn max(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    fold(c, vals, f64::max)
}

pub(super) fn min(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    fold(c, vals, f64::min)
}

/// The arguments, all numbers, folded with `pick`.
fn fold(c: &mut Call<'_, '_>, vals: Vec<Node>, pick: fn(f64, f64) -> f64) -> Node {
    let nums: Option<Vec<f64>> = vals.iter().map(as_f64).collect();
    match nums.filter(|n| !n.is_empty()) {
        Some(n) => {
            let first = n[0];
            num_node(n.into_iter().fold(first, pick), c.span)
        }
        None => c.unknown_result(&vals),
    }
}

pub(super) fn range(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    let span = c.span;
    let nums: Option<Vec<f64>> = vals.iter().map(as_f64).collect();
    let (start, limit, step) = match nums.as_deref() {
        Some([l]) => (0.0, *l, 1.0),
        Some([s, l]) => (*s, *l, if s <= l { 1.0 } else { -1.0 }),
        Some([s, l, st]) => (*s, *l, *st),
        _ => return c.unknown_result(&vals),
    };
    // (Terraform refuses a step that never reaches the limit and more than 1,024 values)
    if step == 0.0 || (limit - start) / step > 1024.0 {
        return unknown("invalid: range() of more than 1,024 values", vec![], span);
    }
    let mut items = vec![];
    let mut x = start;
    while (step > 0.0 && x < limit) || (step < 0.0 && x > limit) {
        items.push(num_node(x, span));
        x += step;
    }
    Node::new(NodeKind::Array(items), span)
}

#[cfg(test)]
mod tests {
    use crate::terraform::hcl::eval::testing::{json, origin, value};
    use serde_json::json;

    #[test]
    fn number_functions() {
        assert_eq!(json(&value("max(1, 5, 3)")), json!(5));
        assert_eq!(json(&value("range(1, 4)")), json!([1, 2, 3]));
        assert_eq!(json(&value("min(4, 2.5)")), json!(2.5));
        assert_eq!(json(&value("range(3, 0)")), json!([3, 2, 1]));
        assert_eq!(
            origin(&value("range(0, 5000)")),
            "invalid: range() of more than 1,024 values"
        );
    }
}
