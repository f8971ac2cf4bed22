use super::{Context, Findings, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A statement of a secret or key policy without `Principal` or `NotPrincipal`.
    ///
    /// ## Why
    /// Resource policies must name who they apply to; AWS rejects the policy (`Missing principal`).
    /// An identity policy pasted into a secret or key policy looks like this.
    ///
    /// ## How to fix
    /// Add `"Principal": {"AWS": "arn:aws:iam::ACCOUNT:root"}`.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct MissingPrincipal {
        code: PG015,
        name: "missing-principal",
        severity: Error,
        summary: "a resource policy statement has no Principal",
    }
}

impl Rule for MissingPrincipal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            for st in &doc.statements {
                if !st.is_object || st.principal.is_some() {
                    continue;
                }
                out.report(&Self::META, &holder.address, Some(st.span), format!("{what}: statement {} has no Principal", st.index))
                    .help("add \"Principal\": {\"AWS\": \"arn:aws:iam::ACCOUNT:root\"} naming who the statement applies to")
                    .path(st.path.clone());
            }
        }
    }
}
