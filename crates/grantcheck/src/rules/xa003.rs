use std::borrow::Cow;

use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::accounts::Region;
use crate::analysis::{Analysis, Grant, KeyPolicy, KeyRef, PolicyReading, Tri};
use crate::policy::{
    Condition, Effect, ItemList, PolicyDocument, Principal, PrincipalKind, Statement, glob_match,
    list_allows,
};

declare_rule! {
    /// ## What it flags
    /// A secret shared with another account (or with `*`) and encrypted with a customer managed
    /// key whose key policy does not allow that principal — itself, its account root, or a
    /// matching `*` — `kms:Decrypt`. A `kms:ViaService` condition on the key grant must name
    /// `secretsmanager.<region>.amazonaws.com` for the secret's region.
    ///
    /// ## Why
    /// Cross-account access to a secret needs an allow on **both** the secret policy and the key
    /// policy. With the secret policy alone, the other account's `GetSecretValue` fails with
    /// "Access to KMS is not allowed". A key with no policy gets the default policy, which
    /// serves only the owner account.
    ///
    /// ## How to fix
    /// Add a statement to the key policy:
    /// `{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}}`.
    ///
    /// ## Flagged
    /// ```hcl
    /// resource "aws_kms_key" "k" {}   # default key policy: owner account only
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name       = "db"
    ///   kms_key_id = aws_kms_key.k.arn
    /// }
    /// resource "aws_secretsmanager_secret_policy" "p" {
    ///   secret_arn = aws_secretsmanager_secret.s.arn
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    ///     Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }] })
    /// }
    /// ```
    ///
    /// ## Accepted
    /// ```hcl
    /// resource "aws_kms_key" "k" {
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [
    ///     { Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "kms:*", Resource = "*" },
    ///     { Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "kms:Decrypt", Resource = "*",
    ///       Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.us-east-1.amazonaws.com" } } }] })
    /// }
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name       = "db"
    ///   kms_key_id = aws_kms_key.k.arn
    /// }
    /// resource "aws_secretsmanager_secret_policy" "p" {
    ///   secret_arn = aws_secretsmanager_secret.s.arn
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    ///     Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }] })
    /// }
    /// ```
    pub struct KeyPolicyMissingGrant {
        code: XA003,
        name: "key-policy-missing-grant",
        severity: Error,
        summary: "a secret shared cross-account uses a customer managed key whose key policy does not allow that principal kms:Decrypt",
    }
}

/// The outcome of looking for a key-policy grant.
enum Cover {
    Allowed,
    Missing(String),
    Unknown(String),
}

impl Rule for KeyPolicyMissingGrant {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        for s in ctx.secrets() {
            let secret = a.resource(s.res);
            let grants: Vec<&Grant> = s
                .grants
                .iter()
                .filter(|g| g.needs_key == Tri::Yes)
                .collect();
            if grants.is_empty() {
                continue;
            }
            let KeyRef::Customer {
                key,
                text,
                span: key_span,
            } = &s.key
            else {
                continue;
            };
            let Some(key) = key else {
                out.unresolved(
                    &Self::META,
                    &secret.address,
                    Some(*key_span),
                    format!(
                        "the key {} is not managed in this configuration, so its key policy cannot be checked",
                        text.as_deref().unwrap_or("(unknown)")
                    ),
                );
                continue;
            };
            let key_res = a.resource(*key);
            let (doc, policy_span, policy_holder) = match a.key_policy_of(*key) {
                Some(KeyPolicy::Policy(pid)) => {
                    let p = &a.policies[*pid];
                    match &p.doc {
                        PolicyReading::Parsed(d) => {
                            (Some(d), p.span, a.resource(p.holder).address.clone())
                        }
                        PolicyReading::Unknown(u) => {
                            out.unresolved(
                                &Self::META,
                                &secret.address,
                                Some(*key_span),
                                format!(
                                    "the policy of key {} {}",
                                    key_res.address,
                                    u.predicate(false)
                                ),
                            )
                            .related(key_res.address.clone());
                            continue;
                        }
                        PolicyReading::Invalid(_) => continue, // PG001 reports it
                    }
                }
                Some(KeyPolicy::Unknown(u)) => {
                    out.unresolved(
                        &Self::META,
                        &secret.address,
                        Some(*key_span),
                        format!(
                            "the policy of key {} {}",
                            key_res.address,
                            u.predicate(false)
                        ),
                    )
                    .related(key_res.address.clone());
                    continue;
                }
                Some(KeyPolicy::Default) | None => (None, key_res.span, key_res.address.clone()),
            };
            if let Some(d) = doc
                && d.unknown.is_some()
            {
                out.unresolved(
                    &Self::META,
                    &secret.address,
                    Some(policy_span),
                    format!(
                        "the statements of the key policy of {} {}",
                        key_res.address,
                        d.unknown
                            .as_deref()
                            .map(|u| u.predicate(true))
                            .unwrap_or_default()
                    ),
                );
                continue;
            }
            // (the Region decides; a message names it only when the plan does not mark it sensitive)
            let region = s.region.as_ref();
            for g in grants {
                let cover = match doc {
                    Some(d) => covers(a, d, &g.principal, region, key_res),
                    None => Cover::Missing("the key has no key policy, so AWS gives it the default policy, which serves only the key's own account".into()),
                };
                let holder = a.policy_holder(g.policy);
                match cover {
                    Cover::Allowed => {}
                    Cover::Unknown(why) => {
                        out.unresolved(&Self::META, &secret.address, Some(g.principal.span), why)
                            .related(holder.address.clone())
                            .related(policy_holder.clone())
                            .path(g.principal.path.clone());
                    }
                    Cover::Missing(why) => {
                        let who = match &g.principal.kind {
                            PrincipalKind::Wildcard => "everyone (\"*\")".to_string(),
                            PrincipalKind::Account => {
                                format!("account {}", g.principal.account_display().unwrap_or("?"))
                            }
                            _ => format!(
                                "{} of account {}",
                                g.principal.describe(),
                                g.principal.account_display().unwrap_or("?")
                            ),
                        };
                        let acct = g.principal.account_display().unwrap_or("ACCOUNT");
                        // (a Region the plan marks sensitive is shown as <region>)
                        let help = match region.map(Region::shown) {
                            Some(r) => format!(
                                "add to the key policy of {}: {{\"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \"arn:aws:iam::{acct}:root\"}}, \"Action\": \"kms:Decrypt\", \"Resource\": \"*\", \"Condition\": {{\"StringEquals\": {{\"kms:ViaService\": \"secretsmanager.{r}.amazonaws.com\"}}}}}}",
                                key_res.address
                            ),
                            None => format!(
                                "add to the key policy of {}: {{\"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \"arn:aws:iam::{acct}:root\"}}, \"Action\": \"kms:Decrypt\", \"Resource\": \"*\"}}",
                                key_res.address
                            ),
                        };
                        out.report(
                            &Self::META,
                            &secret.address,
                            Some(g.principal.span),
                            format!("the secret is shared with {who}, but the key {} does not let it decrypt: {why}", key_res.address),
                        )
                        .help(help)
                        .related(holder.address.clone())
                        .related(policy_holder.clone())
                        .label(policy_span, "this key policy has no kms:Decrypt grant for it")
                        .path(g.principal.path.clone());
                    }
                }
            }
        }
    }
}

fn covers(
    a: &Analysis<'_>,
    doc: &PolicyDocument,
    g: &Principal,
    region: Option<&Region>,
    key_res: &crate::model::Resource,
) -> Cover {
    let mut unknown: Option<String> = None;
    let mut allowed = false;
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
            Tri::Yes => allowed = true,
            Tri::No => {
                via_mismatch.get_or_insert_with(|| {
                    describe_conditions(&st.conditions, region.map(Region::shown))
                });
            }
            Tri::Unknown(w) => {
                unknown.get_or_insert(w);
            }
        }
        if allowed {
            break;
        }
    }
    if allowed {
        if let Some(deny) = denied(doc, g) {
            return Cover::Missing(format!("statement {} denies it", deny));
        }
        return Cover::Allowed;
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

/// Does key-policy principal `k` cover secret grantee `g`?
fn principal_covers(k: &Principal, g: &Principal) -> Tri {
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
    doc.statements.iter().find_map(|st| {
        if st.effect != Effect::Deny || st.has_condition() {
            return None;
        }
        if list_allows(st.action.as_ref(), "kms:Decrypt") != Some(true) {
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
        hit.then(|| {
            st.sid
                .as_ref()
                .filter(|s| !s.sensitive)
                .and_then(|s| s.text.as_deref())
                .unwrap_or(&st.path)
                .to_string()
        })
    })
}
