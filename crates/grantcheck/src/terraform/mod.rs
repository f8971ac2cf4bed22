//! Terraform inputs: plan JSON (and, later, HCL configurations) into the [`Infrastructure`]
//! model.
//!
//! [`Infrastructure`]: crate::model::Infrastructure

pub mod hcl;
pub mod plan;

/// Resource types grantcheck models. Everything else in a plan is counted, not kept.
pub const MANAGED_TYPES: &[&str] = &[
    "aws_secretsmanager_secret",
    "aws_secretsmanager_secret_policy",
    "aws_kms_key",
    "aws_kms_key_policy",
    "aws_kms_alias",
    "aws_kms_replica_key",
    "aws_iam_role",
    "aws_iam_user",
];

/// Data source types grantcheck models.
pub const DATA_TYPES: &[&str] = &[
    "aws_iam_policy_document",
    "aws_kms_key",
    "aws_kms_alias",
    "aws_caller_identity",
    "aws_secretsmanager_secret",
    "aws_iam_role",
    "aws_iam_user",
];

pub fn is_modelled(data: bool, rtype: &str) -> bool {
    if data {
        DATA_TYPES.contains(&rtype)
    } else {
        MANAGED_TYPES.contains(&rtype)
    }
}
