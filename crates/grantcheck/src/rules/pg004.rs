use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::policy::Effect;

declare_rule! {
    /// ## What it flags
    /// A statement whose `Effect` is missing, or is not exactly `Allow` or `Deny` (the value is
    /// case-sensitive: `allow` is invalid).
    ///
    /// ## Why
    /// AWS rejects the policy as malformed and `terraform apply` fails.
    ///
    /// ## How to fix
    /// Write `"Effect": "Allow"` or `"Effect": "Deny"`.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct InvalidEffect {
        code: PG004,
        name: "invalid-effect",
        severity: Error,
        summary: "a statement Effect is missing or not exactly Allow or Deny",
    }
}

impl Rule for InvalidEffect {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            for st in &doc.statements {
                if !st.is_object || st.effect != Effect::Invalid {
                    continue;
                }
                let msg = match &st.effect_text {
                    Some(t) => format!(
                        "the Effect \"{t}\" is not valid; use \"Allow\" or \"Deny\" (case-sensitive)"
                    ),
                    None if st.effect_span == st.span => "the statement has no Effect".to_string(),
                    None => "the Effect must be the string \"Allow\" or \"Deny\"".to_string(),
                };
                out.report(
                    &Self::META,
                    &holder.address,
                    Some(st.effect_span),
                    format!("{what}: {msg}"),
                )
                .help("write \"Effect\": \"Allow\" or \"Effect\": \"Deny\"")
                .path(format!("{}/Effect", st.path));
            }
        }
    }
}
