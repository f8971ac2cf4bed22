use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::KeyRef;
use crate::policy::list_allows_each;
use crate::base::value::NodeKind;

declare_rule! {
    /// ## What it flags
    /// A secret whose `kms_key_id` names its key by key ID (`1234abcd-…`,
    /// `aws_kms_key.k.key_id`, `aws_kms_key.k.id`) or alias name (`alias/app`) instead of by
    /// ARN, and whose policy lets another account **write** the secret value
    /// (`PutSecretValue`, `UpdateSecret`, `RotateSecret`, or a wildcard that covers them).
    ///
    /// ## Why
    /// A key ID or alias name is resolved in the account of the caller. Secrets Manager's
    /// `CreateSecret`/`UpdateSecret` reference says "To use a KMS key in a different account,
    /// use the key ARN or the alias ARN", and KMS's guide to allowing other accounts to use a
    /// key says the same of every caller in another account. When the other account writes a
    /// new value, Secrets Manager encrypts it with the key as the secret names it, looked up in
    /// *that* account, and the write fails with `NotFoundException` ("Key … does not exist";
    /// hashicorp/terraform-provider-aws#30272, after which the provider documentation says
    /// only the key ARN works for a key in another account).
    ///
    /// Reading is not affected: `GetSecretValue` decrypts the stored ciphertext, which names
    /// its key itself, so a share that only reads (`GetSecretValue`, `DescribeSecret`) is not
    /// flagged. The key ARN is still the better habit: the day the other account is given
    /// write access, the share breaks.
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
    ///     Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:PutSecretValue", Resource = "*" }] })
    /// }
    /// ```
    ///
    /// ## Accepted
    /// A share that only reads:
    /// ```hcl
    /// resource "aws_kms_key" "k" {
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [
    ///     { Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "kms:*", Resource = "*" },
    ///     { Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "kms:Decrypt", Resource = "*",
    ///       Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.us-east-1.amazonaws.com" } } }] })
    /// }
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name       = "db"
    ///   kms_key_id = aws_kms_key.k.key_id
    /// }
    /// resource "aws_secretsmanager_secret_policy" "p" {
    ///   secret_arn = aws_secretsmanager_secret.s.arn
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    ///     Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }] })
    /// }
    /// ```
    pub struct KeyNotReferencedByArn {
        code: XA007,
        name: "key-not-referenced-by-arn",
        severity: Error,
        summary: "a secret that another account may write names its key by key ID or alias name, not by ARN",
    }
}

/// The actions by which another account encrypts a new secret value with the secret's key.
const WRITES_VALUE: &[&str] = &[
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret",
    "secretsmanager:RotateSecret",
];

/// Attributes of key and alias resources that hold an ARN.
const ARN_ATTRS: &[&str] = &["arn", "target_key_arn"];

impl Rule for KeyNotReferencedByArn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        for s in ctx.secrets() {
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
            // the first grant that lets another account write the value, or may
            let mut writer = None;
            let mut maybe = None;
            for g in &s.grants {
                let Some(st) = a.statement(g.policy, g.statement) else {
                    continue;
                };
                let each = list_allows_each(st.action.as_ref(), WRITES_VALUE);
                if let Some(i) = each.iter().position(|w| *w == Some(true)) {
                    writer = Some((g, WRITES_VALUE[i]));
                    break;
                }
                if maybe.is_none() && each.contains(&None) {
                    maybe = Some((g, st));
                }
            }
            let alias = written.starts_with("alias/") || written.contains("aws_kms_alias");
            let by = if alias { "alias name" } else { "key ID" };
            let who = |g: &crate::analysis::Grant| match g.principal.account_display() {
                Some(acct) => format!("account {acct}"),
                None => g.principal.display(),
            };
            match (writer, maybe) {
                (Some((g, action)), _) => {
                    out.report(
                        &Self::META,
                        &secret.address,
                        Some(node.span),
                        format!(
                            "{} may write the secret ({action}), but kms_key_id names its key by {by} ({written}), which the other account resolves in its own account: its writes will fail with NotFoundException",
                            who(g)
                        ),
                    )
                    .help("name the key by ARN, e.g. kms_key_id = aws_kms_key.k.arn (or the alias ARN)")
                    .related(a.policy_holder(g.policy).address.clone());
                }
                (None, Some((g, st))) => {
                    out.unresolved(
                        &Self::META,
                        &secret.address,
                        Some(node.span),
                        format!(
                            "kms_key_id names its key by {by} ({written}), which breaks writes from another account, and whether {} may write the secret is not known: its actions {}",
                            who(g),
                            st.action
                                .as_ref()
                                .and_then(crate::policy::ItemList::unknown_why)
                                .unwrap_or_else(|| "are known after apply".into())
                        ),
                    )
                    .related(a.policy_holder(g.policy).address.clone());
                }
                (None, None) => {}
            }
        }
    }
}
