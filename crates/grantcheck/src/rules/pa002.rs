use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::PolicyKind;

declare_rule! {
    /// ## What it flags
    /// A KMS key policy statement that allows everyone — `"Principal": "*"`, `{"AWS": "*"}` or
    /// `NotPrincipal` with `Allow` — without a condition that limits who can use it
    /// (`kms:CallerAccount`, `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalArn`,
    /// `aws:SourceAccount`, …), and no Deny statement that takes it back from everyone else.
    ///
    /// ## Why
    /// With such a statement every AWS identity in every account may use the key; other
    /// accounts only need an IAM policy of their own. Secrets encrypted with the key are then
    /// protected only by their secret policies.
    ///
    /// ## How to fix
    /// Name the accounts (`arn:aws:iam::ACCOUNT:root`), or add
    /// `{"StringEquals": {"kms:CallerAccount": "111122223333"}}` as the AWS managed keys do.
    ///
    /// ## Flagged
    /// ```json,key
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json,key
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
    ///   "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333", "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}]}
    /// ```
    pub struct PublicKeyPolicy {
        code: PA002,
        name: "public-key-policy",
        severity: Error,
        summary: "a KMS key policy allows \"*\" without a condition that limits it",
    }
}

impl Rule for PublicKeyPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        super::pa001::check_public(&Self::META, PolicyKind::Key, ctx, out);
    }
}
