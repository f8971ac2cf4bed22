use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::PolicyKind;

/// Secrets Manager `ResourcePolicy` maximum length.
const SECRET_LIMIT: usize = 20_480;
/// KMS key policy quota.
const KEY_LIMIT: usize = 32_768;

declare_rule! {
    /// ## What it flags
    /// A secret policy longer than 20,480 characters, or a key policy larger than 32 KB
    /// (32,768 bytes).
    ///
    /// ## Why
    /// AWS refuses the policy (`PutResourcePolicy` / `PutKeyPolicy` fail) and `terraform apply`
    /// fails halfway.
    ///
    /// ## How to fix
    /// Merge statements that differ only in their principals, or grant account roots instead of
    /// many roles.
    ///
    /// ## Flagged
    /// ```text
    /// (a secret policy of 20,481 characters or more)
    /// ```
    ///
    /// ## Accepted
    /// ```text
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct PolicyTooLarge {
        code: PG013,
        name: "policy-too-large",
        severity: Error,
        summary: "a policy is over the size limit (secret 20,480 characters; key 32 KB)",
    }
}

impl Rule for PolicyTooLarge {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            let Some((chars, bytes)) = p.size else {
                continue;
            };
            // the limit is written out only for a policy over it
            let limit = match p.kind {
                PolicyKind::Secret if chars > SECRET_LIMIT => {
                    format!("{SECRET_LIMIT} characters, it has {chars}")
                }
                PolicyKind::Key if bytes > KEY_LIMIT => {
                    format!("{KEY_LIMIT} bytes, it has {bytes}")
                }
                _ => continue,
            };
            let _ = doc;
            out.report(&Self::META, &holder.address, Some(p.span), format!("the {what} is too large: the limit is {limit}"))
                .help("merge statements that differ only in principals, or grant account roots instead of many roles");
        }
    }
}
