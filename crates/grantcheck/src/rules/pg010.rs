use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::policy::actions;

declare_rule! {
    /// ## What it flags
    /// A `ForAllValues:` operator on a condition key that has one value per request
    /// (`aws:PrincipalOrgID`, `kms:ViaService`, `kms:EncryptionContext:…`). `ForAnyValue:` is
    /// not reported: AWS's own secret policy examples use it with `secretsmanager:VersionStage`.
    ///
    /// ## Why
    /// `ForAllValues` is true when the request has no value for the key, so on an Allow it lets
    /// requests without the key through; KMS rejects it with `OverlyPermissiveCondition`.
    ///
    /// ## How to fix
    /// Remove the set prefix: `StringEquals` instead of `ForAllValues:StringEquals`.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": "o-abc123def4/r-ab12/ou-ab12-11111111/"}}}]}
    /// ```
    pub struct SetOperatorOnSingleValuedKey {
        code: PG010,
        name: "set-operator-on-single-valued-key",
        severity: Warning,
        summary: "ForAllValues is used with a single-valued condition key",
    }
}

impl Rule for SetOperatorOnSingleValuedKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            for st in &doc.statements {
                for c in &st.conditions {
                    let Some((set, _)) = c.operator.split_once(':') else {
                        continue;
                    };
                    if set != "ForAllValues" {
                        continue;
                    }
                    match actions::condition_key_type(&c.key) {
                        Some(ty) if !ty.starts_with("ArrayOf") => {}
                        _ => continue,
                    }
                    let risk = if st.is_allow() {
                        "; an Allow then also matches requests that carry no value for the key"
                    } else {
                        ""
                    };
                    out.report(
                        &Self::META,
                        &holder.address,
                        Some(c.span),
                        format!(
                            "{what}: {set}: is used with {}, which has a single value{risk}",
                            c.shown_key()
                        ),
                    )
                    .help(format!("remove the \"{set}:\" prefix"))
                    .path(c.path.clone());
                }
            }
        }
    }
}
