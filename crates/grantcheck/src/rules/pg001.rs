use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::PolicyReading;

declare_rule! {
    /// ## What it flags
    /// A secret or key policy that is not a JSON policy document: invalid JSON, or JSON that is
    /// not an object.
    ///
    /// ## Why
    /// AWS rejects the policy (`MalformedPolicyDocumentException`) and `terraform apply` fails;
    /// no other check can read it either.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct PolicySyntax {
        code: PG001,
        name: "policy-syntax",
        severity: Error,
        summary: "a secret or key policy is not valid JSON or not a policy object",
    }
}

impl Rule for PolicySyntax {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        for (_, p) in ctx.policies() {
            if let PolicyReading::Invalid(e) = &p.doc {
                let holder = a.resource(p.holder);
                let what = p.kind.noun();
                out.report(
                    &Self::META,
                    &holder.address,
                    Some(e.span),
                    format!("{what} in `{}`: {}", p.attr, e.message),
                )
                .help("write the policy with jsonencode() or data \"aws_iam_policy_document\", which always produce valid JSON");
            }
        }
    }
}
