use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::PolicyKind;

declare_rule! {
    /// ## What it flags
    /// A `Sid` with spaces in a secret policy. (Key policies may have spaces in Sids.)
    ///
    /// ## Why
    /// Secrets Manager documents that a Sid "cannot contain spaces"; such a policy is rejected.
    ///
    /// ## How to fix
    /// Write the Sid in letters and digits: `AllowPartnerRead`.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "Allow partner read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "AllowPartnerRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct InvalidSid {
        code: PG012,
        name: "invalid-sid",
        severity: Error,
        summary: "a secret policy Sid contains spaces",
    }
}

impl Rule for InvalidSid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            if p.kind != PolicyKind::Secret {
                continue;
            }
            for st in &doc.statements {
                let Some(sid) = &st.sid else { continue };
                let Some(t) = sid.text.as_deref() else {
                    continue;
                };
                if !t.contains(char::is_whitespace) {
                    continue;
                }
                out.report(
                    &Self::META,
                    &holder.address,
                    Some(sid.span),
                    format!(
                        "{what}: the Sid {} contains spaces, which secret policies do not allow",
                        sid.shown()
                    ),
                )
                .help("write the Sid in letters and digits only, e.g. \"AllowPartnerRead\"")
                .path(sid.path.clone());
            }
        }
    }
}
