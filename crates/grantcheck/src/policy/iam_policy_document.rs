//! `data "aws_iam_policy_document"` rendered into a policy [`Node`] whose parts keep the spans of
//! the values they come from. One renderer serves both loaders:
//! - a plan gives the data source's values (its configuration's statement, principals and
//!   condition blocks), for documents whose `json` Terraform only knows after apply
//!   ([`from_data_source`]);
//! - a configuration gives its blocks, which the HCL loader evaluates as the renderer reads
//!   them ([`render`] with its own [`Blocks`]).
//!
//! Both build the document the same way: source documents first, then the data source's own
//! statements, then override documents, a statement whose Sid is already there replacing it
//! in place. How each value is written into it is the [`Rendering`] of where it comes from.

use crate::base::json::{self, Placement};
use crate::base::source::Span;
use crate::base::value::{Key, Node, NodeKind, Unknown};
use crate::base::value::{as_text, combine_unknown, is_known};

/// How the values of a document are written into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rendering {
    /// As the AWS provider writes `json`, from values grantcheck evaluated itself (a
    /// configuration): lists without repeats, one element as a plain string and several in
    /// reverse lexical order; principals of type `*` as their identifier; one condition value
    /// as a plain value; source documents with their `Version` and `Id`. A part whose shape is
    /// not known makes the whole document unknown.
    Provider,
    /// As a plan gives them, with the spans of the plan's own values: lists as they are;
    /// principals of type `*` as `"*"`; an empty list of principals or conditions as `{}`;
    /// only the data source's own `version`. A part not known stays unknown where it is.
    Plan,
}

/// What a document is read from: a plan's values of the data source, or a configuration's
/// blocks, evaluated as the renderer reads them (what follows a part that makes the document
/// unknown is never evaluated).
pub trait Blocks {
    /// A block: the data source itself, a `statement`, `principals` or `condition` block.
    type Block;
    /// How the values read are written.
    const RENDERING: Rendering;
    /// The value of an attribute of a block (null when it is written null), `None` when it
    /// is not written.
    fn value(&mut self, block: &Self::Block, name: &str) -> Option<Node>;
    /// The nested blocks `name` of a block and where they are written, `None` when there are
    /// none; `Err` with an unknown when which blocks there are is not known.
    #[allow(clippy::type_complexity)]
    fn blocks(
        &mut self,
        block: &Self::Block,
        name: &str,
    ) -> Result<Option<(Vec<Self::Block>, Span)>, Node>;
    /// Where a block is written.
    fn span(&self, block: &Self::Block) -> Span;

    /// The value of an attribute that is written and not null.
    fn attr(&mut self, block: &Self::Block, name: &str) -> Option<Node> {
        self.value(block, name).filter(|v| !v.is_null())
    }
}

/// A policy document being built.
#[derive(Default)]
pub struct Document {
    pub version: Option<Node>,
    pub id: Option<Node>,
    pub statements: Vec<Node>,
}

impl Document {
    /// Adds a document on top of this one, as the provider merges source, own and override
    /// documents: a newer `Version` and a non-empty `Id` win, and a statement whose Sid is
    /// already there replaces it in place.
    fn merge(&mut self, from: Document) {
        if let Some(v) = from.version {
            let newer = match (&self.version, v.as_str()) {
                (Some(old), Some(new)) => old.as_str().is_none_or(|o| new > o),
                _ => true,
            };
            if newer {
                self.version = Some(v);
            }
        }
        if let Some(id) = from.id
            && id.as_str().is_none_or(|s| !s.is_empty())
        {
            self.id = Some(id);
        }
        for st in from.statements {
            match sid_of(&st).and_then(|sid| {
                self.statements
                    .iter()
                    .position(|s| sid_of(s).as_deref() == Some(sid.as_str()))
            }) {
                Some(i) => self.statements[i] = st,
                None => self.statements.push(st),
            }
        }
    }

    /// The policy: `Version` (`2012-10-17` when none is given), `Id` when there is one, and
    /// `Statement`; placed at `span`.
    pub fn into_node(self, span: Span) -> Node {
        let key = |name: &str| Key {
            name: name.into(),
            span,
        };
        let mut members = vec![(
            key("Version"),
            self.version
                .unwrap_or_else(|| Node::string("2012-10-17", span, Default::default())),
        )];
        if let Some(id) = self.id {
            members.push((key("Id"), id));
        }
        members.push((
            key("Statement"),
            Node::new(NodeKind::Array(self.statements), span),
        ));
        Node::new(NodeKind::Object(members), span)
    }
}

fn sid_of(st: &Node) -> Option<String> {
    st.get("Sid")
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// The document a data source `data` renders to.
pub fn render<B: Blocks>(b: &mut B, data: &B::Block) -> Result<Document, Node> {
    let mut doc = Document::default();
    for d in documents(b, data, "source_policy_documents")? {
        doc.merge(d);
    }
    let mut own = match B::RENDERING {
        Rendering::Provider => Document {
            version: b.attr(data, "version"),
            id: b.attr(data, "policy_id"),
            statements: vec![],
        },
        Rendering::Plan => Document {
            version: b.attr(data, "version").filter(|v| v.as_str().is_some()),
            ..Document::default()
        },
    };
    if let Some((statements, _)) = b.blocks(data, "statement")? {
        for st in statements {
            own.statements.push(statement(b, &st)?);
        }
    }
    doc.merge(own);
    for d in documents(b, data, "override_policy_documents")? {
        doc.merge(d);
    }
    Ok(doc)
}

/// The policy a policy-document data source of a plan produces: its `json` when known, else
/// the document rendered from its blocks. `None` when the data source says nothing usable.
pub fn from_data_source(data: &Node) -> Option<Node> {
    for attr in ["json", "minified_json"] {
        if let Some(j) = data.get(attr)
            && matches!(j.kind, NodeKind::String(_) | NodeKind::Object(_))
        {
            return Some(j.clone());
        }
    }
    match render(&mut PlanValues, data) {
        Ok(doc) if doc.statements.is_empty() => None,
        Ok(doc) => Some(doc.into_node(data.span)),
        Err(u) => Some(u),
    }
}

/// The values of a data source as a plan gives them: blocks are lists of objects.
struct PlanValues;

impl Blocks for PlanValues {
    type Block = Node;
    const RENDERING: Rendering = Rendering::Plan;

    fn value(&mut self, block: &Node, name: &str) -> Option<Node> {
        block.get(name).cloned()
    }

    fn blocks(&mut self, block: &Node, name: &str) -> Result<Option<(Vec<Node>, Span)>, Node> {
        match block.get(name) {
            None => Ok(None),
            Some(v) if v.is_null() => Ok(None),
            Some(v) => match &v.kind {
                NodeKind::Unknown(u) => Err(Node::unknown((**u).clone(), v.span)),
                _ => Ok(Some((v.items().to_vec(), v.span))),
            },
        }
    }

    fn span(&self, block: &Node) -> Span {
        block.span
    }
}

fn unknown(origin: &str, span: Span) -> Node {
    Node::unknown(
        Unknown {
            origin: origin.into(),
            ..Unknown::default()
        },
        span,
    )
}

/// The source or override documents `name` of a data source.
fn documents<B: Blocks>(b: &mut B, data: &B::Block, name: &str) -> Result<Vec<Document>, Node> {
    let Some(v) = b.attr(data, name) else {
        return Ok(vec![]);
    };
    let given = match (&v.kind, B::RENDERING) {
        (NodeKind::Array(a), _) => a.clone(),
        (NodeKind::Unknown(u), Rendering::Plan) => {
            return Err(Node::unknown((**u).clone(), v.span));
        }
        (_, Rendering::Plan) => vec![v],
        (_, Rendering::Provider) => return Err(combine_unknown(&[&v], v.span)),
    };
    given
        .iter()
        .map(|d| match B::RENDERING {
            Rendering::Provider => provider_document(d),
            Rendering::Plan => plan_document(d),
        })
        .collect()
}

/// A source or override document of a configuration, given as a document or as JSON text:
/// its statements, `Version` and `Id`.
fn provider_document(n: &Node) -> Result<Document, Node> {
    let node = match &n.kind {
        NodeKind::Object(_) => n.clone(),
        NodeKind::String(s) if s.value.trim().is_empty() => return Ok(Document::default()),
        NodeKind::String(s) => {
            let mut parsed =
                json::parse(&s.value, Placement::of_string(s, n.span)).map_err(|e| {
                    let mut u = crate::base::value::unknown(
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
    Ok(Document {
        version: node.get("Version").cloned(),
        id: node.get("Id").cloned(),
        statements,
    })
}

/// A source or override document of a plan: its statements.
fn plan_document(doc: &Node) -> Result<Document, Node> {
    let parsed = match &doc.kind {
        NodeKind::String(s) if s.value.trim().is_empty() => return Ok(Document::default()),
        NodeKind::String(s) => {
            json::parse(&s.value, Placement::of_string(s, doc.span)).map_err(|_| {
                unknown(
                    "a source or override policy document is not valid JSON",
                    doc.span,
                )
            })?
        }
        NodeKind::Unknown(u) => return Err(Node::unknown((**u).clone(), doc.span)),
        _ => doc.clone(),
    };
    let statements = match parsed.get("Statement") {
        Some(s) if s.as_unknown().is_some() => return Err(s.clone()),
        Some(s) => s.items().to_vec(),
        None => vec![],
    };
    Ok(Document {
        statements,
        ..Document::default()
    })
}

/// One `statement` block → one policy statement.
fn statement<B: Blocks>(b: &mut B, st: &B::Block) -> Result<Node, Node> {
    let span = b.span(st);
    let mut m: Vec<(Key, Node)> = vec![];
    if let Some(sid) = b.attr(st, "sid").filter(|s| match B::RENDERING {
        Rendering::Provider => s.as_str().is_none_or(|t| !t.is_empty()),
        Rendering::Plan => s.as_str().is_some_and(|t| !t.is_empty()),
    }) {
        m.push((key("Sid", sid.span), sid));
    }
    let effect = b.attr(st, "effect").unwrap_or_else(|| text("Allow", span));
    m.push((key("Effect", effect.span), effect));
    for (attr, json_name) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        let v = b.attr(st, attr).and_then(|v| match B::RENDERING {
            Rendering::Provider => rendered_list(v),
            Rendering::Plan => Some(v),
        });
        if let Some(v) = v {
            m.push((key(json_name, v.span), v));
        }
    }
    for (attr, json_name) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        let (blocks, at) = match b.blocks(st, attr) {
            Ok(Some(found)) => found,
            Ok(None) => continue,
            // (a plan's unknown blocks stay unknown in the statement)
            Err(u) if B::RENDERING == Rendering::Plan => {
                m.push((key(json_name, u.span), u));
                continue;
            }
            Err(u) => return Err(u),
        };
        let value = match B::RENDERING {
            Rendering::Provider => provider_principals(b, blocks, span)?,
            Rendering::Plan => plan_principals(b, blocks, at),
        };
        let kspan = match B::RENDERING {
            Rendering::Provider => value.span,
            Rendering::Plan => at,
        };
        m.push((key(json_name, kspan), value));
    }
    match b.blocks(st, "condition") {
        Ok(Some((blocks, at))) => {
            let (kspan, value) = match B::RENDERING {
                Rendering::Provider => (span, provider_conditions(b, blocks, span)?),
                Rendering::Plan => (at, plan_conditions(b, blocks, at)),
            };
            m.push((key("Condition", kspan), value));
        }
        Ok(None) => {}
        Err(u) if B::RENDERING == Rendering::Plan => m.push((key("Condition", u.span), u)),
        Err(u) => return Err(u),
    }
    Ok(Node::new(NodeKind::Object(m), span))
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

fn key(name: &str, span: Span) -> Key {
    Key {
        name: name.into(),
        span,
    }
}

fn text(value: &str, span: Span) -> Node {
    Node::string(value, span, Default::default())
}

fn empty_list(span: Span) -> Node {
    Node::new(NodeKind::Array(vec![]), span)
}

/// `principals { type = "AWS", identifiers = [...] }` blocks, as the provider renders them:
/// `{"AWS": [...]}` placed at the statement (`span`), each list rendered; type `*` renders its
/// identifier.
fn provider_principals<B: Blocks>(
    b: &mut B,
    blocks: Vec<B::Block>,
    span: Span,
) -> Result<Node, Node> {
    let mut groups: Vec<(Key, Vec<Node>, Span)> = vec![];
    let mut star: Option<Node> = None;
    for block in blocks {
        let bspan = b.span(&block);
        let ty = b.attr(&block, "type").unwrap_or_else(|| text("", bspan));
        let ids = b
            .attr(&block, "identifiers")
            .unwrap_or_else(|| empty_list(bspan));
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
                        _ => text("*", i.span),
                    })
                    .unwrap_or_else(|| text("*", bspan)),
            );
            continue;
        }
        match groups.iter_mut().find(|(k, _, _)| k.name == t) {
            Some((_, list, _)) => list.extend(items),
            None => groups.push((key(&t, ty.span), items, ids.span)),
        }
    }
    Ok(match star {
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
    })
}

/// `principals` blocks as a plan gives them: `{"AWS": [...]}` placed at the blocks (`at`);
/// type `*` renders `"*"`.
fn plan_principals<B: Blocks>(b: &mut B, blocks: Vec<B::Block>, at: Span) -> Node {
    let mut map: Vec<(Key, Node)> = vec![];
    for block in blocks {
        let Some(ty) = b.value(&block, "type") else {
            continue;
        };
        let ids = b
            .value(&block, "identifiers")
            .unwrap_or_else(|| empty_list(b.span(&block)));
        let Some(t) = ty.as_str() else {
            return unknown("a principals type is known only after apply", ty.span);
        };
        if t == "*" {
            return text("*", ty.span);
        }
        match map.iter_mut().find(|(k, _)| k.name == t) {
            Some((_, existing)) => {
                let mut all = existing.items().to_vec();
                all.extend(ids.items().iter().cloned());
                *existing = Node::new(NodeKind::Array(all), existing.span);
            }
            None => map.push((key(t, ty.span), ids)),
        }
    }
    Node::new(NodeKind::Object(map), at)
}

/// `condition { test, variable, values }` blocks, as the provider renders them:
/// `{test: {variable: values}}` placed at the statement (`span`), one value as a plain value;
/// a test or variable not known makes the document unknown.
fn provider_conditions<B: Blocks>(
    b: &mut B,
    blocks: Vec<B::Block>,
    span: Span,
) -> Result<Node, Node> {
    let mut ops: Vec<(Key, Node)> = vec![];
    for block in blocks {
        let cspan = b.span(&block);
        let test = b.attr(&block, "test").unwrap_or_else(|| text("", cspan));
        let var = b
            .attr(&block, "variable")
            .unwrap_or_else(|| text("", cspan));
        let values = b
            .attr(&block, "values")
            .unwrap_or_else(|| empty_list(cspan));
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
        // (a test or variable written from a sensitive value makes its conditions sensitive: a
        // key of the policy cannot carry the mark itself)
        ops[op].1.sensitive |= test.sensitive || var.sensitive;
        if let NodeKind::Object(keys) = &mut ops[op].1.kind {
            keys.retain(|(k, _)| k.name != vname);
            keys.push((key(vname, var.span), values));
        }
    }
    Ok(Node::new(NodeKind::Object(ops), span))
}

/// `condition` blocks as a plan gives them: `{test: {variable: values}}` placed at the blocks
/// (`at`); a test or variable not known makes the conditions unknown.
fn plan_conditions<B: Blocks>(b: &mut B, blocks: Vec<B::Block>, at: Span) -> Node {
    let mut ops: Vec<(Key, Node)> = vec![];
    for block in blocks {
        let (Some(test), Some(var)) = (b.value(&block, "test"), b.value(&block, "variable")) else {
            continue;
        };
        let sensitive = test.sensitive || var.sensitive;
        let bspan = b.span(&block);
        let (Some(t), Some(v)) = (test.as_str(), var.as_str()) else {
            return unknown(
                "a condition's test or variable is known only after apply",
                bspan,
            );
        };
        let values = b
            .value(&block, "values")
            .unwrap_or_else(|| empty_list(bspan));
        let entry = (key(v, var.span), values);
        match ops.iter_mut().find(|(k, _)| k.name == t) {
            Some((_, by_test)) => {
                by_test.sensitive |= sensitive;
                if let NodeKind::Object(m) = &mut by_test.kind {
                    m.push(entry);
                }
            }
            None => {
                let mut by_test = Node::new(NodeKind::Object(vec![entry]), bspan);
                by_test.sensitive = sensitive;
                ops.push((key(t, test.span), by_test));
            }
        }
    }
    Node::new(NodeKind::Object(ops), at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data(text: &str) -> Node {
        json::parse(text, Placement::exact(0, 0, text.len())).unwrap()
    }

    #[test]
    fn a_known_json_is_the_policy() {
        let d = data(r#"{"json": "{\"Version\": \"2012-10-17\"}", "statement": []}"#);
        assert_eq!(
            from_data_source(&d).unwrap().to_json(),
            json!("{\"Version\": \"2012-10-17\"}")
        );
    }

    #[test]
    fn a_plan_s_values_are_written_as_the_plan_gives_them() {
        let text = r#"{"json": null, "version": null, "statement": [
            {"sid": "", "effect": null, "actions": ["secretsmanager:GetSecretValue"], "resources": null,
             "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::444455556666:root"]}],
             "not_principals": [], "condition": []}]}"#;
        let v = from_data_source(&data(text)).unwrap();
        assert_eq!(
            v.to_json(),
            json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Principal": {"AWS": ["arn:aws:iam::444455556666:root"]},
                "NotPrincipal": {},
                "Condition": {}
            }]})
        );
        // the principal keeps the span of the plan's value
        let principal = v.get("Statement").unwrap().items()[0]
            .get("Principal")
            .unwrap();
        let aws = principal.get("AWS").unwrap();
        let at = &text[aws.span.start as usize..aws.span.end as usize];
        assert_eq!(at, r#"["arn:aws:iam::444455556666:root"]"#);
    }

    #[test]
    fn source_statements_are_replaced_by_sid_and_unknown_statements_make_an_unknown() {
        let text = r#"{"source_policy_documents": ["{\"Statement\": [{\"Sid\": \"A\", \"Effect\": \"Allow\", \"Action\": \"s3:GetObject\"}]}"],
            "statement": [{"sid": "A", "effect": "Deny", "actions": ["s3:*"]}]}"#;
        let v = from_data_source(&data(text)).unwrap();
        assert_eq!(
            v.get("Statement").unwrap().to_json(),
            json!([{"Sid": "A", "Effect": "Deny", "Action": ["s3:*"]}])
        );
        let mut d = data(r#"{"statement": []}"#);
        assert!(from_data_source(&d).is_none());
        if let NodeKind::Object(m) = &mut d.kind {
            m[0].1 = unknown("known after apply", m[0].1.span);
        }
        assert!(from_data_source(&d).unwrap().as_unknown().is_some());
    }
}
