//! Who can read each secret after apply: the access graph.
//!
//! For every secret of an analysis, each principal outside the owner account that its resource
//! policy grants something (an account, a role, a user, `"*"`) is a [`Reader`]; so is each role
//! or user the input manages whose identity policy names the secret for a read (see below).
//! For each reader the graph follows the links a read of the secret value (`GetSecretValue`)
//! needs, in the order a read meets them, and gives each a [`LinkState`]:
//!
//! 1. `secret-policy`: the secret policy allows the reader `secretsmanager:GetSecretValue`
//!    (an Allow whose actions cover it, wildcards included; no Deny without conditions that
//!    covers the reader; the Allow's conditions are named in [`Reader::conditions`]);
//! 2. `key`: the secret is encrypted with a customer managed key (the AWS managed key
//!    `aws/secretsmanager`, which no `kms_key_id` also means, cannot be used by other accounts);
//! 3. `key-policy`: that key's policy allows the reader `kms:Decrypt` (directly or through its
//!    account root, with a `kms:ViaService` that names Secrets Manager in the secret's Region);
//!    decided by [`key_policy`], the code rule XA003 reports from, so that the graph and the
//!    findings agree: for readers whose grant is known to read or write the value, XA002 on a
//!    secret ⇔ their `key` link is broken, and XA003 for a principal ⇔ its `key-policy` link is
//!    broken (a grant whose actions are not known gets both links, which the rules leave open);
//! 4. `identity-policy`: the reader's own identity policies (inline, `aws_iam_role_policy`,
//!    `aws_iam_user_policy`, attached `aws_iam_policy`, `managed_policy_arns`) allow
//!    `GetSecretValue` on the secret's ARN and, when the key is customer managed,
//!    `kms:Decrypt` on the key's ARN (or `*`), with no Deny; decided by [`identity`], which
//!    rules XA010 and XA011 report from. Only a reader that is a role or user of the input
//!    has this link (its [`Reader::resource`] names it): the identity policies of a principal
//!    outside the input are not known.
//!
//! ## Readers that are roles and users of the input
//! A role or user the input manages (its account from its ARN, else its provider
//! configuration's one account: `allowed_account_ids`, or the account of
//! `assume_role.role_arn`; the "one root, two providers" layout) is a reader of a secret when
//! an Allow of its identity policies names the secret for `GetSecretValue`: by an ARN pattern
//! that matches the secret's ARN (Secrets Manager adds a dash and six random characters to
//! the name, so `name-??????`, `name-*` and `*` match and `name` does not; an ARN not known
//! before apply is made from the secret's name, Region and account), by a reference to the
//! secret, or by a wrong ARN for it (another Region or account, no suffix wildcard: its
//! `identity-policy` link is then broken and says why). It is also the reader of a grant that
//! names it by its exact ARN. Its principal is its ARN (known, or made from its account, path
//! and name), its account its own. Its links:
//! - in another account than the secret's: `secret-policy` holds only through a grant that
//!   covers it (its account root, itself, `*`), and is broken when none does (a read across
//!   accounts needs both sides); `key` and `key-policy` as for any reader of its account;
//! - in the secret's own account: its identity policy suffices, so `secret-policy` holds
//!   unless a Deny covers it; the AWS managed key serves it; a default key policy, or one that
//!   grants the account, leaves `kms:Decrypt` to its identity policy, and one that names it
//!   itself does not ask for it there.
//!
//! The reader of a grant to an account root stays beside the readers of that account's roles
//! and users: it stands for every principal of the account whose identity policies are not in
//! the input, and has no `identity-policy` link. A reader of the input's own roles is given
//! whether or not the secret is shared, so a role that names a secret no grant lets it read
//! shows as `cannot-read` at `secret-policy`.
//!
//! A link that a value known only after apply decides is `unresolved`, and its message says
//! where the value comes from (as GC001 notes do); so is an `identity-policy` link that an
//! attached policy outside the input could decide. The reader's [`Verdict`] is `cannot-read`
//! at the first broken link, else `unresolved` when a link is, else `reads`.
//!
//! The `key` and `key-policy` links are given only for a reader whose grant reads or writes the
//! value (or may); `key-policy` only when the key is a customer managed key. Principals whose
//! account is not known (GC001 says so) and policies known only after apply have no readers.
//! What is not in the input is not checked: service control policies, permission boundaries
//! and session policies, and the identity policies of accounts whose roles the input does not
//! manage. Messages never show a value the input marks sensitive.

pub mod identity;
pub mod key_policy;

use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, Grant, KeyRef, PolicyReading, SecretInfo, Tri};
use crate::base::hash::HashMap;
use crate::base::source::Span;
use crate::policy::{
    Condition, Effect, Principal, PrincipalKind, Principals, Statement, list_allows,
};
use key_policy::{Cover, KeyPolicyCheck, principal_covers, statement_name};

/// The action a read of the secret value is.
const READ: &str = "secretsmanager:GetSecretValue";

/// A link a read of a secret's value needs, in the order a read meets them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    SecretPolicy,
    Key,
    KeyPolicy,
    IdentityPolicy,
}

impl LinkKind {
    /// The link as the report writes it: `secret-policy`, `key`, `key-policy`, `identity-policy`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::SecretPolicy => "secret-policy",
            LinkKind::Key => "key",
            LinkKind::KeyPolicy => "key-policy",
            LinkKind::IdentityPolicy => "identity-policy",
        }
    }
}

/// Whether a link holds for a reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkState {
    Holds,
    Broken,
    /// Decided by a value not known before apply (the message says which).
    Unresolved,
}

/// Whether a reader can read the secret's value after apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every link holds.
    Reads,
    /// A link is broken ([`Reader::broken_at`] names the first).
    CannotRead,
    /// No link is broken, and one is unresolved.
    Unresolved,
}

/// One link of a reader. `At` is where the link is decided (`location`): a [`Span`] in the
/// core, a [`crate::report::Location`] in the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link<At = Option<Span>> {
    pub link: LinkKind,
    pub state: LinkState,
    /// One line: what decides the state.
    pub message: String,
    pub location: At,
}

/// A principal outside the owner account that a secret's policy grants something.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reader<At = Option<Span>> {
    /// The principal as the policy writes it (`*` for everyone, and for everyone but those a
    /// `NotPrincipal` lists); `(sensitive value)` for a value the input marks sensitive.
    pub principal: String,
    /// Its account ID, or `*` for everyone.
    pub account: String,
    /// The Terraform address of the role or user, when the input manages it (its identity
    /// policies then decide the `identity-policy` link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The conditions of the statement that allows the read (`aws:PrincipalOrgID StringEquals
    /// "o-…"`): only requests that meet them read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    pub verdict: Verdict,
    /// For `cannot-read`: the first broken link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken_at: Option<LinkKind>,
    /// In the order of [`LinkKind`].
    pub links: Vec<Link<At>>,
}

/// The readers of one secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecretAccess<At = Option<Span>> {
    /// The secret's Terraform address (for a secret outside the configuration, that of the
    /// policy resource that names it).
    pub secret: String,
    pub readers: Vec<Reader<At>>,
}

impl<A> SecretAccess<A> {
    /// The same access with every link's place turned into another.
    pub fn map_at<B>(self, mut f: impl FnMut(A) -> B) -> SecretAccess<B> {
        SecretAccess {
            secret: self.secret,
            readers: self
                .readers
                .into_iter()
                .map(|r| Reader {
                    principal: r.principal,
                    account: r.account,
                    resource: r.resource,
                    conditions: r.conditions,
                    verdict: r.verdict,
                    broken_at: r.broken_at,
                    links: r
                        .links
                        .into_iter()
                        .map(|l| Link {
                            link: l.link,
                            state: l.state,
                            message: l.message,
                            location: f(l.location),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// Every link's place.
    pub fn places_mut(&mut self) -> impl Iterator<Item = &mut A> {
        self.readers
            .iter_mut()
            .flat_map(|r| r.links.iter_mut().map(|l| &mut l.location))
    }
}

/// The foreign account a grant reaches, as findings and readers name it: its ID, `*` for
/// everyone, `(sensitive value)` when the input marks it sensitive.
pub fn account_of(g: &Grant) -> String {
    if g.not_principal || g.principal.kind == PrincipalKind::Wildcard {
        return "*".into();
    }
    g.principal
        .account_display()
        .unwrap_or("(not known)")
        .to_string()
}

/// The readers of every secret of the analysis that has one, in the analysis's order.
pub fn graph(a: &Analysis<'_>) -> Vec<SecretAccess> {
    crate::base::par::map(&a.secrets, |s| of_secret(a, s))
        .into_iter()
        .flatten()
        .collect()
}

fn of_secret(a: &Analysis<'_>, s: &SecretInfo) -> Option<SecretAccess> {
    let mut idents = identity_readers(a, s);
    if s.grants.is_empty() && idents.is_empty() {
        return None;
    }
    // one reader per principal, in the order of its first grant
    let mut index: HashMap<String, usize> = HashMap::default();
    let mut groups: Vec<Vec<&Grant>> = vec![];
    for g in &s.grants {
        match index.get(&identity(g)) {
            Some(&i) => groups[i].push(g),
            None => {
                index.insert(identity(g), groups.len());
                groups.push(vec![g]);
            }
        }
    }
    let key = key_link(a, s);
    let check = KeyPolicyCheck::of(a, s);
    let mut readers: Vec<Reader> = groups
        .into_iter()
        .filter_map(|grants| {
            let first = *grants.first()?;
            // a role or user of the input granted by its exact ARN: its reader is the one its
            // identity policies decide
            if let Some(r) = idents
                .iter_mut()
                .find(|r| r.granted_as(a, &first.principal))
            {
                return r.reader.take();
            }
            let (policy_link, conditions) = secret_policy_link(a, s, &grants);
            let mut links = vec![policy_link];
            if grants.iter().any(|g| g.needs_key != Tri::No) {
                links.push(key.clone());
                links.extend(key_policy_link(a, &check, &first.principal, s));
            }
            let (verdict, broken_at) = verdict_of(&links);
            let principal = if account_of(first) == "*" {
                "*".to_string()
            } else {
                first.principal.display()
            };
            Some(Reader {
                principal,
                account: account_of(first),
                resource: None,
                conditions,
                verdict,
                broken_at,
                links,
            })
        })
        .collect();
    readers.extend(idents.into_iter().filter_map(|r| r.reader));
    Some(SecretAccess {
        secret: a.resource(s.res).address.clone(),
        readers,
    })
}

/// A role or user of the input that reads a secret, or is granted it by its exact ARN.
pub struct IdentityReader<'a> {
    pub identity: &'a identity::Identity,
    /// Its reader (taken by the graph where a grant lists it).
    pub reader: Option<Reader>,
    /// Why its identity side fails, when it does.
    pub gap: Option<identity::Gap>,
    /// Where its identity policy names the secret for a read (the holder, the span), when it
    /// does.
    pub naming: Option<(usize, Span)>,
    /// Its account is another than the secret's, and no grant of the secret policy covers it.
    pub not_granted: bool,
}

impl IdentityReader<'_> {
    /// Is `p` (a grant's principal) this role or user?
    fn granted_as(&self, a: &Analysis<'_>, p: &Principal) -> bool {
        is_identity(a, self.identity, p)
    }
}

/// Is principal `p` (of a policy) role or user `id` of the input, by its exact ARN or a
/// reference to it?
pub fn is_identity(a: &Analysis<'_>, id: &identity::Identity, p: &Principal) -> bool {
    if let Some(u) = &p.unknown
        && u.refs.iter().any(|r| {
            r.attr.as_deref().is_none_or(|x| x == "arn")
                && a.infra.resolve_ref(r, None) == Some(id.res)
        })
    {
        return true;
    }
    p.kind.is_exact_identity()
        && p.kind == id.principal.kind
        && p.account.is_some()
        && p.account == id.account
}

/// The roles and users of the input that are readers of secret `s`: those whose identity
/// policies name it for a read, in the secret's account or any other (its `secret-policy`
/// link then says whether a grant covers them), and those its policy grants by their exact
/// ARN. Identities whose account is not known are not readers.
pub fn identity_readers<'a>(a: &'a Analysis<'_>, s: &SecretInfo) -> Vec<IdentityReader<'a>> {
    if a.identities.is_empty() || !s.owners.is_known() {
        return vec![];
    }
    let target = identity::Target::secret(a, s);
    // those whose policies may name it, and those its grants name by their exact ARN
    let mut candidates = a.naming.candidates(
        target.parts.as_ref().map(|(_, _, name)| name.as_str()),
        target.res,
    );
    for g in &s.grants {
        if g.principal.kind.is_exact_identity() || g.principal.unknown.is_some() {
            candidates.extend(
                (0..a.identities.len()).filter(|&i| is_identity(a, &a.identities[i], &g.principal)),
            );
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut out = vec![];
    for id in candidates.into_iter().filter_map(|i| a.identities.get(i)) {
        let Some(account) = id.account.as_deref() else {
            continue;
        };
        let naming = identity::naming(a, id, &target);
        let same = s.owners.contains(account);
        let covering: Vec<&Grant> = if same {
            vec![]
        } else {
            s.grants
                .iter()
                .filter(|g| principal_covers(&g.principal, &id.principal) == Tri::Yes)
                .collect()
        };
        let exact = covering.iter().any(|g| is_identity(a, id, &g.principal));
        if naming.is_none() && !exact {
            continue;
        }
        let (reader, gap) = identity_reader(a, s, id, same, &covering);
        out.push(IdentityReader {
            identity: id,
            reader: Some(reader),
            gap,
            naming,
            not_granted: !same && covering.is_empty(),
        });
    }
    out
}

/// The reader of secret `s` that role or user `id` is: `same` says it is in the secret's
/// account, `covering` lists the grants that cover it.
fn identity_reader(
    a: &Analysis<'_>,
    s: &SecretInfo,
    id: &identity::Identity,
    same: bool,
    covering: &[&Grant],
) -> (Reader, Option<identity::Gap>) {
    let secret = a.resource(s.res);
    let policy_at = s
        .policies
        .first()
        .map_or(secret.span, |&pid| a.policies[pid].span);
    let (policy_link, conditions) = if same {
        let l = denial(a, s, &id.principal).unwrap_or_else(|| {
            link(
                LinkKind::SecretPolicy,
                LinkState::Holds,
                "in the secret's own account, its identity policy suffices: the secret policy need not grant it, and none of its statements denies it",
                policy_at,
            )
        });
        (l, vec![])
    } else if covering.is_empty() {
        let account = id.account.as_deref().unwrap_or_default();
        let message = if s.policies.is_empty() {
            format!(
                "the secret has no resource policy, so no principal of account {account} can read it: a read from another account needs the secret policy to grant that account or the role"
            )
        } else {
            format!(
                "the secret policy does not grant account {account} (nor this {}): a read from another account needs the secret policy to grant it",
                if a.resource(id.res).rtype == "aws_iam_user" {
                    "user"
                } else {
                    "role"
                }
            )
        };
        (
            link(
                LinkKind::SecretPolicy,
                LinkState::Broken,
                message,
                policy_at,
            ),
            vec![],
        )
    } else {
        let (l, c) = secret_policy_link(a, s, covering);
        match (l.state, denial(a, s, &id.principal)) {
            (LinkState::Holds, Some(d)) => (d, c),
            _ => (l, c),
        }
    };
    let mut links = vec![policy_link];
    let check = KeyPolicyCheck::of(a, s);
    let aws_managed = matches!(s.key, KeyRef::Unset { .. } | KeyRef::AwsManaged { .. });
    if same && aws_managed {
        let at = match &s.key {
            KeyRef::Unset { span } | KeyRef::AwsManaged { span, .. } => *span,
            _ => secret.span,
        };
        links.push(link(
            LinkKind::Key,
            LinkState::Holds,
            "the secret is encrypted with the AWS managed key aws/secretsmanager, which serves the secret's own account",
            at,
        ));
    } else {
        links.push(key_link(a, s));
    }
    let mut decrypt = matches!(s.key, KeyRef::Customer { .. });
    match (&check, same) {
        (KeyPolicyCheck::Known { doc: None, span, .. }, true) => links.push(link(
            LinkKind::KeyPolicy,
            LinkState::Holds,
            "the key has the default key policy, which lets the IAM policies of the key's account allow kms:Decrypt",
            *span,
        )),
        _ => {
            links.extend(key_policy_link(a, &check, &id.principal, s));
            if same {
                // a key policy that allows the account leaves kms:Decrypt to the identity
                // policy; one that names the role itself does not
                let root = Principal {
                    kind: PrincipalKind::Account,
                    ..id.principal.clone()
                };
                decrypt &= !matches!(
                    check.allows(a, &root, s.region.as_ref()),
                    Some(key_policy::Cover::Missing(_))
                );
            }
        }
    }
    let side = identity::side(a, id, s, decrypt);
    let gap = match &side {
        identity::IdentitySide::Broken { gap, .. } => Some(gap.clone()),
        _ => None,
    };
    links.push(match side {
        identity::IdentitySide::Holds { message, span } => {
            link(LinkKind::IdentityPolicy, LinkState::Holds, message, span)
        }
        identity::IdentitySide::Broken { message, span, .. } => {
            link(LinkKind::IdentityPolicy, LinkState::Broken, message, span)
        }
        identity::IdentitySide::Unresolved { message, span } => link(
            LinkKind::IdentityPolicy,
            LinkState::Unresolved,
            message,
            span,
        ),
    });
    let (verdict, broken_at) = verdict_of(&links);
    (
        Reader {
            principal: id.shown(a),
            account: id.account.clone().unwrap_or_default(),
            resource: Some(a.resource(id.res).address.clone()),
            conditions,
            verdict,
            broken_at,
            links,
        },
        gap,
    )
}

/// What tells one reader from another: the principal as written (a sensitive one too, which
/// is never shown) and its account.
fn identity(g: &Grant) -> String {
    if account_of(g) == "*" {
        return "*".into();
    }
    let p = &g.principal;
    let written = match &p.text {
        Some(t) => t.to_string(),
        None => Principal {
            sensitive: false,
            ..p.clone()
        }
        .display(),
    };
    format!("{written}\u{0}{}", p.account.as_deref().unwrap_or_default())
}

/// The reader's verdict from its links, in order, and the first broken one.
fn verdict_of(links: &[Link]) -> (Verdict, Option<LinkKind>) {
    if let Some(l) = links.iter().find(|l| l.state == LinkState::Broken) {
        return (Verdict::CannotRead, Some(l.link));
    }
    if links.iter().any(|l| l.state == LinkState::Unresolved) {
        return (Verdict::Unresolved, None);
    }
    (Verdict::Reads, None)
}

fn link(kind: LinkKind, state: LinkState, message: impl Into<String>, at: Span) -> Link {
    Link {
        link: kind,
        state,
        message: message.into(),
        location: Some(at),
    }
}

/// A statement as messages name it, with the resource that holds its policy.
fn statement_of(a: &Analysis<'_>, pid: usize, st: &Statement) -> String {
    format!(
        "statement {} of {}",
        statement_name(st),
        a.policy_holder(pid).address
    )
}

/// A condition as a reader lists it (never a sensitive value).
fn condition_text(c: &Condition) -> String {
    let values: Vec<String> = if c.unknown.is_some() {
        vec!["(known after apply)".into()]
    } else {
        c.values
            .iter()
            .map(|v| match v.text {
                Some(_) => v.shown(),
                None => "(known after apply)".into(),
            })
            .collect()
    };
    format!(
        "{} {} {}",
        c.shown_key(),
        c.shown_operator(),
        values.join(", ")
    )
}

/// The `secret-policy` link of a reader granted by `grants` (one principal's grants), and the
/// conditions of the statement that allows the read.
fn secret_policy_link(a: &Analysis<'_>, s: &SecretInfo, grants: &[&Grant]) -> (Link, Vec<String>) {
    const KIND: LinkKind = LinkKind::SecretPolicy;
    let mut open: Option<Link> = None;
    let mut allowing = None;
    for &g in grants {
        let Some(st) = a.statement(g.policy, g.statement) else {
            continue;
        };
        match list_allows(st.action.as_ref(), READ) {
            Some(true) => {
                if let Some(u) = &st.condition_unknown {
                    open.get_or_insert_with(|| {
                        link(
                            KIND,
                            LinkState::Unresolved,
                            format!(
                                "the Condition of {} {}",
                                statement_of(a, g.policy, st),
                                u.predicate(false)
                            ),
                            g.principal.span,
                        )
                    });
                    continue;
                }
                allowing = Some((g, st));
                break;
            }
            Some(false) => {}
            None => {
                let why = st
                    .action
                    .as_ref()
                    .and_then(crate::policy::ItemList::unknown_why)
                    .unwrap_or_else(|| "are known after apply".into());
                open.get_or_insert_with(|| {
                    let statement = statement_of(a, g.policy, st);
                    at_actions(
                        LinkState::Unresolved,
                        format!("the actions {statement} grants it {why}"),
                        st,
                    )
                });
            }
        }
    }
    let Some((g, st)) = allowing else {
        let missing = || {
            let (g, st) = grants
                .iter()
                .find_map(|g| Some((g, a.statement(g.policy, g.statement)?)))?;
            let statement = statement_of(a, g.policy, st);
            Some(at_actions(
                LinkState::Broken,
                format!("{statement} grants it other actions, not {READ}"),
                st,
            ))
        };
        let l = open.or_else(missing).unwrap_or(Link {
            link: KIND,
            state: LinkState::Broken,
            message: format!("the secret policy does not allow it {READ}"),
            location: None,
        });
        return (l, vec![]);
    };
    let conditions: Vec<String> = st.conditions.iter().map(condition_text).collect();
    // a Deny without conditions that covers the reader takes the read away whatever allows it
    if let Some(l) = denial(a, s, &g.principal) {
        return (l, conditions);
    }
    let who = if g.not_principal {
        "allows everyone its NotPrincipal does not list"
    } else {
        "allows it"
    };
    let when = if conditions.is_empty() {
        String::new()
    } else {
        format!(", when {}", conditions.join(" and "))
    };
    (
        link(
            KIND,
            LinkState::Holds,
            format!("{} {who} {READ}{when}", statement_of(a, g.policy, st)),
            g.principal.span,
        ),
        conditions,
    )
}

/// A `secret-policy` link decided by the actions of statement `st`.
fn at_actions(state: LinkState, message: String, st: &Statement) -> Link {
    let span = st.action.as_ref().map_or(st.span, |l| l.span);
    link(LinkKind::SecretPolicy, state, message, span)
}

/// A Deny of the secret's policies without conditions that covers reader `r` (`*` for
/// everyone) for `GetSecretValue`: broken, or unresolved when an unknown value decides it.
/// (A Deny with conditions refuses only the requests that meet them: it is not followed.)
fn denial(a: &Analysis<'_>, s: &SecretInfo, r: &Principal) -> Option<Link> {
    let mut open = None;
    for &pid in &s.policies {
        let PolicyReading::Parsed(doc) = &a.policies[pid].doc else {
            continue;
        };
        for st in &doc.statements {
            if st.effect != Effect::Deny || st.has_condition() {
                continue;
            }
            let Some(pr) = &st.principal else { continue };
            let covers = match list_allows(st.action.as_ref(), READ) {
                Some(false) => continue,
                Some(true) => deny_covers(pr, r),
                None => match deny_covers(pr, r) {
                    Tri::No => continue,
                    _ => Tri::Unknown(format!(
                        "the actions {} denies {}",
                        statement_of(a, pid, st),
                        st.action
                            .as_ref()
                            .and_then(crate::policy::ItemList::unknown_why)
                            .unwrap_or_else(|| "are known after apply".into())
                    )),
                },
            };
            match covers {
                Tri::Yes => {
                    return Some(link(
                        LinkKind::SecretPolicy,
                        LinkState::Broken,
                        format!("{} denies it {READ}", statement_of(a, pid, st)),
                        st.span,
                    ));
                }
                Tri::No => {}
                Tri::Unknown(why) => {
                    let why = if why.is_empty() {
                        format!(
                            "whom {} denies is not known before apply",
                            statement_of(a, pid, st)
                        )
                    } else {
                        why
                    };
                    open.get_or_insert_with(|| {
                        link(LinkKind::SecretPolicy, LinkState::Unresolved, why, st.span)
                    });
                }
            }
        }
    }
    open
}

/// Does a Deny's `Principal` (or `NotPrincipal`) cover reader `r`? `Unknown("")` when an
/// unknown principal decides it.
fn deny_covers(pr: &Principals, r: &Principal) -> Tri {
    if pr.unknown.is_some() {
        return Tri::Unknown(String::new());
    }
    let mut unknown = false;
    let mut hit = false;
    for k in &pr.entries {
        match principal_covers(k, r) {
            Tri::Yes => hit = true,
            Tri::No => {}
            Tri::Unknown(_) => unknown = true,
        }
    }
    // NotPrincipal denies everyone it does not list
    match (hit != pr.negated, unknown && !hit) {
        (_, true) => Tri::Unknown(String::new()),
        (true, false) => Tri::Yes,
        (false, false) => Tri::No,
    }
}

/// The `key` link of every reader of `s`.
fn key_link(a: &Analysis<'_>, s: &SecretInfo) -> Link {
    const KIND: LinkKind = LinkKind::Key;
    match &s.key {
        KeyRef::Unset { span } => link(
            KIND,
            LinkState::Broken,
            "no kms_key_id: the secret is encrypted with the AWS managed key aws/secretsmanager, which other accounts can never use",
            *span,
        ),
        KeyRef::AwsManaged { span, text } => link(
            KIND,
            LinkState::Broken,
            format!(
                "kms_key_id {text} is the AWS managed key aws/secretsmanager, which other accounts can never use"
            ),
            *span,
        ),
        KeyRef::Customer { span, key, text } => {
            let name = match (key, text) {
                (Some(k), _) => format!("the customer managed key {}", a.resource(*k).address),
                (None, None) => "a customer managed key".to_string(),
                (None, Some(t)) => format!("the customer managed key {t}"),
            };
            link(
                KIND,
                LinkState::Holds,
                format!("the secret is encrypted with {name}"),
                *span,
            )
        }
        KeyRef::Unknown { span, unknown } => link(
            KIND,
            LinkState::Unresolved,
            format!("kms_key_id {}", unknown.predicate(false)),
            *span,
        ),
    }
}

/// The `key-policy` link of reader `r` of `s`: none when the key is not a customer managed key.
fn key_policy_link(
    a: &Analysis<'_>,
    check: &KeyPolicyCheck<'_>,
    r: &Principal,
    s: &SecretInfo,
) -> Option<Link> {
    const KIND: LinkKind = LinkKind::KeyPolicy;
    Some(match check {
        KeyPolicyCheck::NotCustomer => return None,
        KeyPolicyCheck::Invalid { key, span } => link(
            KIND,
            LinkState::Unresolved,
            format!(
                "the key policy of {key} is not a valid policy (PG001 says why), so whom it allows cannot be decided"
            ),
            *span,
        ),
        KeyPolicyCheck::Open { span, why, .. } => {
            link(KIND, LinkState::Unresolved, why.clone(), *span)
        }
        KeyPolicyCheck::Known {
            key, span, holder, ..
        } => match check.allows(a, r, s.region.as_ref())? {
            Cover::Allowed(at) => link(
                KIND,
                LinkState::Holds,
                format!("the key policy of {holder} allows it kms:Decrypt"),
                at,
            ),
            Cover::Missing(why) => link(
                KIND,
                LinkState::Broken,
                format!("the key {} does not let it decrypt: {why}", key.address),
                *span,
            ),
            Cover::Unknown(why) => link(KIND, LinkState::Unresolved, why, *span),
        },
    })
}
