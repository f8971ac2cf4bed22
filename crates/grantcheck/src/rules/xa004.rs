use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::Analysis;
use crate::model::{Action, Mode, Resource};
use crate::policy::{Principal, parse_arn};

declare_rule! {
    /// ## What it flags
    /// A plan that deletes or replaces an IAM role or user (`["delete"]`,
    /// `["delete","create"]`, `["create","delete"]`) whose ARN a secret policy or key policy
    /// names as a principal — by reference (`aws_iam_role.reader.arn`) or by the literal ARN.
    ///
    /// ## Why
    /// When a policy is saved, IAM turns a role or user ARN into that principal's unique ID. A
    /// replaced role gets a new ID: the policy still holds the old one, and AWS re-reads the ARN
    /// only when the policy text itself changes. After apply, the grant no longer matches anyone
    /// and access breaks; the policy then shows a bare `AROA…` ID.
    ///
    /// ## How to fix
    /// Grant the account root (`arn:aws:iam::ACCOUNT:root`) and narrow it with
    /// `{"ArnEquals": {"aws:PrincipalArn": "<role ARN>"}}`, which IAM does not convert to an
    /// ID; or avoid replacing the role (check which argument forces the replacement).
    ///
    /// ## Flagged
    /// A plan whose `resource_changes` replace `aws_iam_role.reader` while the secret policy names
    /// `aws_iam_role.reader.arn`.
    ///
    /// ## Accepted
    /// The same plan with the role unchanged (`["no-op"]`), or a policy that grants the account root.
    pub struct PrincipalReplacedInPlan {
        code: XA004,
        name: "principal-replaced-in-plan",
        severity: Error,
        summary: "the plan deletes or replaces an IAM role/user whose ARN a secret or key policy names",
    }
}

impl Rule for PrincipalReplacedInPlan {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        // the roles and users this plan deletes or replaces, by their current ARN
        let deleted: Vec<(usize, &str)> = a
            .infra
            .ids_of_types(&["aws_iam_role", "aws_iam_user"])
            .into_iter()
            .map(|i| (i, a.resource(i)))
            .filter(|(_, r)| is_identity(r) && r.action.deletes())
            .filter_map(|(i, r)| Some((i, r.before_attr("arn")?.as_str()?)))
            .collect();
        for (_, p, doc, holder) in ctx.parsed_policies() {
            if !holder.action.survives() {
                continue;
            }
            let what = match p.kind {
                crate::analysis::PolicyKind::Secret => "secret policy",
                crate::analysis::PolicyKind::Key => "key policy",
            };
            for st in &doc.statements {
                let Some(pr) = &st.principal else { continue };
                for e in &pr.entries {
                    let Some(target) = replaced_principal(a, &deleted, e, holder) else {
                        continue;
                    };
                    let t = a.resource(target);
                    let kind = if t.rtype == "aws_iam_user" {
                        "user"
                    } else {
                        "role"
                    };
                    let (verb, consequence) = match t.action {
                        Action::Delete => (
                            "deletes",
                            "the policy keeps naming a principal that no longer exists".to_string(),
                        ),
                        _ => (
                            "replaces",
                            format!(
                                "the new {kind} gets a new principal ID, and the {what} keeps the old one, so access breaks after apply"
                            ),
                        ),
                    };
                    let arn = t
                        .before_attr("arn")
                        // (an ARN the plan marks sensitive is not shown)
                        .filter(|n| !n.sensitive)
                        .and_then(|n| n.as_str())
                        .and_then(parse_arn)
                        .and_then(|arn| {
                            arn.account_ok()
                                .map(|acct| (arn.partition.to_string(), acct))
                        });
                    let root = match arn {
                        Some((part, acct)) => format!("\"arn:{part}:iam::{acct}:root\""),
                        None => "the account root (\"arn:aws:iam::ACCOUNT:root\")".to_string(),
                    };
                    out.report(
                        &Self::META,
                        &holder.address,
                        Some(e.span),
                        format!(
                            "this plan {verb} {} ({}), which this {what} names as a principal; {consequence}",
                            t.address,
                            e.display()
                        ),
                    )
                    .help(format!(
                        "grant {root} with a condition {{\"ArnEquals\": {{\"aws:PrincipalArn\": \"<the {kind} ARN>\"}}}}, which survives the {kind} being recreated; or find the argument that forces the replacement"
                    ))
                    .related(t.address.clone())
                    .path(e.path.clone());
                }
            }
        }
    }
}

fn is_identity(r: &Resource) -> bool {
    r.mode == Mode::Managed && (r.rtype == "aws_iam_role" || r.rtype == "aws_iam_user")
}

/// The role or user that a principal names and that the plan deletes or replaces.
fn replaced_principal(
    a: &Analysis<'_>,
    deleted: &[(usize, &str)],
    e: &Principal,
    holder: &Resource,
) -> Option<usize> {
    if let Some(u) = &e.unknown {
        for r in &u.refs {
            if !matches!(r.attr.as_deref(), None | Some("arn")) {
                continue;
            }
            let Some(id) = a.infra.resolve_ref(r, Some(holder)) else {
                continue;
            };
            let t = a.resource(id);
            if is_identity(t) && t.action.deletes() {
                return Some(id);
            }
        }
        return None;
    }
    let text = e.text.as_deref()?;
    if !text.starts_with("arn:") {
        return None;
    }
    deleted
        .iter()
        .find(|(_, arn)| *arn == text)
        .map(|(i, _)| *i)
}
