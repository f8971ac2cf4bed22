use super::{Context, Findings, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A statement with `"Effect": "Allow"` and `NotPrincipal`.
    ///
    /// ## Why
    /// It allows everyone except the listed principals — anonymous callers included. AWS advises
    /// against it and most resource policy types reject it.
    ///
    /// ## How to fix
    /// Use `Principal` with the principals to allow.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct AllowWithNotPrincipal {
        code: PG014,
        name: "allow-with-not-principal",
        severity: Warning,
        summary: "a statement uses NotPrincipal with Allow",
    }
}

impl Rule for AllowWithNotPrincipal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            for st in &doc.statements {
                let Some(pr) = &st.principal else { continue };
                if !pr.negated || !st.is_allow() {
                    continue;
                }
                out.report(&Self::META, &holder.address, Some(pr.span), format!("{what}: NotPrincipal with Allow grants everyone except the listed principals, anonymous callers included"))
                    .help("use \"Principal\" with the principals to allow")
                    .path(pr.path.clone());
            }
        }
    }
}
