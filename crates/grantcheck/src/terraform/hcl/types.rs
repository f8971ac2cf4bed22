//! Type constraints of input variables (`type = list(object({ a = optional(string, "x") }))`)
//! and the conversion Terraform applies to a variable's value: optional object attributes are
//! filled with their default or null, attributes the type does not name are dropped, numbers and
//! bools given for strings become strings, and a value that does not fit is refused, as
//! Terraform refuses it.

use hcl_edit::expr::{Expression, ObjectKey};

use crate::base::source::Span;
use crate::base::value::{Key, Node, NodeKind, TextMap};

/// A type constraint.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(Vec<Attr>),
}

/// An attribute of an object type.
#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
    /// `optional(T, DEFAULT)`: the default, already evaluated.
    pub default: Option<Node>,
}

/// Reads a type constraint; `constant` evaluates the defaults of optional attributes. `None`
/// for an expression that is not a type (the variable is then taken as it is given).
pub fn parse(e: &Expression, constant: &mut dyn FnMut(&Expression) -> Node) -> Option<Type> {
    parse_at(e, constant, 0)
}

/// Type constraints nest this deep at the most.
const MAX_DEPTH: usize = 32;

fn parse_at(
    e: &Expression,
    constant: &mut dyn FnMut(&Expression) -> Node,
    depth: usize,
) -> Option<Type> {
    if depth > MAX_DEPTH {
        return None;
    }
    match e {
        Expression::Variable(v) => match v.as_str() {
            "any" => Some(Type::Any),
            "string" => Some(Type::String),
            "number" => Some(Type::Number),
            "bool" => Some(Type::Bool),
            _ => None,
        },
        Expression::FuncCall(f) => {
            let args: Vec<&Expression> = f.args.iter().collect();
            let one = |c: &mut dyn FnMut(&Expression) -> Node| {
                args.first()
                    .and_then(|a| parse_at(a, c, depth + 1))
                    .map(Box::new)
            };
            match f.name.name.as_str() {
                "list" => one(constant).map(Type::List),
                "set" => one(constant).map(Type::Set),
                "map" => one(constant).map(Type::Map),
                "tuple" => match args.first() {
                    Some(Expression::Array(a)) => a
                        .iter()
                        .map(|x| parse_at(x, constant, depth + 1))
                        .collect::<Option<Vec<_>>>()
                        .map(Type::Tuple),
                    _ => None,
                },
                "object" => match args.first() {
                    Some(Expression::Object(o)) => {
                        let mut attrs = vec![];
                        for (k, v) in o.iter() {
                            let name = match k {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => {
                                    s.value().to_string()
                                }
                                ObjectKey::Expression(_) => return None,
                            };
                            attrs.push(attr(name, v.expr(), constant, depth + 1)?);
                        }
                        Some(Type::Object(attrs))
                    }
                    _ => None,
                },
                _ => None,
            }
        }
        Expression::Parenthesis(p) => parse_at(p.inner(), constant, depth + 1),
        _ => None,
    }
}

fn attr(
    name: String,
    e: &Expression,
    constant: &mut dyn FnMut(&Expression) -> Node,
    depth: usize,
) -> Option<Attr> {
    if let Expression::FuncCall(f) = e
        && f.name.name.as_str() == "optional"
    {
        let args: Vec<&Expression> = f.args.iter().collect();
        let ty = parse_at(args.first()?, constant, depth + 1)?;
        let default = args.get(1).map(|d| constant(d));
        return Some(Attr {
            name,
            ty,
            optional: true,
            default,
        });
    }
    Some(Attr {
        name,
        ty: parse_at(e, constant, depth)?,
        optional: false,
        default: None,
    })
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(_) => f.write_str("tuple([...])"),
            Type::Object(_) => f.write_str("object({...})"),
        }
    }
}

/// What kind of value a node is, in Terraform's words.
fn kind_of(n: &Node) -> &'static str {
    match &n.kind {
        NodeKind::Null => "null",
        NodeKind::Bool(_) => "a bool",
        NodeKind::Number(_) => "a number",
        NodeKind::String(_) => "a string",
        NodeKind::Array(_) => "a list",
        NodeKind::Object(_) => "an object",
        NodeKind::Unknown(_) => "an unknown value",
    }
}

/// Converts `v` to type `ty` as Terraform converts a variable's value. The error says where in
/// the value (`[0].principals`) what was given and what the type wants, never the value itself.
pub fn convert(v: Node, ty: &Type) -> Result<Node, String> {
    convert_at(v, ty, &mut String::new())
}

fn convert_at(mut v: Node, ty: &Type, at: &mut String) -> Result<Node, String> {
    if matches!(v.kind, NodeKind::Unknown(_) | NodeKind::Null) || *ty == Type::Any {
        return Ok(v);
    }
    let refuse = |v: &Node, at: &str| {
        let place = if at.is_empty() {
            String::new()
        } else {
            format!(" at {at}")
        };
        Err(format!(
            "{} is given{place} where the type is {ty}",
            kind_of(v)
        ))
    };
    match ty {
        Type::Any => Ok(v),
        Type::String => match &v.kind {
            NodeKind::String(_) => Ok(v),
            NodeKind::Number(n) => Ok(retype(&v, n.to_string())),
            NodeKind::Bool(b) => Ok(retype(&v, b.to_string())),
            _ => refuse(&v, at),
        },
        Type::Number => match &v.kind {
            NodeKind::Number(_) => Ok(v),
            NodeKind::String(s) if s.value.trim().parse::<f64>().is_ok() => Ok(v),
            _ => refuse(&v, at),
        },
        Type::Bool => match &v.kind {
            NodeKind::Bool(_) => Ok(v),
            NodeKind::String(s) if s.value == "true" || s.value == "false" => Ok(v),
            _ => refuse(&v, at),
        },
        Type::List(t) | Type::Set(t) => match &mut v.kind {
            NodeKind::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    convert_in(item, t, at, &format!("[{i}]"))?;
                }
                Ok(v)
            }
            _ => refuse(&v, at),
        },
        Type::Tuple(ts) => match &mut v.kind {
            NodeKind::Array(items) if items.len() == ts.len() => {
                for (i, (item, t)) in items.iter_mut().zip(ts).enumerate() {
                    convert_in(item, t, at, &format!("[{i}]"))?;
                }
                Ok(v)
            }
            _ => refuse(&v, at),
        },
        Type::Map(t) => match &mut v.kind {
            NodeKind::Object(members) => {
                for (k, item) in members.iter_mut() {
                    // (a key of a sensitive value is part of the value: never named)
                    let step = if item.sensitive {
                        "[(sensitive key)]".to_string()
                    } else {
                        format!("[\"{}\"]", k.name)
                    };
                    convert_in(item, t, at, &step)?;
                }
                Ok(v)
            }
            _ => refuse(&v, at),
        },
        Type::Object(attrs) => {
            let span = v.span;
            let sensitive = v.sensitive;
            let NodeKind::Object(members) = &mut v.kind else {
                return refuse(&v, at);
            };
            let mut given = std::mem::take(members);
            let mut out = Vec::with_capacity(attrs.len());
            for a in attrs {
                let len = at.len();
                at.push('.');
                at.push_str(&a.name);
                match given.iter().position(|(k, _)| k.name == a.name) {
                    Some(i) => {
                        let (k, item) = given.swap_remove(i);
                        let item = match (&item.kind, &a.default) {
                            (NodeKind::Null, Some(d)) => d.clone(),
                            _ => item,
                        };
                        out.push((k, convert_at(item, &a.ty, at)?));
                    }
                    None if a.optional => {
                        let mut item = match &a.default {
                            Some(d) => convert_at(d.clone(), &a.ty, at)?,
                            None => Node::new(NodeKind::Null, span),
                        };
                        if sensitive {
                            item.mark_sensitive();
                        }
                        out.push((
                            Key {
                                name: a.name.as_str().into(),
                                span,
                            },
                            item,
                        ));
                    }
                    None => {
                        let place = at.trim_end_matches(&format!(".{}", a.name)).to_string();
                        let place = if place.is_empty() {
                            String::new()
                        } else {
                            format!(" at {place}")
                        };
                        return Err(format!(
                            "the object given{place} has no attribute {}, which the type requires",
                            a.name
                        ));
                    }
                }
                at.truncate(len);
            }
            *members = out;
            Ok(v)
        }
    }
}

/// Converts an element in place; `step` is where it is in its collection (`[0]`).
fn convert_in(item: &mut Node, ty: &Type, at: &mut String, step: &str) -> Result<(), String> {
    let len = at.len();
    at.push_str(step);
    let taken = std::mem::replace(item, Node::new(NodeKind::Null, Span::default()));
    *item = convert_at(taken, ty, at)?;
    at.truncate(len);
    Ok(())
}

/// A number or bool given for a string: the same value as a string, where it was written.
fn retype(v: &Node, text: String) -> Node {
    let mut n = Node::string(text, v.span, TextMap::Collapsed);
    n.sensitive = v.sensitive;
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> Type {
        let e = hcl_edit::parser::parse_expr(src).expect("a type expression");
        let mut constant = |e: &Expression| match e {
            Expression::String(s) => {
                Node::string(s.value().as_str(), Span::default(), TextMap::Collapsed)
            }
            _ => Node::new(NodeKind::Null, Span::default()),
        };
        parse(&e, &mut constant).expect("a type")
    }

    fn s(v: &str) -> Node {
        Node::string(v, Span::default(), TextMap::Collapsed)
    }

    fn obj(members: Vec<(&str, Node)>) -> Node {
        let members = members
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        crate::terraform::hcl::eval::obj(members, Span::default())
    }

    fn arr(items: Vec<Node>) -> Node {
        Node::new(NodeKind::Array(items), Span::default())
    }

    #[test]
    fn optional_attributes_are_filled_with_their_default_or_null() {
        let t = ty(
            "list(object({ sid = optional(string), effect = optional(string, \"Allow\"), actions = list(string) }))",
        );
        let v = convert(
            arr(vec![obj(vec![
                ("actions", arr(vec![s("kms:Decrypt")])),
                ("extra", s("x")),
            ])]),
            &t,
        )
        .expect("it fits");
        let NodeKind::Array(items) = &v.kind else {
            panic!("a list")
        };
        let o = items[0].as_object().expect("an object");
        let names: Vec<&str> = o.iter().map(|(k, _)| k.name.as_str()).collect();
        assert_eq!(names, ["sid", "effect", "actions"]);
        assert!(o[0].1.is_null());
        assert_eq!(o[1].1.as_str(), Some("Allow"));
    }

    #[test]
    fn a_value_that_does_not_fit_is_refused_with_where_and_why() {
        let t = ty("map(set(string))");
        let e = convert(s("arn:aws:iam::444455556666:root"), &t).expect_err("refused");
        assert_eq!(e, "a string is given where the type is map(set(string))");
        assert!(!e.contains("4444"));
        let t = ty("list(object({ actions = list(string) }))");
        let e = convert(arr(vec![obj(vec![])]), &t).expect_err("refused");
        assert_eq!(
            e,
            "the object given at [0] has no attribute actions, which the type requires"
        );
        let e = convert(arr(vec![obj(vec![("actions", s("x"))])]), &t).expect_err("refused");
        assert_eq!(
            e,
            "a string is given at [0].actions where the type is list(string)"
        );
    }

    #[test]
    fn numbers_and_bools_become_strings_and_unknowns_pass() {
        let n = Node::new(NodeKind::Number("12".into()), Span::default());
        assert_eq!(
            convert(n, &Type::String).expect("fits").as_str(),
            Some("12")
        );
        let u = crate::terraform::hcl::eval::unknown("var.x has no value", vec![], Span::default());
        assert!(convert(u, &ty("list(string)")).is_ok());
        assert!(ty("any") == Type::Any);
    }
}
