use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::PolicyKind;

declare_rule! {
    /// ## What it flags
    /// A key policy statement without `Action`/`NotAction` or without `Resource`/`NotResource`.
    ///
    /// ## Why
    /// KMS requires `Action` and `Resource` in every key policy statement. A statement missing
    /// one of them has no effect: `CreateKey` and `PutKeyPolicy` accept the policy (the console
    /// reports an error), so the grant or denial it was meant to carry silently does nothing.
    ///
    /// ## How to fix
    /// Add `"Resource": "*"` (in a key policy it means this key) and the `kms:` actions.
    ///
    /// ## Flagged
    /// ```json,key
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*"}]}
    /// ```
    ///
    /// ```json,key
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json,key
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}
    /// ```
    pub struct KeyStatementWithoutEffect {
        code: PG018,
        name: "key-statement-without-effect",
        severity: Warning,
        summary: "a key policy statement without Action or Resource, which KMS accepts and ignores",
    }
}

impl Rule for KeyStatementWithoutEffect {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            if p.kind != PolicyKind::Key {
                continue;
            }
            for st in doc.statements.iter().filter(|s| s.is_object) {
                let missing: Vec<&str> = [("Action", "NotAction"), ("Resource", "NotResource")]
                    .into_iter()
                    .filter(|(plain, negated)| st.key(plain).is_none() && st.key(negated).is_none())
                    .map(|(plain, _)| plain)
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                out.report(
                    &Self::META,
                    &holder.address,
                    Some(st.span),
                    format!(
                        "key policy: statement {} has no {}, so it has no effect",
                        st.index,
                        missing.join(" and no ")
                    ),
                )
                .help("KMS accepts the policy but ignores the statement; add \"Resource\": \"*\" and the kms: actions it is meant to allow or deny")
                .path(st.path.clone());
            }
        }
    }
}
