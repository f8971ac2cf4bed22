//! `data "aws_iam_policy_document"` as a plan describes it (its configuration's statement,
//! principals and condition blocks) rendered into a policy [`Node`], for documents whose `json`
//! Terraform only knows after apply. The parts keep the spans of the values they come from.

use crate::base::json::{self, Placement};
use crate::base::value::{Key, Node, NodeKind, Unknown};

fn key(name: &str, at: &Node) -> Key {
    Key {
        name: name.into(),
        span: at.span,
    }
}

fn unknown(origin: &str, at: &Node) -> Node {
    Node::unknown(
        Unknown {
            origin: origin.into(),
            ..Unknown::default()
        },
        at.span,
    )
}

/// The policy a policy-document data source produces: its `json` when known, else the document
/// rendered from its blocks. `None` when the data source says nothing usable.
pub fn from_data_source(data: &Node) -> Option<Node> {
    for attr in ["json", "minified_json"] {
        if let Some(j) = data.get(attr)
            && matches!(j.kind, NodeKind::String(_) | NodeKind::Object(_))
        {
            return Some(j.clone());
        }
    }
    let mut statements: Vec<Node> = vec![];
    // source documents first, then this document's statements, then overrides; a statement
    // whose Sid is already there replaces it in place
    for (attr, own) in [
        ("source_policy_documents", false),
        ("statement", true),
        ("override_policy_documents", false),
    ] {
        let Some(v) = data.get(attr) else { continue };
        if let NodeKind::Unknown(u) = &v.kind {
            return Some(Node::unknown((**u).clone(), v.span));
        }
        for item in v.items() {
            let rendered: Vec<Node> = if own {
                vec![statement(item)]
            } else {
                match document_statements(item) {
                    Ok(s) => s,
                    Err(u) => return Some(u),
                }
            };
            for st in rendered {
                merge(&mut statements, st);
            }
        }
    }
    if statements.is_empty() {
        return None;
    }
    let version = data
        .get("version")
        .filter(|v| v.as_str().is_some())
        .cloned()
        .unwrap_or_else(|| Node::string("2012-10-17", data.span, Default::default()));
    Some(Node::new(
        NodeKind::Object(vec![
            (key("Version", data), version),
            (
                key("Statement", data),
                Node::new(NodeKind::Array(statements), data.span),
            ),
        ]),
        data.span,
    ))
}

fn sid_of(st: &Node) -> Option<&str> {
    st.get("Sid")
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
}

fn merge(into: &mut Vec<Node>, st: Node) {
    if let Some(sid) = sid_of(&st)
        && let Some(slot) = into.iter_mut().find(|s| sid_of(s) == Some(sid))
    {
        *slot = st;
        return;
    }
    into.push(st);
}

/// The statements of a source/override document given as JSON text.
fn document_statements(doc: &Node) -> Result<Vec<Node>, Node> {
    let parsed = match &doc.kind {
        NodeKind::String(s) if s.value.trim().is_empty() => return Ok(vec![]),
        NodeKind::String(s) => {
            json::parse(&s.value, Placement::of_string(s, doc.span)).map_err(|_| {
                unknown(
                    "a source or override policy document is not valid JSON",
                    doc,
                )
            })?
        }
        NodeKind::Unknown(u) => return Err(Node::unknown((**u).clone(), doc.span)),
        _ => doc.clone(),
    };
    match parsed.get("Statement") {
        Some(s) if s.as_unknown().is_some() => Err(s.clone()),
        Some(s) => Ok(s.items().to_vec()),
        None => Ok(vec![]),
    }
}

/// One `statement` block → one policy statement.
fn statement(st: &Node) -> Node {
    let mut out: Vec<(Key, Node)> = vec![];
    if let Some(sid) = st
        .get("sid")
        .filter(|s| s.as_str().is_some_and(|t| !t.is_empty()))
    {
        out.push((key("Sid", sid), sid.clone()));
    }
    let effect = st
        .get("effect")
        .filter(|e| !e.is_null())
        .cloned()
        .unwrap_or_else(|| Node::string("Allow", st.span, Default::default()));
    out.push((key("Effect", &effect), effect));
    for (attr, name) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(v) = st.get(attr).filter(|v| !v.is_null()) {
            out.push((key(name, v), v.clone()));
        }
    }
    for (attr, name) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        if let Some(p) = st.get(attr).filter(|v| !v.is_null()) {
            out.push((key(name, p), principals(p)));
        }
    }
    if let Some(c) = st.get("condition").filter(|v| !v.is_null()) {
        out.push((key("Condition", c), conditions(c)));
    }
    Node::new(NodeKind::Object(out), st.span)
}

/// `principals { type = "AWS", identifiers = [...] }` blocks → `{"AWS": [...]}`; type `*`
/// renders `"*"`.
fn principals(blocks: &Node) -> Node {
    if let NodeKind::Unknown(u) = &blocks.kind {
        return Node::unknown((**u).clone(), blocks.span);
    }
    let mut map: Vec<(Key, Node)> = vec![];
    for b in blocks.items() {
        let Some(ty) = b.get("type") else { continue };
        let ids = b
            .get("identifiers")
            .cloned()
            .unwrap_or_else(|| Node::new(NodeKind::Array(vec![]), b.span));
        let Some(t) = ty.as_str() else {
            return unknown("a principals type is known only after apply", ty);
        };
        if t == "*" {
            return Node::string("*", ty.span, Default::default());
        }
        match map.iter_mut().find(|(k, _)| k.name == t) {
            Some((_, existing)) => {
                let mut all = existing.items().to_vec();
                all.extend(ids.items().iter().cloned());
                *existing = Node::new(NodeKind::Array(all), existing.span);
            }
            None => map.push((key(t, ty), ids)),
        }
    }
    Node::new(NodeKind::Object(map), blocks.span)
}

/// `condition { test, variable, values }` blocks → `{test: {variable: values}}`.
fn conditions(blocks: &Node) -> Node {
    if let NodeKind::Unknown(u) = &blocks.kind {
        return Node::unknown((**u).clone(), blocks.span);
    }
    let mut ops: Vec<(Key, Node)> = vec![];
    for b in blocks.items() {
        let (Some(test), Some(var)) = (b.get("test"), b.get("variable")) else {
            continue;
        };
        let (Some(t), Some(v)) = (test.as_str(), var.as_str()) else {
            return unknown(
                "a condition's test or variable is known only after apply",
                b,
            );
        };
        let values = b
            .get("values")
            .cloned()
            .unwrap_or_else(|| Node::new(NodeKind::Array(vec![]), b.span));
        let entry = (key(v, var), values);
        match ops.iter_mut().find(|(k, _)| k.name == t) {
            Some((_, by_test)) => {
                if let NodeKind::Object(m) = &mut by_test.kind {
                    m.push(entry);
                }
            }
            None => ops.push((
                key(t, test),
                Node::new(NodeKind::Object(vec![entry]), b.span),
            )),
        }
    }
    Node::new(NodeKind::Object(ops), blocks.span)
}
