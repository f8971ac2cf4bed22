use super::{Context, Findings, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A secret policy that grants a role, user or assumed-role session of **another account**
    /// by its exact ARN, instead of that account's root (`arn:aws:iam::ACCOUNT:root`).
    ///
    /// When the input manages that role or user itself (in the other account, through a
    /// second provider configuration), the finding names its address and account.
    ///
    /// ## Why
    /// IAM stores an exact role or user ARN as the principal's unique ID. When the other account
    /// deletes and recreates the role (a routine redeploy), the new role gets a new ID and
    /// silently loses access; the policy then shows a bare `AROA…` ID. AWS recommends granting
    /// the account and letting its administrators delegate with IAM policies.
    ///
    /// ## How to fix
    /// Grant the account root and, to keep the grant narrow, add a condition on the role ARN,
    /// which IAM does not convert to an ID:
    /// `"Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/reader"}}`.
    ///
    /// ## Flagged
    /// ```hcl
    /// resource "aws_secretsmanager_secret_policy" "p" {
    ///   secret_arn = aws_secretsmanager_secret.s.arn
    ///   policy = jsonencode({
    ///     Version   = "2012-10-17"
    ///     Statement = [{ Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = "*",
    ///                    Principal = { AWS = "arn:aws:iam::444455556666:role/reader" } }]
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
    ///     Statement = [{ Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = "*",
    ///                    Principal = { AWS = "arn:aws:iam::444455556666:root" },
    ///                    Condition = { ArnEquals = { "aws:PrincipalArn" = "arn:aws:iam::444455556666:role/reader" } } }]
    ///   })
    /// }
    /// ```
    pub struct CrossAccountExactPrincipal {
        code: XA001,
        name: "cross-account-exact-principal",
        severity: Warning,
        summary: "a secret policy grants another account's exact role/user ARN instead of its root",
    }
}

impl Rule for CrossAccountExactPrincipal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        for s in ctx.secrets() {
            let secret = a.resource(s.res);
            for g in &s.grants {
                if !g.principal.kind.is_exact_identity() || a.is_trusted(g) {
                    continue;
                }
                let holder = a.policy_holder(g.policy);
                let account = g.principal.account_display().unwrap_or("?");
                let partition = g.principal.partition.as_deref().unwrap_or("aws");
                // a role or user this input manages (in the other account's provider): say which
                let managed = a
                    .identities
                    .iter()
                    .find(|id| crate::access::is_identity(a, id, &g.principal))
                    .map(|id| a.resource(id.res));
                let also = match managed {
                    Some(r) => format!(
                        "; it is {} of this configuration, in account {account}, so the grant breaks whenever this configuration replaces it",
                        r.address
                    ),
                    None => String::new(),
                };
                let f = out.report(
                    &Self::META,
                    &holder.address,
                    Some(g.principal.span),
                    format!(
                        "the secret policy grants {} of account {account} by its exact ARN ({}); if that principal is deleted and recreated, the grant silently stops working{also}",
                        g.principal.describe(),
                        g.principal.display()
                    ),
                );
                if let Some(r) = managed {
                    f.related(r.address.clone());
                }
                f
                .help(format!(
                    "grant the account instead (\"arn:{partition}:iam::{account}:root\") and narrow it with a condition such as {{\"ArnEquals\": {{\"aws:PrincipalArn\": \"{}\"}}}}, which IAM does not turn into a unique ID",
                    g.principal.display()
                ))
                .accounts([crate::access::account_of(g)])
                .related(secret.address.clone())
                .path(g.principal.path.clone());
            }
        }
    }
}
