use super::{Context, Findings, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A policy whose `Version` is neither `2012-10-17` nor `2008-10-17` (dates in another
    /// format, a year, a number).
    ///
    /// ## Why
    /// AWS accepts only those two values and rejects the policy as malformed; `terraform apply` fails.
    ///
    /// ## How to fix
    /// Write `"Version": "2012-10-17"`.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-18", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct InvalidVersion {
        code: PG002,
        name: "invalid-version",
        severity: Error,
        summary: "a policy Version is not 2012-10-17 or 2008-10-17",
    }
}

impl Rule for InvalidVersion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            let Some(v) = &doc.version else { continue };
            let Some(text) = &v.text else { continue };
            if text == "2012-10-17" || text == "2008-10-17" {
                continue;
            }
            out.report(
                &Self::META,
                &holder.address,
                Some(v.span),
                format!(
                    "the {what} has Version {}; AWS accepts only \"2012-10-17\" and \"2008-10-17\"",
                    v.shown()
                ),
            )
            .help("write \"Version\": \"2012-10-17\"")
            .path(v.path.clone());
        }
    }
}
