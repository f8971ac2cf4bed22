//! The roles and users the input manages, and the identity policies attached to them
//! (inline, `aws_iam_role_policy` / `aws_iam_user_policy`, `aws_iam_policy` attached by
//! `aws_iam_role_policy_attachment`, `aws_iam_user_policy_attachment`,
//! `aws_iam_policy_attachment` or `managed_policy_arns`). They are read apart from the
//! resource policies of [`Analysis::policies`], which the policy rules check: an identity
//! policy has no `Principal`, and is no resource policy.

use super::{Analysis, PolicyReading};
use crate::base::source::Span;
use crate::base::value::{Node, NodeKind};
use crate::model::{Mode, Resource};
use crate::policy::principal::normalize;
use crate::policy::{Principal, PrincipalKind, PrincipalType};

/// A role or user the input manages, with its identity policies.
#[derive(Clone, Debug)]
pub struct Identity {
    /// The `aws_iam_role` / `aws_iam_user` resource.
    pub res: usize,
    /// Its account, when known (its ARN, or its provider configuration's one account).
    pub account: Option<String>,
    /// Its ARN: known, or made from its account, path and name (IAM ARNs are not random).
    pub arn: Option<String>,
    /// The identity as a policy principal (kind and account).
    pub principal: Principal,
    pub policies: Vec<IdentityPolicy>,
    /// Policies attached to it whose text is not in the input (an AWS managed policy, a
    /// policy of another configuration, one known only after apply): what each is, and where.
    pub outside: Vec<(String, Span)>,
}

/// One identity policy of a role or user.
#[derive(Clone, Debug)]
pub struct IdentityPolicy {
    /// The resource that holds the policy text (the role, its `aws_iam_role_policy`, the
    /// `aws_iam_policy` attached).
    pub holder: usize,
    pub doc: PolicyReading,
    pub span: Span,
    /// For a policy written with escapes in a JSON string: where its content starts, and its
    /// value's length (see [`IdentityPolicy::place`]).
    escaped: Option<(u32, usize)>,
}

impl IdentityPolicy {
    /// Where a span of this policy's document is written.
    pub fn place(&self, a: &Analysis<'_>, span: Span) -> Span {
        a.place_identity_span(self.span, self.escaped, span)
    }
}

impl Identity {
    /// The identity as a reader names it: its ARN, else its address.
    pub fn shown(&self, a: &Analysis<'_>) -> String {
        if self.principal.sensitive {
            return "(sensitive value)".into();
        }
        match &self.arn {
            Some(arn) => arn.clone(),
            None => a.resource(self.res).address.clone(),
        }
    }
}

/// The roles and users of the infrastructure that survive the apply, with their policies.
pub(super) fn load(a: &Analysis<'_>) -> Vec<Identity> {
    let infra = a.infra;
    let mut ids = infra.ids_of_types(&["aws_iam_role", "aws_iam_user"]);
    ids.retain(|&i| {
        let r = &infra.resources[i];
        r.mode == Mode::Managed && r.action.survives()
    });
    if ids.is_empty() {
        return vec![];
    }
    let mut out: Vec<Identity> = ids.iter().map(|&id| identity(a, id)).collect();
    // each identity by the texts its role or user attributes name it with
    let mut by_text: crate::base::hash::HashMap<(&str, &str), usize> = Default::default();
    let mut by_res: crate::base::hash::HashMap<usize, usize> = Default::default();
    for (ix, &id) in ids.iter().enumerate() {
        let r = &infra.resources[id];
        by_res.insert(id, ix);
        for attr in ["name", "id", "arn", "unique_id"] {
            if let Some(t) = r.current_attr(attr).and_then(Node::as_str) {
                by_text.entry((r.rtype.as_str(), t)).or_insert(ix);
            }
        }
    }
    let find = |n: &Node, from: &Resource, rtype: &str| -> Option<usize> {
        match &n.kind {
            NodeKind::String(s) => by_text.get(&(rtype, s.value.as_str())).copied(),
            NodeKind::Unknown(u) => u.refs.iter().find_map(|r| {
                let id = infra.resolve_ref(r, Some(from))?;
                (infra.resources[id].rtype == rtype)
                    .then(|| by_res.get(&id).copied())
                    .flatten()
            }),
            _ => None,
        }
    };
    // what to read: (identity, holder, policy text)
    let mut texts: Vec<(usize, usize, &Node)> = vec![];
    for (ix, &id) in ids.iter().enumerate() {
        let r = &infra.resources[id];
        match r.attr("inline_policy") {
            Some(n) if n.as_unknown().is_some() && r.is_configured("inline_policy") => {
                out[ix]
                    .outside
                    .push((format!("its inline policies {}", unknown_why(n)), n.span));
            }
            Some(n) if n.as_array().is_some() => {
                for p in n.items() {
                    if let Some(t) = p.get("policy").filter(|t| !is_empty_text(t)) {
                        texts.push((ix, id, t));
                    }
                }
            }
            _ => {}
        }
    }
    for (kind, target) in [
        ("aws_iam_role_policy", "aws_iam_role"),
        ("aws_iam_user_policy", "aws_iam_user"),
    ] {
        let attr = if target == "aws_iam_role" {
            "role"
        } else {
            "user"
        };
        for (id, r) in infra.of_type(Mode::Managed, kind) {
            if !r.action.survives() {
                continue;
            }
            let (Some(to), Some(policy)) = (r.attr(attr), r.attr("policy")) else {
                continue;
            };
            if let Some(ix) = find(to, r, target) {
                texts.push((ix, id, policy));
            }
        }
    }
    // managed policies: by resource, and by the ARN they are known by
    let managed: Vec<(usize, &Resource)> = infra
        .of_type(Mode::Managed, "aws_iam_policy")
        .filter(|(_, r)| r.action.survives())
        .collect();
    let mut attach = |ix: usize, arn: &Node, from: &Resource, out: &mut Vec<Identity>| {
        let policy = match &arn.kind {
            NodeKind::String(s) => managed.iter().find(|(_, p)| {
                p.current_attr("arn").and_then(Node::as_str) == Some(s.value.as_str())
            }),
            NodeKind::Unknown(u) => managed.iter().find(|(pid, _)| {
                u.refs
                    .iter()
                    .any(|r| infra.resolve_ref(r, Some(from)) == Some(*pid))
            }),
            _ => None,
        };
        match policy.and_then(|(pid, p)| Some((*pid, p.attr("policy")?))) {
            Some((pid, text)) => texts.push((ix, pid, text)),
            None => {
                let what = match &arn.kind {
                    NodeKind::String(_) if arn.sensitive => {
                        "a policy marked sensitive attached to it".to_string()
                    }
                    NodeKind::String(s) => {
                        format!("the policy {} attached to it is not in this input", s.value)
                    }
                    _ => format!(
                        "the policy attached by {} {}",
                        from.address,
                        unknown_why(arn)
                    ),
                };
                out[ix].outside.push((what, arn.span));
            }
        }
    };
    for (kind, attr, target) in [
        ("aws_iam_role_policy_attachment", "role", "aws_iam_role"),
        ("aws_iam_user_policy_attachment", "user", "aws_iam_user"),
        ("aws_iam_policy_attachment", "roles", "aws_iam_role"),
        ("aws_iam_policy_attachment", "users", "aws_iam_user"),
    ] {
        for (_, r) in infra.of_type(Mode::Managed, kind) {
            if !r.action.survives() {
                continue;
            }
            let (Some(to), Some(arn)) = (r.attr(attr), r.attr("policy_arn")) else {
                continue;
            };
            let targets: Vec<&Node> = match &to.kind {
                NodeKind::Array(items) => items.iter().collect(),
                _ => vec![to],
            };
            for t in targets {
                if let Some(ix) = find(t, r, target) {
                    attach(ix, arn, r, &mut out);
                }
            }
        }
    }
    for (ix, &id) in ids.iter().enumerate() {
        let r = &infra.resources[id];
        // (computed by the provider when not configured: the attachments say what it holds)
        let Some(list) = r
            .attr("managed_policy_arns")
            .filter(|_| r.rtype == "aws_iam_role" && r.is_configured("managed_policy_arns"))
        else {
            continue;
        };
        match &list.kind {
            NodeKind::Array(arns) => {
                for arn in arns {
                    attach(ix, arn, r, &mut out);
                }
            }
            NodeKind::Unknown(_) => attach(ix, list, r, &mut out),
            _ => {}
        }
    }
    let read = crate::base::par::map(&texts, |&(_, holder, node)| {
        (a.read_identity_policy(holder, node), node.span)
    });
    for ((ix, holder, _), ((doc, escaped), span)) in texts.into_iter().zip(read) {
        out[ix].policies.push(IdentityPolicy {
            holder,
            doc,
            span,
            escaped,
        });
    }
    out
}

fn is_empty_text(n: &Node) -> bool {
    n.as_str().is_some_and(|t| matches!(t.trim(), "" | "{}"))
}

fn unknown_why(n: &Node) -> String {
    n.as_unknown()
        .map(|u| u.predicate(false))
        .unwrap_or_else(|| "is not known".into())
}

/// One identity, its policies not read yet.
fn identity(a: &Analysis<'_>, id: usize) -> Identity {
    let r = a.resource(id);
    let account = crate::accounts::identity_account(a.infra, &a.accounts, r);
    let known = r
        .current_attr("arn")
        .or_else(|| r.before_attr("arn"))
        .and_then(Node::as_str)
        .map(str::to_string);
    let name = r.attr("name").and_then(Node::as_str);
    let sensitive = r.attr("name").is_some_and(|n| n.sensitive)
        || r.current_attr("arn").is_some_and(|n| n.sensitive);
    let what = if r.rtype == "aws_iam_user" {
        "user"
    } else {
        "role"
    };
    let arn = known.or_else(|| {
        let path = r.attr("path").and_then(Node::as_str).unwrap_or("/");
        Some(format!(
            "arn:aws:iam::{}:{what}{path}{}",
            account.as_ref()?,
            name?
        ))
    });
    let mut principal = Principal {
        ty: PrincipalType::Aws,
        text: None,
        unknown: None,
        kind: if what == "user" {
            PrincipalKind::User {
                name: name.unwrap_or(&r.name).to_string(),
            }
        } else {
            PrincipalKind::Role {
                name: name.unwrap_or(&r.name).to_string(),
            }
        },
        account: account.clone(),
        partition: Some("aws".into()),
        span: r.span,
        path: Default::default(),
        sensitive,
    };
    if let Some(t) = &arn {
        let n = normalize(&PrincipalType::Aws, t);
        if n.kind.is_exact_identity() {
            principal.kind = n.kind;
            principal.partition = n.partition;
        }
        principal.text = Some(t.as_str().into());
    }
    Identity {
        res: id,
        account,
        arn,
        principal,
        policies: vec![],
        outside: vec![],
    }
}

/// Which identities may name which secret for a read, so that finding a secret's readers does
/// not look at every identity's every statement: by the secret name an ARN pattern writes, by
/// the resource a reference names, and the identities whose patterns can name any secret.
/// A candidate is then decided by its statements.
#[derive(Clone, Debug, Default)]
pub struct NamingIndex {
    by_name: crate::base::hash::HashMap<String, Vec<usize>>,
    by_res: crate::base::hash::HashMap<usize, Vec<usize>>,
    general: Vec<usize>,
}

impl NamingIndex {
    /// The identities (indexes) that may name a secret of this name or resource, in order.
    pub fn candidates(&self, name: Option<&str>, res: Option<usize>) -> Vec<usize> {
        let mut out = self.general.clone();
        if let Some(ids) = name.and_then(|n| self.by_name.get(&n.to_ascii_lowercase())) {
            out.extend(ids);
        }
        if let Some(ids) = res.and_then(|r| self.by_res.get(&r)) {
            out.extend(ids);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(super) fn of(a: &Analysis<'_>, ids: &[Identity]) -> NamingIndex {
        let mut ix = NamingIndex::default();
        let infra = a.infra;
        for (n, id) in ids.iter().enumerate() {
            for p in &id.policies {
                let from = &infra.resources[p.holder];
                let by_refs = |refs: &[crate::base::value::Ref], ix: &mut NamingIndex| {
                    for r in refs {
                        if let Some(t) = infra.resolve_ref(r, Some(from)) {
                            ix.by_res.entry(t).or_default().push(n);
                        }
                    }
                };
                let doc = match &p.doc {
                    PolicyReading::Parsed(d) => d,
                    PolicyReading::Unknown(u) => {
                        by_refs(&u.refs, &mut ix);
                        continue;
                    }
                    PolicyReading::Invalid(_) => continue,
                };
                for st in &doc.statements {
                    if st.effect != crate::policy::Effect::Allow
                        || crate::policy::list_allows(st.action.as_ref(), READ) != Some(true)
                    {
                        continue;
                    }
                    let Some(list) = &st.resource else { continue };
                    if list.negated {
                        ix.general.push(n);
                        continue;
                    }
                    if let Some(u) = &list.unknown {
                        by_refs(&u.refs, &mut ix);
                        continue;
                    }
                    for it in &list.items {
                        match (&it.text, &it.unknown) {
                            (Some(t), _) => match secret_names(t) {
                                Some(names) => {
                                    for name in names {
                                        // (ARN patterns match without regard to case)
                                        let name = name.to_ascii_lowercase();
                                        ix.by_name.entry(name).or_default().push(n);
                                    }
                                }
                                None => ix.general.push(n),
                            },
                            (None, Some(u)) => by_refs(&u.refs, &mut ix),
                            (None, None) => {}
                        }
                    }
                }
            }
        }
        ix.general.dedup();
        ix
    }
}

/// The action a read of the secret value is.
const READ: &str = "secretsmanager:GetSecretValue";

/// The secret names a `Resource` pattern may name, when it names them by name: a Secrets
/// Manager ARN whose name is written out, followed by a suffix, a suffix pattern or nothing.
/// `None` for a pattern that may name secrets of any name (`*`, `app/*`), which is matched
/// against each secret; an ARN of another service names none.
fn secret_names(t: &str) -> Option<Vec<String>> {
    let Some(arn) = crate::policy::parse_arn(t) else {
        // `*`, or a pattern of the whole ARN, may name any secret
        return if t.contains(['*', '?']) {
            None
        } else {
            Some(vec![])
        };
    };
    if arn.service.contains(['*', '?']) {
        return None;
    }
    if arn.service != "secretsmanager" {
        return Some(vec![]);
    }
    let Some(rest) = arn.resource.strip_prefix("secret:") else {
        return if arn.resource.contains(['*', '?']) {
            None
        } else {
            Some(vec![])
        };
    };
    for suffix in ["-??????", "-*"] {
        if let Some(name) = rest.strip_suffix(suffix)
            && !name.contains(['*', '?'])
        {
            return Some(vec![name.to_string()]);
        }
    }
    if rest.contains(['*', '?']) {
        return None;
    }
    // the name alone, or followed by a suffix that was copied: both are names it may mean
    let mut names = vec![rest.to_string()];
    if let Some(cut) = rest.len().checked_sub(7)
        && rest.get(cut..cut + 1) == Some("-")
    {
        names.push(rest[..cut].to_string());
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::secret_names;

    #[test]
    fn a_pattern_is_indexed_by_the_secret_names_it_writes_out() {
        let base = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:";
        let names = |rest: &str| secret_names(&format!("{base}{rest}"));
        assert_eq!(names("app/db-??????"), Some(vec!["app/db".to_string()]));
        assert_eq!(names("app/db-*"), Some(vec!["app/db".to_string()]));
        // the name alone (no suffix: a wrong ARN for it), or with a copied suffix
        assert_eq!(names("app/db"), Some(vec!["app/db".to_string()]));
        assert_eq!(
            names("app/db-AbCdEf"),
            Some(vec!["app/db-AbCdEf".to_string(), "app/db".to_string()])
        );
        // patterns that may name any secret are matched against each
        for any in ["app/*", "*", "app/db-?-??????"] {
            assert_eq!(names(any), None, "{any}");
        }
        assert_eq!(secret_names("*"), None);
        assert_eq!(
            secret_names("arn:aws:secretsmanager:*:*:secret:app/db-??????"),
            Some(vec!["app/db".to_string()])
        );
        // other services name no secret
        assert_eq!(
            secret_names("arn:aws:kms:eu-west-1:111122223333:key/k"),
            Some(vec![])
        );
        assert_eq!(secret_names("arn:aws:s3:::bucket/*"), Some(vec![]));
    }
}
