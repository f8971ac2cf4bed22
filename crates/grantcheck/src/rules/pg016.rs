use crate::base::hash::HashMap;

use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::accounts::Region;
use crate::analysis::{KeyPolicy, KeyRef, PolicyKind};
use crate::policy::{Condition, Item, glob_match};

declare_rule! {
    /// ## What it flags
    /// A `kms:ViaService` condition in a key policy whose value can never match a request:
    /// - a value that is not a service endpoint name `<service>.<region>.amazonaws.com` — no
    ///   Region, a misspelt service (`secretmanager`), upper case under a case-sensitive
    ///   operator, a wildcard under `StringEquals` (taken literally), or another suffix such as
    ///   `.amazonaws.com.cn` (the suffix is `.amazonaws.com` in every partition, `aws-cn`
    ///   included);
    /// - for a key that encrypts a secret in this configuration, an Allow that names Secrets
    ///   Manager only in other Regions than the secrets' (`secretsmanager.us-west-2.amazonaws.com`
    ///   for a secret in `eu-west-1`).
    ///
    /// A value naming another real service (`s3.eu-west-1.amazonaws.com`) is not reported: a key
    /// may serve several services. When such a condition keeps a principal a secret is shared
    /// with from decrypting, XA003 reports the missing grant.
    ///
    /// ## Why
    /// Secrets Manager calls KMS in the secret's own Region, and KMS sets `kms:ViaService` to
    /// exactly `secretsmanager.<region>.amazonaws.com`. A statement conditioned on any other value
    /// never applies to a Secrets Manager request, so the grant it was written for silently does
    /// nothing (or a Deny it was meant to limit applies everywhere).
    ///
    /// ## How to fix
    /// Name the endpoint of the secret's Region in lower case,
    /// `"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"`, or use `StringLike` with
    /// `secretsmanager.*.amazonaws.com`.
    ///
    /// ## Flagged
    /// ```json,key
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:Decrypt", "Resource": "*",
    ///   "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.cn-north-1.amazonaws.com.cn"}}}]}
    /// ```
    ///
    /// ```hcl
    /// provider "aws" {
    ///   region = "eu-west-1"
    /// }
    /// resource "aws_kms_key" "k" {
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [
    ///     { Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "kms:*", Resource = "*" },
    ///     { Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:role/app" }, Action = "kms:Decrypt", Resource = "*",
    ///       Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.us-west-2.amazonaws.com" } } }] })
    /// }
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name       = "db"
    ///   kms_key_id = aws_kms_key.k.arn
    /// }
    /// ```
    ///
    /// ## Accepted
    /// ```json,key
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:Decrypt", "Resource": "*",
    ///   "Condition": {"StringEquals": {"kms:ViaService": ["secretsmanager.cn-north-1.amazonaws.com", "s3.us-gov-west-1.amazonaws.com"]}}}]}
    /// ```
    ///
    /// ```hcl
    /// provider "aws" {
    ///   region = "eu-west-1"
    /// }
    /// resource "aws_kms_key" "k" {
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [
    ///     { Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "kms:*", Resource = "*" },
    ///     { Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:role/app" }, Action = "kms:Decrypt", Resource = "*",
    ///       Condition = { StringLike = { "kms:ViaService" = "secretsmanager.*.amazonaws.com" } } }] })
    /// }
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name       = "db"
    ///   kms_key_id = aws_kms_key.k.arn
    /// }
    /// ```
    pub struct InvalidViaService {
        code: PG016,
        name: "invalid-via-service",
        severity: Warning,
        summary: "a kms:ViaService value in a key policy is malformed or names another Region than the key's secrets",
    }
}

impl Rule for InvalidViaService {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Every key policy is checked against the Regions of all the secrets its key encrypts.
    fn whole(&self) -> bool {
        true
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        let a = ctx.analysis();
        // key policy → the Regions of the secrets its key encrypts in this configuration
        let mut key_of_policy: HashMap<usize, usize> = HashMap::default();
        for (key, kp) in &a.key_policies {
            if let KeyPolicy::Policy(pid) = kp {
                key_of_policy.insert(*pid, *key);
            }
        }
        let mut regions_of_key: HashMap<usize, Vec<(&Region, &str)>> = HashMap::default();
        for s in &a.secrets {
            if let (KeyRef::Customer { key: Some(k), .. }, Some(r)) = (&s.key, &s.region) {
                let list = regions_of_key.entry(*k).or_default();
                let secret = a.resource(s.res).address.as_str();
                if !list.iter().any(|(reg, _)| reg.name == r.name) {
                    list.push((r, secret));
                }
            }
        }
        for (pid, p, doc, holder) in ctx.parsed_policies() {
            if p.kind != PolicyKind::Key {
                continue;
            }
            let key = key_of_policy.get(&pid).copied();
            let secret_regions = key.and_then(|k| {
                regions_of_key
                    .get(&k)
                    .filter(|_| !is_multi_region(a.resource(k)))
            });
            for st in &doc.statements {
                for c in st.conditions.iter().filter(|c| c.key_is("kms:ViaService")) {
                    let op = c.base_operator();
                    if !op.starts_with("String") || c.unknown.is_some() {
                        continue;
                    }
                    let mut malformed = false;
                    for v in &c.values {
                        let sensitive = c.sensitive || v.sensitive;
                        if let Some(why) = v
                            .text
                            .as_deref()
                            .and_then(|t| malformed_why(t, op, sensitive))
                        {
                            malformed = true;
                            report_value(out, &holder.address, c, v, why);
                        }
                    }
                    let positive =
                        matches!(op, "StringEquals" | "StringLike" | "StringEqualsIgnoreCase");
                    if malformed || !st.is_allow() || !positive {
                        continue;
                    }
                    if let Some(regions) = secret_regions {
                        region_mismatch(out, &holder.address, c, op, regions);
                    }
                }
            }
        }
    }
}

/// Reports the Secrets Manager endpoints of a condition when none of them is of a Region of the
/// secrets the key encrypts.
fn region_mismatch(
    out: &mut Findings,
    holder: &str,
    c: &Condition,
    op: &str,
    regions: &[(&Region, &str)],
) {
    let texts: Vec<&str> = c.values.iter().filter_map(|v| v.text.as_deref()).collect();
    if texts.len() != c.values.len() {
        return;
    }
    let fits = |v: &str, region: &str| {
        if op == "StringLike" {
            return glob_match(v, &format!("secretsmanager.{region}.amazonaws.com"));
        }
        // `secretsmanager.<region>.amazonaws.com`, looked at in parts (no copy of it is made)
        let (prefix, suffix) = ("secretsmanager.", ".amazonaws.com");
        let same = |a: &str, b: &str| {
            if op == "StringEqualsIgnoreCase" {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        v.len() == prefix.len() + region.len() + suffix.len()
            && v.get(..prefix.len()).is_some_and(|p| same(p, prefix))
            && v.get(prefix.len()..v.len() - suffix.len())
                .is_some_and(|r| same(r, region))
            && v.get(v.len() - suffix.len()..)
                .is_some_and(|x| same(x, suffix))
    };
    if texts
        .iter()
        .any(|v| regions.iter().any(|(r, _)| fits(v, &r.name)))
    {
        return;
    }
    for v in &c.values {
        let Some(t) = v.text.as_deref() else { continue };
        let Some((service, region)) = endpoint_parts(t) else {
            continue;
        };
        if !service.eq_ignore_ascii_case("secretsmanager") {
            continue;
        }
        let named = if v.sensitive || c.sensitive {
            "another Region".to_string()
        } else if region.contains(['*', '?']) {
            format!("the Regions matching {region}")
        } else {
            region.to_string()
        };
        let (want, secret) = regions[0];
        // (a Region read from a value the plan marks sensitive is not named)
        let want_in = if want.sensitive {
            "its Region"
        } else {
            want.shown()
        };
        let want = want.shown();
        let others = if regions.len() > 1 {
            format!(" (and {} more Regions)", regions.len() - 1)
        } else {
            String::new()
        };
        report_value(
            out,
            holder,
            c,
            v,
            format!(
                "it names Secrets Manager in {named}, but the key encrypts {secret} in {want_in}{others}; Secrets Manager calls KMS from the secret's Region, so this statement never applies to it"
            ),
        )
        .help(format!(
            "use \"secretsmanager.{want}.amazonaws.com\" (or StringLike with \"secretsmanager.*.amazonaws.com\")"
        ));
    }
}

fn report_value<'o>(
    out: &'o mut Findings,
    holder: &str,
    c: &Condition,
    v: &Item,
    why: String,
) -> &'o mut crate::diagnostic::Finding {
    let shown = v.shown();
    out.report(
        &InvalidViaService::META,
        holder,
        Some(v.span),
        format!("key policy: the kms:ViaService value {shown} never matches a request: {why}"),
    )
    .help("a kms:ViaService value is a service endpoint name, e.g. \"secretsmanager.eu-west-1.amazonaws.com\"")
    .path(if v.path.is_empty() { c.path.clone() } else { v.path.clone() })
}

/// Splits `<service>.<region>.amazonaws.com`.
fn endpoint_parts(v: &str) -> Option<(&str, &str)> {
    // (in any case: a value compared ignoring case may be written in upper case)
    let suffix = ".amazonaws.com";
    let cut = v.len().checked_sub(suffix.len())?;
    let (rest, end) = (v.get(..cut)?, v.get(cut..)?);
    if !end.eq_ignore_ascii_case(suffix) {
        return None;
    }
    rest.split_once('.')
}

/// Why a `kms:ViaService` value can never match, if it cannot.
/// `sensitive`: the plan marks the policy sensitive, so the reason names no part of the value
/// and not the operator.
fn malformed_why(v: &str, op: &str, sensitive: bool) -> Option<String> {
    let op_text = if sensitive {
        "(sensitive operator)"
    } else {
        op
    };
    let like = op == "StringLike" || op == "StringNotLike";
    let case_sensitive = !op.contains("IgnoreCase");
    if v.contains("${") {
        return None; // a policy variable: its value is known only at request time
    }
    let wild = v.contains(['*', '?']);
    if wild && !like {
        return Some(format!(
            "{op_text} compares literally, so `*` and `?` are not wildcards here; use StringLike"
        ));
    }
    if case_sensitive && v.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some(format!(
            "KMS sets it in lower case and {op_text} compares case-sensitively"
        ));
    }
    let lower = v.to_ascii_lowercase();
    if wild {
        // a pattern: only its ending can be judged
        if !lower.ends_with('*') && !lower.ends_with(".amazonaws.com") {
            return Some("the value always ends in \".amazonaws.com\", in every partition".into());
        }
        return None;
    }
    let Some(rest) = lower.strip_suffix(".amazonaws.com") else {
        if lower.contains(".amazonaws.com") {
            return Some(
                "the suffix is \".amazonaws.com\" in every partition, aws-cn included".into(),
            );
        }
        return Some(
            "it is not a service endpoint name of the form <service>.<region>.amazonaws.com".into(),
        );
    };
    let Some((service, region)) = rest.split_once('.') else {
        if sensitive {
            return Some("it names no Region; the form is <service>.<region>.amazonaws.com".into());
        }
        return Some(format!(
            "it names no Region; the form is {rest}.<region>.amazonaws.com"
        ));
    };
    let service_ok = !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !service_ok || !is_region(region) {
        return Some(
            "it is not a service endpoint name of the form <service>.<region>.amazonaws.com".into(),
        );
    }
    if service != "secretsmanager" && strsim::jaro_winkler(service, "secretsmanager") >= 0.9 {
        if sensitive {
            return Some(
                "it names a service that does not exist; Secrets Manager's is \"secretsmanager\""
                    .into(),
            );
        }
        return Some(format!(
            "\"{service}\" is not a service; Secrets Manager's is \"secretsmanager\""
        ));
    }
    None
}

/// `us-east-1`, `us-gov-west-1`, `cn-northwest-1`, `eu-isoe-west-1`.
fn is_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// A multi-Region key: its policy may name the Regions of its replicas.
fn is_multi_region(key: &crate::model::Resource) -> bool {
    matches!(
        key.rtype.as_str(),
        "aws_kms_replica_key" | "aws_kms_replica_external_key"
    ) || key
        .current_attr("multi_region")
        .is_some_and(|n| n.as_bool() == Some(true) || n.as_str() == Some("true"))
}
