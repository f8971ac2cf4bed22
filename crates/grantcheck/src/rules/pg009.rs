use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::policy::actions;

declare_rule! {
    /// ## What it flags
    /// A condition operator that does not exist (`StringEqual`, `ArnMatches`), a set prefix other
    /// than `ForAnyValue:` / `ForAllValues:`, or `NullIfExists`.
    ///
    /// ## Why
    /// AWS rejects the policy as malformed and `terraform apply` fails.
    ///
    /// ## How to fix
    /// Use one of the operators of the IAM condition reference; the nearest one is suggested.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"StringEqual": {"aws:PrincipalOrgID": "o-abc123def4"}}}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}]}
    /// ```
    pub struct InvalidConditionOperator {
        code: PG009,
        name: "invalid-condition-operator",
        severity: Error,
        summary: "a Condition uses an operator AWS does not know",
    }
}

impl Rule for InvalidConditionOperator {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            for st in &doc.statements {
                for c in &st.conditions {
                    let Some(problem) = actions::operator_problem(&c.operator) else {
                        continue;
                    };
                    // (what the operator is, or is close to, says what it is)
                    let problem = if c.sensitive {
                        "a condition operator of the policy, which is marked sensitive, is not valid".to_string()
                    } else {
                        problem
                    };
                    let path = c
                        .path
                        .rsplit_once('/')
                        .map(|(p, _)| p.to_string())
                        .unwrap_or_default();
                    out.report(&Self::META, &holder.address, Some(c.span), format!("{what}: {problem}"))
                        .help("see the IAM condition operator reference: StringEquals, StringLike, ArnLike, Bool, IpAddress, Null, …")
                        .path(path);
                }
            }
        }
    }
}
