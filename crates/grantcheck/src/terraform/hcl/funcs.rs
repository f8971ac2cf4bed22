//! The Terraform functions policies are written with. Unknown arguments give unknown results
//! that keep the references they come from.

use hcl_edit::expr::Expression;

use super::eval::{
    Evaluator, Scope, as_f64, combine_unknown, first_unknown, is_invalid, is_known, num_node,
    str_node, unknown,
};
use super::text::{as_text, to_json_text};
use crate::base::json::{self, Placement};
use crate::base::source::Span;
use crate::base::value::{Key, Node, NodeKind, TextMap};

pub fn call(
    ev: &mut Evaluator<'_>,
    sc: &Scope,
    name: &str,
    args: &[&Expression],
    span: Span,
) -> Node {
    // functions that look at their arguments lazily
    match name {
        "try" => {
            let mut last = None;
            for a in args {
                let v = ev.eval(sc, a);
                if !is_invalid(&v) {
                    return v;
                }
                last = Some(v);
            }
            return last.unwrap_or_else(|| unknown("try() without arguments", vec![], span));
        }
        "can" => {
            let v = args.first().map(|a| ev.eval(sc, a));
            return match v {
                Some(v) if is_invalid(&v) => Node::new(NodeKind::Bool(false), span),
                Some(v) if !is_known(&v) => combine_unknown(&[&v], span),
                _ => Node::new(NodeKind::Bool(true), span),
            };
        }
        "templatefile" => return templatefile(ev, sc, args, span),
        "jsonencode" if args.len() == 1 && is_json_text(ev, sc, args[0], 0) => {
            return double_encoded(ev.eval(sc, args[0]), span);
        }
        _ => {}
    }
    let vals: Vec<Node> = args.iter().map(|a| ev.eval(sc, a)).collect();
    apply(ev, sc, name, vals, span)
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

fn apply(ev: &mut Evaluator<'_>, sc: &Scope, name: &str, vals: Vec<Node>, span: Span) -> Node {
    let all_known = vals.iter().all(is_known);
    let unknown_result = |vals: &[Node]| {
        let refs: Vec<&Node> = vals.iter().collect();
        combine_unknown(&refs, span)
    };
    match name {
        "jsonencode" => match vals.into_iter().next() {
            // the value itself: policies read it as a document, with the spans of its parts
            Some(mut v) => {
                sort_keys(&mut v);
                if matches!(v.kind, NodeKind::String(_)) {
                    return match to_json_text(&v) {
                        Some(t) => str_node(t, span),
                        None => unknown_result(&[v]),
                    };
                }
                v
            }
            None => unknown("jsonencode() without an argument", vec![], span),
        },
        "jsondecode" => match vals.into_iter().next() {
            Some(v) => match &v.kind {
                NodeKind::String(s) => {
                    match json::parse(&s.value, Placement::of_string(s, v.span)) {
                        Ok(n) => n,
                        Err(e) => unknown(
                            format!("invalid: jsondecode: {}", e.message),
                            vec![],
                            e.span,
                        ),
                    }
                }
                NodeKind::Object(_) | NodeKind::Array(_) => v,
                _ => unknown_result(&[v]),
            },
            None => unknown("jsondecode() without an argument", vec![], span),
        },
        "file" => {
            let Some(p) = vals.first() else {
                return unknown("file() without an argument", vec![], span);
            };
            let Some(path) = as_text(p).filter(|_| is_known(p)) else {
                return unknown_result(&vals);
            };
            let secret_path = p.any_sensitive();
            match ev.find_file(sc, &path) {
                // a path that is sensitive is never shown, nor is what it names: the content
                // is placed at the call, and sensitive
                Some(f) if secret_path => hidden(f.text.as_str().into(), span),
                Some(f) => Node::string(
                    f.text.clone(),
                    Span::new(f.id, 0, f.text.len()),
                    TextMap::Exact { base: 0 },
                ),
                None => unknown(
                    format!(
                        "file(\"{}\") was not given to grantcheck (give the directory that holds it)",
                        if secret_path {
                            "(sensitive value)"
                        } else {
                            &path
                        }
                    ),
                    vec![],
                    span,
                ),
            }
        }
        _ if !all_known
            && !matches!(
                name,
                "coalesce"
                    | "merge"
                    | "concat"
                    | "tolist"
                    | "toset"
                    | "flatten"
                    | "distinct"
                    | "lookup"
                    | "tomap"
                    // how many elements, and an object's keys, are known when the elements are not
                    | "length"
                    | "keys"
            ) =>
        {
            unknown_result(&vals)
        }
        "format" => {
            let Some(fmt) = vals.first().and_then(as_text) else {
                return unknown_result(&vals);
            };
            let mut out = String::new();
            let mut args = vals[1..].iter();
            let mut chars = fmt.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '%' {
                    out.push(c);
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
        "join" => {
            let sep = vals.first().and_then(as_text).unwrap_or_default();
            let mut parts = vec![];
            for l in &vals[1..] {
                for x in l.items() {
                    parts.push(as_text(x).unwrap_or_default());
                }
            }
            str_node(parts.join(&sep), span)
        }
        "split" => {
            let (Some(sep), Some(s)) = (
                vals.first().and_then(as_text),
                vals.get(1).and_then(as_text),
            ) else {
                return unknown_result(&vals);
            };
            let items = s.split(sep.as_str()).map(|p| str_node(p, span)).collect();
            Node::new(NodeKind::Array(items), span)
        }
        "lower" | "upper" | "trimspace" | "tostring" | "chomp" => {
            let Some(v) = vals.first() else {
                return unknown("a function needs an argument", vec![], span);
            };
            if name == "tostring" && matches!(v.kind, NodeKind::String(_)) {
                return v.clone();
            }
            let Some(s) = as_text(v) else {
                return unknown_result(&vals);
            };
            let out = match name {
                "lower" => s.to_lowercase(),
                "upper" => s.to_uppercase(),
                "trimspace" => s.trim().to_string(),
                "chomp" => s.trim_end_matches(['\n', '\r']).to_string(),
                _ => s,
            };
            str_node(out, span)
        }
        "replace" => {
            let (Some(s), Some(from), Some(to)) = (
                vals.first().and_then(as_text),
                vals.get(1).and_then(as_text),
                vals.get(2).and_then(as_text),
            ) else {
                return unknown_result(&vals);
            };
            if from.len() > 2 && from.starts_with('/') && from.ends_with('/') {
                return unknown(
                    "replace() with a regular expression is not evaluated",
                    vec![],
                    span,
                );
            }
            str_node(s.replace(&from, &to), span)
        }
        "concat" => {
            let mut out = vec![];
            for v in &vals {
                match &v.kind {
                    NodeKind::Array(a) => out.extend(a.iter().cloned()),
                    _ => return unknown_result(&vals),
                }
            }
            Node::new(NodeKind::Array(out), span)
        }
        "merge" => {
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
                    _ => return unknown_result(&vals),
                }
            }
            Node::new(NodeKind::Object(out), span)
        }
        "tolist" | "toset" | "distinct" => {
            let Some(v) = vals.first() else {
                return unknown("a function needs an argument", vec![], span);
            };
            match &v.kind {
                NodeKind::Array(a) => {
                    if name == "tolist" {
                        return v.clone();
                    }
                    let mut out: Vec<Node> = vec![];
                    for x in a {
                        if !is_known(x) || !out.iter().any(|o| o.to_json() == x.to_json()) {
                            out.push(x.clone());
                        }
                    }
                    if name == "toset" && out.iter().all(is_known) {
                        out.sort_by_key(|x| as_text(x).unwrap_or_default());
                    }
                    Node::new(NodeKind::Array(out), v.span)
                }
                _ => unknown_result(&vals),
            }
        }
        "tomap" => vals
            .into_iter()
            .next()
            .unwrap_or_else(|| unknown("tomap() without an argument", vec![], span)),
        "flatten" => {
            fn flat(n: &Node, out: &mut Vec<Node>) {
                match &n.kind {
                    NodeKind::Array(a) => a.iter().for_each(|x| flat(x, out)),
                    _ => out.push(n.clone()),
                }
            }
            let mut out = vec![];
            match vals.first() {
                Some(v) if matches!(v.kind, NodeKind::Array(_)) => flat(v, &mut out),
                _ => return unknown_result(&vals),
            }
            Node::new(NodeKind::Array(out), span)
        }
        "coalesce" => {
            for v in &vals {
                match &v.kind {
                    // whether it is null or empty is not known
                    NodeKind::Unknown(_) => return unknown_result(&vals),
                    NodeKind::Null => {}
                    NodeKind::String(s) if s.value.is_empty() => {}
                    // a document or list with unknown parts is still neither null nor empty
                    NodeKind::Array(_) | NodeKind::Object(_) => return v.clone(),
                    _ if as_text(v).is_some_and(|t| !t.is_empty()) => return v.clone(),
                    _ => {}
                }
            }
            unknown("invalid: coalesce: no non-null argument", vec![], span)
        }
        "coalescelist" => vals
            .iter()
            .find(|v| v.as_array().is_some_and(|a| !a.is_empty()))
            .cloned()
            .unwrap_or_else(|| Node::new(NodeKind::Array(vec![]), span)),
        "compact" => match vals.first().and_then(Node::as_array) {
            Some(a) => Node::new(
                NodeKind::Array(
                    a.iter()
                        .filter(|x| !x.is_null() && as_text(x).is_some_and(|t| !t.is_empty()))
                        .cloned()
                        .collect(),
                ),
                span,
            ),
            None => unknown_result(&vals),
        },
        "lookup" => {
            let (Some(m), Some(k)) = (vals.first(), vals.get(1)) else {
                return unknown("invalid: lookup needs a map and a key", vec![], span);
            };
            if !is_known(k) {
                return unknown_result(&vals);
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
        "element" => {
            let (Some(a), Some(i)) = (
                vals.first().and_then(Node::as_array),
                vals.get(1).and_then(as_f64),
            ) else {
                return unknown_result(&vals);
            };
            if a.is_empty() {
                return unknown("invalid: element of an empty list", vec![], span);
            }
            a[(i.max(0.0) as usize) % a.len()].clone()
        }
        "length" => match vals.first().map(|v| &v.kind) {
            Some(NodeKind::Array(a)) => num_node(a.len() as f64, span),
            Some(NodeKind::Object(o)) => num_node(o.len() as f64, span),
            Some(NodeKind::String(s)) => num_node(s.value.chars().count() as f64, span),
            _ => unknown_result(&vals),
        },
        "keys" | "values" => match vals.first().and_then(Node::as_object) {
            Some(o) => {
                let mut members: Vec<&(Key, Node)> = o.iter().collect();
                members.sort_by(|a, b| a.0.name.cmp(&b.0.name));
                let items = members
                    .into_iter()
                    .map(|(k, v)| {
                        if name == "keys" {
                            str_node(k.name.clone(), k.span)
                        } else {
                            v.clone()
                        }
                    })
                    .collect();
                Node::new(NodeKind::Array(items), span)
            }
            None => unknown_result(&vals),
        },
        "contains" => match (vals.first().and_then(Node::as_array), vals.get(1)) {
            (Some(a), Some(x)) => Node::new(
                NodeKind::Bool(a.iter().any(|y| y.to_json() == x.to_json())),
                span,
            ),
            _ => unknown_result(&vals),
        },
        "anytrue" | "alltrue" => match vals.first().and_then(Node::as_array) {
            Some(a) => {
                let bools: Option<Vec<bool>> = a.iter().map(Node::as_bool).collect();
                match bools {
                    Some(b) if name == "anytrue" => {
                        Node::new(NodeKind::Bool(b.contains(&true)), span)
                    }
                    Some(b) => Node::new(NodeKind::Bool(!b.contains(&false)), span),
                    None => unknown(
                        "invalid: anytrue() and alltrue() take a list of bools",
                        vec![],
                        span,
                    ),
                }
            }
            None => unknown_result(&vals),
        },
        "max" | "min" => {
            let nums: Option<Vec<f64>> = vals.iter().map(as_f64).collect();
            match nums.filter(|n| !n.is_empty()) {
                Some(n) => {
                    let pick = if name == "max" { f64::max } else { f64::min };
                    let first = n[0];
                    num_node(n.into_iter().fold(first, pick), span)
                }
                None => unknown_result(&vals),
            }
        }
        "range" => {
            let nums: Option<Vec<f64>> = vals.iter().map(as_f64).collect();
            let (start, limit, step) = match nums.as_deref() {
                Some([l]) => (0.0, *l, 1.0),
                Some([s, l]) => (*s, *l, if s <= l { 1.0 } else { -1.0 }),
                Some([s, l, st]) => (*s, *l, *st),
                _ => return unknown_result(&vals),
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
        "one" => match vals.first().and_then(Node::as_array) {
            Some([]) => Node::new(NodeKind::Null, span),
            Some([x]) => x.clone(),
            Some(_) => unknown("invalid: one() of more than one element", vec![], span),
            None => unknown_result(&vals),
        },
        "startswith" | "endswith" => match (
            vals.first().and_then(as_text),
            vals.get(1).and_then(as_text),
        ) {
            (Some(s), Some(p)) => Node::new(
                NodeKind::Bool(if name == "startswith" {
                    s.starts_with(p.as_str())
                } else {
                    s.ends_with(p.as_str())
                }),
                span,
            ),
            _ => unknown_result(&vals),
        },
        "trimprefix" | "trimsuffix" => match (
            vals.first().and_then(as_text),
            vals.get(1).and_then(as_text),
        ) {
            (Some(s), Some(p)) => str_node(
                if name == "trimprefix" {
                    s.strip_prefix(p.as_str()).unwrap_or(&s).to_string()
                } else {
                    s.strip_suffix(p.as_str()).unwrap_or(&s).to_string()
                },
                span,
            ),
            _ => unknown_result(&vals),
        },
        "sort" => match vals.first().and_then(Node::as_array) {
            Some(a) => {
                let mut items = a.to_vec();
                items.sort_by_key(|x| as_text(x).unwrap_or_default());
                Node::new(NodeKind::Array(items), span)
            }
            None => unknown_result(&vals),
        },
        _ => {
            let first = vals.iter().find_map(first_unknown).cloned();
            let _ = first;
            unknown(
                format!("function {name}() is not evaluated by grantcheck"),
                {
                    let mut refs = vec![];
                    for v in &vals {
                        super::eval::refs_in(v, &mut refs);
                    }
                    refs
                },
                span,
            )
        }
    }
}

fn templatefile(ev: &mut Evaluator<'_>, sc: &Scope, args: &[&Expression], span: Span) -> Node {
    let vals: Vec<Node> = args.iter().map(|a| ev.eval(sc, a)).collect();
    let Some(p) = vals.first() else {
        return unknown("templatefile() without arguments", vec![], span);
    };
    let Some(path) = as_text(p).filter(|_| is_known(p)) else {
        return combine_unknown(&[p], span);
    };
    let secret_path = p.any_sensitive();
    let Some(file) = ev.find_file(sc, &path) else {
        return unknown(
            format!(
                "templatefile(\"{}\") was not given to grantcheck (give the directory that holds it)",
                if secret_path {
                    "(sensitive value)"
                } else {
                    &path
                }
            ),
            vec![],
            span,
        );
    };
    let tpl = match hcl_edit::parser::parse_template(&file.text) {
        Ok(t) => t,
        Err(e) => {
            return unknown(
                format!("invalid: template {path}: {}", e.message()),
                vec![],
                span,
            );
        }
    };
    let mut bind = vec![];
    match vals.get(1).map(|v| &v.kind) {
        Some(NodeKind::Object(o)) => {
            for (k, v) in o {
                bind.push((k.name.to_string(), v.clone()));
            }
        }
        Some(NodeKind::Unknown(_)) => return combine_unknown(&[&vals[1]], span),
        _ => {}
    }
    let inner = Scope {
        inst: sc.inst,
        file: file.id,
        bind,
    };
    ev.texts.entry(file.id).or_insert(file.text.as_str());
    let whole = Span::new(file.id, 0, file.text.len());
    let v = ev.template(&inner, &tpl, whole, super::eval::TplKind::File);
    if secret_path {
        // (neither the path nor the file's content is shown)
        return match as_text(&v).filter(|_| is_known(&v)) {
            Some(t) => hidden(t.into(), span),
            None => {
                let mut u = combine_unknown(&[&v], span);
                u.mark_sensitive();
                u
            }
        };
    }
    v
}

/// A text read through a sensitive value: placed at `span` (the call), and sensitive.
fn hidden(text: compact_str::CompactString, span: Span) -> Node {
    let mut n = Node::string(text, span, TextMap::Collapsed);
    n.mark_sensitive();
    n
}

/// `data "template_file"` (the deprecated template provider): its `rendered` text, the
/// `template` rendered with `vars` as `templatefile()` renders a file.
pub fn template_file(
    ev: &mut Evaluator<'_>,
    sc: &Scope,
    block: &hcl_edit::structure::Block,
    span: Span,
) -> Node {
    let Some(t) = block.body.get_attribute("template") else {
        return unknown("data \"template_file\" without a template", vec![], span);
    };
    let vars = block.body.get_attribute("vars");
    // `template = file(PATH)`: the file itself is the template, with the places it holds
    if let Expression::FuncCall(f) = &t.value
        && f.name.name.as_str() == "file"
        && f.args.len() == 1
    {
        let mut args: Vec<&Expression> = f.args.iter().collect();
        if let Some(v) = vars {
            args.push(&v.value);
        }
        return templatefile(ev, sc, &args, span);
    }
    let text = ev.eval(sc, &t.value);
    let Some(s) = as_text(&text).filter(|_| is_known(&text)) else {
        return combine_unknown(&[&text], span);
    };
    let tpl = match hcl_edit::parser::parse_template(&s) {
        Ok(t) => t,
        Err(e) => {
            return unknown(
                format!(
                    "invalid: the template of data \"template_file\": {}",
                    e.message()
                ),
                vec![],
                span,
            );
        }
    };
    let mut bind: Vec<(String, Node)> = vec![];
    if let Some(v) = vars {
        let vals = ev.eval(sc, &v.value);
        match &vals.kind {
            NodeKind::Object(o) => {
                for (k, v) in o {
                    bind.push((k.name.to_string(), v.clone()));
                }
            }
            NodeKind::Unknown(_) => return combine_unknown(&[&vals], span),
            _ => {}
        }
    }
    // (a template written in the configuration is rendered from its text, so what it renders
    // is placed at the template argument; its interpolations name `vars`)
    use hcl_edit::template::Element;
    let mut out = String::new();
    let mut sensitive = text.sensitive;
    for el in tpl.iter() {
        match el {
            Element::Literal(l) => out.push_str(l.value()),
            Element::Interpolation(i) => {
                let name = match &i.expr {
                    Expression::Variable(v) => Some(v.as_str()),
                    _ => None,
                };
                let Some(v) = name.and_then(|n| bind.iter().find(|(b, _)| b == n).map(|(_, v)| v))
                else {
                    return unknown(
                        "the template of data \"template_file\" uses more than the names of its vars, which grantcheck does not evaluate",
                        vec![],
                        text.span,
                    );
                };
                match as_text(v).filter(|_| is_known(v)) {
                    Some(t) => out.push_str(&t),
                    None => return combine_unknown(&[v], text.span),
                }
                sensitive |= v.any_sensitive();
            }
            Element::Directive(_) => {
                return unknown(
                    "template directives (%{...}) in data \"template_file\" are not evaluated",
                    vec![],
                    text.span,
                );
            }
        }
    }
    let mut n = str_node(out, text.span);
    n.sensitive = sensitive;
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
