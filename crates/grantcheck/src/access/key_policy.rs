//! The `key-policy` link: does the key policy of a secret's customer managed key allow a
//! principal `kms:Decrypt`? Rule XA003 reports what these functions decide, and the access
//! graph shows it, so that the two can never disagree.

use std::borrow::Cow;

use crate::accounts::Region;
use crate::analysis::{Analysis, KeyPolicy, KeyRef, PolicyReading, SecretInfo, Tri};
use crate::base::source::Span;
use crate::model::Resource;
use crate::policy::{
    Condition, Effect, ItemList, PolicyDocument, Principal, PrincipalKind, Statement, glob_match,
    list_allows,
};

/// The outcome of looking for a key-policy grant.
#[derive(Clone, Debug, PartialEq)]
pub enum Cover {
    /// Allowed by the statement at this span.
    Allowed(Span),
    /// Not allowed, and why.
    Missing(String),
    /// Not known before apply, and why.
    Unknown(String),
}

/// What a secret's key policy is, as far as it decides which principals may decrypt.
pub enum KeyPolicyCheck<'a> {
    /// The secret's key is not a customer managed key (or not known to be one): there is no
    /// key policy to look at.
    NotCustomer,
    /// The key policy (at `span`) of `key` is not a valid policy (PG001 reports it): nothing
    /// is decided.
    Invalid { key: &'a str, span: Span },
    /// No principal's grant can be decided: `why` (the rest of a sentence), said at `span`,
    /// with the key's address when the key is in this configuration.
    Open {
        span: Span,
        why: String,
        key: Option<&'a str>,
    },
    /// The key and its policy (`None`: the default key policy), to decide each principal with
    /// [`KeyPolicyCheck::allows`].
    Known {
        key: &'a Resource,
        doc: Option<&'a PolicyDocument>,
        /// The key policy, or the key when it has the default policy.
        span: Span,
        /// The resource that holds the key policy (the key, or its `aws_kms_key_policy`).
        holder: &'a str,
    },
}

impl<'a> KeyPolicyCheck<'a> {
    /// The key policy of secret `s`'s key.
    pub fn of(a: &'a Analysis<'a>, s: &SecretInfo) -> KeyPolicyCheck<'a> {
        let KeyRef::Customer {
            key,
            text,
            span: key_span,
        } = &s.key
        else {
            return KeyPolicyCheck::NotCustomer;
        };
        let Some(key) = key else {
            return KeyPolicyCheck::Open {
                span: *key_span,
                why: format!(
                    "the key {} is not managed in this configuration, so its key policy cannot be checked",
                    text.as_deref().unwrap_or("(unknown)")
                ),
                key: None,
            };
        };
        let key_res = a.resource(*key);
        let policy_unknown = |u: &crate::base::value::Unknown| KeyPolicyCheck::Open {
            span: *key_span,
            why: format!(
                "the policy of key {} {}",
                key_res.address,
                u.predicate(false)
            ),
            key: Some(&key_res.address),
        };
        let (doc, span, holder) = match a.key_policy_of(*key) {
            Some(KeyPolicy::Policy(pid)) => {
                let p = &a.policies[*pid];
                match &p.doc {
                    PolicyReading::Parsed(d) => {
                        (Some(d), p.span, a.resource(p.holder).address.as_str())
                    }
                    PolicyReading::Unknown(u) => return policy_unknown(u),
                    PolicyReading::Invalid(_) => {
                        return KeyPolicyCheck::Invalid {
                            key: &key_res.address,
                            span: p.span,
                        };
                    }
                }
            }
            Some(KeyPolicy::Unknown(u)) => return policy_unknown(u),
            Some(KeyPolicy::Default) | None => (None, key_res.span, key_res.address.as_str()),
        };
        if let Some(d) = doc
            && d.unknown.is_some()
        {
            return KeyPolicyCheck::Open {
                span,
                why: format!(
                    "the statements of the key policy of {} {}",
                    key_res.address,
                    d.unknown
                        .as_deref()
                        .map(|u| u.predicate(true))
                        .unwrap_or_default()
                ),
                key: None,
            };
        }
        KeyPolicyCheck::Known {
            key: key_res,
            doc,
            span,
            holder,
        }
    }

    /// Does the key policy allow principal `g` kms:Decrypt of a secret in `region`? Decided
    /// only for a [`KeyPolicyCheck::Known`] policy (`None` otherwise).
    pub fn allows(
        &self,
        a: &Analysis<'_>,
        g: &Principal,
        region: Option<&Region>,
    ) -> Option<Cover> {
        let KeyPolicyCheck::Known { key, doc, .. } = self else {
            return None;
        };
        Some(match doc {
            Some(d) => covers(a, d, g, region, key),
            None => Cover::Missing("the key has no key policy, so AWS gives it the default policy, which serves only the key's own account".into()),
        })
    }
}

/// Does the key policy `doc` allow `g` kms:Decrypt of a secret in `region`?
pub fn covers(
    a: &Analysis<'_>,
    doc: &PolicyDocument,
    g: &Principal,
    region: Option<&Region>,
    key_res: &Resource,
) -> Cover {
    let mut unknown: Option<String> = None;
    let mut allowed: Option<Span> = None;
    let mut partial: Option<String> = None;
    let mut via_mismatch: Option<String> = None;
    for st in &doc.statements {
        if st.effect != Effect::Allow || st.resource.is_none() {
            continue;
        }
        match list_allows(st.action.as_ref(), "kms:Decrypt") {
            Some(true) => {}
            Some(false) => continue,
            None => {
                unknown.get_or_insert_with(|| {
                    format!(
                        "the actions of the key policy {}",
                        st.action
                            .as_ref()
                            .and_then(ItemList::unknown_why)
                            .unwrap_or_else(|| "are known after apply".into())
                    )
                });
                continue;
            }
        }
        let Some(pr) = &st.principal else { continue };
        let mut hit = Tri::No;
        if pr.negated {
            hit = Tri::Yes;
        } else if let Some(u) = &pr.unknown {
            hit = Tri::Unknown(format!("the key policy's Principal {}", u.predicate(false)));
        } else {
            for k in &pr.entries {
                // only a principal known after apply needs its reference looked up
                let k = if k.unknown.is_some() {
                    Cow::Owned(a.resolve_principal(k, key_res))
                } else {
                    Cow::Borrowed(k)
                };
                match principal_covers(&k, g) {
                    Tri::Yes => {
                        hit = Tri::Yes;
                        break;
                    }
                    Tri::Unknown(w) => hit = Tri::Unknown(w),
                    Tri::No => {
                        if g.kind == PrincipalKind::Account
                            && k.kind.is_exact_identity()
                            && k.account == g.account
                        {
                            partial = Some(format!(
                                "the key policy allows only {} of that account, not the account",
                                k.describe()
                            ));
                        }
                    }
                }
            }
        }
        match hit {
            Tri::No => continue,
            Tri::Unknown(w) => {
                unknown.get_or_insert(w);
                continue;
            }
            Tri::Yes => {}
        }
        match conditions_allow(st, g, region.map(|r| r.name.as_str())) {
            Tri::Yes => allowed = Some(st.span),
            Tri::No => {
                via_mismatch.get_or_insert_with(|| {
                    describe_conditions(&st.conditions, region.map(Region::shown))
                });
            }
            Tri::Unknown(w) => {
                unknown.get_or_insert(w);
            }
        }
        if allowed.is_some() {
            break;
        }
    }
    if let Some(span) = allowed {
        if let Some(deny) = denied(doc, g) {
            return Cover::Missing(format!("statement {} denies it", deny));
        }
        return Cover::Allowed(span);
    }
    if let Some(u) = unknown {
        return Cover::Unknown(u);
    }
    if let Some(v) = via_mismatch {
        return Cover::Missing(v);
    }
    if let Some(p) = partial {
        return Cover::Missing(p);
    }
    Cover::Missing("no statement of its key policy allows it kms:Decrypt".into())
}

/// Does key-policy principal `k` cover secret grantee `g`? (A Deny's principal covers whom it
/// denies in the same way.)
pub fn principal_covers(k: &Principal, g: &Principal) -> Tri {
    match (&k.kind, &g.kind) {
        (PrincipalKind::Wildcard, _) => Tri::Yes,
        (_, PrincipalKind::Wildcard) => Tri::No,
        (PrincipalKind::Unknown, _) => match (&k.unknown, &g.unknown) {
            (Some(ku), Some(gu)) if ku.refs.iter().any(|r| gu.refs.contains(r)) => Tri::Yes,
            (Some(ku), _) => Tri::Unknown(format!(
                "a principal of the key policy {}",
                ku.predicate(false)
            )),
            _ => Tri::Unknown("a principal of the key policy is not known".into()),
        },
        (PrincipalKind::Account, _) => match (&k.account, &g.account) {
            (Some(ka), Some(ga)) if ka == ga => Tri::Yes,
            _ => Tri::No,
        },
        (kk, gk) if kk.is_exact_identity() && kk == gk => {
            if k.account == g.account {
                Tri::Yes
            } else {
                Tri::No
            }
        }
        _ => match (&k.unknown, &g.unknown) {
            (_, Some(gu)) if gu.refs.is_empty() => Tri::No,
            _ => Tri::No,
        },
    }
}

/// Do the statement's conditions let a Secrets Manager request by `g` through?
fn conditions_allow(st: &Statement, g: &Principal, region: Option<&str>) -> Tri {
    if let Some(u) = &st.condition_unknown {
        return Tri::Unknown(format!(
            "a Condition of the key policy {}",
            u.predicate(false)
        ));
    }
    for c in &st.conditions {
        let op = c.base_operator();
        let like = op == "StringLike";
        if !(op == "StringEquals" || like || op == "StringEqualsIgnoreCase") {
            continue;
        }
        let decides = c.key_is("kms:ViaService")
            || c.key_is("kms:CallerAccount")
            || c.key_is("aws:PrincipalAccount");
        // (other keys, such as aws:PrincipalOrgID, are not decided here, known or not)
        if !decides {
            continue;
        }
        if c.unknown.is_some() || c.values.iter().any(|v| v.text.is_none()) {
            return Tri::Unknown(format!(
                "the values of {} in the key policy {}",
                c.shown_key(),
                c.unknown_why().unwrap_or_default()
            ));
        }
        let vals: Vec<&str> = c.values.iter().filter_map(|v| v.text.as_deref()).collect();
        if c.key_is("kms:ViaService") {
            let ok = vals.iter().any(|v| via_matches(v, region, like));
            if !ok {
                return Tri::No;
            }
        } else if c.key_is("kms:CallerAccount") || c.key_is("aws:PrincipalAccount") {
            match &g.account {
                Some(acct) => {
                    if !vals
                        .iter()
                        .any(|v| if like { glob_match(v, acct) } else { v == acct })
                    {
                        return Tri::No;
                    }
                }
                None => return Tri::No,
            }
        }
    }
    Tri::Yes
}

fn via_matches(v: &str, region: Option<&str>, like: bool) -> bool {
    match region {
        Some(r) if like => glob_match(v, &format!("secretsmanager.{r}.amazonaws.com")),
        Some(r) => is_secrets_manager_endpoint(v, r),
        None => {
            let v = v.to_ascii_lowercase();
            v.starts_with("secretsmanager.") && v.ends_with(".amazonaws.com")
        }
    }
}

/// `v` is `secretsmanager.<region>.amazonaws.com` (ASCII case ignored), compared in place.
fn is_secrets_manager_endpoint(v: &str, region: &str) -> bool {
    const SERVICE: &str = "secretsmanager.";
    const SUFFIX: &str = ".amazonaws.com";
    v.len() == SERVICE.len() + region.len() + SUFFIX.len()
        && v.get(..SERVICE.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(SERVICE))
        && v.get(SERVICE.len()..SERVICE.len() + region.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(region))
        && v.get(SERVICE.len() + region.len()..)
            .is_some_and(|p| p.eq_ignore_ascii_case(SUFFIX))
}

fn describe_conditions(conds: &[Condition], region: Option<&str>) -> String {
    // (a value the plan marks sensitive is named as such)
    let via: Vec<&str> = conds
        .iter()
        .filter(|c| c.key_is("kms:ViaService"))
        .flat_map(|c| {
            c.values.iter().filter_map(|v| match v.sensitive {
                true => v.text.as_ref().map(|_| "(sensitive value)"),
                false => v.text.as_deref(),
            })
        })
        .collect();
    if !via.is_empty() {
        return match region {
            Some(r) => format!(
                "its grant is limited by kms:ViaService to {}, not secretsmanager.{r}.amazonaws.com",
                via.join(", ")
            ),
            None => format!(
                "its grant is limited by kms:ViaService to {}, not Secrets Manager",
                via.join(", ")
            ),
        };
    }
    "the conditions of its grant exclude that account".into()
}

/// A Deny statement without conditions that blocks `g` from kms:Decrypt.
fn denied(doc: &PolicyDocument, g: &Principal) -> Option<String> {
    denied_action(doc, g, "kms:Decrypt")
}

/// The Sid (or, for one without a Sid or with a sensitive one, the JSON pointer) of a Deny
/// statement without conditions that blocks `g` from `action`.
pub fn denied_action(doc: &PolicyDocument, g: &Principal, action: &str) -> Option<String> {
    doc.statements.iter().find_map(|st| {
        if st.effect != Effect::Deny || st.has_condition() {
            return None;
        }
        if list_allows(st.action.as_ref(), action) != Some(true) {
            return None;
        }
        let pr = st.principal.as_ref()?;
        if pr.negated {
            return None;
        }
        let hit = pr
            .entries
            .iter()
            .any(|k| principal_covers(k, g) == Tri::Yes);
        hit.then(|| statement_name(st))
    })
}

/// A statement as messages name it: its Sid, or, when it has none or the input marks it
/// sensitive, its number in the policy counted from 1 (`statement 3`).
pub fn statement_name(st: &Statement) -> String {
    if let Some(sid) = st
        .sid
        .as_ref()
        .filter(|s| !s.sensitive)
        .and_then(|s| s.text.as_deref())
    {
        return sid.to_string();
    }
    // without a Sid, its place in the policy as a reviewer counts: the first is statement 1
    (st.index + 1).to_string()
}
