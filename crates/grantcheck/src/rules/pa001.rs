use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::{PolicyReading, PolicyKind};
use crate::policy::{Condition, Effect, PolicyDocument, PrincipalKind, Statement, glob_match};

declare_rule! {
    /// ## What it flags
    /// A secret policy statement that allows everyone — `"Principal": "*"`,
    /// `{"AWS": "*"}` or `NotPrincipal` with `Allow` — without a condition that limits who can
    /// use it (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`,
    /// `aws:PrincipalArn`, `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceVpc`,
    /// `aws:SourceVpce`, `aws:SourceIp`, `aws:userid`). A Deny statement for `"*"` whose only
    /// conditions are negated ones on those keys (`StringNotEquals aws:PrincipalOrgID`) limits
    /// the grant as well.
    ///
    /// ## Why
    /// Any AWS identity in any account can then call the allowed actions on the secret; only
    /// the key policy and the identity's own policies stand in the way. Secrets Manager blocks
    /// such policies only when `block_public_policy = true`.
    ///
    /// ## Flagged
    /// ```hcl
    /// resource "aws_secretsmanager_secret_policy" "p" {
    ///   secret_arn = aws_secretsmanager_secret.s.arn
    ///   policy = jsonencode({
    ///     Version   = "2012-10-17"
    ///     Statement = [{ Effect = "Allow", Principal = "*", Action = "secretsmanager:GetSecretValue", Resource = "*" }]
    ///   })
    /// }
    /// ```
    ///
    /// ## Accepted
    /// ```hcl
    /// resource "aws_secretsmanager_secret_policy" "p" {
    ///   secret_arn = aws_secretsmanager_secret.s.arn
    ///   policy = jsonencode({
    ///     Version   = "2012-10-17"
    ///     Statement = [{ Effect = "Allow", Principal = "*", Action = "secretsmanager:GetSecretValue", Resource = "*",
    ///                    Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-abc123def4" } } }]
    ///   })
    /// }
    /// ```
    pub struct PublicSecretPolicy {
        code: PA001,
        name: "public-secret-policy",
        severity: Error,
        summary: "a secret policy allows \"*\" without a condition that limits it",
    }
}

/// Condition keys that, with a fixed value, limit who a `*` principal can be.
pub const LIMITING_KEYS: &[&str] = &[
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
    "aws:userid",
    "kms:CallerAccount",
];

/// Whether a condition set limits a `*` principal: `Some(true)`, `Some(false)`, or `None` when
/// the limiting values are not known.
pub fn limits_principal(conds: &[Condition]) -> Option<bool> {
    let mut unknown = false;
    for c in conds {
        if !LIMITING_KEYS.iter().any(|k| c.key_is(k)) {
            continue;
        }
        let op = c.base_operator();
        let positive = matches!(
            op,
            "StringEquals"
                | "StringEqualsIgnoreCase"
                | "StringLike"
                | "ArnEquals"
                | "ArnLike"
                | "IpAddress"
        );
        if !positive || c.operator.starts_with("ForAllValues") || c.operator.ends_with("IfExists") {
            continue;
        }
        if c.unknown.is_some() || c.values.iter().any(|v| v.text.is_none()) {
            // An exact string match limits `*` to the callers that carry that value, whatever
            // the value turns out to be (`StringEquals` has no wildcards). A pattern or an
            // address range might turn out to match everyone.
            if matches!(op, "StringEquals" | "StringEqualsIgnoreCase") {
                return Some(true);
            }
            unknown = true;
            continue;
        }
        let fixed = c.values.iter().all(|v| {
            v.text.as_deref().is_some_and(|t| {
                t != "*"
                    && !t.is_empty()
                    && !(op.ends_with("Like") && t.trim_matches('*').is_empty())
            })
        });
        if fixed && !c.values.is_empty() {
            return Some(true);
        }
    }
    if unknown { None } else { Some(false) }
}

impl Rule for PublicSecretPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        check_public(&Self::META, PolicyKind::Secret, ctx, out);
    }
}

/// Negated operators: a Deny with one of these on a limiting key denies everyone outside it.
const NEGATED: &[&str] = &[
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NotIpAddress",
];

/// Does a Deny statement of the document take away from everyone outside a fixed set what
/// `allow` gives? (`Principal: "*"` with only negated conditions on limiting keys, or
/// `NotPrincipal`, covering every action of `allow`.)
fn denied_to_others(doc: &PolicyDocument, allow: &Statement) -> bool {
    doc.statements.iter().any(|d| {
        if d.effect != Effect::Deny || d.condition_unknown.is_some() {
            return false;
        }
        let Some(pr) = &d.principal else { return false };
        let everyone = pr.negated || pr.entries.iter().any(|e| e.kind == PrincipalKind::Wildcard);
        if !everyone || !covers_actions(d, allow) {
            return false;
        }
        if pr.negated {
            return d.conditions.is_empty();
        }
        d.conditions.iter().all(|c| {
            NEGATED.contains(&c.base_operator())
                && !c.operator.starts_with("For")
                && LIMITING_KEYS.iter().any(|k| c.key_is(k))
                && !c.values.is_empty()
                && c.values
                    .iter()
                    .all(|v| v.text.as_deref().is_some_and(|t| !t.is_empty() && t != "*"))
        })
    })
}

/// Every action `allow` allows is denied by `deny`'s Action list.
fn covers_actions(deny: &Statement, allow: &Statement) -> bool {
    let (Some(d), Some(al)) = (&deny.action, &allow.action) else {
        return false;
    };
    if d.negated || d.unknown.is_some() || al.unknown.is_some() {
        return false;
    }
    let all = |t: &str| t == "*";
    if d.items.iter().any(|i| i.text.as_deref().is_some_and(all)) {
        return true;
    }
    if al.negated {
        return false;
    }
    al.items.iter().all(|ai| {
        ai.text.as_deref().is_some_and(|at| {
            d.items
                .iter()
                .any(|di| di.text.as_deref().is_some_and(|dt| glob_match(dt, at)))
        })
    })
}

/// PA001 and PA002: a policy of `kind` that allows everyone without a limiting condition.
pub(super) fn check_public(
    meta: &'static RuleMeta,
    kind: PolicyKind,
    ctx: &Context<'_>,
    out: &mut Findings,
) {
    let a = ctx.analysis();
    let what_policy = kind.noun();
    for (_, p) in ctx.policies() {
        if p.kind != kind {
            continue;
        }
        let PolicyReading::Parsed(doc) = &p.doc else {
            continue;
        };
        let holder = a.resource(p.holder);
        if !holder.action.survives() {
            continue;
        }
        for st in &doc.statements {
            if st.effect != Effect::Allow {
                continue;
            }
            // (a key policy statement without Resource has no effect: PG018 says so)
            if kind == PolicyKind::Key && st.resource.is_none() {
                continue;
            }
            let Some(pr) = &st.principal else { continue };
            let star = if pr.negated {
                Some((
                    pr.span,
                    pr.path.clone(),
                    "NotPrincipal with Allow grants everyone not listed",
                ))
            } else {
                pr.entries
                    .iter()
                    .find(|e| e.kind == PrincipalKind::Wildcard)
                    .map(|e| {
                        (
                            e.span,
                            e.path.clone(),
                            "the principal \"*\" is everyone, in every account",
                        )
                    })
            };
            let Some((span, path, what)) = star else {
                continue;
            };
            if st.condition_unknown.is_some() {
                out.unresolved(
                    meta,
                    &holder.address,
                    Some(span),
                    format!(
                        "the statement's Condition {}",
                        st.condition_unknown
                            .as_deref()
                            .map(|u| u.predicate(false))
                            .unwrap_or_default()
                    ),
                )
                .path(path);
                continue;
            }
            if denied_to_others(doc, st) {
                continue;
            }
            match limits_principal(&st.conditions) {
                Some(true) => {}
                None => {
                    let why = st
                        .conditions
                        .iter()
                        .filter(|c| LIMITING_KEYS.iter().any(|k| c.key_is(k)))
                        .find_map(Condition::unknown_why)
                        .unwrap_or_else(|| "are known after apply".into());
                    out.unresolved(
                        meta,
                        &holder.address,
                        Some(span),
                        format!("the values of the condition that would limit \"*\" {why}"),
                    )
                    .path(path);
                }
                Some(false) => {
                    let help = match kind {
                        PolicyKind::Secret => {
                            "name the accounts that need the secret (\"arn:aws:iam::ACCOUNT:root\"), or keep \"*\" and add a condition such as {\"StringEquals\": {\"aws:PrincipalOrgID\": \"o-…\"}}; set block_public_policy = true so AWS refuses public policies"
                        }
                        PolicyKind::Key => {
                            "name the accounts that need the key (\"arn:aws:iam::ACCOUNT:root\"), or keep \"*\" and add a condition such as {\"StringEquals\": {\"kms:CallerAccount\": \"111122223333\"}} or aws:PrincipalOrgID"
                        }
                    };
                    out.report(
                        meta,
                        &holder.address,
                        Some(span),
                        format!("the {what_policy} is public: {what}, and no condition limits who"),
                    )
                    .help(help)
                    .accounts(if kind == PolicyKind::Secret { vec!["*"] } else { vec![] })
                    .path(path);
                }
            }
        }
    }
}
