use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::policy::actions;

declare_rule! {
    /// ## What it flags
    /// An action pattern with `*` or `?` for the `secretsmanager` or `kms` service that matches no
    /// action at all (`secretsmanager:GetSecret*Values`, `kms:Decrypt*Key`).
    ///
    /// ## Why
    /// The pattern grants (or denies) nothing; a Deny written this way protects nothing.
    ///
    /// ## How to fix
    /// Fix the pattern, or list the actions.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:Read*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:Get*", "Resource": "*"}]}
    /// ```
    pub struct ActionWildcardMatchesNothing {
        code: PG006,
        name: "action-wildcard-matches-nothing",
        severity: Warning,
        summary: "a wildcard action matches no Secrets Manager or KMS action",
    }
}

impl Rule for ActionWildcardMatchesNothing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (p, holder, _, it, t) in ctx.parsed_actions() {
            let Some((prefix, _)) = t.split_once(':') else {
                continue;
            };
            if !t.contains(['*', '?'])
                || !actions::KNOWN_PREFIXES
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case(prefix))
                || actions::matching(t).next().is_some()
            {
                continue;
            }
            out.report(
                &Self::META,
                &holder.address,
                Some(it.span),
                if it.sensitive {
                    format!(
                        "{}: the pattern {} matches no action, so it grants or denies nothing",
                        p.kind.noun(),
                        it.shown()
                    )
                } else {
                    format!(
                        "{}: the pattern \"{t}\" matches no {prefix} action, so it grants or denies nothing",
                        p.kind.noun()
                    )
                },
            )
            .help("fix the pattern or list the actions it should cover")
            .path(it.path.clone());
        }
    }
}
