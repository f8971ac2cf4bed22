//! `grantcheck.toml`: owner accounts, trusted external accounts, per-rule severity and
//! enablement, and suppressions by rule and resource address.
//!
//! ```toml
//! accounts = ["111122223333"]             # the accounts that own the checked resources
//! trusted_accounts = ["444455556666"]     # external accounts shared with on purpose
//!
//! [rules.XA008]
//! severity = "error"                      # "error" | "warning" | "note"
//!
//! [rules.PG012]
//! enabled = false
//!
//! [[ignore]]
//! rule = "XA001"
//! resource = "module.shared.aws_secretsmanager_secret_policy.p"
//! reason = "the partner's role is managed by us and never replaced"
//! ```
//!
//! A grant to a trusted account is still a cross-account grant: every rule about whether it
//! works (XA002, XA003, XA006, XA007, XA009, PA001, …) checks it. Only XA001 (exact principal
//! instead of the account root) and XA008 (write access) are not reported for it, because
//! sharing with that account exactly so is the intent.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::base::source::{SourceFile, Span};
use crate::diagnostic::{RuleCode, Severity};

/// The configuration file name the CLI looks for.
pub const FILE_NAME: &str = "grantcheck.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    accounts: Vec<Spanned<String>>,
    #[serde(default)]
    trusted_accounts: Vec<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<String, Spanned<RawRule>>,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    severity: Option<Spanned<String>>,
    enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    rule: Spanned<String>,
    resource: String,
    reason: Option<String>,
}

/// What a rule is set to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSetting {
    pub code: RuleCode,
    pub severity: Option<Severity>,
    pub enabled: bool,
}

/// `[[ignore]]`: findings of `rule` on `resource` (an address, or an address without instance
/// keys for every instance) are not reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignore {
    pub rule: RuleCode,
    pub resource: String,
    pub reason: String,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub accounts: Vec<String>,
    pub trusted_accounts: Vec<String>,
    pub rules: Vec<RuleSetting>,
    pub ignores: Vec<Ignore>,
}

/// A configuration file that cannot be used, with the place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub span: Span,
    pub message: String,
}

impl Config {
    pub fn rule(&self, code: RuleCode) -> Option<&RuleSetting> {
        self.rules.iter().find(|r| r.code == code)
    }

    pub fn is_trusted(&self, account: &str) -> bool {
        self.trusted_accounts.iter().any(|a| a == account)
    }
}

/// Parses a configuration file. Unknown keys, unknown rule codes, malformed account ids and
/// ignores without a reason are errors at their place.
pub fn parse(src: &SourceFile) -> Result<Config, ConfigError> {
    let at = |r: std::ops::Range<usize>| Span::new(src.id, r.start, r.end);
    let raw: Raw = toml::from_str(&src.text).map_err(|e| ConfigError {
        span: at(e.span().unwrap_or(0..0)),
        message: e.message().trim().to_string(),
    })?;
    let err = |r: std::ops::Range<usize>, message: String| ConfigError {
        span: at(r),
        message,
    };
    let accounts = |list: Vec<Spanned<String>>, key: &str| -> Result<Vec<String>, ConfigError> {
        list.into_iter()
            .map(|a| {
                if crate::policy::is_account_id(a.get_ref()) {
                    Ok(a.into_inner())
                } else {
                    Err(err(
                        a.span(),
                        format!("{key}: {:?} is not an account id (12 digits)", a.get_ref()),
                    ))
                }
            })
            .collect()
    };
    let rule_code = |s: &Spanned<String>| -> Result<RuleCode, ConfigError> {
        RuleCode::parse(s.get_ref()).ok_or_else(|| {
            err(
                s.span(),
                format!("no rule {}; `grantcheck rules` lists them", s.get_ref()),
            )
        })
    };
    let mut cfg = Config {
        accounts: accounts(raw.accounts, "accounts")?,
        trusted_accounts: accounts(raw.trusted_accounts, "trusted_accounts")?,
        ..Config::default()
    };
    for (code, setting) in raw.rules {
        let span = setting.span();
        let code = rule_code(&Spanned::new(span.clone(), code))?;
        let setting = setting.into_inner();
        let severity = match setting.severity {
            None => None,
            Some(s) => Some(Severity::parse(s.get_ref()).ok_or_else(|| {
                err(
                    s.span(),
                    format!(
                        "severity {:?} is not one of \"error\", \"warning\", \"note\"",
                        s.get_ref()
                    ),
                )
            })?),
        };
        let enabled = setting.enabled.unwrap_or(true);
        if code == RuleCode::GC002 && (!enabled || severity.is_some()) {
            return Err(err(
                span,
                format!(
                    "{code} (input errors) cannot be disabled or changed: a file that cannot be read is never passed"
                ),
            ));
        }
        cfg.rules.push(RuleSetting {
            code,
            severity,
            enabled,
        });
    }
    for ig in raw.ignore {
        let span = ig.span();
        let ig = ig.into_inner();
        let rule = rule_code(&ig.rule)?;
        let reason = ig.reason.unwrap_or_default();
        if reason.trim().is_empty() {
            return Err(err(
                span,
                "an [[ignore]] needs a reason = \"…\" saying why the finding is accepted".into(),
            ));
        }
        cfg.ignores.push(Ignore {
            rule,
            resource: ig.resource,
            reason,
            span: at(span),
        });
    }
    Ok(cfg)
}
