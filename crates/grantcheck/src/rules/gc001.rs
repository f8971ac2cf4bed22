use super::{Findings, declare_rule};
use crate::analysis::{Analysis, PolicyReading};

declare_rule! {
    /// ## What it flags
    /// A check that could not be decided because a value it needs is not known: a value known
    /// only after apply, a variable without a value, a key or secret managed outside the
    /// configuration, or an owner account nobody stated.
    ///
    /// ## Why
    /// "Known after apply" is neither a pass nor a fail. grantcheck says which check is open and
    /// where the value comes from, so that you can decide, or give the value.
    ///
    /// ## How to fix
    /// State the owner account (`--account`, or `allowed_account_ids` in the AWS provider), give
    /// variable values, or check the named value after apply. Notes do not fail a run unless
    /// `--fail-on note` is given.
    pub struct Unresolved {
        code: GC001,
        name: "unresolved",
        severity: Note,
        summary: "a check could not be decided; says which value and why",
    }
}

impl Unresolved {
    /// The notes of an analysis: what loading could not decide, the one note on a missing owner
    /// account, and principals and policies whose cross-account checks stay open.
    pub fn notes(a: &Analysis<'_>, out: &mut Findings) {
        for n in &a.infra.notes {
            out.report(&Self::META, &n.resource, Some(n.span), n.message.clone());
        }
        // One note when rules needed the owner account and nothing says what it is.
        let needs_owner = a
            .secrets
            .iter()
            .find(|s| !s.owners.is_known() && s.undecided.iter().any(|(p, _)| p.account.is_some()));
        if let Some(s) = needs_owner {
            let r = a.resource(s.res);
            out.report(
                &Self::META,
                &r.address,
                Some(r.span),
                "the owner account is not known, so grants to other accounts cannot be told from grants to the owner",
            )
            .help("give it with `--account 111122223333`, set `allowed_account_ids` in the AWS provider, or include `data \"aws_caller_identity\"` in the configuration");
        }
        // Principals that could not be placed in an account for another reason.
        for s in &a.secrets {
            let r = a.resource(s.res);
            for (p, why) in &s.undecided {
                if p.account.is_some() && !s.owners.is_known() {
                    continue;
                }
                // a root can never be XA001, whatever its account
                let (meta, checks) = if p.may_be_exact_identity() {
                    (&super::CrossAccountExactPrincipal::META, "XA001–XA003")
                } else {
                    (&super::SharedSecretAwsManagedKey::META, "XA002, XA003")
                };
                let f = out.report(
                    &Self::META,
                    &r.address,
                    Some(p.span),
                    format!(
                        "cross-account checks ({checks}) of principal {} could not be decided: {why}",
                        p.display()
                    ),
                );
                f.check = Some(meta.code);
                f.path(p.path.clone());
            }
            // A policy that is known only after apply: who it shares the secret with is open.
            for &pid in &s.policies {
                let info = &a.policies[pid];
                if let PolicyReading::Unknown(u) = &info.doc {
                    let f = out.report(
                        &Self::META,
                        &a.resource(info.holder).address,
                        Some(info.span),
                        format!(
                            "cross-account checks (XA001–XA003) and PA001 of {} could not be decided: its policy {}",
                            r.address,
                            u.predicate(false)
                        ),
                    );
                    f.check = Some(super::CrossAccountExactPrincipal::META.code);
                    f.related(r.address.clone());
                }
            }
        }
    }
}
