use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::{Grant, KeyRef, Tri};

declare_rule! {
    /// ## What it flags
    /// A secret whose policy lets another account read or write its value while the secret is
    /// encrypted with the AWS managed key `aws/secretsmanager`: no `kms_key_id`, or
    /// `alias/aws/secretsmanager` by alias name, alias ARN or that key's ARN.
    ///
    /// ## Why
    /// The AWS managed key's policy only serves callers of the owning account
    /// (`kms:CallerAccount`), and it cannot be edited. The other account's calls to
    /// `GetSecretValue` fail with "Access to KMS is not allowed": the grant cannot work.
    ///
    /// ## How to fix
    /// Encrypt the secret with a customer managed key (`kms_key_id = aws_kms_key.k.arn`) and
    /// allow the other account `kms:Decrypt` in that key's policy (see XA003).
    ///
    /// ## Flagged
    /// ```hcl
    /// resource "aws_secretsmanager_secret" "s" { name = "db" }   # no kms_key_id
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
    pub struct SharedSecretAwsManagedKey {
        code: XA002,
        name: "shared-secret-aws-managed-key",
        severity: Error,
        summary: "a secret shared cross-account is encrypted with the AWS managed key aws/secretsmanager",
    }
}

/// The accounts a set of grants reaches, for messages.
pub fn who(grants: &[&Grant]) -> String {
    let mut names: Vec<String> = grants
        .iter()
        .map(|g| match g.principal.account_display() {
            Some(a) => format!("account {a}"),
            None => "everyone (\"*\")".to_string(),
        })
        .collect();
    names.sort();
    names.dedup();
    names.join(", ")
}

impl Rule for SharedSecretAwsManagedKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        for s in ctx.secrets() {
            let secret = a.resource(s.res);
            let sure: Vec<&Grant> = s
                .grants
                .iter()
                .filter(|g| g.needs_key == Tri::Yes)
                .collect();
            let maybe: Vec<&Grant> = s
                .grants
                .iter()
                .filter(|g| matches!(g.needs_key, Tri::Unknown(_)))
                .collect();
            let Some(first) = sure.first().or(maybe.first()) else {
                continue;
            };
            let (span, key_text) = match &s.key {
                KeyRef::Customer { .. } => continue,
                KeyRef::Unknown { span, unknown } => {
                    out.unresolved(
                        &Self::META,
                        &secret.address,
                        Some(*span),
                        format!(
                            "the secret is shared with {}, but its kms_key_id {}",
                            who(&sure),
                            unknown.predicate(false)
                        ),
                    )
                    .related(a.policy_holder(first.policy).address.clone());
                    continue;
                }
                KeyRef::Unset { span } => (
                    *span,
                    "no kms_key_id, so the AWS managed key aws/secretsmanager".to_string(),
                ),
                KeyRef::AwsManaged { span, text } => {
                    (*span, format!("kms_key_id {text}, the AWS managed key"))
                }
            };
            if sure.is_empty() {
                if let Tri::Unknown(why) = &first.needs_key {
                    out.unresolved(
                        &Self::META,
                        &secret.address,
                        Some(span),
                        format!("the secret uses the AWS managed key and is shared with {}, but whether the grant reads the value is not known: {why}", who(&maybe)),
                    );
                }
                continue;
            }
            let holder = a.policy_holder(first.policy);
            out.report(
                &Self::META,
                &secret.address,
                Some(span),
                format!(
                    "the secret is shared with {}, but it is encrypted with {key_text}, which other accounts can never use: their reads will fail",
                    who(&sure)
                ),
            )
            .help("encrypt the secret with a customer managed key (kms_key_id = aws_kms_key.<name>.arn) whose key policy allows the other account kms:Decrypt")
            .accounts(sure.iter().map(|g| crate::access::account_of(g)))
            .related(holder.address.clone())
            .label(first.principal.span, format!("shared with {} here", who(&[first])));
        }
    }
}
