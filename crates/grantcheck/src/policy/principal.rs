//! Principal normalisation: every spelling of a principal becomes {kind, account, partition}.

/// What a principal names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// `"*"` or `{"AWS": "*"}`: everyone.
    Wildcard,
    /// An account: `arn:aws:iam::123456789012:root` or the bare id `123456789012`.
    Account,
    /// An IAM role (the name includes its path).
    Role { name: String },
    /// An IAM user (the name includes its path).
    User { name: String },
    /// An STS assumed-role session.
    AssumedRole { role: String, session: String },
    /// An STS federated user session.
    FederatedUser { name: String },
    /// A unique principal ID (`AROA…` role, `AIDA…` user): what AWS shows once the principal is gone.
    UniqueId { prefix: String },
    /// A service principal such as `secretsmanager.amazonaws.com`.
    Service,
    /// A web identity or SAML provider.
    Federated,
    /// An S3 canonical user id.
    CanonicalUser,
    /// Another ARN (a group, a policy, ...), valid or not as a principal.
    OtherArn { resource: String },
    /// Text that is not a principal.
    Invalid { reason: String },
    /// Not known before apply.
    Unknown,
}

impl PrincipalKind {
    /// An exact IAM identity whose unique ID IAM stores instead of the ARN.
    pub fn is_exact_identity(&self) -> bool {
        matches!(
            self,
            PrincipalKind::Role { .. }
                | PrincipalKind::User { .. }
                | PrincipalKind::AssumedRole { .. }
                | PrincipalKind::FederatedUser { .. }
        )
    }

    pub fn describe(&self) -> String {
        match self {
            PrincipalKind::Wildcard => "everyone (\"*\")".into(),
            PrincipalKind::Account => "account root".into(),
            PrincipalKind::Role { name } => format!("role {name}"),
            PrincipalKind::User { name } => format!("user {name}"),
            PrincipalKind::AssumedRole { role, session } => {
                format!("assumed-role session {role}/{session}")
            }
            PrincipalKind::FederatedUser { name } => format!("federated user {name}"),
            PrincipalKind::UniqueId { prefix } => format!("unique principal ID ({prefix}…)"),
            PrincipalKind::Service => "service principal".into(),
            PrincipalKind::Federated => "federated principal".into(),
            PrincipalKind::CanonicalUser => "canonical user".into(),
            PrincipalKind::OtherArn { resource } => format!("ARN of {resource}"),
            PrincipalKind::Invalid { .. } => "invalid principal".into(),
            PrincipalKind::Unknown => "unknown principal".into(),
        }
    }
}

/// The principal-map key a value is listed under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalType {
    /// `"Principal": "*"` written without a map.
    Star,
    Aws,
    Service,
    Federated,
    CanonicalUser,
    Other(String),
}

impl PrincipalType {
    pub fn from_key(k: &str) -> Self {
        match k {
            "AWS" => PrincipalType::Aws,
            "Service" => PrincipalType::Service,
            "Federated" => PrincipalType::Federated,
            "CanonicalUser" => PrincipalType::CanonicalUser,
            "*" => PrincipalType::Star,
            other => PrincipalType::Other(other.to_string()),
        }
    }
}

/// The normalised meaning of one principal string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Normalized {
    pub kind: PrincipalKind,
    pub account: Option<String>,
    pub partition: Option<String>,
}

pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// Unique-ID prefixes of principals that can appear in a policy after deletion.
const UNIQUE_ID_PREFIXES: &[&str] = &["AROA", "AIDA"];

/// Normalises one principal value listed under `ty`.
pub fn normalize(ty: &PrincipalType, text: &str) -> Normalized {
    let none = |kind| Normalized {
        kind,
        account: None,
        partition: None,
    };
    match ty {
        PrincipalType::Star => {
            if text == "*" {
                none(PrincipalKind::Wildcard)
            } else {
                none(PrincipalKind::Invalid {
                    reason: "a Principal string must be \"*\"; other principals go in a map such as {\"AWS\": ...}".into(),
                })
            }
        }
        PrincipalType::Service => none(PrincipalKind::Service),
        PrincipalType::Federated => {
            let arn = parse_arn(text);
            Normalized {
                kind: PrincipalKind::Federated,
                account: arn.as_ref().and_then(|a| a.account_ok()),
                partition: arn.map(|a| a.partition.to_string()),
            }
        }
        PrincipalType::CanonicalUser => none(PrincipalKind::CanonicalUser),
        PrincipalType::Other(k) => none(PrincipalKind::Invalid {
            reason: format!(
                "\"{k}\" is not a principal type (AWS, Service, Federated, CanonicalUser)"
            ),
        }),
        PrincipalType::Aws => normalize_aws(text),
    }
}

fn normalize_aws(text: &str) -> Normalized {
    if text == "*" {
        return Normalized {
            kind: PrincipalKind::Wildcard,
            account: None,
            partition: None,
        };
    }
    if is_account_id(text) {
        return Normalized {
            kind: PrincipalKind::Account,
            account: Some(text.to_string()),
            partition: None,
        };
    }
    if UNIQUE_ID_PREFIXES.iter().any(|p| text.starts_with(p))
        && text.len() >= 16
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Normalized {
            kind: PrincipalKind::UniqueId {
                prefix: text[..4].to_string(),
            },
            account: None,
            partition: None,
        };
    }
    let Some(arn) = parse_arn(text) else {
        return Normalized {
            kind: PrincipalKind::Invalid {
                reason: "not an ARN, a 12-digit account id or \"*\"".into(),
            },
            account: None,
            partition: None,
        };
    };
    let partition = Some(arn.partition.to_string());
    let Some(account) = arn.account_ok() else {
        return Normalized {
            kind: PrincipalKind::Invalid {
                reason: format!(
                    "the account id \"{}\" in the ARN is not 12 digits",
                    arn.account
                ),
            },
            account: None,
            partition,
        };
    };
    let res = arn.resource;
    let kind = match arn.service {
        "iam" if res == "root" => PrincipalKind::Account,
        "iam" if res.starts_with("role/") && res.len() > 5 => PrincipalKind::Role {
            name: res[5..].to_string(),
        },
        "iam" if res.starts_with("user/") && res.len() > 5 => PrincipalKind::User {
            name: res[5..].to_string(),
        },
        "sts" if res.starts_with("assumed-role/") => {
            let rest = &res["assumed-role/".len()..];
            match rest.split_once('/') {
                Some((role, session)) if !role.is_empty() && !session.is_empty() => {
                    PrincipalKind::AssumedRole {
                        role: role.to_string(),
                        session: session.to_string(),
                    }
                }
                _ => PrincipalKind::Invalid {
                    reason: "an assumed-role ARN needs a role name and a session name".into(),
                },
            }
        }
        "sts" if res.starts_with("federated-user/") => PrincipalKind::FederatedUser {
            name: res["federated-user/".len()..].to_string(),
        },
        "iam" | "sts" => PrincipalKind::OtherArn {
            resource: res.split(['/', ':']).next().unwrap_or(res).to_string(),
        },
        other => PrincipalKind::OtherArn {
            resource: format!("{other} resource"),
        },
    };
    Normalized {
        kind,
        account: Some(account),
        partition,
    }
}

/// The six parts of an ARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn account_ok(&self) -> Option<String> {
        is_account_id(self.account).then(|| self.account.to_string())
    }
}

/// Splits `arn:partition:service:region:account:resource`.
pub fn parse_arn(text: &str) -> Option<Arn<'_>> {
    let rest = text.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let partition = parts.next()?;
    let service = parts.next()?;
    let region = parts.next()?;
    let account = parts.next()?;
    let resource = parts.next()?;
    if partition.is_empty() || service.is_empty() || resource.is_empty() {
        return None;
    }
    Some(Arn {
        partition,
        service,
        region,
        account,
        resource,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(s: &str) -> Normalized {
        normalize(&PrincipalType::Aws, s)
    }

    #[test]
    fn every_spelling_of_an_account() {
        for s in [
            "123456789012",
            "arn:aws:iam::123456789012:root",
            "arn:aws-cn:iam::123456789012:root",
            "arn:aws-us-gov:iam::123456789012:root",
        ] {
            let n = aws(s);
            assert_eq!(n.kind, PrincipalKind::Account, "{s}");
            assert_eq!(n.account.as_deref(), Some("123456789012"));
        }
    }

    #[test]
    fn roles_users_and_sessions() {
        assert_eq!(
            aws("arn:aws:iam::123456789012:role/path/to/Reader").kind,
            PrincipalKind::Role {
                name: "path/to/Reader".into()
            }
        );
        assert_eq!(
            aws("arn:aws:iam::123456789012:user/ci").kind,
            PrincipalKind::User { name: "ci".into() }
        );
        assert!(matches!(
            aws("arn:aws:sts::123456789012:assumed-role/R/s").kind,
            PrincipalKind::AssumedRole { .. }
        ));
        assert!(matches!(
            aws("AROAEXAMPLEID1234567").kind,
            PrincipalKind::UniqueId { .. }
        ));
    }

    #[test]
    fn malformed_principals_are_invalid() {
        assert!(matches!(
            aws("arn:aws:iam::root").kind,
            PrincipalKind::Invalid { .. }
        ));
        assert!(matches!(
            aws("arn:aws:iam::var.account_id:saml-provider/x").kind,
            PrincipalKind::Invalid { .. }
        ));
        assert!(matches!(aws("bob").kind, PrincipalKind::Invalid { .. }));
        assert_eq!(aws("*").kind, PrincipalKind::Wildcard);
    }
}
