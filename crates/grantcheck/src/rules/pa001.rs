use super::{Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::{Analysis, PolicyDoc, PolicyKind};
use crate::policy::{Condition, Effect, PrincipalKind};

declare_rule! {
    /// ## What it flags
    /// A secret policy statement that allows everyone — `"Principal": "*"`,
    /// `{"AWS": "*"}` or `NotPrincipal` with `Allow` — without a condition that limits who can
    /// use it (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`,
    /// `aws:PrincipalArn`, `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceVpc`,
    /// `aws:SourceVpce`, `aws:SourceIp`, `aws:userid`).
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
        code: "PA001",
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

    fn check(&self, a: &Analysis<'_>, out: &mut Findings) {
        for p in &a.policies {
            if p.kind != PolicyKind::Secret {
                continue;
            }
            let PolicyDoc::Parsed(doc) = &p.doc else {
                continue;
            };
            let holder = a.resource(p.holder);
            for st in &doc.statements {
                if st.effect != Effect::Allow {
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
                        &Self::META,
                        &holder.address,
                        Some(span),
                        "the statement's Condition is known only after apply",
                    )
                    .path(path);
                    continue;
                }
                match limits_principal(&st.conditions) {
                    Some(true) => {}
                    None => {
                        out.unresolved(
                            &Self::META,
                            &holder.address,
                            Some(span),
                            "the values of the condition that would limit \"*\" are known only after apply",
                        )
                        .path(path);
                    }
                    Some(false) => {
                        out.report(
                            &Self::META,
                            &holder.address,
                            Some(span),
                            format!("the secret policy is public: {what}, and no condition limits who"),
                        )
                        .help("name the accounts that need the secret (\"arn:aws:iam::ACCOUNT:root\"), or keep \"*\" and add a condition such as {\"StringEquals\": {\"aws:PrincipalOrgID\": \"o-…\"}}; set block_public_policy = true so AWS refuses public policies")
                        .path(path);
                    }
                }
            }
        }
    }
}
