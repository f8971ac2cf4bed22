use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::access::identity::Gap;
use crate::access::{LinkKind, LinkState, identity_readers};

declare_rule! {
    /// ## What it flags
    /// A role or user that the input manages, granted a secret by the secret policy and its key
    /// by the key policy, whose own identity policy still does not let it read: it lacks
    /// `kms:Decrypt` on the secret's customer managed key, or it names the secret by a wrong
    /// ARN (another Region or account, or the secret's name without the suffix wildcard).
    ///
    /// ## Why
    /// Secrets Manager decrypts the value with the caller's permissions: a reader in another
    /// account needs `kms:Decrypt` on the key in its identity policy as well as in the key
    /// policy. A secret's ARN ends with a dash and six random characters, so
    /// `…:secret:app/db` matches nothing; write `…:secret:app/db-??????`.
    ///
    /// ## How to fix
    /// Allow `kms:Decrypt` on the key's ARN in the identity policy, and name the secret by its
    /// ARN with the suffix wildcard, in its own Region and account (or by a reference to it).
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
    ///     Resource = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/db" }] })
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
    pub struct IdentityPolicyIncomplete {
        code: XA011,
        name: "identity-policy-incomplete",
        severity: Error,
        summary: "a reader granted a secret and its key lacks kms:Decrypt in its identity policy, or names the secret by a wrong ARN",
    }
}

impl Rule for IdentityPolicyIncomplete {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    // (the links are decided in access, which the graph shares: this rule only words them)
    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        for s in ctx.secrets() {
            let secret = a.resource(s.res);
            for r in identity_readers(a, s) {
                let (Some(gap), Some(reader)) = (&r.gap, &r.reader) else {
                    continue;
                };
                if !matches!(gap, Gap::NoDecrypt | Gap::WrongArn(_)) {
                    continue;
                }
                // granted on the secret and the key: every other link holds
                let granted = reader
                    .links
                    .iter()
                    .filter(|l| l.link != LinkKind::IdentityPolicy)
                    .all(|l| l.state == LinkState::Holds);
                let Some(side) = reader
                    .links
                    .iter()
                    .find(|l| l.link == LinkKind::IdentityPolicy)
                else {
                    continue;
                };
                if !granted {
                    continue;
                }
                let who = a.resource(r.identity.res);
                let holder = r
                    .naming
                    .map_or(&who.address, |(h, _)| &a.resource(h).address);
                let help = match gap {
                    Gap::NoDecrypt => "allow kms:Decrypt on the key's ARN (or a reference to it) in the identity policy: a read decrypts the value with the reader's own permissions".to_string(),
                    _ => format!(
                        "name the secret by its ARN with the suffix wildcard, in its own Region and account (\"…:secret:NAME-??????\"), or by a reference to {}.arn",
                        secret.address
                    ),
                };
                let f = out.report(
                    &Self::META,
                    holder,
                    side.location,
                    format!("{} cannot read {}: {}", who.address, secret.address, side.message),
                );
                f.help(help)
                    .accounts([reader.account.clone()])
                    .related(secret.address.clone());
                if &who.address != holder {
                    f.related(who.address.clone());
                }
            }
        }
    }
}
