//! The rule catalogue: every code grantcheck reports, in catalogue order. This list is the one
//! place a rule is registered. Each line names the code, the file of the rule under `rules/`,
//! and the type that `declare_rule!` there declares; `rules/mod.rs` declares the modules and
//! the check list from it, and [`RuleCode`] is made from it here.
//!
//! `checks` run over the analysis; `diagnostics` are what the run itself says (values it could
//! not decide, inputs it could not read, suppressions): they have documentation and settings
//! like rules, but no check of their own.

/// Calls `$then!` with the catalogue.
macro_rules! catalogue {
    ($then:ident) => {
        $then! {
            checks: [
                XA001 xa001 CrossAccountExactPrincipal,
                XA002 xa002 SharedSecretAwsManagedKey,
                XA003 xa003 KeyPolicyMissingGrant,
                XA004 xa004 PrincipalReplacedInPlan,
                XA005 xa005 DeletedPrincipalId,
                XA006 xa006 ReplicaWithoutCmk,
                XA007 xa007 KeyNotReferencedByArn,
                XA008 xa008 CrossAccountWriteAccess,
                XA009 xa009 KeyGrantTooBroad,
                XA010 xa010 IdentityReadNotGranted,
                XA011 xa011 IdentityPolicyIncomplete,
                PA001 pa001 PublicSecretPolicy,
                PA002 pa002 PublicKeyPolicy,
                PG001 pg001 PolicySyntax,
                PG002 pg002 InvalidVersion,
                PG003 pg003 PolicyVariablesIgnored,
                PG004 pg004 InvalidEffect,
                PG005 pg005 UnknownAction,
                PG006 pg006 ActionWildcardMatchesNothing,
                PG007 pg007 ActionWithoutEffect,
                PG008 pg008 InvalidPrincipal,
                PG009 pg009 InvalidConditionOperator,
                PG010 pg010 SetOperatorOnSingleValuedKey,
                PG011 pg011 DuplicateSid,
                PG012 pg012 InvalidSid,
                PG013 pg013 PolicyTooLarge,
                PG014 pg014 AllowWithNotPrincipal,
                PG015 pg015 MissingPrincipal,
                PG016 pg016 InvalidViaService,
                PG017 pg017 StatementStructure,
                PG018 pg018 KeyStatementWithoutEffect,
                PG019 pg019 MistypedConditionValue,
            ],
            diagnostics: [
                GC001 gc001 Unresolved,
                GC002 gc002 InputError,
                GC003 gc003 InvalidSuppression,
                GC004 gc004 UnusedSuppression,
            ],
        }
    };
}
pub(crate) use catalogue;

/// Makes [`RuleCode`] from the catalogue.
macro_rules! rule_codes {
    (
        checks: [$($c:ident $cm:ident $ct:ident,)*],
        diagnostics: [$($d:ident $dm:ident $dt:ident,)*],
    ) => {
        /// A code of the catalogue (stable: DESIGN §4.1). Written as its text (`"XA002"`) in
        /// every output.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum RuleCode {
            $($c,)*
            $($d,)*
        }

        impl RuleCode {
            /// Every code, in catalogue order.
            pub const ALL: &'static [RuleCode] = &[$(RuleCode::$c,)* $(RuleCode::$d,)*];

            /// The code as written: `"XA002"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleCode::$c => stringify!($c),)*
                    $(RuleCode::$d => stringify!($d),)*
                }
            }

            /// Whether the code is a check over the analysis (not one of the run's own
            /// diagnostics).
            pub fn is_check(self) -> bool {
                match self {
                    $(RuleCode::$c => true,)*
                    $(RuleCode::$d => false,)*
                }
            }
        }
    };
}

catalogue!(rule_codes);

impl RuleCode {
    /// The code written as `text`, in any case (`xa002`).
    pub fn parse(text: &str) -> Option<RuleCode> {
        RuleCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text))
    }
}

/// Codes are ordered as their text is (GC before PA, PG and XA), as every output sorts them.
impl Ord for RuleCode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for RuleCode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for RuleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for RuleCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for RuleCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for RuleCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        RuleCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown rule code `{text}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::RuleCode;

    #[test]
    fn codes_read_back_as_written_and_sort_as_text() {
        for &c in RuleCode::ALL {
            assert_eq!(RuleCode::parse(c.as_str()), Some(c));
            assert_eq!(RuleCode::parse(&c.as_str().to_lowercase()), Some(c));
            let json = serde_json::to_string(&c).unwrap_or_default();
            assert_eq!(json, format!("\"{c}\""));
            assert_eq!(serde_json::from_str::<RuleCode>(&json).ok(), Some(c));
        }
        assert!(RuleCode::GC001 < RuleCode::PA001 && RuleCode::PG019 < RuleCode::XA001);
        assert_eq!(RuleCode::parse("XA999"), None);
        assert!(serde_json::from_str::<RuleCode>("\"XA999\"").is_err());
    }
}
