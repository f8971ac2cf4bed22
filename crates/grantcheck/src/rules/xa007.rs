use super::{Findings, Part, Rule, RuleMeta, declare_rule};
use crate::analysis::{Analysis, KeyRef};
use crate::value::NodeKind;

declare_rule! {
    /// ## What it flags
    /// A secret shared with another account whose `kms_key_id` names the key by key ID
    /// (`1234abcd-…`, `aws_kms_key.k.key_id`, `aws_kms_key.k.id`) or alias name (`alias/app`)
    /// instead of by ARN.
    ///
    /// ## Why
    /// A key ID or alias name is resolved in the account of the caller. When the other account
    /// writes or rotates the secret, Secrets Manager looks for the key in *that* account and
    /// fails with `NotFoundException`. Only a key ARN or alias ARN points at the key across
    /// accounts.
    ///
    /// ## How to fix
    /// Use the key's ARN: `kms_key_id = aws_kms_key.k.arn`.
    ///
    /// ## Flagged
    /// ```hcl
    /// resource "aws_kms_key" "k" {}
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name       = "db"
    ///   kms_key_id = aws_kms_key.k.key_id
    /// }
    /// resource "aws_secretsmanager_secret_policy" "p" {
    ///   secret_arn = aws_secretsmanager_secret.s.arn
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    ///     Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:DescribeSecret", Resource = "*" }] })
    /// }
    /// ```
    ///
    /// ## Accepted
    /// ```hcl
    /// resource "aws_kms_key" "k" {}
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name       = "db"
    ///   kms_key_id = aws_kms_key.k.arn
    /// }
    /// resource "aws_secretsmanager_secret_policy" "p" {
    ///   secret_arn = aws_secretsmanager_secret.s.arn
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    ///     Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:DescribeSecret", Resource = "*" }] })
    /// }
    /// ```
    pub struct KeyNotReferencedByArn {
        code: "XA007",
        name: "key-not-referenced-by-arn",
        severity: Error,
        summary: "a secret shared cross-account names its key by key ID or alias name, not by ARN",
    }
}

/// Attributes of key and alias resources that hold an ARN.
const ARN_ATTRS: &[&str] = &["arn", "target_key_arn"];

impl Rule for KeyNotReferencedByArn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, a: &Analysis<'_>, part: &Part, out: &mut Findings) {
        for s in part.secrets(a) {
            if !s.in_plan || s.grants.is_empty() || !matches!(s.key, KeyRef::Customer { .. }) {
                continue;
            }
            let secret = a.resource(s.res);
            let Some(node) = secret.attr("kms_key_id") else {
                continue;
            };
            let written = match &node.kind {
                NodeKind::String(t) if !t.value.starts_with("arn:") => {
                    if node.sensitive {
                        "(sensitive value)".to_string()
                    } else {
                        t.value.to_string()
                    }
                }
                NodeKind::Unknown(u) => {
                    let Some(r) = u.refs.iter().find(|r| {
                        a.infra.resolve_ref(r, Some(secret)).is_some_and(|id| {
                            crate::model::is_key_type(&a.resource(id).rtype)
                                || a.resource(id).rtype == "aws_kms_alias"
                        })
                    }) else {
                        continue;
                    };
                    match r.attr.as_deref() {
                        Some(attr) if !ARN_ATTRS.contains(&attr) => r.display(),
                        _ => continue,
                    }
                }
                _ => continue,
            };
            let grant = &s.grants[0];
            let who = match grant.principal.account_display() {
                Some(acct) => format!("account {acct}"),
                None => grant.principal.display(),
            };
            let alias = written.starts_with("alias/") || written.contains("aws_kms_alias");
            out.report(
                &Self::META,
                &secret.address,
                Some(node.span),
                format!(
                    "the secret is shared with {who}, but kms_key_id names its key by {} ({written}), which the other account resolves in its own account",
                    if alias { "alias name" } else { "key ID" }
                ),
            )
            .help("name the key by ARN, e.g. kms_key_id = aws_kms_key.k.arn (or the alias ARN)")
            .related(a.policy_holder(grant.policy).address.clone());
        }
    }
}
