use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::access::identity_readers;

declare_rule! {
    /// ## What it flags
    /// A role or user that the input manages in another account than a secret's, whose
    /// identity policy allows `secretsmanager:GetSecretValue` on that secret, while the
    /// secret's resource policy grants neither its account nor it.
    ///
    /// ## Why
    /// A read across accounts needs an allow on both sides: the reader's identity policy in its
    /// own account, and the secret policy in the secret's account. With the identity policy
    /// alone, `GetSecretValue` fails with `AccessDeniedException`: the change that was meant to
    /// give the role its secret does not.
    ///
    /// ## How to fix
    /// Grant the reader's account in the secret policy (its root, narrowed with an
    /// `aws:PrincipalArn` condition on the role), and the key policy likewise, or remove the
    /// statement from the identity policy if the read is not meant to work.
    ///
    /// ## Flagged
    /// ```hcl
    /// provider "aws" {
    ///   region              = "eu-west-1"
    ///   allowed_account_ids = ["111122223333"]
    /// }
    /// provider "aws" {
    ///   alias               = "consumer"
    ///   region              = "eu-west-1"
    ///   allowed_account_ids = ["444455556666"]
    /// }
    /// resource "aws_secretsmanager_secret" "s" { name = "app/db" }
    /// resource "aws_iam_role" "reader" {
    ///   provider = aws.consumer
    ///   name     = "reader"
    /// }
    /// resource "aws_iam_role_policy" "read" {
    ///   provider = aws.consumer
    ///   role     = aws_iam_role.reader.id
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    ///     Action = "secretsmanager:GetSecretValue",
    ///     Resource = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/db-??????" }] })
    /// }
    /// ```
    ///
    /// ## Accepted
    /// ```hcl
    /// provider "aws" {
    ///   region              = "eu-west-1"
    ///   allowed_account_ids = ["111122223333"]
    /// }
    /// provider "aws" {
    ///   alias               = "consumer"
    ///   region              = "eu-west-1"
    ///   allowed_account_ids = ["444455556666"]
    /// }
    /// resource "aws_kms_key" "k" {
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [
    ///     { Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "kms:*", Resource = "*" },
    ///     { Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "kms:Decrypt", Resource = "*",
    ///       Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.eu-west-1.amazonaws.com" } } }] })
    /// }
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name       = "app/db"
    ///   kms_key_id = aws_kms_key.k.arn
    /// }
    /// resource "aws_secretsmanager_secret_policy" "p" {
    ///   secret_arn = aws_secretsmanager_secret.s.arn
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    ///     Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }] })
    /// }
    /// resource "aws_iam_role" "reader" {
    ///   provider = aws.consumer
    ///   name     = "reader"
    /// }
    /// resource "aws_iam_role_policy" "read" {
    ///   provider = aws.consumer
    ///   role     = aws_iam_role.reader.id
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    ///     Action = "secretsmanager:GetSecretValue",
    ///     Resource = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/db-??????" },
    ///     { Effect = "Allow", Action = "kms:Decrypt", Resource = aws_kms_key.k.arn }] })
    /// }
    /// ```
    pub struct IdentityReadNotGranted {
        code: XA010,
        name: "identity-read-not-granted",
        severity: Error,
        summary: "an identity policy of another account names a secret whose policy does not grant that account: the read fails",
    }
}

impl Rule for IdentityReadNotGranted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    // (who reads what is decided in access, which the graph shares: this rule only words it)
    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        for s in ctx.secrets() {
            let secret = a.resource(s.res);
            for r in identity_readers(a, s) {
                let (true, Some((holder, span))) = (r.not_granted, r.naming) else {
                    continue;
                };
                let id = r.identity;
                let who = a.resource(id.res);
                let account = id.account.clone().unwrap_or_default();
                let holder = a.resource(holder);
                let f = out.report(
                    &Self::META,
                    &holder.address,
                    Some(span),
                    format!(
                        "{} (account {account}) is allowed secretsmanager:GetSecretValue on {} by its identity policy, but the secret policy does not grant its account: the read fails",
                        who.address, secret.address
                    ),
                );
                f.help(format!(
                    "grant account {account} in the secret policy of {} (\"arn:aws:iam::{account}:root\" with an ArnEquals aws:PrincipalArn condition on the role) and in its key policy, or drop this statement",
                    secret.address
                ))
                .accounts([account])
                .related(secret.address.clone());
                if who.address != holder.address {
                    f.related(who.address.clone());
                }
                for &pid in &s.policies {
                    f.related(a.policy_holder(pid).address.clone());
                }
            }
        }
    }
}
