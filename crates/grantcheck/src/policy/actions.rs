//! What grantcheck knows about actions, condition keys and condition operators: the generated
//! tables of `actions_data.rs` and lookups over them.

pub use super::actions_data::{ACTIONS, CONDITION_KEYS};
use super::glob_match;

/// One action of a service grantcheck checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionInfo {
    /// `service:Name` as AWS spells it.
    pub name: &'static str,
    /// As the Service Authorization Reference prints it (`Read`, `Permissions management, Write`).
    pub access_level: &'static str,
    /// The action can be scoped to a resource (a secret or a key).
    pub resource_level: bool,
    /// Secrets Manager: cross-account permission is effective. KMS: `Cross-account use: Yes`.
    pub cross_account: bool,
    /// KMS: the action may be granted in a key policy.
    pub key_policy: bool,
}

impl ActionInfo {
    pub fn prefix(&self) -> &'static str {
        self.name.split_once(':').map(|(p, _)| p).unwrap_or("")
    }

    /// Changes the secret or key, or who may use it.
    pub fn is_write(&self) -> bool {
        !matches!(self.access_level, "Read" | "List")
    }
}

/// A condition key and its type (`String`, `ArrayOfString`, `Bool`, `ARN`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConditionKeyInfo {
    pub name: &'static str,
    pub ty: &'static str,
}

/// Services whose actions grantcheck knows completely.
pub const KNOWN_PREFIXES: &[&str] = &["secretsmanager", "kms"];

/// The action named exactly (case-insensitive).
pub fn lookup(action: &str) -> Option<&'static ActionInfo> {
    ACTIONS.iter().find(|a| a.name.eq_ignore_ascii_case(action))
}

/// The actions a pattern (with `*` / `?`) matches.
pub fn matching(pattern: &str) -> impl Iterator<Item = &'static ActionInfo> + '_ {
    ACTIONS.iter().filter(move |a| glob_match(pattern, a.name))
}

/// The real action nearest to a misspelt one, when it is close enough to be a likely typo.
pub fn suggest(action: &str) -> Option<&'static str> {
    let (prefix, name) = action.split_once(':')?;
    let prefix_l = prefix.to_ascii_lowercase();
    let name_l = name.to_ascii_lowercase();
    let mut best: Option<(f64, &'static str)> = None;
    for a in ACTIONS {
        let (ap, an) = a.name.split_once(':').unwrap_or(("", a.name));
        let prefix_score = strsim::jaro_winkler(&prefix_l, &ap.to_ascii_lowercase());
        if prefix_score < 0.85 {
            continue;
        }
        let score = strsim::jaro_winkler(&name_l, &an.to_ascii_lowercase()) * prefix_score;
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, a.name));
        }
    }
    best.filter(|(s, _)| *s >= 0.85).map(|(_, n)| n)
}

/// The type of a condition key, for the services grantcheck knows and the global keys whose
/// type is documented. Key families (`kms:EncryptionContext:<key>`, `aws:ResourceTag/<key>`)
/// match their template.
pub fn condition_key_type(key: &str) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    if let Some(g) = GLOBAL_KEYS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
    {
        return Some(g.1);
    }
    for family in [
        "aws:requesttag/",
        "aws:resourcetag/",
        "kms:encryptioncontext:",
        "secretsmanager:resourcetag/",
        "aws:principaltag/",
    ] {
        if lower.starts_with(family) && lower.len() > family.len() {
            return Some("String");
        }
    }
    CONDITION_KEYS
        .iter()
        .find(|k| k.name.eq_ignore_ascii_case(key))
        .map(|k| k.ty)
}

/// Global condition keys whose value type matters to the checks (IAM user guide).
const GLOBAL_KEYS: &[(&str, &str)] = &[
    ("aws:PrincipalAccount", "String"),
    ("aws:PrincipalArn", "ARN"),
    ("aws:PrincipalOrgID", "String"),
    ("aws:PrincipalOrgPaths", "ArrayOfString"),
    ("aws:PrincipalType", "String"),
    ("aws:PrincipalIsAWSService", "Bool"),
    ("aws:PrincipalServiceName", "String"),
    ("aws:SourceAccount", "String"),
    ("aws:SourceArn", "ARN"),
    ("aws:SourceOrgID", "String"),
    ("aws:SourceOwner", "String"),
    ("aws:SourceVpc", "String"),
    ("aws:SourceVpce", "String"),
    ("aws:SourceIp", "IPAddress"),
    ("aws:ResourceAccount", "String"),
    ("aws:ResourceOrgID", "String"),
    ("aws:ViaAWSService", "Bool"),
    ("aws:CalledViaFirst", "String"),
    ("aws:CalledViaLast", "String"),
    ("aws:CalledVia", "ArrayOfString"),
    ("aws:userid", "String"),
    ("aws:username", "String"),
    ("aws:SecureTransport", "Bool"),
    ("aws:MultiFactorAuthPresent", "Bool"),
    ("aws:MultiFactorAuthAge", "Numeric"),
    ("aws:CurrentTime", "Date"),
    ("aws:EpochTime", "Date"),
    ("aws:RequestedRegion", "String"),
    ("aws:TagKeys", "ArrayOfString"),
];

/// Condition operators without `ForAnyValue:`/`ForAllValues:` and `IfExists`.
pub const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// Why a condition operator is not valid, or `None` when it is.
pub fn operator_problem(operator: &str) -> Option<String> {
    let (set, rest) = match operator.split_once(':') {
        Some((set, rest)) => (Some(set), rest),
        None => (None, operator),
    };
    if let Some(set) = set
        && set != "ForAnyValue"
        && set != "ForAllValues"
    {
        return Some(format!(
            "\"{set}:\" is not a set operator (ForAnyValue:, ForAllValues:)"
        ));
    }
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (rest, false),
    };
    if !OPERATORS.contains(&base) {
        let near = OPERATORS
            .iter()
            .map(|o| {
                (
                    strsim::jaro_winkler(&base.to_ascii_lowercase(), &o.to_ascii_lowercase()),
                    o,
                )
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .filter(|(s, _)| *s >= 0.85)
            .map(|(_, o)| format!("; did you mean {o}?"))
            .unwrap_or_default();
        return Some(format!("\"{base}\" is not a condition operator{near}"));
    }
    if base == "Null" && if_exists {
        return Some("the Null operator cannot take the IfExists suffix".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_and_suggestions() {
        assert!(lookup("SecretsManager:getsecretvalue").is_some());
        assert_eq!(
            suggest("secretsmanager:GetSecretValues"),
            Some("secretsmanager:GetSecretValue")
        );
        assert_eq!(suggest("kms:Decrpyt"), Some("kms:Decrypt"));
        assert_eq!(suggest("s3:GetObject"), None);
        assert_eq!(matching("secretsmanager:Get*").count(), 3);
        assert_eq!(matching("kms:Nothing*").count(), 0);
        assert!(lookup("secretsmanager:ListSecrets").is_some_and(|a| !a.cross_account));
        assert!(lookup("kms:CreateKey").is_some_and(|a| !a.key_policy));
    }

    #[test]
    fn condition_keys_and_operators() {
        assert_eq!(condition_key_type("kms:ViaService"), Some("String"));
        assert_eq!(
            condition_key_type("kms:EncryptionContext:SecretARN"),
            Some("String")
        );
        assert_eq!(
            condition_key_type("kms:encryptioncontextkeys"),
            Some("ArrayOfString")
        );
        assert_eq!(
            condition_key_type("aws:PrincipalOrgPaths"),
            Some("ArrayOfString")
        );
        assert_eq!(condition_key_type("ec2:Whatever"), None);
        assert_eq!(operator_problem("ForAnyValue:StringLikeIfExists"), None);
        assert!(operator_problem("StringEqual").is_some_and(|m| m.contains("StringEquals")));
        assert!(operator_problem("NullIfExists").is_some());
        assert!(operator_problem("ForSomeValues:StringEquals").is_some());
    }
}
