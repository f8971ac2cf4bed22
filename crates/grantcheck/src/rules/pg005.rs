use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::policy::actions;

declare_rule! {
    /// ## What it flags
    /// An action of the `secretsmanager` or `kms` service that does not exist — usually a typo
    /// (`secretsmanager:GetSecretValues`, `kms:Decrpyt`) — or an action that is not written as
    /// `service:Action`. The nearest real action is suggested.
    ///
    /// ## Why
    /// AWS does not match a misspelt action to anything: the grant silently does nothing, or the
    /// policy is rejected. Actions of other services are not checked.
    ///
    /// ## How to fix
    /// Use the suggested action name.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValues", "Resource": "*"}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    pub struct UnknownAction {
        code: PG005,
        name: "unknown-action",
        severity: Error,
        summary: "an action is not a Secrets Manager or KMS action (misspelt)",
    }
}

impl Rule for UnknownAction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (p, holder, _, it, t) in ctx.parsed_actions() {
            if t == "*" {
                continue;
            }
            let msg = match t.split_once(':') {
                None => format!(
                    "{} is not an action: write it as service:Action",
                    it.shown()
                ),
                Some((prefix, name)) => {
                    if t.contains(['*', '?']) || (name.is_empty() && !prefix.is_empty()) {
                        if name.is_empty() {
                            format!("{} names no action", it.shown())
                        } else {
                            continue;
                        }
                    } else if actions::lookup(t).is_some() {
                        continue;
                    } else {
                        let known = actions::KNOWN_PREFIXES
                            .iter()
                            .any(|p| p.eq_ignore_ascii_case(prefix));
                        match actions::suggest(t) {
                            // (what a sensitive value is close to would say what it is)
                            Some(_) if it.sensitive => format!("{} is not an action", it.shown()),
                            Some(s) => format!("\"{t}\" is not an action; did you mean \"{s}\"?"),
                            None if known && it.sensitive => {
                                format!("{} is not an action", it.shown())
                            }
                            None if known => format!("\"{t}\" is not a {prefix} action"),
                            None => continue,
                        }
                    }
                }
            };
            out.report(
                &Self::META,
                &holder.address,
                Some(it.span),
                format!("{}: {msg}", p.kind.noun()),
            )
            .help("action names are listed in the Service Authorization Reference; `grantcheck explain PG005`")
            .path(it.path.clone());
        }
    }
}
