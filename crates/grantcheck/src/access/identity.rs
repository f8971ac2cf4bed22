//! The `identity-policy` link: the roles and users the input manages, the identity policies
//! attached to them, and whether those allow a read of a secret (`GetSecretValue` on its ARN
//! and, for a customer managed key, `kms:Decrypt` on the key's ARN) with no Deny. The access
//! graph and the identity-side rules (XA010, XA011) read what these functions decide, so that
//! the two cannot disagree.

use crate::accounts::{owners_of, region_of};
pub use crate::analysis::identities::{Identity, IdentityPolicy};
use crate::analysis::{Analysis, KeyRef, PolicyReading, SecretInfo};
use crate::base::source::Span;
use crate::base::value::Node;
use crate::model::Resource;
use crate::policy::{Effect, Item, ItemList, Statement, glob_match, list_allows, parse_arn};

use super::key_policy::statement_name;

/// The action a read of the secret value is.
const READ: &str = "secretsmanager:GetSecretValue";
const DECRYPT: &str = "kms:Decrypt";

/// Stands for the six random characters Secrets Manager adds to a secret's name, and for a
/// key's ID, in an ARN not known before apply: only a wildcard matches it.
const HIDDEN: char = '\u{0}';

/// What an identity policy's `Resource` says of a resource (a secret, a key).
#[derive(Clone, Debug, PartialEq)]
pub enum Aim {
    /// It names the resource, at this span.
    Hits(Span),
    /// It means the resource but names it by a wrong ARN (why, at this span).
    Near(String, Span),
    /// A value not known before apply decides it (why, at this span).
    Open(String, Span),
    Misses,
}

impl Aim {
    fn rank(&self) -> u8 {
        match self {
            Aim::Hits(_) => 3,
            Aim::Open(..) => 2,
            Aim::Near(..) => 1,
            Aim::Misses => 0,
        }
    }

    /// The better of two findings about one statement or policy.
    fn or(self, other: Aim) -> Aim {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

/// A secret or key as identity policies name it: its ARN (with [`HIDDEN`] characters where
/// it is not known before apply), its resource, and, for a secret, its name.
#[derive(Clone, Debug)]
pub struct Target {
    pub arn: Option<String>,
    pub res: Option<usize>,
    /// The service of its ARNs (`secretsmanager`, `kms`).
    pub service: &'static str,
    /// For a secret: its region, account and name, to tell a wrong ARN.
    pub parts: Option<(String, String, String)>,
}

impl Target {
    /// Secret `s` as identity policies name it.
    pub fn secret(a: &Analysis<'_>, s: &SecretInfo) -> Target {
        let r = a.resource(s.res);
        let res = s.in_plan.then_some(s.res);
        let known = if s.in_plan {
            r.current_attr("arn").or_else(|| r.before_attr("arn"))
        } else {
            r.attr("secret_arn")
        }
        .and_then(Node::as_str)
        .map(str::to_string);
        let name = s
            .in_plan
            .then(|| r.attr("name").and_then(Node::as_str))
            .flatten();
        let account = match s.owners.accounts.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        };
        let region = s.region.as_ref().map(|r| r.name.clone());
        if let Some(arn) = known {
            let parts = parse_arn(&arn).and_then(|p| {
                let name = p.resource.strip_prefix("secret:")?;
                // (the suffix is the last 7 characters: a dash and six random ones)
                let name = name.get(..name.len().checked_sub(7)?)?;
                Some((
                    p.region.to_string(),
                    p.account.to_string(),
                    name.to_string(),
                ))
            });
            return Target {
                arn: Some(arn),
                res,
                service: "secretsmanager",
                parts,
            };
        }
        let parts = match (region, account, name) {
            (Some(r), Some(acct), Some(n)) => Some((r, acct, n.to_string())),
            _ => None,
        };
        let arn = parts.as_ref().map(|(r, acct, n)| {
            format!(
                "arn:aws:secretsmanager:{r}:{acct}:secret:{n}-{}",
                HIDDEN.to_string().repeat(6)
            )
        });
        Target {
            arn,
            res,
            service: "secretsmanager",
            parts,
        }
    }

    /// The key of secret `s` as identity policies name it, when it is a customer managed key.
    pub fn key(a: &Analysis<'_>, s: &SecretInfo) -> Option<Target> {
        let KeyRef::Customer { key, text, .. } = &s.key else {
            return None;
        };
        let given = text
            .as_deref()
            .filter(|t| t.starts_with("arn:") && t.contains(":key/"));
        let Some(k) = key else {
            return Some(Target {
                arn: given.map(str::to_string),
                res: None,
                service: "kms",
                parts: None,
            });
        };
        let r = a.resource(*k);
        let arn = r
            .current_attr("arn")
            .or_else(|| r.before_attr("arn"))
            .and_then(Node::as_str)
            .map(str::to_string)
            .or(given.map(str::to_string))
            .or_else(|| {
                let region = region_of(a.infra, r)?;
                let account = match owners_of(a.infra, &a.accounts, r).accounts.as_slice() {
                    [one] => one.clone(),
                    _ => return None,
                };
                Some(format!(
                    "arn:aws:kms:{}:{account}:key/{HIDDEN}",
                    region.name
                ))
            });
        Some(Target {
            arn,
            res: Some(*k),
            service: "kms",
            parts: None,
        })
    }

    /// What a `Resource` element names of this target, looked at from the policy's holder.
    fn aimed_by(&self, a: &Analysis<'_>, list: Option<&ItemList>, from: &Resource) -> Aim {
        let Some(list) = list else {
            return Aim::Misses;
        };
        if let Some(u) = &list.unknown {
            return match self.referred(a, u, from) {
                Some(true) if !list.negated => Aim::Hits(list.span),
                Some(_) => Aim::Misses,
                None => Aim::Open(format!("its Resource {}", u.predicate(false)), list.span),
            };
        }
        let mut best = Aim::Misses;
        for it in &list.items {
            best = best.or(self.aimed_by_item(a, it, from));
        }
        if list.negated {
            // NotResource: everything but what it lists
            return match best {
                Aim::Hits(_) => Aim::Misses,
                Aim::Open(w, s) => Aim::Open(w, s),
                _ => Aim::Hits(list.span),
            };
        }
        best
    }

    fn aimed_by_item(&self, a: &Analysis<'_>, it: &Item, from: &Resource) -> Aim {
        let Some(t) = &it.text else {
            let Some(u) = &it.unknown else {
                return Aim::Misses;
            };
            return match self.referred(a, u, from) {
                Some(true) => Aim::Hits(it.span),
                Some(false) => Aim::Misses,
                None => Aim::Open(format!("a Resource of it {}", u.predicate(false)), it.span),
            };
        };
        let Some(arn) = &self.arn else {
            return if t.as_str() == "*" {
                Aim::Hits(it.span)
            } else if parse_arn(t).is_some_and(|p| p.service == self.service) {
                Aim::Open(
                    "the ARN it is named by is known only after apply".into(),
                    it.span,
                )
            } else {
                Aim::Misses
            };
        };
        if glob_match(t, arn) {
            return Aim::Hits(it.span);
        }
        if arn.contains(HIDDEN) && arn.contains(":key/") {
            // a literal key ARN of the key's account and Region: whether it is this key is
            // known only after apply
            let same = parse_arn(t).zip(parse_arn(arn)).is_some_and(|(x, y)| {
                x.service == "kms"
                    && x.region == y.region
                    && x.account == y.account
                    && x.resource.starts_with("key/")
                    && !x.resource.contains(['*', '?'])
            });
            if same {
                return Aim::Open(
                    format!(
                        "the key's ARN is known only after apply, so whether {t} is it is not known"
                    ),
                    it.span,
                );
            }
            return Aim::Misses;
        }
        match self.near(t, if it.sensitive { "(sensitive value)" } else { t }) {
            Some(why) => Aim::Near(why, it.span),
            None => Aim::Misses,
        }
    }

    /// Does an unknown value name this target by its references: yes (a reference to it), no
    /// (a reference to another secret or key), or not known (`None`)?
    fn referred(
        &self,
        a: &Analysis<'_>,
        u: &crate::base::value::Unknown,
        from: &Resource,
    ) -> Option<bool> {
        let mut other = false;
        for r in &u.refs {
            let Some(id) = a.infra.resolve_ref(r, Some(from)) else {
                continue;
            };
            if self.res == Some(id) {
                return Some(true);
            }
            let t = &a.infra.resources[id].rtype;
            other |= t == "aws_secretsmanager_secret" || crate::model::is_key_type(t);
        }
        other.then_some(false)
    }

    /// Why an ARN that names this secret's name is not its ARN: another Region, another
    /// account, no suffix wildcard.
    /// `shown`: the ARN as the message shows it.
    fn near(&self, t: &str, shown: &str) -> Option<String> {
        let (region, account, name) = self.parts.as_ref()?;
        let p = parse_arn(t)?;
        if p.service != "secretsmanager" {
            return None;
        }
        let given = p.resource.strip_prefix("secret:")?;
        let rest = given.strip_prefix(name.as_str())?;
        // the name, alone or followed by a suffix (or a pattern of one), not a longer name
        let suffix = rest.is_empty()
            || matches!(rest, "*" | "-*")
            || (rest.starts_with('-') && rest.chars().count() == 7 && !rest[1..].contains('-'));
        if !suffix {
            return None;
        }
        let suffix_ok = glob_match(
            &format!("secret:{name}{rest}"),
            &format!("secret:{name}-{}", HIDDEN.to_string().repeat(6)),
        );
        let mut why = vec![];
        if !glob_match(p.region, region) {
            why.push(format!("Region {} (the secret is in {region})", p.region));
        }
        if !glob_match(p.account, account) {
            why.push(format!(
                "account {} (the secret is in {account})",
                p.account
            ));
        }
        if !suffix_ok {
            why.push(format!(
                "no suffix wildcard (Secrets Manager adds a dash and six random characters to the name: write {name}-??????)"
            ));
        }
        if why.is_empty() {
            return None;
        }
        // (the parts of a value marked sensitive are not shown)
        if shown != t {
            return Some(format!("{shown} names it by a wrong ARN"));
        }
        Some(format!("{t} names it with {}", why.join(" and ")))
    }
}

/// What an identity's policies say of one action on one target.
#[derive(Clone, Debug, PartialEq)]
pub enum Allowed {
    /// Allowed by a statement (name, holder address) at this span.
    Yes { statement: String, span: Span },
    /// Denied by a statement without conditions.
    Denied { statement: String, span: Span },
    /// Not allowed; a statement that names the target by a wrong ARN, if any.
    No { near: Option<(String, Span)> },
    /// Not known before apply: why, and where.
    Open { why: String, span: Span },
}

/// Statement `st` of an identity policy held by `holder`, as messages name it.
fn named(a: &Analysis<'_>, st: &Statement, holder: usize) -> String {
    format!(
        "statement {} of {}",
        statement_name(st),
        a.resource(holder).address
    )
}

/// Do `id`'s identity policies allow `action` on `target`?
pub fn allows(a: &Analysis<'_>, id: &Identity, action: &str, target: &Target) -> Allowed {
    let mut open: Option<(String, Span)> = None;
    let mut near: Option<(String, Span)> = None;
    let mut yes: Option<(String, Span)> = None;
    for p in &id.policies {
        let from = a.resource(p.holder);
        let doc = match &p.doc {
            PolicyReading::Parsed(d) => d,
            PolicyReading::Unknown(u) => {
                open.get_or_insert_with(|| {
                    (
                        format!("the policy of {} {}", from.address, u.predicate(false)),
                        p.span,
                    )
                });
                continue;
            }
            PolicyReading::Invalid(_) => {
                open.get_or_insert_with(|| {
                    (
                        format!("the policy of {} is not a valid policy", from.address),
                        p.span,
                    )
                });
                continue;
            }
        };
        if let Some(u) = &doc.unknown {
            open.get_or_insert_with(|| {
                (
                    format!(
                        "the statements of the policy of {} {}",
                        from.address,
                        u.predicate(true)
                    ),
                    p.span,
                )
            });
        }
        for st in &doc.statements {
            let acts = list_allows(st.action.as_ref(), action);
            if acts == Some(false) {
                continue;
            }
            let aim = target.aimed_by(a, st.resource.as_ref(), from);
            match st.effect {
                Effect::Deny if !st.has_condition() => {
                    if let (Some(true), Aim::Hits(_)) = (acts, &aim) {
                        return Allowed::Denied {
                            statement: named(a, st, p.holder),
                            span: p.place(a, st.span),
                        };
                    }
                }
                Effect::Allow => match (acts, aim) {
                    (Some(true), Aim::Hits(span)) => {
                        yes.get_or_insert_with(|| (named(a, st, p.holder), p.place(a, span)));
                    }
                    (None, Aim::Hits(span)) => {
                        open.get_or_insert_with(|| {
                            (
                                format!("the actions of {} are not known", named(a, st, p.holder)),
                                p.place(a, span),
                            )
                        });
                    }
                    (Some(true), Aim::Open(why, span)) => {
                        open.get_or_insert_with(|| {
                            (
                                format!("{}: {why}", named(a, st, p.holder)),
                                p.place(a, span),
                            )
                        });
                    }
                    (Some(true), Aim::Near(why, span)) => {
                        near.get_or_insert_with(|| {
                            (
                                format!("{}: {why}", named(a, st, p.holder)),
                                p.place(a, span),
                            )
                        });
                    }
                    _ => {}
                },
                Effect::Deny | Effect::Unknown | Effect::Invalid => {}
            }
        }
    }
    if let Some((statement, span)) = yes {
        return Allowed::Yes { statement, span };
    }
    if let Some((why, span)) = open.or_else(|| id.outside.first().cloned()) {
        return Allowed::Open { why, span };
    }
    Allowed::No { near }
}

/// Where identity `id` names a secret for a read: an Allow of `GetSecretValue` whose
/// `Resource` is the secret's ARN (or a pattern or reference that is it), or a wrong ARN for
/// it. The resource that holds that policy, and the span of the `Resource` entry.
pub fn naming(a: &Analysis<'_>, id: &Identity, target: &Target) -> Option<(usize, Span)> {
    id.policies.iter().find_map(|p| {
        let from = a.resource(p.holder);
        let doc = match &p.doc {
            PolicyReading::Parsed(doc) => doc,
            // a policy known only after apply that is computed from the secret names it
            PolicyReading::Unknown(u) => {
                let names = target.res.is_some()
                    && u.refs
                        .iter()
                        .any(|r| a.infra.resolve_ref(r, Some(from)) == target.res);
                return names.then_some((p.holder, p.span));
            }
            PolicyReading::Invalid(_) => return None,
        };
        doc.statements.iter().find_map(|st| {
            if st.effect != Effect::Allow || list_allows(st.action.as_ref(), READ) != Some(true) {
                return None;
            }
            match target.aimed_by(a, st.resource.as_ref(), from) {
                Aim::Hits(span) | Aim::Near(_, span) => Some((p.holder, p.place(a, span))),
                Aim::Open(..) | Aim::Misses => None,
            }
        })
    })
}

/// Why the identity side of a read fails.
#[derive(Clone, Debug, PartialEq)]
pub enum Gap {
    /// No statement allows `GetSecretValue` on the secret.
    NoRead,
    /// A statement names the secret, by a wrong ARN (why).
    WrongArn(String),
    /// `GetSecretValue` is allowed, `kms:Decrypt` on the key is not.
    NoDecrypt,
    /// A Deny takes the read away.
    Denied,
}

/// The identity side of a read of secret `s` by `id`.
#[derive(Clone, Debug, PartialEq)]
pub enum IdentitySide {
    Holds {
        message: String,
        span: Span,
    },
    Broken {
        gap: Gap,
        message: String,
        span: Span,
    },
    Unresolved {
        message: String,
        span: Span,
    },
}

/// Does `id`'s identity policy allow it to read `s` (with `decrypt`: and `kms:Decrypt` on the
/// secret's customer managed key)?
pub fn side(a: &Analysis<'_>, id: &Identity, s: &SecretInfo, decrypt: bool) -> IdentitySide {
    let target = Target::secret(a, s);
    let at = a.resource(id.res).span;
    let who = &a.resource(id.res).address;
    let read = allows(a, id, READ, &target);
    let read_at = match read {
        Allowed::Yes { statement, span } => (statement, span),
        Allowed::Denied { statement, span } => {
            return IdentitySide::Broken {
                gap: Gap::Denied,
                message: format!("{statement} denies it {READ} on the secret"),
                span,
            };
        }
        Allowed::Open { why, span } => {
            return IdentitySide::Unresolved {
                message: format!(
                    "whether the identity policies of {who} allow {READ} on the secret is not known: {why}"
                ),
                span,
            };
        }
        Allowed::No {
            near: Some((why, span)),
        } => {
            return IdentitySide::Broken {
                gap: Gap::WrongArn(why.clone()),
                message: format!(
                    "the identity policies of {who} do not allow {READ} on the secret's ARN: {why}"
                ),
                span,
            };
        }
        Allowed::No { near: None } => {
            return IdentitySide::Broken {
                gap: Gap::NoRead,
                message: format!("no identity policy of {who} allows {READ} on the secret"),
                span: at,
            };
        }
    };
    let key = decrypt.then(|| Target::key(a, s)).flatten();
    let Some(key) = key else {
        return IdentitySide::Holds {
            message: format!("{} allows it {READ} on the secret", read_at.0),
            span: read_at.1,
        };
    };
    let key_name = match key.res {
        Some(k) => format!("the key {}", a.resource(k).address),
        None => "the secret's key".into(),
    };
    match allows(a, id, DECRYPT, &key) {
        Allowed::Yes { statement, .. } => IdentitySide::Holds {
            message: format!(
                "{} allows it {READ} on the secret, and {statement} {DECRYPT} on {key_name}",
                read_at.0
            ),
            span: read_at.1,
        },
        Allowed::Denied { statement, span } => IdentitySide::Broken {
            gap: Gap::Denied,
            message: format!("{statement} denies it {DECRYPT} on {key_name}"),
            span,
        },
        Allowed::Open { why, span } => IdentitySide::Unresolved {
            message: format!(
                "whether the identity policies of {who} allow {DECRYPT} on {key_name} is not known: {why}"
            ),
            span,
        },
        Allowed::No { .. } => IdentitySide::Broken {
            gap: Gap::NoDecrypt,
            message: format!(
                "{} allows it {READ} on the secret, but no identity policy of {who} allows {DECRYPT} on {key_name} (its ARN or \"*\")",
                read_at.0
            ),
            span: read_at.1,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Secret `app/secret-1` of account 111122223333 in eu-west-1, its ARN not known yet.
    fn secret() -> Target {
        let parts = (
            "eu-west-1".to_string(),
            "111122223333".to_string(),
            "app/secret-1".to_string(),
        );
        Target {
            arn: Some(format!(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/secret-1-{}",
                HIDDEN.to_string().repeat(6)
            )),
            res: None,
            service: "secretsmanager",
            parts: Some(parts),
        }
    }

    #[test]
    fn only_a_suffix_wildcard_matches_the_six_characters_secrets_manager_adds() {
        let t = secret();
        let arn = t.arn.clone().unwrap_or_default();
        let base = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/secret-1";
        for hit in ["-??????", "-*", "*", "-?*"] {
            assert!(glob_match(&format!("{base}{hit}"), &arn), "{hit}");
        }
        assert!(glob_match("*", &arn));
        assert!(glob_match("arn:aws:secretsmanager:*:*:secret:*", &arn));
        // the name alone, a copied suffix, and a longer name do not
        for miss in ["", "-AbCdEf", "0-??????", "-?????"] {
            assert!(!glob_match(&format!("{base}{miss}"), &arn), "{miss}");
        }
    }

    #[test]
    fn a_wrong_arn_for_the_secret_says_what_is_wrong_and_another_secret_is_not_one() {
        let t = secret();
        let near = |arn: &str| t.near(arn, arn);
        let m = near("arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/secret-1")
            .unwrap_or_default();
        assert!(m.contains("no suffix wildcard"), "{m}");
        let m = near("arn:aws:secretsmanager:us-east-1:111122223333:secret:app/secret-1-??????")
            .unwrap_or_default();
        assert!(
            m.contains("Region us-east-1 (the secret is in eu-west-1)"),
            "{m}"
        );
        assert!(!m.contains("suffix"), "{m}");
        let m = near("arn:aws:secretsmanager:eu-west-1:444455556666:secret:app/secret-1-*")
            .unwrap_or_default();
        assert!(m.contains("account 444455556666"), "{m}");
        // other secrets, other services
        for other in [
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/secret-10-??????",
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/secret-1-x-??????",
            "arn:aws:ssm:eu-west-1:111122223333:parameter/app/secret-1",
        ] {
            assert_eq!(near(other), None, "{other}");
        }
        // a sensitive ARN is not shown, nor its parts
        let m = t
            .near(
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/secret-1-??????",
                "(sensitive value)",
            )
            .unwrap_or_default();
        assert_eq!(m, "(sensitive value) names it by a wrong ARN");
    }
}
