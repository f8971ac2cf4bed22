use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::PolicyKind;

declare_rule! {
    /// ## What it flags
    /// A secret policy in which two statements have the same `Sid`. (Key policies are not
    /// checked: KMS accepts duplicate Sids, and AWS managed key policies have them.)
    ///
    /// ## Why
    /// Statement IDs must be unique in IAM policy documents; the policy is rejected.
    ///
    /// ## How to fix
    /// Give every statement its own Sid, or drop the Sids.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}, {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:DescribeSecret", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}, {"Sid": "Describe", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:DescribeSecret", "Resource": "*"}]}
    /// ```
    pub struct DuplicateSid {
        code: PG011,
        name: "duplicate-sid",
        severity: Error,
        summary: "two statements of a secret policy have the same Sid",
    }
}

impl Rule for DuplicateSid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            if p.kind != PolicyKind::Secret {
                continue;
            }
            let mut seen: Vec<&str> = vec![];
            for st in &doc.statements {
                let Some(sid) = &st.sid else { continue };
                let Some(t) = sid.text.as_deref() else {
                    continue;
                };
                if t.is_empty() {
                    continue;
                }
                if seen.contains(&t) {
                    out.report(
                        &Self::META,
                        &holder.address,
                        Some(sid.span),
                        format!(
                            "{what}: the Sid {} is used by an earlier statement",
                            sid.shown()
                        ),
                    )
                    .help("give every statement its own Sid")
                    .path(sid.path.clone());
                } else {
                    seen.push(t);
                }
            }
        }
    }
}
