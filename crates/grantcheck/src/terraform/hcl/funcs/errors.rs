//! `try` and `can`: functions that look at whether their arguments can be evaluated.

use hcl_edit::expr::Expression;

use super::Call;
use crate::base::value::{Node, NodeKind};
use crate::terraform::hcl::eval::{combine_unknown, is_invalid, is_known, unknown};

pub(super) fn r#try(c: &mut Call<'_, '_>, args: &[&Expression]) -> Node {
    let mut last = None;
    for a in args {
        let v = c.ev.eval(c.sc, a);
        if !is_invalid(&v) {
            return v;
        }
        last = Some(v);
    }
    last.unwrap_or_else(|| unknown("try() without arguments", vec![], c.span))
}

pub(super) fn can(c: &mut Call<'_, '_>, args: &[&Expression]) -> Node {
    let span = c.span;
    let v = args.first().map(|a| c.ev.eval(c.sc, a));
    match v {
        Some(v) if is_invalid(&v) => Node::new(NodeKind::Bool(false), span),
        Some(v) if !is_known(&v) => combine_unknown(&[&v], span),
        _ => Node::new(NodeKind::Bool(true), span),
    }
}

#[cfg(test)]
mod tests {
    use crate::terraform::hcl::eval::testing::{json, value, value_in};
    use serde_json::json;

    #[test]
    fn try_and_can_look_at_whether_their_arguments_can_be_evaluated() {
        assert_eq!(json(&value("try({}.missing, \"d\")")), json!("d"));
        assert_eq!(json(&value("can({}.missing)")), json!(false));
        assert_eq!(json(&value("can(1)")), json!(true));
        let rest = "variable \"id\" {}\n";
        assert!(value_in("can(var.id)", rest).as_unknown().is_some());
    }
}
