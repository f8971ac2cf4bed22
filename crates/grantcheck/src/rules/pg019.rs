use std::net::IpAddr;

use super::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::policy::{Condition, actions};

declare_rule! {
    /// ## What it flags
    /// A condition value that cannot be a value of its type: under `Bool` or `Null` anything but
    /// `true`/`false`; under a `Numeric` operator a value that is not a number; under a `Date`
    /// operator a value that is neither an ISO 8601 date or time nor epoch seconds; under
    /// `IpAddress`/`NotIpAddress` a value that is not an IP address or CIDR range; under an `Arn`
    /// operator a value that is not an ARN (wildcard patterns are left alone); under
    /// `BinaryEquals` a value that is not base-64. Under a string operator, a value that cannot be
    /// a value of the key's own type (`aws:SecureTransport` is a Bool, `aws:SourceArn` an ARN…)
    /// for the keys whose type grantcheck knows. Policy variables and values unknown before apply
    /// are skipped.
    ///
    /// ## Why
    /// The typed operators compare the request's value as a number, date, address or ARN; a value
    /// of another type never matches (IAM Access Analyzer reports a type mismatch), so an Allow
    /// grants nothing and a Deny protects nothing.
    ///
    /// ## How to fix
    /// Write the value in the operator's type: `"true"`, `"3600"`, `"2026-01-01T00:00:00Z"`,
    /// `"203.0.113.0/24"`, `"arn:aws:iam::111122223333:role/app"`.
    ///
    /// ## Flagged
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "no"}}}]}
    /// ```
    ///
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "end of 2026"}}}]}
    /// ```
    ///
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/33"}}}]}
    /// ```
    ///
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceArn": "111122223333"}}}]}
    /// ```
    ///
    /// ## Accepted
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}, "DateLessThan": {"aws:CurrentTime": ["2026-12-31T23:59:59Z", "2027-01-01", "1798761600"]}, "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}, "ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:role/app-*", "*"]}, "StringEquals": {"aws:SourceIp": "203.0.113.7"}, "Null": {"aws:SourceVpc": "false"}}}]}
    /// ```
    pub struct MistypedConditionValue {
        code: PG019,
        name: "mistyped-condition-value",
        severity: Error,
        summary: "a condition value is not of its operator's or key's type (Bool, Numeric, Date, IP address, ARN)",
    }
}

/// The value types grantcheck checks.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ValueType {
    Bool,
    Numeric,
    Date,
    Ip,
    Arn,
    Binary,
}

impl ValueType {
    fn describe(self) -> &'static str {
        match self {
            ValueType::Bool => "true or false",
            ValueType::Numeric => "a number",
            ValueType::Date => "a date (ISO 8601 date or time, or epoch seconds)",
            ValueType::Ip => "an IP address or CIDR range",
            ValueType::Arn => "an ARN",
            ValueType::Binary => "base-64",
        }
    }

    fn accepts(self, v: &str) -> bool {
        match self {
            ValueType::Bool => v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"),
            ValueType::Numeric => is_number(v),
            ValueType::Date => is_date(v),
            ValueType::Ip => is_ip_or_cidr(v),
            ValueType::Arn => v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("arn:")),
            ValueType::Binary => is_base64(v),
        }
    }
}

/// The type a condition's values must have, and what decides it.
fn expected(c: &Condition) -> Option<(ValueType, String)> {
    let from_operator = |t| Some((t, format!("the {} operator", c.base_operator())));
    match c.base_operator() {
        "Bool" | "Null" => return from_operator(ValueType::Bool),
        "BinaryEquals" => return from_operator(ValueType::Binary),
        "IpAddress" | "NotIpAddress" => return from_operator(ValueType::Ip),
        op if op.starts_with("Numeric") => return from_operator(ValueType::Numeric),
        op if op.starts_with("Date") => return from_operator(ValueType::Date),
        op if op.starts_with("Arn") => return from_operator(ValueType::Arn),
        op if op.starts_with("String") => {}
        _ => return None,
    }
    let key_type = actions::condition_key_type(&c.key)?;
    let ty = match key_type.strip_prefix("ArrayOf").unwrap_or(key_type) {
        "Bool" => ValueType::Bool,
        "Numeric" => ValueType::Numeric,
        "IPAddress" => ValueType::Ip,
        "ARN" => ValueType::Arn,
        _ => return None,
    };
    Some((ty, format!("the key {} (type {key_type})", c.shown_key())))
}

fn is_number(v: &str) -> bool {
    let (mantissa, exponent) = match v.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (v, None),
    };
    if exponent.is_some_and(|e| e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let digits = mantissa.strip_prefix(['-', '+']).unwrap_or(mantissa);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    !(int.is_empty() && frac.is_empty())
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // epoch seconds, or a year or compact date
        return true;
    }
    let (date, time) = match v.split_once(['T', 't', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (v, None),
    };
    let parts: Vec<&str> = if date.contains('-') {
        date.split('-').collect()
    } else if date.len() == 8 {
        vec![&date[..4], &date[4..6], &date[6..]]
    } else {
        return false;
    };
    let number = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok())
    };
    let ok_date = match parts.as_slice() {
        [y, m] => number(y, 4).is_some() && matches!(number(m, 2), Some(Some(1..=12))),
        [y, m, d] => {
            number(y, 4).is_some()
                && matches!(number(m, 2), Some(Some(1..=12)))
                && matches!(number(d, 2), Some(Some(1..=31)))
        }
        _ => false,
    };
    ok_date
        && time.is_none_or(|t| {
            t.bytes().next().is_some_and(|b| b.is_ascii_digit())
                && t.bytes()
                    .all(|b| b.is_ascii_digit() || b":.,+-Zz".contains(&b))
        })
}

fn is_ip_or_cidr(v: &str) -> bool {
    let (addr, prefix) = match v.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (v, None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= max)
    })
}

fn is_base64(v: &str) -> bool {
    let body = v.trim_end_matches('=');
    v.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

impl Rule for MistypedConditionValue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Findings) {
        for (p, holder, _, c) in ctx.parsed_conditions() {
            // an invalid operator is PG009's
            if actions::operator_problem(&c.operator).is_some() {
                continue;
            }
            let Some((ty, why)) = expected(c) else {
                continue;
            };
            let pattern_ok = ty == ValueType::Arn || c.base_operator().contains("Like");
            for v in &c.values {
                let Some(text) = &v.text else { continue };
                if text.contains("${")
                    || (pattern_ok && text.contains(['*', '?']))
                    || ty.accepts(text)
                {
                    continue;
                }
                let shown = if v.sensitive {
                    "a value marked sensitive".to_string()
                } else {
                    format!("\"{text}\"")
                };
                out.report(
                    &Self::META,
                    &holder.address,
                    Some(v.span),
                    format!(
                        "{}: {} {}: {shown} is not {}, as {why} needs; it never matches",
                        p.kind.noun(),
                        c.shown_operator(),
                        c.shown_key(),
                        ty.describe()
                    ),
                )
                .help(format!("write the value as {}", ty.describe()))
                .path(v.path.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_forms() {
        for ok in ["0", "3600", "-1.5", "+2", "10.", "1e3", "2.5E-2"] {
            assert!(is_number(ok), "{ok}");
        }
        for bad in ["", "-", ".", "1e", "e3", "one", "1,000", "inf", "NaN"] {
            assert!(!is_number(bad), "{bad}");
        }
        for ok in [
            "2026-01-01",
            "2026-01",
            "2026-12-31T23:59:59Z",
            "2026-12-31T23:59:59.123+02:00",
            "20261231T235959Z",
            "1798761600",
        ] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in [
            "bad",
            "2026-13-01",
            "2026-01-32",
            "31/12/2026",
            "2026-01-01Tnoon",
            "",
            "2026-1-1",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
        for ok in [
            "10.0.0.1",
            "10.0.0.0/8",
            "2001:db8::/32",
            "::1",
            "0.0.0.0/0",
        ] {
            assert!(is_ip_or_cidr(ok), "{ok}");
        }
        for bad in [
            "10.0.0.0/33",
            "2001:db8::/129",
            "10.0.0",
            "vpc-1234",
            "10.0.0.0/",
            "10.0.0.0/x",
        ] {
            assert!(!is_ip_or_cidr(bad), "{bad}");
        }
        assert!(
            is_base64("QUJD")
                && is_base64("QQ==")
                && !is_base64("not base64!")
                && !is_base64("Q===")
        );
        assert!(ValueType::Bool.accepts("TRUE") && !ValueType::Bool.accepts("yes"));
        assert!(
            ValueType::Arn.accepts("arn:aws:iam::1:role/x") && !ValueType::Arn.accepts("role/x")
        );
    }
}
