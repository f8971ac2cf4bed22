//! The policy JSON files of the corpus, checked on their own as secret or key policies, give the
//! grammar (PG) and public-access (PA) findings their sources' expectations imply.
//!
//! The sources: parliament's unit-test policies (`finding_ids` each test asserts), the IAM Access
//! Analyzer custom-policy-check samples (PASS/FAIL candidates) and the policies of the Access
//! Analyzer KMS blog; `_index.json` beside each set says what the source expects of each file.
//!
//! Most of these are S3, IAM or STS policies. Read as a secret policy, their actions of other
//! services have no effect (PG007) and their statements without Principal are not resource
//! policy statements (PG015); those two codes are expected throughout and left out of the
//! comparison. Every other PG/PA code is compared exactly. Access Analyzer's `reference`
//! policies are templates its checks compare candidates with, not policies, so they are left
//! out; every other indexed file must have a row here.

use std::collections::BTreeSet;
use std::path::Path;

use grantcheck::analysis::PolicyKind::{self, Key, Secret};
use serde_json::Value;

/// One file and what grantcheck says of it.
struct Row {
    file: &'static str,
    kind: PolicyKind,
    /// Every PG/PA code expected (apart from PG007 and PG015).
    codes: &'static [&'static str],
    /// Where this differs from the source's expectation: why.
    differs: &'static str,
}

const fn row(file: &'static str, codes: &'static [&'static str]) -> Row {
    Row {
        file,
        kind: Secret,
        codes,
        differs: "",
    }
}

const fn differs(file: &'static str, codes: &'static [&'static str], why: &'static str) -> Row {
    Row {
        file,
        kind: Secret,
        codes,
        differs: why,
    }
}

const P: &str = "parliament/tests/unit/";
const AA: &str = "iam-access-analyzer-custom-policy-check-samples/";

const CONDITION_KEYS: &str = "condition keys and value types are checked for Secrets Manager, KMS and global keys only; this is an S3 key";
const IDENTITY_LINT: &str = "an identity-policy lint (Resource \"*\" or an S3 pattern); a resource policy's Resource is the resource that holds it";
const OTHER_SERVICE: &str =
    "actions of other services are not looked up; in a secret policy they have no effect (PG007)";
const PUBLIC: &str = "Principal \"*\" without a limiting condition is public (PA001); the source's test turns its public-access auditor off";

static PARLIAMENT: &[Row] = &[
    differs(
        "test_principals__test_policy_with_principal__1.json",
        &["PA001"],
        PUBLIC,
    ),
    row("test_principals__test_policy_with_principal__2.json", &[]),
    row("test_principals__test_policy_with_principal__3.json", &[]),
    row("test_principals__test_policy_with_principal__4.json", &[]),
    row("test_principals__test_policy_with_principal__5.json", &[]),
    differs(
        "test_principals__test_policy_with_principal__6.json",
        &["PG008"],
        "the CloudFront origin access identity ARN form is a principal only in S3 bucket policies, not in a secret policy",
    ),
    differs(
        "test_principals__test_bad_principals__1.json",
        &["PA001"],
        PUBLIC,
    ),
    differs(
        "test_resources__test_resource_with_sub__1.json",
        &["PA001"],
        "the Resource holds a CloudFormation Fn::Sub object, which never reaches a secret policy; Principal \"*\" is public (PA001)",
    ),
    row(
        "test_formatting__test_analyze_policy_string_not_json__1.json",
        &["PG001"],
    ),
    row(
        "test_formatting__test_analyze_policy_string_opposites__1.json",
        &["PG017"],
    ),
    row(
        "test_formatting__test_analyze_policy_string_no_action__1.json",
        &["PG017"],
    ),
    row(
        "test_formatting__test_analyze_policy_string_no_statement__1.json",
        &["PG017"],
    ),
    row(
        "test_formatting__test_analyze_policy_string_invalid_sid__1.json",
        &["PG012"],
    ),
    row(
        "test_formatting__test_analyze_policy_string_correct_simple__1.json",
        &[],
    ),
    row(
        "test_formatting__test_analyze_policy_string_correct_multiple_statements_and_actions__1.json",
        &[],
    ),
    differs(
        "test_formatting__test_analyze_policy_string_multiple_statements_one_bad__1.json",
        &[],
        OTHER_SERVICE,
    ),
    row("test_formatting__test_condition__1.json", &[]),
    differs(
        "test_formatting__test_condition_bad_key__1.json",
        &[],
        CONDITION_KEYS,
    ),
    row(
        "test_formatting__test_condition_action_specific__1.json",
        &[],
    ),
    differs(
        "test_formatting__test_condition_action_specific__2.json",
        &[],
        CONDITION_KEYS,
    ),
    differs(
        "test_formatting__test_condition_action_specific_bad_type__1.json",
        &[],
        CONDITION_KEYS,
    ),
    row("test_formatting__test_condition_multiple__1.json", &[]),
    row(
        "test_formatting__test_condition_multiple__2.json",
        &["PG019"],
    ),
    differs(
        "test_formatting__test_condition_multiple__3.json",
        &[],
        CONDITION_KEYS,
    ),
    differs(
        "test_formatting__test_condition_mismatch__1.json",
        &[],
        CONDITION_KEYS,
    ),
    row("test_formatting__test_condition_operator__1.json", &[]),
    differs(
        "test_formatting__test_condition_operator__2.json",
        &["PG009"],
        "the unknown operator is reported; the value type of an S3 key is not checked",
    ),
    differs(
        "test_formatting__test_condition_operator__3.json",
        &[],
        CONDITION_KEYS,
    ),
    differs(
        "test_formatting__test_condition_type_unqoted_bool__1.json",
        &[],
        IDENTITY_LINT,
    ),
    row("test_formatting__test_condition_with_null__1.json", &[]),
    row(
        "test_formatting__test_condition_with_MultiFactorAuthAge__1.json",
        &[],
    ),
    row(
        "test_formatting__test_redshift_GetClusterCredentials__1.json",
        &[],
    ),
    row(
        "test_formatting__test_lambda_AddLayerVersionPermission__1.json",
        &[],
    ),
    differs(
        "test_formatting__test_lambda_TerminateInstances__1.json",
        &[],
        IDENTITY_LINT,
    ),
    row(
        "test_formatting__test_priv_that_requires_star_resource__1.json",
        &[],
    ),
    differs(
        "test_formatting__test_condition_operator_values__1.json",
        &[],
        IDENTITY_LINT,
    ),
    row("test_formatting__test_duplicate_sids__1.json", &["PG011"]),
    row(
        "test_formatting__test_analyze_policy_string_MFA_formatting__1.json",
        &[],
    ),
    differs(
        "test_resource_formatting__test_resource_bad__1.json",
        &[],
        "Resource ARNs are not checked: in a secret or key policy Resource is the secret or key itself",
    ),
    row("test_resource_formatting__test_resource_good__1.json", &[]),
    differs(
        "test_patterns__test_bad_mfa_condition__1.json",
        &[],
        IDENTITY_LINT,
    ),
    differs(
        "test_patterns__test_resource_policy_privilege_escalation__1.json",
        &[],
        IDENTITY_LINT,
    ),
    differs(
        "test_patterns__test_resource_policy_privilege_escalation__2.json",
        &[],
        IDENTITY_LINT,
    ),
    differs(
        "test_patterns__test_resource_effectively_star__1.json",
        &[],
        IDENTITY_LINT,
    ),
    row("test_patterns__test_resource_effectively_star__2.json", &[]),
    row(
        "test_patterns__test_resource_policy_privilege_escalation_with_deny__1.json",
        &[],
    ),
    differs(
        "test_patterns__test_resource_policy_privilege_escalation_at_bucket_level__1.json",
        &[],
        IDENTITY_LINT,
    ),
    differs(
        "test_patterns__test_resource_policy_privilege_escalation_at_bucket_level__2.json",
        &[],
        IDENTITY_LINT,
    ),
];

/// Access Analyzer's candidates are valid policies (AWS validated them), so they give no grammar
/// finding; the candidates that grant public access give PA001.
static ACCESS_ANALYZER: &[Row] = &[
    row(
        "identity-policies/check-access-to-sensitive-resource/secretsmanager-Secret.candidate-1.PASS.json",
        &[],
    ),
    row(
        "identity-policies/check-access-to-sensitive-resource/secretsmanager-Secret.candidate-2.PASS.json",
        &[],
    ),
    row(
        "identity-policies/check-access-to-sensitive-resource/secretsmanager-Secret.candidate-3.FAIL.json",
        &[],
    ),
    row(
        "identity-policies/check-access-to-sensitive-resource/secretsmanager-Secret.candidate-4.FAIL.json",
        &[],
    ),
    row(
        "identity-policies/check-access-to-sensitive-resource/secretsmanager-Secret.candidate-5.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/check-who-is-granted-access/s3-all-actions.candidate-1.PASS.json",
        &[],
    ),
    row(
        "resource-policies/check-who-is-granted-access/s3-all-actions.candidate-2.PASS.json",
        &[],
    ),
    row(
        "resource-policies/check-who-is-granted-access/s3-all-actions.candidate-3.FAIL.json",
        &["PA001"],
    ),
    row(
        "resource-policies/check-who-is-granted-access/s3-all-actions.candidate-4.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/check-who-is-granted-access/s3-all-actions.candidate-5.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/check-who-is-granted-access/s3-specific-actions.candidate-1.PASS.json",
        &[],
    ),
    row(
        "resource-policies/check-who-is-granted-access/s3-specific-actions.candidate-2.PASS.json",
        &[],
    ),
    row(
        "resource-policies/check-who-is-granted-access/s3-specific-actions.candidate-3.PASS.json",
        &[],
    ),
    row(
        "resource-policies/check-who-is-granted-access/s3-specific-actions.candidate-4.FAIL.json",
        &["PA001"],
    ),
    row(
        "resource-policies/check-who-is-granted-access/s3-specific-actions.candidate-5.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/check-who-is-granted-access/s3-specific-actions.candidate-6.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-account-principals.candidate-1.PASS.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-account-principals.candidate-2.PASS.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-account-principals.candidate-3.PASS.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-account-principals.candidate-4.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-account-principals.candidate-5.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-account-principals.candidate-6.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-aws-service-principal.candidate-1.PASS.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-aws-service-principal.candidate-2.PASS.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-aws-service-principal.candidate-3.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-aws-service-principal.candidate-4.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-aws-service-principal.candidate-4b.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-federated-access-oidc.candidate-1.PASS.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-federated-access-oidc.candidate-2.PASS.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-federated-access-oidc.candidate-3.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-federated-access-oidc.candidate-4.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-federated-access-oidc.candidate-5.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-federated-access-saml.candidate-1.PASS.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-federated-access-saml.candidate-2.PASS.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-federated-access-saml.candidate-3.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-federated-access-saml.candidate-4.FAIL.json",
        &[],
    ),
    row(
        "resource-policies/role-trust-policies/allowlist-federated-access-saml.candidate-5.FAIL.json",
        &[],
    ),
];

/// The KMS blog's policies: SOURCES.md says which is public, which double-encoded.
static KMS_BLOG: &[Row] = &[
    Row {
        file: "default-kms-key-policy.json",
        kind: Key,
        codes: &["PG008"],
        differs: "the account is the placeholder ACCOUNT_ID, which is not an account id",
    },
    Row {
        file: "public-kms-key-policy.json",
        kind: Key,
        codes: &["PG001"],
        differs: "",
    },
    row("lambda-function-resource-based-policy.json", &[]),
    differs(
        "sns-topic-resource-based-policy.json",
        &["PG017"],
        "the file is one statement, not a policy document: read as a policy it has no Statement",
    ),
];

fn compared_codes(text: &str, kind: PolicyKind) -> BTreeSet<String> {
    let options = grantcheck::Options {
        accounts: vec![grantcheck_tests::OWNER.to_string()],
        ..grantcheck::Options::default()
    };
    grantcheck::check_policy(text, kind, &options)
        .findings
        .into_iter()
        .map(|f| f.rule.to_string())
        .filter(|c| (c.starts_with("PG") || c.starts_with("PA")) && c != "PG007" && c != "PG015")
        .collect()
}

fn check_rows(dir: &Path, rows: &[Row]) -> Vec<String> {
    let mut failures = vec![];
    for r in rows {
        let path = dir.join(r.file);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let got = compared_codes(&text, r.kind);
        let want: BTreeSet<String> = r.codes.iter().map(|c| c.to_string()).collect();
        if got != want {
            failures.push(format!(
                "{}: expected {want:?}, got {got:?}{}",
                r.file,
                if r.differs.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", r.differs)
                }
            ));
        }
    }
    failures
}

/// Every file an `_index.json` lists (but the templates) has a row.
fn indexed_files(index: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(index).unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    v.as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["role"].as_str() != Some("reference"))
                .filter_map(|e| e["file"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn corpus_policies_give_the_findings_their_sources_imply() {
    let Some(shared) =
        grantcheck_tests::shared_or_skip("corpus_policies_give_the_findings_their_sources_imply")
    else {
        return;
    };
    let corpus = shared.join("corpus");
    let mut failures = vec![];
    for (dir, rows) in [
        (corpus.join(P), PARLIAMENT),
        (corpus.join(AA), ACCESS_ANALYZER),
        (
            corpus.join("aws-iam-access-analyzer-kms-blog/policies"),
            KMS_BLOG,
        ),
    ] {
        failures.extend(check_rows(&dir, rows));
    }
    for (index, rows) in [
        (corpus.join(P).join("_index.json"), PARLIAMENT),
        (corpus.join(AA).join("_index.json"), ACCESS_ANALYZER),
    ] {
        let listed = indexed_files(&index);
        assert!(!listed.is_empty(), "{} lists no files", index.display());
        for f in listed {
            if !rows.iter().any(|r| r.file == f) {
                failures.push(format!("{f}: listed in {} but has no row", index.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
