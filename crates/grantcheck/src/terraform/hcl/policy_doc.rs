//! `data "aws_iam_policy_document"` rendered as the provider does, into a policy [`Node`] whose
//! parts keep the spans of the HCL values they come from.

use hcl_edit::structure::{Block, Body};

use super::eval::{Evaluator, Scope, combine_unknown, is_known, obj, str_node};
use super::text::as_text;
use crate::base::json::{self, Placement};
use crate::base::source::Span;
use crate::base::value::{Key, Node, NodeKind};

/// Renders the document; unknown when its structure depends on values not known before apply.
pub fn render(ev: &mut Evaluator<'_>, sc: &Scope, block: &Block, span: Span) -> Node {
    match render_doc(ev, sc, &block.body, span) {
        Ok(n) => n,
        Err(u) => u,
    }
}

struct Doc {
    version: Option<Node>,
    id: Option<Node>,
    statements: Vec<Node>,
}

fn render_doc(ev: &mut Evaluator<'_>, sc: &Scope, body: &Body, span: Span) -> Result<Node, Node> {
    let mut doc = Doc {
        version: None,
        id: None,
        statements: vec![],
    };
    if let Some(a) = body.get_attribute("source_policy_documents") {
        let v = ev.eval(sc, &a.value);
        for d in list_of(&v)? {
            merge(&mut doc, parse_doc(&d)?);
        }
    }
    let mut own = Doc {
        version: attr(ev, sc, body, "version"),
        id: attr(ev, sc, body, "policy_id"),
        statements: vec![],
    };
    for (ssc, sbody, sspan) in blocks_of(ev, sc, body, "statement")? {
        own.statements.push(statement(ev, &ssc, sbody, sspan)?);
    }
    merge(&mut doc, own);
    if let Some(a) = body.get_attribute("override_policy_documents") {
        let v = ev.eval(sc, &a.value);
        for d in list_of(&v)? {
            merge(&mut doc, parse_doc(&d)?);
        }
    }
    let mut members = vec![(
        "Version".to_string(),
        doc.version.unwrap_or_else(|| str_node("2012-10-17", span)),
    )];
    if let Some(id) = doc.id {
        members.push(("Id".into(), id));
    }
    members.push((
        "Statement".into(),
        Node::new(NodeKind::Array(doc.statements), span),
    ));
    Ok(obj(members, span))
}

fn list_of(v: &Node) -> Result<Vec<Node>, Node> {
    match &v.kind {
        NodeKind::Array(a) => Ok(a.clone()),
        NodeKind::Null => Ok(vec![]),
        _ => Err(combine_unknown(&[v], v.span)),
    }
}

/// A policy given as a document node or JSON text.
fn parse_doc(n: &Node) -> Result<Doc, Node> {
    let node = match &n.kind {
        NodeKind::Object(_) => n.clone(),
        NodeKind::String(s) if s.value.trim().is_empty() => {
            return Ok(Doc {
                version: None,
                id: None,
                statements: vec![],
            });
        }
        NodeKind::String(s) => {
            let mut parsed =
                json::parse(&s.value, Placement::of_string(s, n.span)).map_err(|e| {
                    let mut u = super::eval::unknown(
                        if n.sensitive {
                            "invalid: a policy document marked sensitive is not valid JSON"
                                .to_string()
                        } else {
                            format!(
                                "invalid: a policy document is not valid JSON: {}",
                                e.message
                            )
                        },
                        vec![],
                        if n.sensitive { n.span } else { e.span },
                    );
                    u.sensitive = n.sensitive;
                    u
                })?;
            // (what is read from a sensitive text is sensitive, every part of it)
            if n.sensitive {
                parsed.mark_sensitive();
            }
            parsed
        }
        _ => return Err(combine_unknown(&[n], n.span)),
    };
    let statements = match node.get("Statement") {
        Some(s) => match &s.kind {
            NodeKind::Array(a) => a.clone(),
            NodeKind::Object(_) => vec![s.clone()],
            _ => return Err(combine_unknown(&[s], s.span)),
        },
        None => vec![],
    };
    Ok(Doc {
        version: node.get("Version").cloned(),
        id: node.get("Id").cloned(),
        statements,
    })
}

fn sid_of(st: &Node) -> Option<String> {
    st.get("Sid")
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

fn merge(into: &mut Doc, from: Doc) {
    if let Some(v) = from.version {
        let newer = match (&into.version, v.as_str()) {
            (Some(old), Some(new)) => old.as_str().is_none_or(|o| new > o),
            _ => true,
        };
        if newer {
            into.version = Some(v);
        }
    }
    if let Some(id) = from.id
        && id.as_str().is_none_or(|s| !s.is_empty())
    {
        into.id = Some(id);
    }
    for st in from.statements {
        match sid_of(&st).and_then(|sid| {
            into.statements
                .iter()
                .position(|s| sid_of(s).as_deref() == Some(sid.as_str()))
        }) {
            Some(i) => into.statements[i] = st,
            None => into.statements.push(st),
        }
    }
}

fn attr(ev: &mut Evaluator<'_>, sc: &Scope, body: &Body, name: &str) -> Option<Node> {
    let a = body.get_attribute(name)?;
    let v = ev.eval(sc, &a.value);
    (!v.is_null()).then_some(v)
}

/// The blocks named `name`, with `dynamic` ones expanded, each with the scope its content sees.
fn blocks_of<'b>(
    ev: &mut Evaluator<'_>,
    sc: &Scope,
    body: &'b Body,
    name: &str,
) -> Result<Vec<(Scope, &'b Body, Span)>, Node> {
    let mut out = vec![];
    for b in body.blocks() {
        let bspan = ev.block_span(sc.file, b);
        if b.ident.as_str() == name {
            out.push((sc.clone(), &b.body, bspan));
            continue;
        }
        if b.ident.as_str() != "dynamic" || b.labels.first().map(|l| l.as_str()) != Some(name) {
            continue;
        }
        if let Some((scopes, content, cspan)) = ev.dynamic_scopes(sc, b, name)? {
            out.extend(scopes.into_iter().map(|inner| (inner, content, cspan)));
        }
    }
    Ok(out)
}

/// A list the provider renders: one element as a plain string, several sorted in reverse
/// lexical order.
fn rendered_list(v: Node) -> Option<Node> {
    match v.kind {
        NodeKind::Null => None,
        NodeKind::Array(mut a) => {
            a.dedup_by(|x, y| is_known(x) && x.to_json() == y.to_json());
            if a.is_empty() {
                return None;
            }
            if a.len() == 1 {
                return a.pop();
            }
            if a.iter().all(is_known) {
                a.sort_by_key(|b| std::cmp::Reverse(as_text(b).unwrap_or_default()));
            }
            Some(Node::new(NodeKind::Array(a), v.span))
        }
        _ => Some(v),
    }
}

fn statement(ev: &mut Evaluator<'_>, sc: &Scope, body: &Body, span: Span) -> Result<Node, Node> {
    let mut m: Vec<(Key, Node)> = vec![];
    let key = |name: &str, span: Span| Key {
        name: name.into(),
        span,
    };
    if let Some(sid) = attr(ev, sc, body, "sid")
        && sid.as_str().is_none_or(|s| !s.is_empty())
    {
        m.push((key("Sid", sid.span), sid));
    }
    let effect = attr(ev, sc, body, "effect").unwrap_or_else(|| str_node("Allow", span));
    m.push((key("Effect", effect.span), effect));
    for (hcl, json_name) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(v) = attr(ev, sc, body, hcl).and_then(rendered_list) {
            m.push((key(json_name, v.span), v));
        }
    }
    for (hcl, json_name) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        let blocks = blocks_of(ev, sc, body, hcl)?;
        if blocks.is_empty() {
            continue;
        }
        let mut groups: Vec<(Key, Vec<Node>, Span)> = vec![];
        let mut star: Option<Node> = None;
        for (bsc, bbody, bspan) in blocks {
            let ty = attr(ev, &bsc, bbody, "type").unwrap_or_else(|| str_node("", bspan));
            let ids = attr(ev, &bsc, bbody, "identifiers")
                .unwrap_or_else(|| Node::new(NodeKind::Array(vec![]), bspan));
            let Some(t) = ty.as_str().map(String::from) else {
                return Err(combine_unknown(&[&ty], ty.span));
            };
            let items: Vec<Node> = match &ids.kind {
                NodeKind::Array(a) => a.clone(),
                _ => vec![ids.clone()],
            };
            if t == "*" {
                star = Some(
                    items
                        .into_iter()
                        .next()
                        .map(|i| match i.kind {
                            NodeKind::String(_) => i,
                            _ => str_node("*", i.span),
                        })
                        .unwrap_or_else(|| str_node("*", bspan)),
                );
                continue;
            }
            match groups.iter_mut().find(|(k, _, _)| k.name == t) {
                Some((_, list, _)) => list.extend(items),
                None => groups.push((key(&t, ty.span), items, ids.span)),
            }
        }
        let value = match star {
            Some(s) => s,
            None => Node::new(
                NodeKind::Object(
                    groups
                        .into_iter()
                        .filter_map(|(k, items, sp)| {
                            rendered_list(Node::new(NodeKind::Array(items), sp)).map(|v| (k, v))
                        })
                        .collect(),
                ),
                span,
            ),
        };
        m.push((key(json_name, value.span), value));
    }
    let conds = blocks_of(ev, sc, body, "condition")?;
    if !conds.is_empty() {
        let mut ops: Vec<(Key, Node)> = vec![];
        for (csc, cbody, cspan) in conds {
            let test = attr(ev, &csc, cbody, "test").unwrap_or_else(|| str_node("", cspan));
            let var = attr(ev, &csc, cbody, "variable").unwrap_or_else(|| str_node("", cspan));
            let values = attr(ev, &csc, cbody, "values")
                .unwrap_or_else(|| Node::new(NodeKind::Array(vec![]), cspan));
            let (Some(t), Some(vname)) = (test.as_str(), var.as_str()) else {
                return Err(combine_unknown(&[&test, &var], cspan));
            };
            let values = match values.kind {
                NodeKind::Array(mut a) if a.len() == 1 => {
                    a.pop().unwrap_or(Node::new(NodeKind::Null, cspan))
                }
                _ => values,
            };
            let op = match ops.iter_mut().position(|(k, _)| k.name == t) {
                Some(i) => i,
                None => {
                    ops.push((
                        key(t, test.span),
                        Node::new(NodeKind::Object(vec![]), cspan),
                    ));
                    ops.len() - 1
                }
            };
            if let NodeKind::Object(keys) = &mut ops[op].1.kind {
                keys.retain(|(k, _)| k.name != vname);
                keys.push((key(vname, var.span), values));
            }
        }
        m.push((
            key("Condition", span),
            Node::new(NodeKind::Object(ops), span),
        ));
    }
    Ok(Node::new(NodeKind::Object(m), span))
}
