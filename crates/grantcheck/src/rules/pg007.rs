use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::PolicyKind;
use crate::policy::actions;

declare_rule! {
    /// ## What it flags
    /// An action that does nothing in the policy it is written in:
    /// - in a secret policy, `ListSecrets`, `BatchGetSecretValue` and `CreateSecret` (not effective
    ///   in a secret's resource policy or across accounts), and actions of other services;
    /// - in a key policy, KMS actions that only IAM policies can grant (`kms:CreateKey`,
    ///   `kms:ListKeys`, …), and actions of other services.
    ///
    /// ## Why
    /// The statement looks like it grants something it does not; the account that relies on it
    /// gets `AccessDenied`.
    ///
    /// ## How to fix
    /// Grant these actions with an IAM policy in the caller's account instead, or remove them.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:ListSecrets", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct ActionWithoutEffect {
        code: PG007,
        name: "action-without-effect",
        severity: Warning,
        summary: "a resource policy grants an action that has no effect there",
    }
}

impl Rule for ActionWithoutEffect {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (p, holder, st, it, t) in ctx.parsed_actions() {
            let negated = st.action.as_ref().is_some_and(|l| l.negated);
            if !st.is_allow() || negated {
                continue;
            }
            let what = p.kind.noun();
            let own = match p.kind {
                PolicyKind::Secret => "secretsmanager",
                PolicyKind::Key => "kms",
            };
            let Some((prefix, _)) = t.split_once(':') else {
                continue;
            };
            if t.contains(['*', '?']) {
                continue;
            }
            let why = if !prefix.eq_ignore_ascii_case(own) {
                format!("a {what} grants only {own} actions")
            } else {
                match (actions::lookup(t), p.kind) {
                    (Some(x), PolicyKind::Secret) if !x.cross_account => {
                        "Secrets Manager does not honour it in a secret policy or across accounts"
                            .to_string()
                    }
                    (Some(x), PolicyKind::Key) if !x.key_policy => {
                        "only IAM policies can grant it".to_string()
                    }
                    _ => continue,
                }
            };
            out.report(
                &Self::META,
                &holder.address,
                Some(it.span),
                format!("{what}: {} has no effect here: {why}", it.shown()),
            )
            .help("grant it with an IAM policy in the caller's account, or remove it")
            .path(it.path.clone());
        }
    }
}
