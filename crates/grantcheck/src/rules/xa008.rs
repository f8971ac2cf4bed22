use crate::base::hash::HashMap;

use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::policy::actions::ACTIONS;
use crate::policy::{PrincipalKind, list_allows_each};

declare_rule! {
    /// ## What it flags
    /// A secret policy that lets another account (or everyone) change the secret or its policy:
    /// `PutSecretValue`, `UpdateSecret`, `PutResourcePolicy`, `DeleteResourcePolicy`,
    /// `DeleteSecret`, `RotateSecret`, … — also through `secretsmanager:*`, `*` or `NotAction`.
    ///
    /// ## Why
    /// Cross-account sharing is nearly always about reading. Write access lets the other
    /// account replace the value your workloads read, delete the secret, or — with
    /// `PutResourcePolicy` — rewrite the policy and take full control of the secret.
    ///
    /// ## How to fix
    /// Grant only what the other account reads: `secretsmanager:GetSecretValue` (and
    /// `secretsmanager:DescribeSecret` if it needs the metadata).
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "secretsmanager:*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "secretsmanager:DescribeSecret", "Resource": "*"}]}
    /// ```
    pub struct CrossAccountWriteAccess {
        code: XA008,
        name: "cross-account-write-access",
        severity: Warning,
        summary: "a secret policy grants another account write or admin actions on the secret",
    }
}

impl Rule for CrossAccountWriteAccess {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        let write_actions: Vec<&str> = ACTIONS
            .iter()
            .filter(|x| x.prefix() == "secretsmanager" && x.is_write() && x.cross_account)
            .map(|x| x.name)
            .collect();
        let mut per_statement: HashMap<(usize, usize), (Vec<&str>, bool)> = HashMap::default();
        for s in ctx.secrets() {
            let secret = a.resource(s.res);
            for g in s.grants.iter().filter(|g| !a.is_trusted(g)) {
                let Some(st) = a.statement(g.policy, g.statement) else {
                    continue;
                };
                // a statement without Action or NotAction allows nothing (PG017 says so)
                if st.action.is_none() {
                    continue;
                }
                // several principals of one statement share its actions: decide them once
                let (writes, unknown) = &*per_statement
                    .entry((g.policy, g.statement))
                    .or_insert_with(|| {
                        let mut writes = vec![];
                        let mut unknown = false;
                        let each = list_allows_each(st.action.as_ref(), &write_actions);
                        for (&act, allowed) in write_actions.iter().zip(each) {
                            match allowed {
                                Some(true) => writes.push(act),
                                Some(false) => {}
                                None => unknown = true,
                            }
                        }
                        (writes, unknown)
                    });
                let unknown = *unknown;
                let holder = a.policy_holder(g.policy);
                let span = st.action.as_ref().map(|l| l.span).unwrap_or(st.span);
                let path = st
                    .action
                    .as_ref()
                    .map(|l| l.path.clone())
                    .unwrap_or_else(|| st.path.clone());
                let who = match (&g.principal.kind, g.principal.account_display()) {
                    (PrincipalKind::Wildcard, _) => "everyone (\"*\")".to_string(),
                    (PrincipalKind::Account, Some(acct)) => format!("account {acct}"),
                    (_, Some(acct)) => format!("{} of account {acct}", g.principal.describe()),
                    (_, None) => g.principal.display(),
                };
                if writes.is_empty() {
                    if unknown {
                        out.unresolved(
                            &Self::META,
                            &holder.address,
                            Some(span),
                            format!(
                                "the actions granted to {who} {}",
                                st.action
                                    .as_ref()
                                    .and_then(crate::policy::ItemList::unknown_why)
                                    .unwrap_or_else(|| "are known after apply".into())
                            ),
                        )
                        .path(path);
                    }
                    continue;
                }
                let shown: Vec<&str> = writes
                    .iter()
                    .take(4)
                    .map(|n| n.trim_start_matches("secretsmanager:"))
                    .collect();
                let more = if writes.len() > 4 {
                    format!(" and {} more", writes.len() - 4)
                } else {
                    String::new()
                };
                let admin = writes.iter().any(|n| n.ends_with(":PutResourcePolicy"));
                out.report(
                    &Self::META,
                    &holder.address,
                    Some(span),
                    format!(
                        "the secret policy lets {who} change the secret: {}{more}{}",
                        shown.join(", "),
                        if admin { "; PutResourcePolicy lets it rewrite this policy and take full control" } else { "" }
                    ),
                )
                .help("grant other accounts only what they read: \"secretsmanager:GetSecretValue\" (and \"secretsmanager:DescribeSecret\")")
                .accounts([crate::access::account_of(g)])
                .related(secret.address.clone())
                .label(g.principal.span, format!("granted to {who} here"))
                .path(path);
            }
        }
    }
}
