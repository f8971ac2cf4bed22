use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::access::key_policy::{Cover, KeyPolicyCheck};
use crate::accounts::Region;
use crate::analysis::{Grant, Tri};
use crate::policy::PrincipalKind;

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

impl Rule for KeyPolicyMissingGrant {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    // (what the key policy allows is decided in access::key_policy, which the access graph
    // shares: this rule only words it)
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
            let check = KeyPolicyCheck::of(a, s);
            let (key_res, policy_span, policy_holder) = match &check {
                KeyPolicyCheck::NotCustomer | KeyPolicyCheck::Invalid { .. } => continue,
                KeyPolicyCheck::Open { span, why, key } => {
                    let f = out.unresolved(&Self::META, &secret.address, Some(*span), why);
                    if let Some(key) = key {
                        f.related(key.to_string());
                    }
                    continue;
                }
                KeyPolicyCheck::Known {
                    key, span, holder, ..
                } => (*key, *span, *holder),
            };
            // (the Region decides; a message names it only when the plan does not mark it sensitive)
            let region = s.region.as_ref();
            for g in grants {
                let Some(cover) = check.allows(a, &g.principal, region) else {
                    continue;
                };
                let holder = a.policy_holder(g.policy);
                match cover {
                    Cover::Allowed(_) => {}
                    Cover::Unknown(why) => {
                        out.unresolved(&Self::META, &secret.address, Some(g.principal.span), why)
                            .related(holder.address.clone())
                            .related(policy_holder.to_string())
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
                        .accounts([crate::access::account_of(g)])
                        .related(holder.address.clone())
                        .related(policy_holder.to_string())
                        .label(policy_span, "this key policy has no kms:Decrypt grant for it")
                        .path(g.principal.path.clone());
                    }
                }
            }
        }
    }
}
