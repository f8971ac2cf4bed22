//! String functions: `format`, `join`, `split`, `replace`, case and space trimming, prefixes
//! and suffixes.

use super::Call;
use crate::base::value::{Node, NodeKind};
use crate::terraform::hcl::eval::{str_node, unknown};
use crate::terraform::hcl::text::as_text;

pub(super) fn format(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    let span = c.span;
    let Some(fmt) = vals.first().and_then(as_text) else {
        return c.unknown_result(&vals);
    };
    let mut out = String::new();
    let mut args = vals[1..].iter();
    let mut chars = fmt.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        // skip flags/width, take the verb
        let mut verb = None;
        while let Some(&n) = chars.peek() {
            chars.next();
            if n.is_ascii_alphabetic() || n == '%' {
                verb = Some(n);
                break;
            }
        }
        match verb {
            Some('%') => out.push('%'),
            Some('q') => match args.next() {
                Some(a) => out.push_str(&format!("{:?}", as_text(a).unwrap_or_default())),
                None => return unknown("invalid: format: too few arguments", vec![], span),
            },
            Some(_) => match args.next().and_then(as_text) {
                Some(a) => out.push_str(&a),
                None => return unknown("invalid: format: too few arguments", vec![], span),
            },
            None => out.push('%'),
        }
    }
    str_node(out, span)
}

pub(super) fn join(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    let sep = vals.first().and_then(as_text).unwrap_or_default();
    let mut parts = vec![];
    for l in vals.iter().skip(1) {
        for x in l.items() {
            parts.push(as_text(x).unwrap_or_default());
        }
    }
    str_node(parts.join(&sep), c.span)
}

pub(super) fn split(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    let (Some(sep), Some(s)) = (
        vals.first().and_then(as_text),
        vals.get(1).and_then(as_text),
    ) else {
        return c.unknown_result(&vals);
    };
    let items = s.split(sep.as_str()).map(|p| str_node(p, c.span)).collect();
    Node::new(NodeKind::Array(items), c.span)
}

pub(super) fn lower(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    text(c, vals, |s| s.to_lowercase())
}

pub(super) fn upper(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    text(c, vals, |s| s.to_uppercase())
}

pub(super) fn trimspace(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    text(c, vals, |s| s.trim().to_string())
}

pub(super) fn chomp(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    text(c, vals, |s| s.trim_end_matches(['\n', '\r']).to_string())
}

pub(super) fn tostring(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    match vals.first() {
        Some(v) if matches!(v.kind, NodeKind::String(_)) => v.clone(),
        _ => text(c, vals, |s| s),
    }
}

/// A function of the text of its first argument.
fn text(c: &mut Call<'_, '_>, vals: Vec<Node>, f: impl FnOnce(String) -> String) -> Node {
    let Some(v) = vals.first() else {
        return unknown("a function needs an argument", vec![], c.span);
    };
    let Some(s) = as_text(v) else {
        return c.unknown_result(&vals);
    };
    str_node(f(s), c.span)
}

pub(super) fn replace(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    let (Some(s), Some(from), Some(to)) = (
        vals.first().and_then(as_text),
        vals.get(1).and_then(as_text),
        vals.get(2).and_then(as_text),
    ) else {
        return c.unknown_result(&vals);
    };
    if from.len() > 2 && from.starts_with('/') && from.ends_with('/') {
        return unknown(
            "replace() with a regular expression is not evaluated",
            vec![],
            c.span,
        );
    }
    str_node(s.replace(&from, &to), c.span)
}

pub(super) fn startswith(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    test(c, vals, |s, p| s.starts_with(p))
}

pub(super) fn endswith(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    test(c, vals, |s, p| s.ends_with(p))
}

/// A test of a string (the first argument) against another (the second).
fn test(c: &mut Call<'_, '_>, vals: Vec<Node>, f: impl FnOnce(&str, &str) -> bool) -> Node {
    match (
        vals.first().and_then(as_text),
        vals.get(1).and_then(as_text),
    ) {
        (Some(s), Some(p)) => Node::new(NodeKind::Bool(f(&s, &p)), c.span),
        _ => c.unknown_result(&vals),
    }
}

pub(super) fn trimprefix(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    trim(c, vals, |s, p| s.strip_prefix(p))
}

pub(super) fn trimsuffix(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    trim(c, vals, |s, p| s.strip_suffix(p))
}

/// A string (the first argument) without an affix (the second), when it has it.
fn trim(
    c: &mut Call<'_, '_>,
    vals: Vec<Node>,
    strip: impl for<'s> FnOnce(&'s str, &str) -> Option<&'s str>,
) -> Node {
    match (
        vals.first().and_then(as_text),
        vals.get(1).and_then(as_text),
    ) {
        (Some(s), Some(p)) => str_node(strip(&s, &p).unwrap_or(&s).to_string(), c.span),
        _ => c.unknown_result(&vals),
    }
}

#[cfg(test)]
mod tests {
    use crate::terraform::hcl::eval::testing::{json, value};
    use serde_json::json;

    #[test]
    fn string_functions() {
        assert_eq!(
            json(&value("format(\"%s-%q-%%\", \"a\", \"b\")")),
            json!("a-\"b\"-%")
        );
        assert_eq!(
            json(&value("join(\",\", [\"a\", \"b\"], [\"c\"])")),
            json!("a,b,c")
        );
        assert_eq!(json(&value("split(\":\", \"a:b\")")), json!(["a", "b"]));
        assert_eq!(json(&value("upper(trimspace(\" x \"))")), json!("X"));
        assert_eq!(json(&value("chomp(\"x\\n\")")), json!("x"));
        assert_eq!(json(&value("tostring(5)")), json!("5"));
        assert_eq!(json(&value("replace(\"a-b\", \"-\", \"_\")")), json!("a_b"));
        assert_eq!(json(&value("trimprefix(\"arn:x\", \"arn:\")")), json!("x"));
        assert_eq!(json(&value("endswith(\"role/x\", \"/x\")")), json!(true));
        // no arguments: no panic
        assert_eq!(json(&value("join()")), json!(""));
    }
}
