use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::policy::PrincipalKind;

declare_rule! {
    /// ## What it flags
    /// A secret or key policy whose principal is an IAM unique ID — `AROA…` (a role) or
    /// `AIDA…` (a user) — instead of an ARN.
    ///
    /// ## Why
    /// AWS stores role and user principals as unique IDs and shows the ARN again when it reads
    /// the policy back. It shows the bare ID only when the principal no longer exists: the role
    /// or user was deleted, and a recreated one with the same name has a different ID. The
    /// grant is already broken.
    ///
    /// ## How to fix
    /// Write the principal's ARN again (or, better, the account root with an `aws:PrincipalArn`
    /// condition) and apply, so that AWS resolves it to the current principal.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "AROAJ2UCCR6DPCEXAMPLE"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct DeletedPrincipalId {
        code: XA005,
        name: "deleted-principal-id",
        severity: Warning,
        summary: "a policy names a unique principal ID (AROA…, AIDA…): the principal was deleted",
    }
}

impl Rule for DeletedPrincipalId {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            for st in &doc.statements {
                let Some(pr) = &st.principal else { continue };
                for e in &pr.entries {
                    let PrincipalKind::UniqueId { prefix } = &e.kind else {
                        continue;
                    };
                    let kind = if prefix == "AIDA" { "user" } else { "role" };
                    out.report(
                        &Self::META,
                        &holder.address,
                        Some(e.span),
                        format!(
                            "the {what} names the unique ID {} of an IAM {kind}, which AWS shows only once that {kind} was deleted: this grant no longer matches anyone",
                            e.display()
                        ),
                    )
                    .help(format!(
                        "write the {kind}'s ARN again — or the account root with an \"aws:PrincipalArn\" condition — and apply, so that AWS resolves it to the current {kind}"
                    ))
                    .path(e.path.clone());
                }
            }
        }
    }
}
