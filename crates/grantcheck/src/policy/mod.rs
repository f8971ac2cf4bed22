//! IAM policy documents with spans: parse a [`Node`] tree into statements, principals, actions
//! and conditions, normalising principals to {kind, account}.

pub mod actions;
#[rustfmt::skip]
mod actions_data;
pub mod iam_policy_document;
pub mod principal;
pub mod standalone;

use crate::base::source::Span;
use crate::base::value::{Key, Node, NodeKind, Unknown};
pub use principal::{Arn, Normalized, PrincipalKind, PrincipalType, is_account_id, parse_arn};
use std::sync::Arc;

use compact_str::CompactString;

/// A string element of a policy (an action, a resource, a condition value): known text or an
/// unknown value, with its span and JSON pointer.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub text: Option<CompactString>,
    pub unknown: Option<Arc<Unknown>>,
    pub span: Span,
    pub path: CompactString,
    pub sensitive: bool,
}

impl Item {
    /// The text as a message shows it: quoted, or `(sensitive value)` when the plan marks it
    /// sensitive.
    pub fn shown(&self) -> String {
        if self.sensitive {
            "(sensitive value)".to_string()
        } else {
            format!("\"{}\"", self.text.as_deref().unwrap_or_default())
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Copy)]
pub enum Effect {
    Allow,
    Deny,
    /// Unknown before apply.
    Unknown,
    /// Anything else (invalid).
    Invalid,
}

/// One principal entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Principal {
    pub ty: PrincipalType,
    /// The text, when known.
    pub text: Option<CompactString>,
    pub unknown: Option<Arc<Unknown>>,
    pub kind: PrincipalKind,
    pub account: Option<String>,
    pub partition: Option<String>,
    pub span: Span,
    pub path: CompactString,
    pub sensitive: bool,
}

impl Principal {
    /// What kind of principal it is, for messages (never a sensitive value).
    pub fn describe(&self) -> String {
        if self.sensitive {
            "a principal marked sensitive".to_string()
        } else {
            self.kind.describe()
        }
    }

    /// Can this principal be an exact role or user (the subject of XA001)? An account root, a
    /// service, `*`, or an unknown value shaped as a root ARN
    /// (`arn:aws:iam::${var.account}:root`) or a bare account ID never is.
    pub fn may_be_exact_identity(&self) -> bool {
        match self.kind {
            PrincipalKind::Unknown => {
                let Some(t) = self.unknown.as_ref().and_then(|u| u.template.as_deref()) else {
                    return true;
                };
                !(t.starts_with("arn:") && t.ends_with(":root"))
            }
            ref k => k.is_exact_identity(),
        }
    }

    /// The principal's account for messages (never from a sensitive value).
    pub fn account_display(&self) -> Option<&str> {
        if self.sensitive {
            Some("(sensitive value)")
        } else {
            self.account.as_deref()
        }
    }

    /// How the principal is written, for messages (never a sensitive value).
    pub fn display(&self) -> String {
        if self.sensitive {
            return "(sensitive value)".to_string();
        }
        match (&self.text, &self.unknown) {
            (Some(t), _) => t.to_string(),
            (None, Some(u)) => match (&u.template, u.refs.first()) {
                (Some(t), _) => t.clone(),
                (None, Some(r)) => r.display(),
                (None, None) if matches!(u.origin, crate::base::value::Origin::Said(_)) => {
                    "(not known)".into()
                }
                (None, None) => "(known after apply)".into(),
            },
            _ => "(unknown)".into(),
        }
    }
}

/// `Principal` or `NotPrincipal`.
#[derive(Clone, Debug, PartialEq)]
pub struct Principals {
    pub negated: bool,
    pub entries: Vec<Principal>,
    /// The whole element is unknown.
    pub unknown: Option<Arc<Unknown>>,
    pub span: Span,
    pub path: CompactString,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemList {
    pub negated: bool,
    pub items: Vec<Item>,
    pub unknown: Option<Arc<Unknown>>,
    pub span: Span,
    pub path: CompactString,
}

impl ItemList {
    /// When the list or one of its items is not known, why, as the rest of a sentence whose
    /// subject they are.
    pub fn unknown_why(&self) -> Option<String> {
        unknown_why(self.unknown.as_deref(), &self.items)
    }
}

fn unknown_why(whole: Option<&Unknown>, items: &[Item]) -> Option<String> {
    let u = whole.or_else(|| items.iter().find_map(|i| i.unknown.as_deref()));
    match u {
        Some(u) => Some(u.predicate(true)),
        None if items.iter().any(|i| i.text.is_none()) => Some("are known after apply".into()),
        None => None,
    }
}

/// One `operator: {key: values}` entry of a Condition block.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<Item>,
    /// The values are unknown before apply.
    pub unknown: Option<Arc<Unknown>>,
    pub span: Span,
    pub path: CompactString,
    /// The plan marks the policy sensitive: neither the operator nor the key is printed.
    pub sensitive: bool,
}

impl Condition {
    /// When the values or one of them are not known, why, as the rest of a sentence whose
    /// subject they are (`are not known: var.org has no value …`, `are known after apply (…)`).
    pub fn unknown_why(&self) -> Option<String> {
        unknown_why(self.unknown.as_deref(), &self.values)
    }

    /// The operator as a message shows it: as written, or `(sensitive operator)`.
    pub fn shown_operator(&self) -> &str {
        if self.sensitive {
            "(sensitive operator)"
        } else {
            &self.operator
        }
    }

    /// The condition key as a message shows it: as written, or `(sensitive key)`.
    pub fn shown_key(&self) -> &str {
        if self.sensitive {
            "(sensitive key)"
        } else {
            &self.key
        }
    }

    /// Operator without `ForAnyValue:`/`ForAllValues:` and `IfExists`.
    pub fn base_operator(&self) -> &str {
        let op = self
            .operator
            .split_once(':')
            .map(|(_, o)| o)
            .unwrap_or(&self.operator);
        op.strip_suffix("IfExists").unwrap_or(op)
    }

    pub fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub index: usize,
    pub path: CompactString,
    pub span: Span,
    pub sid: Option<Item>,
    pub effect: Effect,
    pub effect_span: Span,
    /// The Effect as written, when it is a string.
    pub effect_text: Option<String>,
    /// The statement is a JSON object (not a string, list or unknown value).
    pub is_object: bool,
    pub principal: Option<Principals>,
    pub action: Option<ItemList>,
    pub resource: Option<ItemList>,
    pub conditions: Vec<Condition>,
    /// The Condition element is unknown as a whole.
    pub condition_unknown: Option<Arc<Unknown>>,
    /// Every key of the statement object as written, in order. `action`, `principal` and
    /// `resource` keep the last of `X`/`NotX`; these show when both were written.
    pub keys: Vec<Key>,
}

impl Statement {
    pub fn is_allow(&self) -> bool {
        self.effect == Effect::Allow
    }

    /// Does the statement carry any condition (known or not)?
    pub fn has_condition(&self) -> bool {
        !self.conditions.is_empty() || self.condition_unknown.is_some()
    }

    /// Where the statement writes the key `name` (case-sensitive, as AWS reads it).
    pub fn key(&self, name: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.name == name)
    }
}

/// A parsed policy document.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyDocument {
    pub version: Option<Item>,
    pub statements: Vec<Statement>,
    /// The Statement list (or the whole document) is unknown before apply.
    pub unknown: Option<Arc<Unknown>>,
    pub span: Span,
    /// Where the `Statement` key is written, when the document has one.
    pub statement_key: Option<Span>,
}

/// A policy that is not a policy document at all.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyError {
    pub message: String,
    pub span: Span,
}

/// Parses a policy document from a value tree.
pub fn parse(node: &Node) -> Result<PolicyDocument, PolicyError> {
    let members = match &node.kind {
        NodeKind::Object(m) => m,
        NodeKind::Unknown(u) => {
            return Ok(PolicyDocument {
                version: None,
                statements: vec![],
                unknown: Some(u.clone()),
                span: node.span,
                statement_key: None,
            });
        }
        _ => {
            return Err(PolicyError {
                message: "a policy document must be a JSON object".into(),
                span: node.span,
            });
        }
    };
    let mut doc = PolicyDocument {
        version: None,
        statements: vec![],
        unknown: None,
        span: node.span,
        statement_key: None,
    };
    for (k, v) in members {
        if k.name == "Statement" {
            doc.statement_key = Some(k.span);
        }
        match k.name.as_str() {
            "Version" => doc.version = Some(item(v, "/Version".into())),
            "Statement" => match &v.kind {
                NodeKind::Unknown(u) => doc.unknown = Some(u.clone()),
                NodeKind::Array(list) => {
                    // collected at their exact number: a vector grown from empty keeps room
                    // for at least four, and statements are large
                    doc.statements = list
                        .iter()
                        .enumerate()
                        .map(|(i, s)| statement(s, i, index_path("/Statement", i)))
                        .collect();
                }
                _ => doc.statements.push(statement(v, 0, "/Statement".into())),
            },
            _ => {}
        }
    }
    Ok(doc)
}

fn item(v: &Node, path: CompactString) -> Item {
    let (text, unknown) = match &v.kind {
        NodeKind::String(s) => (Some(s.value.clone()), None),
        NodeKind::Number(n) => (Some(n.clone()), None),
        NodeKind::Bool(b) => (Some(if *b { "true" } else { "false" }.into()), None),
        NodeKind::Unknown(u) => (None, Some(u.clone())),
        _ => (None, None),
    };
    Item {
        text,
        unknown,
        span: v.span,
        path,
        sensitive: v.sensitive,
    }
}

fn items(v: &Node, path: &str) -> (Vec<Item>, Option<Arc<Unknown>>) {
    match &v.kind {
        NodeKind::Unknown(u) => (vec![], Some(u.clone())),
        NodeKind::Array(a) => (
            a.iter()
                .enumerate()
                .map(|(i, n)| item(n, index_path(path, i)))
                .collect(),
            None,
        ),
        _ => (vec![item(v, CompactString::new(path))], None),
    }
}

/// The JSON pointer of member `key` under `base` (`~` and `/` escaped). Paths are made for
/// every element of every policy, so without the formatting machinery.
fn key_path(base: &str, key: &str) -> CompactString {
    let mut p = CompactString::with_capacity(base.len() + 1 + key.len());
    p.push_str(base);
    p.push('/');
    if key.bytes().any(|b| b == b'~' || b == b'/') {
        p.push_str(&key.replace('~', "~0").replace('/', "~1"));
    } else {
        p.push_str(key);
    }
    p
}

/// The names of the policy grammar, which a JSON pointer into a policy the plan marks sensitive
/// may still show (`redact_path`).
const GRAMMAR: &[&str] = &[
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "CanonicalUser",
];

/// A JSON pointer into a policy the plan marks sensitive, as a report may show it: indexes and
/// the names of the policy grammar stay, every other key (condition operators and keys, a
/// misspelt element) is `(sensitive)`.
pub fn redact_path(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.is_empty() || seg.bytes().all(|b| b.is_ascii_digit()) || GRAMMAR.contains(&seg) {
                seg
            } else {
                "(sensitive)"
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The JSON pointer of item `i` under `base`.
fn index_path(base: &str, i: usize) -> CompactString {
    use std::fmt::Write;
    let mut p = CompactString::with_capacity(base.len() + 4);
    p.push_str(base);
    p.push('/');
    match u8::try_from(i) {
        // most lists are short: their indexes are one digit
        Ok(d @ 0..=9) => p.push(char::from(b'0' + d)),
        _ => {
            let _ = write!(p, "{i}");
        }
    }
    p
}

fn statement(node: &Node, index: usize, path: CompactString) -> Statement {
    let mut st = Statement {
        index,
        path: path.clone(),
        span: node.span,
        sid: None,
        effect: Effect::Invalid,
        effect_span: node.span,
        effect_text: None,
        is_object: false,
        principal: None,
        action: None,
        resource: None,
        conditions: vec![],
        condition_unknown: None,
        keys: vec![],
    };
    let NodeKind::Object(members) = &node.kind else {
        if let NodeKind::Unknown(_) = node.kind {
            st.effect = Effect::Unknown;
        }
        return st;
    };
    st.is_object = true;
    st.keys = members.iter().map(|(k, _)| k.clone()).collect();
    for (k, v) in members {
        let p = key_path(&path, &k.name);
        match k.name.as_str() {
            "Sid" => st.sid = Some(item(v, p)),
            "Effect" => {
                st.effect_span = v.span;
                // (for messages: never a value the plan marks sensitive)
                st.effect_text = v.as_str().filter(|_| !v.sensitive).map(str::to_string);
                st.effect = match &v.kind {
                    NodeKind::String(s) if s.value == "Allow" => Effect::Allow,
                    NodeKind::String(s) if s.value == "Deny" => Effect::Deny,
                    NodeKind::Unknown(_) => Effect::Unknown,
                    _ => Effect::Invalid,
                }
            }
            "Principal" | "NotPrincipal" => {
                st.principal = Some(principals(v, k.name == "NotPrincipal", p));
            }
            "Action" | "NotAction" => {
                let (list, unknown) = items(v, &p);
                st.action = Some(ItemList {
                    negated: k.name == "NotAction",
                    items: list,
                    unknown,
                    span: v.span,
                    path: p,
                });
            }
            "Resource" | "NotResource" => {
                let (list, unknown) = items(v, &p);
                st.resource = Some(ItemList {
                    negated: k.name == "NotResource",
                    items: list,
                    unknown,
                    span: v.span,
                    path: p,
                });
            }
            "Condition" => match &v.kind {
                NodeKind::Unknown(u) => st.condition_unknown = Some(u.clone()),
                NodeKind::Object(ops) => {
                    st.conditions.reserve_exact(
                        ops.iter()
                            .filter_map(|(_, keys)| keys.as_object())
                            .map(<[(Key, Node)]>::len)
                            .sum(),
                    );
                    for (op, keys) in ops {
                        let op_path = key_path(&p, &op.name);
                        let sensitive = keys.sensitive;
                        match &keys.kind {
                            NodeKind::Object(keys) => {
                                for (key, vals) in keys {
                                    let sensitive = sensitive || vals.sensitive;
                                    let kp = key_path(&op_path, &key.name);
                                    // (the operator and key of a sensitive condition are part
                                    // of its value: its pointers keep only the grammar)
                                    let kp = if sensitive {
                                        CompactString::from(redact_path(&kp))
                                    } else {
                                        kp
                                    };
                                    let (values, unknown) = items(vals, &kp);
                                    st.conditions.push(Condition {
                                        operator: op.name.to_string(),
                                        key: key.name.to_string(),
                                        values,
                                        unknown,
                                        span: vals.span,
                                        path: kp,
                                        sensitive,
                                    });
                                }
                            }
                            NodeKind::Unknown(u) => st.condition_unknown = Some(u.clone()),
                            _ => {}
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    st
}

fn principals(v: &Node, negated: bool, path: CompactString) -> Principals {
    let mut out = Principals {
        negated,
        entries: vec![],
        unknown: None,
        span: v.span,
        path: path.clone(),
    };
    match &v.kind {
        NodeKind::Unknown(u) => out.unknown = Some(u.clone()),
        NodeKind::Object(map) => {
            out.entries.reserve_exact(
                map.iter()
                    .map(|(_, vals)| vals.as_array().map_or(1, <[Node]>::len))
                    .sum(),
            );
            for (k, vals) in map {
                let ty = PrincipalType::from_key(&k.name);
                let kp = key_path(&path, &k.name);
                match &vals.kind {
                    NodeKind::Unknown(u) => {
                        out.entries
                            .push(unknown_principal(ty.clone(), u.clone(), vals, kp.clone()))
                    }
                    NodeKind::Array(list) => {
                        for (i, n) in list.iter().enumerate() {
                            out.entries
                                .push(principal_entry(&ty, n, index_path(&kp, i)));
                        }
                    }
                    _ => out.entries.push(principal_entry(&ty, vals, kp.clone())),
                }
            }
        }
        _ => out
            .entries
            .push(principal_entry(&PrincipalType::Star, v, path.clone())),
    }
    out
}

fn unknown_principal(
    ty: PrincipalType,
    u: Arc<Unknown>,
    n: &Node,
    path: CompactString,
) -> Principal {
    Principal {
        ty,
        text: None,
        unknown: Some(u),
        kind: PrincipalKind::Unknown,
        account: None,
        partition: None,
        span: n.span,
        path,
        sensitive: n.sensitive,
    }
}

fn principal_entry(ty: &PrincipalType, n: &Node, path: CompactString) -> Principal {
    match &n.kind {
        NodeKind::Unknown(u) => unknown_principal(ty.clone(), u.clone(), n, path),
        NodeKind::String(s) => {
            let norm = principal::normalize(ty, &s.value);
            Principal {
                ty: ty.clone(),
                text: Some(s.value.clone()),
                unknown: None,
                kind: norm.kind,
                account: norm.account,
                partition: norm.partition,
                span: n.span,
                path,
                sensitive: n.sensitive,
            }
        }
        NodeKind::Number(num) => {
            // An account id written as a JSON number loses leading zeros; keep the text.
            let norm = principal::normalize(ty, num);
            Principal {
                ty: ty.clone(),
                text: Some(num.clone()),
                unknown: None,
                kind: norm.kind,
                account: norm.account,
                partition: norm.partition,
                span: n.span,
                path,
                sensitive: n.sensitive,
            }
        }
        _ => Principal {
            ty: ty.clone(),
            text: None,
            unknown: None,
            kind: PrincipalKind::Invalid {
                reason: "a principal must be a string".into(),
            },
            account: None,
            partition: None,
            span: n.span,
            path,
            sensitive: n.sensitive,
        },
    }
}

/// Case-insensitive glob match with `*` and `?`, as IAM matches actions.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        // one byte is one character: match in place, without copying either text
        return glob_match_units(pattern.as_bytes(), text.as_bytes(), |p, t| {
            p.eq_ignore_ascii_case(t)
        });
    }
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    glob_match_units(&p, &t, |p, t| p == t)
}

/// Glob matching over bytes or characters, with `eq` comparing two of them.
fn glob_match_units<T: Copy + GlobUnit>(p: &[T], t: &[T], eq: impl Fn(&T, &T) -> bool) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi].is_any() || eq(&p[pi], &t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi].is_star() {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi].is_star() {
        pi += 1;
    }
    pi == p.len()
}

trait GlobUnit {
    fn is_star(&self) -> bool;
    fn is_any(&self) -> bool;
}

impl GlobUnit for u8 {
    fn is_star(&self) -> bool {
        *self == b'*'
    }
    fn is_any(&self) -> bool {
        *self == b'?'
    }
}

impl GlobUnit for char {
    fn is_star(&self) -> bool {
        *self == '*'
    }
    fn is_any(&self) -> bool {
        *self == '?'
    }
}

/// Whether an Action/NotAction list allows `action`: yes, no, or not known.
pub fn list_allows(list: Option<&ItemList>, action: &str) -> Option<bool> {
    let list = list?;
    if list.unknown.is_some() {
        return None;
    }
    let mut unknown = false;
    let mut hit = false;
    for it in &list.items {
        match &it.text {
            Some(t) if glob_match(t, action) => hit = true,
            Some(_) => {}
            None => unknown = true,
        }
    }
    if hit {
        return Some(!list.negated);
    }
    if unknown {
        return None;
    }
    Some(list.negated)
}

/// [`list_allows`] for each of `actions` at once: a literal item is compared by length and
/// text, and only wildcard items are matched as patterns.
pub fn list_allows_each(list: Option<&ItemList>, actions: &[&str]) -> Vec<Option<bool>> {
    let Some(list) = list.filter(|l| l.unknown.is_none()) else {
        return vec![None; actions.len()];
    };
    let mut hit = vec![false; actions.len()];
    let mut unknown = false;
    for it in &list.items {
        let Some(t) = &it.text else {
            unknown = true;
            continue;
        };
        let literal = !t.contains(['*', '?']);
        for (h, a) in hit.iter_mut().zip(actions) {
            if !*h {
                *h = if literal {
                    t.len() == a.len() && t.eq_ignore_ascii_case(a)
                } else {
                    glob_match(t, a)
                };
            }
        }
    }
    hit.into_iter()
        .map(|h| match (h, unknown) {
            (true, _) => Some(!list.negated),
            (false, true) => None,
            (false, false) => Some(list.negated),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json::{Placement, parse as parse_json};

    fn doc(text: &str) -> PolicyDocument {
        let n = parse_json(text, Placement::exact(0, 0, text.len())).unwrap();
        parse(&n).unwrap()
    }

    #[test]
    fn paths_are_json_pointers() {
        let actions: Vec<String> = (0..12).map(|i| format!("\"kms:A{i}\"")).collect();
        let d = doc(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Action":[{}],"Condition":{{"StringEquals":{{"a/b~c":"x"}}}}}}]}}"#,
            actions.join(",")
        ));
        let st = &d.statements[0];
        assert_eq!(st.path, "/Statement/0");
        let items = &st.action.as_ref().unwrap().items;
        assert_eq!(items[0].path, "/Statement/0/Action/0");
        assert_eq!(items[9].path, "/Statement/0/Action/9");
        assert_eq!(items[11].path, "/Statement/0/Action/11");
        assert_eq!(
            st.conditions[0].path,
            "/Statement/0/Condition/StringEquals/a~1b~0c"
        );
    }

    #[test]
    fn statement_as_object_or_array_and_principal_forms() {
        let d = doc(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#,
        );
        assert_eq!(d.statements.len(), 1);
        assert_eq!(d.statements[0].path, "/Statement");
        let p = &d.statements[0].principal.as_ref().unwrap().entries[0];
        assert_eq!(p.kind, PrincipalKind::Wildcard);

        let d = doc(
            r#"{"Statement":[{"Effect":"Deny","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:role/r"],"Service":"x.amazonaws.com"},"NotAction":"kms:*"}]}"#,
        );
        let s = &d.statements[0];
        assert_eq!(s.effect, Effect::Deny);
        let e = &s.principal.as_ref().unwrap().entries;
        assert_eq!(e.len(), 3);
        assert_eq!(e[1].path, "/Statement/0/Principal/AWS/1");
        assert!(matches!(e[1].kind, PrincipalKind::Role { .. }));
        assert_eq!(e[2].kind, PrincipalKind::Service);
        assert!(s.action.as_ref().unwrap().negated);
    }

    #[test]
    fn principal_spans_point_at_the_value() {
        let text = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"}}]}"#;
        let d = doc(text);
        let p = &d.statements[0].principal.as_ref().unwrap().entries[0];
        assert_eq!(
            &text[p.span.start as usize..p.span.end as usize],
            "\"arn:aws:iam::444455556666:root\""
        );
    }

    #[test]
    fn glob_matches_like_iam() {
        assert!(glob_match("kms:*", "kms:Decrypt"));
        assert!(glob_match("KMS:decrypt", "kms:Decrypt"));
        assert!(glob_match("*", "kms:Decrypt"));
        assert!(glob_match("kms:De?rypt", "kms:Decrypt"));
        assert!(!glob_match("kms:Encrypt", "kms:Decrypt"));
        assert!(glob_match(
            "secretsmanager:Get*",
            "secretsmanager:GetSecretValue"
        ));
        assert!(!glob_match(
            "secretsmanager:Get*",
            "secretsmanager:PutSecretValue"
        ));
        assert!(glob_match("*:*Secret*", "secretsmanager:GetSecretValue"));
        assert!(!glob_match("kms:Decrypt?", "kms:Decrypt"));
        assert!(glob_match("kms:*crypt", "kms:ReEncrypt"));
    }

    #[test]
    fn list_allows_each_agrees_with_list_allows() {
        let names: Vec<&str> = actions::ACTIONS.iter().map(|a| a.name).collect();
        for actions in [
            r#""secretsmanager:GetSecretValue""#,
            r#"["SECRETSMANAGER:putsecretvalue", "kms:De*"]"#,
            r#"["secretsmanager:*Secret?", "*:Describe*"]"#,
            r#""*""#,
            r#"[]"#,
        ] {
            for key in ["Action", "NotAction"] {
                let d = doc(&format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","{key}":{actions},"Resource":"*"}}]}}"#
                ));
                let list = d.statements[0].action.as_ref();
                let each = list_allows_each(list, &names);
                for (n, got) in names.iter().zip(each) {
                    assert_eq!(got, list_allows(list, n), "{key} {actions} / {n}");
                }
            }
        }
        assert_eq!(list_allows_each(None, &names[..2]), vec![None, None]);
    }

    #[test]
    fn glob_counts_characters_not_bytes() {
        // `?` stands for one character, however many bytes it takes
        assert!(glob_match("caf?", "café"));
        assert!(glob_match("CAF?:*", "café:x"));
        assert!(!glob_match("caf??", "café"));
        assert!(glob_match("é*", "é-anything"));
        assert!(!glob_match("kms:Décrypt", "kms:Decrypt"));
    }
}
