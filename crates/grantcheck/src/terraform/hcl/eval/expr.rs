//! Expressions: literals, collections, operators, conditionals, `for` expressions, and
//! traversals (attribute, index and splat operators; `var.`, `local.`, `module.`, `data.` and
//! resource references are resolved by their own modules).

use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::Template;

use super::nodes::{
    as_f64, collection_entries, combine_unknown, invalid, is_known, num_node, str_node, unknown,
};
use super::template::TplKind;
use super::{Evaluator, Scope};
use crate::base::source::Span;
use crate::base::value::{Key, Node, NodeKind};
use crate::terraform::hcl;
use crate::terraform::hcl::text::as_text;

/// Element `k` of `v`. As Terraform marks it, the element picked by a sensitive key is
/// sensitive.
pub(super) fn index(v: &Node, k: &Node, span: Span) -> Node {
    let mut picked = index_unmarked(v, k, span);
    if k.any_sensitive() {
        picked.mark_sensitive();
    }
    picked
}

pub(super) fn index_unmarked(v: &Node, k: &Node, span: Span) -> Node {
    if !is_known(k) {
        return combine_unknown(&[k], span);
    }
    match &v.kind {
        NodeKind::Array(a) => match as_f64(k) {
            Some(i) if i >= 0.0 && (i as usize) < a.len() => a[i as usize].clone(),
            _ => invalid("index out of range", span),
        },
        NodeKind::Object(_) => match as_text(k).and_then(|name| v.get(&name).cloned()) {
            Some(x) => x,
            None => invalid("no such key", span),
        },
        NodeKind::Unknown(_) => v.clone(),
        _ => invalid("cannot index this value", span),
    }
}

pub(super) fn binary(op: BinaryOperator, l: &Node, r: &Node, span: Span) -> Node {
    use BinaryOperator as B;
    let b = |x: bool| Node::new(NodeKind::Bool(x), span);
    // whether a value is null is known when the value itself is there, whatever its parts
    if matches!(op, B::Eq | B::NotEq) {
        let null_and_other =
            |x: &Node, y: &Node| x.is_null() && !matches!(y.kind, NodeKind::Unknown(_));
        if null_and_other(l, r) || null_and_other(r, l) {
            let equal = l.is_null() && r.is_null();
            return b(if op == B::Eq { equal } else { !equal });
        }
    }
    if !is_known(l) || !is_known(r) {
        return combine_unknown(&[l, r], span);
    }
    match op {
        B::Eq => b(l.to_json() == r.to_json() || as_text(l) == as_text(r) && both_scalar(l, r)),
        B::NotEq => {
            b(!(l.to_json() == r.to_json() || as_text(l) == as_text(r) && both_scalar(l, r)))
        }
        B::And | B::Or => match (l.as_bool(), r.as_bool()) {
            (Some(x), Some(y)) => b(if op == B::And { x && y } else { x || y }),
            _ => invalid("&& and || need booleans", span),
        },
        _ => match (as_f64(l), as_f64(r)) {
            (Some(x), Some(y)) => match op {
                B::Plus => num_node(x + y, span),
                B::Minus => num_node(x - y, span),
                B::Mul => num_node(x * y, span),
                B::Div if y != 0.0 => num_node(x / y, span),
                B::Mod if y != 0.0 => num_node(x % y, span),
                B::Less => b(x < y),
                B::LessEq => b(x <= y),
                B::Greater => b(x > y),
                B::GreaterEq => b(x >= y),
                _ => invalid("division by zero", span),
            },
            _ => invalid("arithmetic needs numbers", span),
        },
    }
}

pub(super) fn both_scalar(l: &Node, r: &Node) -> bool {
    let scalar = |n: &Node| {
        matches!(
            n.kind,
            NodeKind::String(_) | NodeKind::Number(_) | NodeKind::Bool(_)
        )
    };
    scalar(l) && scalar(r)
}

impl<'a> Evaluator<'a> {
    pub(super) fn eval_inner(&mut self, sc: &Scope, e: &Expression) -> Node {
        let span = self.span(sc.file, e.span());
        match e {
            Expression::Null(_) => Node::new(NodeKind::Null, span),
            Expression::Bool(b) => Node::new(NodeKind::Bool(*b.value()), span),
            Expression::Number(n) => {
                Node::new(NodeKind::Number(n.value().to_string().into()), span)
            }
            Expression::String(s) => {
                if !self.json_strings.is_empty()
                    && let Some(v) = self.json_string(sc, span)
                {
                    return v;
                }
                self.quoted_string(sc.file, s.value(), span)
            }
            Expression::Array(a) => {
                let items = a.iter().map(|x| self.eval(sc, x)).collect();
                Node::new(NodeKind::Array(items), span)
            }
            Expression::Object(o) => {
                let mut members: Vec<(Key, Node)> = vec![];
                for (k, v) in o.iter() {
                    let (name, kspan) = match k {
                        ObjectKey::Ident(i) => {
                            (Some(i.as_str().to_string()), self.span(sc.file, i.span()))
                        }
                        ObjectKey::Expression(x) => {
                            let kn = self.eval(sc, x);
                            (as_text(&kn).filter(|_| is_known(&kn)), kn.span)
                        }
                    };
                    let val = self.eval(sc, v.expr());
                    match name {
                        Some(name) => {
                            members.retain(|(k, _)| k.name != name);
                            members.push((
                                Key {
                                    name: name.into(),
                                    span: kspan,
                                },
                                val,
                            ));
                        }
                        None => {
                            return unknown(
                                "an object key is not known before apply",
                                vec![],
                                span,
                            );
                        }
                    }
                }
                Node::new(NodeKind::Object(members), span)
            }
            Expression::StringTemplate(t) => {
                let tpl: &Template = t;
                self.template(sc, tpl, span, TplKind::Quoted)
            }
            Expression::HeredocTemplate(h) => {
                let kind = if h.indent().is_some() {
                    TplKind::IndentedHeredoc
                } else {
                    TplKind::Heredoc
                };
                self.template(sc, &h.template, span, kind)
            }
            Expression::Parenthesis(p) => self.eval(sc, p.inner()),
            Expression::Variable(v) => self.variable(sc, v.as_str(), span),
            Expression::Conditional(c) => {
                let cond = self.eval(sc, &c.cond_expr);
                match cond.as_bool() {
                    Some(true) => self.eval(sc, &c.true_expr),
                    Some(false) => self.eval(sc, &c.false_expr),
                    None => {
                        let t = self.eval(sc, &c.true_expr);
                        let f = self.eval(sc, &c.false_expr);
                        if is_known(&t) && t == f {
                            return t;
                        }
                        let mut u = combine_unknown(&[&cond, &t, &f], span);
                        if let NodeKind::Unknown(x) = &mut u.kind
                            && is_known(&cond)
                        {
                            Arc::make_mut(x).origin = "the condition is not a boolean".into();
                        }
                        u
                    }
                }
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.as_str().to_string();
                let args: Vec<&Expression> = f.args.iter().collect();
                hcl::funcs::call(self, sc, &name, &args, span)
            }
            Expression::Traversal(t) => self.traversal(sc, &t.expr, &t.operators, span),
            Expression::UnaryOp(u) => {
                let v = self.eval(sc, &u.expr);
                if !is_known(&v) {
                    return combine_unknown(&[&v], span);
                }
                match u.operator.value() {
                    UnaryOperator::Not => match v.as_bool() {
                        Some(b) => Node::new(NodeKind::Bool(!b), span),
                        None => invalid("! needs a boolean", span),
                    },
                    UnaryOperator::Neg => match as_f64(&v) {
                        Some(x) => num_node(-x, span),
                        None => invalid("- needs a number", span),
                    },
                }
            }
            Expression::BinaryOp(b) => {
                let l = self.eval(sc, &b.lhs_expr);
                let op = *b.operator.value();
                // short-circuit on known booleans
                if op == BinaryOperator::And && l.as_bool() == Some(false) {
                    return Node::new(NodeKind::Bool(false), span);
                }
                if op == BinaryOperator::Or && l.as_bool() == Some(true) {
                    return Node::new(NodeKind::Bool(true), span);
                }
                let r = self.eval(sc, &b.rhs_expr);
                binary(op, &l, &r, span)
            }
            Expression::ForExpr(f) => self.for_expr(sc, f, span),
        }
    }

    pub(super) fn variable(&mut self, sc: &Scope, name: &str, span: Span) -> Node {
        if let Some((_, v)) = sc.bind.iter().rev().find(|(n, _)| n == name) {
            return v.clone();
        }
        invalid(format!("unknown name {name}"), span)
    }

    pub(super) fn for_expr(&mut self, sc: &Scope, f: &hcl_edit::expr::ForExpr, span: Span) -> Node {
        let coll = self.eval(sc, &f.intro.collection_expr);
        let Some(entries) = collection_entries(&coll) else {
            return if coll.as_unknown().is_some() {
                combine_unknown(&[&coll], span)
            } else {
                invalid("a for expression needs a collection", span)
            };
        };
        let kv = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let vv = f.intro.value_var.as_str().to_string();
        let mut out_items = vec![];
        let mut out_members: Vec<(Key, Node)> = vec![];
        for (k, v) in entries {
            let mut inner = sc.clone();
            if let Some(kv) = &kv {
                inner.bind.push((kv.clone(), k.clone()));
            }
            inner.bind.push((vv.clone(), v.clone()));
            if let Some(c) = &f.cond {
                let cv = self.eval(&inner, &c.expr);
                match cv.as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return combine_unknown(&[&cv], span),
                }
            }
            let val = self.eval(&inner, &f.value_expr);
            match &f.key_expr {
                Some(ke) => {
                    let key = self.eval(&inner, ke);
                    let Some(name) = as_text(&key).filter(|_| is_known(&key)) else {
                        return combine_unknown(&[&key], span);
                    };
                    if f.grouping {
                        match out_members.iter_mut().find(|(k, _)| k.name == name) {
                            Some((_, arr)) => {
                                if let NodeKind::Array(a) = &mut arr.kind {
                                    a.push(val);
                                }
                            }
                            None => out_members.push((
                                Key {
                                    name: name.into(),
                                    span: key.span,
                                },
                                Node::new(NodeKind::Array(vec![val]), span),
                            )),
                        }
                    } else {
                        out_members.retain(|(k, _)| k.name != name);
                        out_members.push((
                            Key {
                                name: name.into(),
                                span: key.span,
                            },
                            val,
                        ));
                    }
                }
                None => out_items.push(val),
            }
        }
        if f.key_expr.is_some() {
            Node::new(NodeKind::Object(out_members), span)
        } else {
            Node::new(NodeKind::Array(out_items), span)
        }
    }

    pub(super) fn traversal(
        &mut self,
        sc: &Scope,
        root: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Node {
        let ops: Vec<&TraversalOperator> = ops.iter().map(|o| o.value()).collect();
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
            _ => None,
        };
        if let Expression::Variable(v) = root {
            let name = v.as_str();
            if !sc.bind.iter().any(|(n, _)| n == name) {
                match name {
                    "var" => {
                        if let Some(a) = attr(0) {
                            let val = self.var_value(sc.inst, &a, span);
                            return self.apply_ops(sc, val, &ops[1..], span);
                        }
                    }
                    "local" => {
                        if let Some(a) = attr(0) {
                            let val = self.local_value(sc.inst, &a, span);
                            return self.apply_ops(sc, val, &ops[1..], span);
                        }
                    }
                    "module" => {
                        if let Some(a) = attr(0) {
                            return self.module_ref(sc, &a, &ops[1..], span);
                        }
                    }
                    "data" => {
                        if let (Some(t), Some(n)) = (attr(0), attr(1)) {
                            return self.resource_ref(sc, true, &t, &n, &ops[2..], span);
                        }
                    }
                    "path" => {
                        let inst = &self.instances[sc.inst];
                        let dir = match attr(0).as_deref() {
                            Some("module") => self.modules[inst.module].dir.clone(),
                            _ => self.root_dir(sc.inst),
                        };
                        return str_node(dir, span);
                    }
                    "terraform" => return str_node("default", span),
                    "self" | "count" | "each" => {
                        return unknown(format!("{name} is not known here"), vec![], span);
                    }
                    _ => {
                        if let Some(n) = attr(0) {
                            return self.resource_ref(sc, false, name, &n, &ops[1..], span);
                        }
                    }
                }
            }
        }
        let base = self.eval(sc, root);
        self.apply_ops(sc, base, &ops, span)
    }

    /// Applies attribute, index and splat operators to a value.
    pub fn apply_ops(
        &mut self,
        sc: &Scope,
        mut v: Node,
        ops: &[&TraversalOperator],
        span: Span,
    ) -> Node {
        let mut i = 0;
        while i < ops.len() {
            if v.as_unknown().is_some() {
                return v;
            }
            match ops[i] {
                TraversalOperator::GetAttr(a) => {
                    v = match &v.kind {
                        NodeKind::Object(_) => match v.get(a.as_str()) {
                            Some(x) => x.clone(),
                            None => invalid(format!("no attribute {}", a.as_str()), span),
                        },
                        NodeKind::Null => invalid("attribute of null", span),
                        _ => invalid(format!("no attribute {}", a.as_str()), span),
                    };
                }
                TraversalOperator::Index(e) => {
                    let k = self.eval(sc, e);
                    v = index(&v, &k, span);
                }
                TraversalOperator::LegacyIndex(n) => {
                    let k = num_node(*n.value() as f64, span);
                    v = index(&v, &k, span);
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &ops[i + 1..];
                    let items: Vec<Node> = match &v.kind {
                        NodeKind::Array(a) => a.clone(),
                        NodeKind::Null => vec![],
                        _ => vec![v.clone()],
                    };
                    let out = items
                        .into_iter()
                        .map(|x| self.apply_ops(sc, x, rest, span))
                        .collect();
                    return Node::new(NodeKind::Array(out), span);
                }
            }
            i += 1;
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::base::value::NodeKind;
    use serde_json::json;

    #[test]
    fn operators_and_conditionals_compute_known_values() {
        assert_eq!(json(&value("1 + 2 * 3")), json!(7));
        assert_eq!(json(&value("7 / 2")), json!(3.5));
        assert_eq!(json(&value("!(1 < 2) || 3 >= 3")), json!(true));
        assert_eq!(
            json(&value("\"a\" == \"a\" ? \"yes\" : \"no\"")),
            json!("yes")
        );
        assert_eq!(json(&value("-(2)")), json!(-2));
    }

    #[test]
    fn an_unknown_operand_makes_an_unknown_that_keeps_its_origin_and_reference() {
        let v = value_in("var.id == \"x\" ? \"a\" : \"b\"", "variable \"id\" {}\n");
        assert!(
            origin(&v).starts_with("var.id has no value"),
            "{}",
            origin(&v)
        );
        let u = v.as_unknown().unwrap();
        assert_eq!(u.refs.len(), 1);
        assert_eq!(u.refs[0].address, "var.id");
        // both branches the same known value: the result is known
        let same = value_in(
            "var.id == \"x\" ? local.s : local.s",
            "variable \"id\" {}\nlocals {\n  s = \"s\"\n}\n",
        );
        assert_eq!(json(&same), json!("s"));
        // whether a value with unknown parts is null is known
        let null = value_in("{ a = var.id } == null", "variable \"id\" {}\n");
        assert_eq!(json(&null), json!(false));
    }

    #[test]
    fn for_expressions_filter_group_and_build_objects() {
        assert_eq!(
            json(&value("[for x in [1, 2, 3] : x * 10 if x > 1]")),
            json!([20, 30])
        );
        assert_eq!(
            json(&value("{ for k, v in { a = \"1\", b = \"2\" } : v => k }")),
            json!({"1": "a", "2": "b"})
        );
        // a key not known makes the object unknown
        assert!(matches!(
            value("{ for s in [\"a\"] : lookup({}, s) => s }").kind,
            NodeKind::Unknown(_)
        ));
        assert_eq!(
            json(&value(
                "{ for o in [{ k = \"a\", v = 1 }, { k = \"a\", v = 2 }, { k = \"b\", v = 3 }] : o.k => o.v... }"
            )),
            json!({"a": [1, 2], "b": [3]})
        );
    }

    #[test]
    fn index_attribute_and_splat_operators_pick_values_with_their_spans() {
        let (v, text) = value_and_text("[{ a = \"x\" }, { a = \"y\" }][*].a", "");
        assert_eq!(json(&v), json!(["x", "y"]));
        let items = v.as_array().unwrap();
        assert_eq!(spanned(&text, &items[1]), "\"y\"");
        assert_eq!(json(&value("{ a = { b = 2 } }.a.b")), json!(2));
        assert_eq!(json(&value("{ k = \"v\" }[\"k\"]")), json!("v"));
        assert_eq!(json(&value("[10, 20][1]")), json!(20));
        // an index out of range is an error try moves past
        assert_eq!(json(&value("try([1][5], \"fallback\")")), json!("fallback"));
        assert!(matches!(value("[1][5]").kind, NodeKind::Unknown(_)));
    }
}
