use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::PolicyKind;

declare_rule! {
    /// ## What it flags
    /// Policy structure the IAM policy grammar does not allow: a policy without `Statement` or
    /// with an empty `Statement` list; a statement that writes both `Action` and `NotAction`,
    /// `Principal` and `NotPrincipal`, or `Resource` and `NotResource`; a secret policy statement
    /// with neither `Action` nor `NotAction`.
    ///
    /// ## Why
    /// AWS rejects such a policy (`Missing action`, `Unsupported element combination`) and
    /// `terraform apply` fails. A JSON object keeps only one value per key in most readers, so
    /// a combination like `Action` with `NotAction` also hides which one was meant.
    /// A key policy statement without `Action` is accepted by KMS but has no effect (PG018).
    ///
    /// ## How to fix
    /// Keep one element of each pair, give every statement an `Action` (or `NotAction`), and
    /// put at least one statement in `Statement`.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "secretsmanager:GetSecretValue", "NotAction": "secretsmanager:DeleteSecret", "Resource": "*"}]}
    /// ```
    ///
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Resource": "*"}]}
    /// ```
    ///
    /// ```json
    /// {"Version": "2012-10-17", "Statement": []}
    /// ```
    ///
    /// ```json,key
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*", "NotResource": "arn:aws:kms:us-east-1:111122223333:key/other"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "NotAction": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct StatementStructure {
        code: PG017,
        name: "invalid-statement-structure",
        severity: Error,
        summary: "no Statement, a statement without Action, or Action/NotAction, Principal/NotPrincipal or Resource/NotResource together",
    }
}

impl Rule for StatementStructure {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            if doc.unknown.is_none() && doc.statements.is_empty() {
                let (span, message) = match &doc.statement_key {
                    Some(span) => (*span, format!("{what}: the Statement list is empty")),
                    None => (doc.span, format!("{what}: the policy has no Statement")),
                };
                out.report(&Self::META, &holder.address, Some(span), message)
                    .help(
                        "a policy needs at least one statement; AWS rejects a policy without one",
                    );
                continue;
            }
            for st in doc.statements.iter().filter(|s| s.is_object) {
                for (plain, negated) in [
                    ("Action", "NotAction"),
                    ("Principal", "NotPrincipal"),
                    ("Resource", "NotResource"),
                ] {
                    let (Some(first), Some(second)) = (st.key(plain), st.key(negated)) else {
                        continue;
                    };
                    let later = if first.span.start > second.span.start {
                        first
                    } else {
                        second
                    };
                    out.report(
                        &Self::META,
                        &holder.address,
                        Some(later.span),
                        format!(
                            "{what}: statement {} has both {plain} and {negated}",
                            st.index
                        ),
                    )
                    .help(format!(
                        "keep one of {plain} and {negated}; AWS rejects a statement with both"
                    ))
                    .path(st.path.clone());
                }
                if p.kind == PolicyKind::Secret
                    && st.key("Action").is_none()
                    && st.key("NotAction").is_none()
                {
                    out.report(
                        &Self::META,
                        &holder.address,
                        Some(st.span),
                        format!("{what}: statement {} has neither Action nor NotAction", st.index),
                    )
                    .help("add \"Action\" listing the secretsmanager: actions the statement allows or denies")
                    .path(st.path.clone());
                }
            }
        }
    }
}
