use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::analysis::is_aws_managed_name;
use crate::model::Mode;
use crate::base::value::{Node, NodeKind};

declare_rule! {
    /// ## What it flags
    /// A secret shared with another account that replicates to other regions, where a
    /// `replica` block has no `kms_key_id` of its own, or names `aws/secretsmanager`.
    ///
    /// ## Why
    /// Each replica is encrypted with a key in its own region. Without `kms_key_id`, Secrets
    /// Manager uses that region's `aws/secretsmanager`, which other accounts can never use: the
    /// shared secret cannot be read cross-account in the replica's region.
    ///
    /// ## How to fix
    /// Give every `replica` block a customer managed key of its region, for example an
    /// `aws_kms_replica_key` of the primary key, whose key policy grants the other account.
    ///
    /// ## Flagged
    /// ```hcl
    /// resource "aws_kms_key" "k" {}
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name       = "db"
    ///   kms_key_id = aws_kms_key.k.arn
    ///   replica { region = "eu-west-1" }
    /// }
    /// resource "aws_secretsmanager_secret_policy" "p" {
    ///   secret_arn = aws_secretsmanager_secret.s.arn
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    ///     Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:DescribeSecret", Resource = "*" }] })
    /// }
    /// ```
    ///
    /// ## Accepted
    /// ```hcl
    /// resource "aws_kms_key" "k" { multi_region = true }
    /// resource "aws_kms_replica_key" "r" { primary_key_arn = aws_kms_key.k.arn }
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name       = "db"
    ///   kms_key_id = aws_kms_key.k.arn
    ///   replica {
    ///     region     = "eu-west-1"
    ///     kms_key_id = aws_kms_replica_key.r.arn
    ///   }
    /// }
    /// resource "aws_secretsmanager_secret_policy" "p" {
    ///   secret_arn = aws_secretsmanager_secret.s.arn
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    ///     Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:DescribeSecret", Resource = "*" }] })
    /// }
    /// ```
    pub struct ReplicaWithoutCmk {
        code: XA006,
        name: "replica-without-cmk",
        severity: Error,
        summary: "a secret shared cross-account replicates to a region without its own customer managed key",
    }
}

impl Rule for ReplicaWithoutCmk {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        for s in ctx.secrets() {
            if !s.in_plan || s.grants.is_empty() {
                continue;
            }
            let secret = a.resource(s.res);
            let Some(replicas) = secret.attr("replica") else {
                continue;
            };
            if let NodeKind::Unknown(u) = &replicas.kind {
                if secret.is_configured("replica") {
                    out.unresolved(
                        &Self::META,
                        &secret.address,
                        Some(replicas.span),
                        format!("the replica blocks {}", u.predicate(true)),
                    );
                }
                continue;
            }
            let grant = &s.grants[0];
            // (worded only for a finding: most secrets have no replica)
            let who = || match grant.principal.account_display() {
                Some(acct) => format!("account {acct}"),
                None => grant.principal.display(),
            };
            for (i, rep) in replicas.items().iter().enumerate() {
                if rep.as_object().is_none() {
                    continue;
                }
                // (values the plan marks sensitive are not quoted)
                let region = rep
                    .get("region")
                    .filter(|n| !n.sensitive)
                    .and_then(Node::as_str)
                    .unwrap_or("its region")
                    .to_string();
                let key = rep.get("kms_key_id");
                let key_sensitive = key.is_some_and(|k| k.sensitive);
                let problem = match key.map(|k| &k.kind) {
                    None | Some(NodeKind::Null) => Some(
                        "has no kms_key_id, so it is encrypted with aws/secretsmanager".to_string(),
                    ),
                    Some(NodeKind::String(t)) if t.value.is_empty() => Some(
                        "has no kms_key_id, so it is encrypted with aws/secretsmanager".to_string(),
                    ),
                    Some(NodeKind::String(t)) if is_aws_managed_name(&t.value) => {
                        Some(if key_sensitive {
                            "uses an AWS managed key".to_string()
                        } else {
                            format!("uses the AWS managed key {}", t.value)
                        })
                    }
                    // a plan: the configuration writes the replica block without kms_key_id,
                    // which the provider then fills in with the AWS managed key
                    Some(NodeKind::Unknown(u))
                        if u.refs.is_empty()
                            && secret.is_configured(&format!("replica[{i}].region"))
                            && !secret.is_configured(&format!("replica[{i}].kms_key_id")) =>
                    {
                        Some(
                            "has no kms_key_id, so it is encrypted with aws/secretsmanager"
                                .to_string(),
                        )
                    }
                    Some(NodeKind::Unknown(u)) => {
                        let names_key = u.refs.iter().any(|r| {
                            a.infra.resolve_ref(r, Some(secret)).is_some_and(|id| {
                                let t = a.resource(id);
                                t.mode == Mode::Managed
                                    && (crate::model::is_key_type(&t.rtype)
                                        || t.rtype == "aws_kms_alias")
                            })
                        });
                        if !names_key {
                            out.unresolved(
                                &Self::META,
                                &secret.address,
                                Some(rep.span),
                                format!(
                                    "the kms_key_id of the replica in {region} {}",
                                    u.predicate(false)
                                ),
                            );
                        }
                        None
                    }
                    _ => None,
                };
                if let Some(problem) = problem {
                    let who = who();
                    out.report(
                        &Self::META,
                        &secret.address,
                        Some(key.map(|k| k.span).unwrap_or(rep.span)),
                        format!(
                            "the secret is shared with {who}, but its replica in {region} {problem}, which other accounts can never use"
                        ),
                    )
                    .help(format!("set kms_key_id in the replica block to a customer managed key in {region} (for example an aws_kms_replica_key of the primary key) whose key policy allows {who} kms:Decrypt"))
                    .related(a.policy_holder(grant.policy).address.clone());
                }
            }
        }
    }
}
