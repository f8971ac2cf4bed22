//! Terraform inputs: plan JSON (and, later, HCL configurations) into the [`Infrastructure`]
//! model.
//!
//! [`Infrastructure`]: crate::model::Infrastructure

pub mod hcl;
pub mod plan;

/// Is a resource (or, with `data`, a data source) of this type one grantcheck models? Everything
/// else in a plan is counted, not kept. Asked of every resource a plan holds: a `match` settles
/// it by length first, then bytes.
pub fn is_modelled(data: bool, rtype: &str) -> bool {
    if data {
        matches!(
            rtype,
            "aws_iam_policy_document"
                | "aws_kms_key"
                | "aws_kms_alias"
                | "aws_caller_identity"
                | "aws_secretsmanager_secret"
                | "aws_iam_role"
                | "aws_iam_user"
        )
    } else {
        matches!(
            rtype,
            "aws_secretsmanager_secret"
                | "aws_secretsmanager_secret_policy"
                | "aws_kms_key"
                | "aws_kms_key_policy"
                | "aws_kms_alias"
                | "aws_kms_replica_key"
                | "aws_kms_external_key"
                | "aws_kms_replica_external_key"
                | "aws_iam_role"
                | "aws_iam_user"
                // identity policies: who in an account the input manages may read a secret
                | "aws_iam_role_policy"
                | "aws_iam_user_policy"
                | "aws_iam_policy"
                | "aws_iam_role_policy_attachment"
                | "aws_iam_user_policy_attachment"
                | "aws_iam_policy_attachment"
        )
    }
}
