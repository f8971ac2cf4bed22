use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::policy::{Item, Statement};

/// Every string of a statement that can hold a policy variable.
fn statement_items(st: &Statement) -> impl Iterator<Item = &Item> {
    let lists = [st.action.as_ref(), st.resource.as_ref()];
    lists
        .into_iter()
        .flatten()
        .flat_map(|l| l.items.iter())
        .chain(st.conditions.iter().flat_map(|c| c.values.iter()))
}

declare_rule! {
    /// ## What it flags
    /// A policy that uses policy variables such as `${aws:username}` or `${aws:PrincipalTag/team}`
    /// while its `Version` is missing or `2008-10-17`.
    ///
    /// ## Why
    /// Policy variables exist only in version `2012-10-17`. Under `2008-10-17` — the version
    /// AWS assumes when none is given — `${aws:username}` is compared as the literal text, so
    /// the condition never matches what was meant.
    ///
    /// ## How to fix
    /// Add `"Version": "2012-10-17"`.
    ///
    /// ## Flagged
    /// ```json
    /// {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}}]}
    /// ```
    pub struct PolicyVariablesIgnored {
        code: PG003,
        name: "policy-variables-ignored",
        severity: Warning,
        summary: "a policy uses ${...} variables without Version 2012-10-17",
    }
}

impl Rule for PolicyVariablesIgnored {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (_, p, doc, holder) in ctx.parsed_policies() {
            let what = p.kind.noun();
            let version = doc.version.as_ref().and_then(|v| v.text.as_deref());
            if version == Some("2012-10-17")
                || doc.version.as_ref().is_some_and(|v| v.text.is_none())
            {
                continue;
            }
            let Some(var) = doc
                .statements
                .iter()
                .flat_map(statement_items)
                .find(|i| i.text.as_deref().is_some_and(|t| t.contains("${")))
            else {
                continue;
            };
            let why = match (version, &doc.version) {
                (Some(_), Some(v)) => format!("its Version is {}", v.shown()),
                _ => "it has no Version, so AWS reads it as version 2008-10-17".to_string(),
            };
            out.report(
                &Self::META,
                &holder.address,
                Some(var.span),
                format!("the {what} uses a policy variable, but {why}: the variable is compared as literal text"),
            )
            .help("add \"Version\": \"2012-10-17\" to the policy")
            .path(var.path.clone());
        }
    }
}
