use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::{PolicyKind, Tri, foreign};
use crate::policy::{PrincipalKind, list_allows};

declare_rule! {
    /// ## What it flags
    /// A key policy statement that grants a principal of another account `kms:*` (also as `*`
    /// or `NotAction`), or `kms:Decrypt` without scoping it to Secrets Manager with
    /// `kms:ViaService` (or to one secret with `kms:EncryptionContext:SecretARN`).
    ///
    /// ## Why
    /// A secret's reader needs only `kms:Decrypt` through Secrets Manager. `kms:*` lets the other
    /// account create grants, re-encrypt and use the key directly; an unscoped `kms:Decrypt`
    /// lets it decrypt anything else encrypted with the key.
    ///
    /// ## How to fix
    /// Grant `kms:Decrypt` only, with
    /// `"Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.<region>.amazonaws.com"}}`.
    ///
    /// ## Flagged
    /// ```json,key
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "kms:*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json,key
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "kms:Decrypt", "Resource": "*",
    ///   "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}]}
    /// ```
    pub struct KeyGrantTooBroad {
        code: XA009,
        name: "key-grant-too-broad",
        severity: Warning,
        summary: "a key policy grants another account kms:* or kms:Decrypt without kms:ViaService",
    }
}

impl Rule for KeyGrantTooBroad {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        for (pid, p, doc, holder) in ctx.parsed_policies() {
            if p.kind != PolicyKind::Key || !holder.action.survives() {
                continue;
            }
            let owners = a.policy_owners(pid);
            if !owners.is_known() {
                continue;
            }
            for st in &doc.statements {
                // (a statement without Resource has no effect: PG018 says so)
                if !st.is_allow() || st.condition_unknown.is_some() || st.resource.is_none() {
                    continue;
                }
                let Some(pr) = &st.principal else { continue };
                let Some(actions) = &st.action else { continue };
                if pr.negated || actions.unknown.is_some() {
                    continue;
                }
                let everything = actions.negated
                    || actions.items.iter().any(|i| {
                        i.text
                            .as_deref()
                            .is_some_and(|t| t == "*" || t.eq_ignore_ascii_case("kms:*"))
                    });
                let scoped = st.conditions.iter().any(|c| {
                    c.key_is("kms:ViaService") || c.key_is("kms:EncryptionContext:SecretARN")
                });
                let problem = if everything {
                    "kms:* (every action on the key)"
                } else if list_allows(Some(actions), "kms:Decrypt") == Some(true) && !scoped {
                    "kms:Decrypt without a kms:ViaService condition"
                } else {
                    continue;
                };
                for e in &pr.entries {
                    if e.kind == PrincipalKind::Wildcard {
                        continue; // PA002
                    }
                    let e = a.resolve_principal(e, holder);
                    if foreign(&e, st, &owners) != Tri::Yes {
                        continue;
                    }
                    let acct = e.account_display().unwrap_or("?");
                    let who = match &e.kind {
                        PrincipalKind::Account => format!("account {acct}"),
                        _ => format!("{} of account {acct}", e.describe()),
                    };
                    out.report(
                        &Self::META,
                        &holder.address,
                        Some(e.span),
                        format!("the key policy grants {who} {problem}"),
                    )
                    .help("grant other accounts only \"kms:Decrypt\" with {\"StringEquals\": {\"kms:ViaService\": \"secretsmanager.<region>.amazonaws.com\"}}")
                    .label(actions.span, "these actions")
                    .path(e.path.clone());
                }
            }
        }
    }
}
