use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::policy::PrincipalKind;

declare_rule! {
    /// ## What it flags
    /// A principal AWS cannot accept: a malformed ARN (`arn:aws:iam::root`), an account id that is
    /// not 12 digits, Terraform text that was never evaluated (`var.account_id`), a partial
    /// wildcard (`arn:aws:iam::111122223333:role/*`), an IAM group, or an unknown principal type.
    ///
    /// ## Why
    /// AWS rejects the policy with `MalformedPolicyDocument: Invalid principal in policy`, and
    /// `terraform apply` fails.
    ///
    /// ## How to fix
    /// Write `arn:aws:iam::ACCOUNT:root`, a role/user ARN, a 12-digit account id, or `"*"`; use a
    /// reference (`var.account_id` without quotes) so that Terraform fills the value in.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct InvalidPrincipal {
        code: PG008,
        name: "invalid-principal",
        severity: Error,
        summary: "a principal is not a valid ARN, account id, service or \"*\"",
    }
}

impl Rule for InvalidPrincipal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            for st in &doc.statements {
                let Some(pr) = &st.principal else { continue };
                for e in &pr.entries {
                    let reason = match &e.kind {
                        // (a reason may quote the value: its account, its type)
                        PrincipalKind::Invalid { .. } if e.sensitive => {
                            "it is not \"*\", an ARN or a 12-digit account id under AWS, Service, Federated or CanonicalUser".to_string()
                        }
                        PrincipalKind::Invalid { reason } => reason.clone(),
                        PrincipalKind::OtherArn { resource } if resource == "group" => {
                            "IAM groups cannot be principals".to_string()
                        }
                        _ => match e.text.as_deref() {
                            Some(t)
                                if t != "*"
                                    && t.contains(['*', '?'])
                                    && e.kind != PrincipalKind::Service =>
                            {
                                "a principal cannot contain a partial wildcard".to_string()
                            }
                            _ => continue,
                        },
                    };
                    out.report(
                        &Self::META,
                        &holder.address,
                        Some(e.span),
                        format!("{what}: invalid principal {}: {reason}", e.display()),
                    )
                    .help("write \"arn:aws:iam::ACCOUNT:root\", a role or user ARN, a 12-digit account id or \"*\"")
                    .path(e.path.clone());
                }
            }
        }
    }
}
