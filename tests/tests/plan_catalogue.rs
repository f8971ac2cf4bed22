//! Rules XA004–XA009 and PA002 on plan JSON: each has a flagged and an accepted plan, built the
//! way `terraform show -json` writes it.

use grantcheck_tests::*;
use serde_json::{Value, json};

fn root(acct: &str) -> Value {
    json!({"AWS": format!("arn:aws:iam::{acct}:root")})
}

fn findings_of(plan: &str) -> Vec<grantcheck::ReportFinding> {
    check_texts(&[("plan.json", plan)], &[]).findings
}

fn has(plan: &str, code: &str) -> bool {
    findings_of(plan).iter().any(|f| f.rule == code)
}

const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/reader";

/// A secret encrypted with a customer managed key that grants `key_statements`, shared by a
/// secret policy with `secret_statements`.
fn secret_and_key(secret_statements: Value, key_statements: Value) -> String {
    PlanBuilder::new()
        .provider("aws", Some(OWNER), "us-east-1")
        .create("aws_kms_key.k", json!({"policy": policy(key_statements)}))
        .create("aws_secretsmanager_secret.s", json!({"name": "db"}))
        .unknown("kms_key_id", Some("aws_kms_key.k.arn"))
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(secret_statements)}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build()
}

/// The owner's administration statement of a key policy.
fn key_admin() -> Value {
    allow(root(OWNER), &["kms:*"])
}

/// A partner's key grant limited to Secrets Manager in the secret's Region.
fn partner_decrypt_via_secrets_manager() -> Value {
    json!({"Effect": "Allow", "Principal": root(PARTNER), "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*",
           "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}})
}

/// A plan that changes role `reader` with `actions` while a secret policy, rendered from an
/// `aws_iam_policy_document` read during apply, names the role by reference.
fn role_by_reference(actions: &[&str]) -> String {
    role_by_reference_in(actions, ROLE_ARN)
}

/// The plan of [`role_by_reference`], the role's ARN before the change being `arn`.
fn role_by_reference_in(actions: &[&str], arn: &str) -> String {
    let name = arn.rsplit('/').next().unwrap_or("reader");
    let before = json!({"name": name, "arn": arn});
    let mut b = PlanBuilder::new().provider("aws", Some(OWNER), "eu-west-1");
    b = if actions == ["no-op"] {
        b.change("aws_iam_role.reader", actions, before.clone(), before)
    } else {
        b.change(
            "aws_iam_role.reader",
            actions,
            before,
            json!({"name": name}),
        )
        .computed("arn")
    };
    let plan = b.secret_with_deferred_document().build();
    let Ok(mut v) = serde_json::from_str::<Value>(&plan) else {
        return plan;
    };
    // the policy document's configuration names the role's ARN by reference
    v["configuration"]["root_module"]["resources"][3]["expressions"] = json!({
        "statement": [{"actions": {"constant_value": ["secretsmanager:GetSecretValue"]},
                       "resources": {"constant_value": ["*"]},
                       "principals": [{"type": {"constant_value": "AWS"},
                                       "identifiers": {"references": ["aws_iam_role.reader.arn", "aws_iam_role.reader"]}}]}]
    });
    v.to_string()
}

#[test]
fn xa004_role_replaced_while_a_policy_references_its_arn() {
    for actions in [
        &["delete", "create"][..],
        &["create", "delete"],
        &["delete"],
    ] {
        let found = findings_of(&role_by_reference(actions));
        let xa004: Vec<_> = found.iter().filter(|f| f.rule == "XA004").collect();
        assert_eq!(xa004.len(), 1, "{actions:?}: {found:#?}");
        assert!(
            xa004[0].message.contains("aws_iam_role.reader"),
            "{}",
            xa004[0].message
        );
        assert!(xa004[0].help.contains(":root"), "{}", xa004[0].help);
    }
    for actions in [&["no-op"][..], &["update"]] {
        let found = findings_of(&role_by_reference(actions));
        assert!(
            !found.iter().any(|f| f.rule == "XA004"),
            "{actions:?}: {found:#?}"
        );
    }
}

#[test]
fn xa004_does_not_quote_a_role_arn_the_plan_marks_sensitive() {
    let plan = role_by_reference(&["delete", "create"]);
    let mut v: Value = serde_json::from_str(&plan).unwrap();
    for rc in v["resource_changes"].as_array_mut().unwrap() {
        if rc["address"] == "aws_iam_role.reader" {
            rc["change"]["before_sensitive"] = json!({"arn": true});
        }
    }
    let xa004 = |plan: &str| {
        let found = findings_of(plan);
        let f: Vec<_> = found.into_iter().filter(|f| f.rule == "XA004").collect();
        assert_eq!(f.len(), 1, "{f:#?}");
        f[0].help.clone()
    };
    // the account of the ARN names the root to grant, unless the ARN is sensitive
    assert!(xa004(&plan).contains(&format!("iam::{OWNER}:root")));
    let help = xa004(&v.to_string());
    assert!(help.contains("iam::ACCOUNT:root"), "{help}");
    assert!(!help.contains(OWNER), "{help}");
}

#[test]
fn xa005_unique_id_in_a_planned_secret_policy() {
    let flagged = secret_and_key(
        json!([allow(json!({"AWS": "AROAJ2UCCR6DPCEXAMPLE"}), READ)]),
        json!([key_admin()]),
    );
    assert!(has(&flagged, "XA005"));
    let accepted = secret_and_key(
        json!([allow(json!({"AWS": ROLE_ARN}), READ)]),
        json!([key_admin()]),
    );
    assert!(!has(&accepted, "XA005"));
}

#[test]
fn xa005_unique_id_in_a_planned_key_policy() {
    let flagged = secret_and_key(
        json!([allow(root(OWNER), READ)]),
        json!([
            key_admin(),
            allow(json!({"AWS": "AIDAJQABLZS4A3QDU576Q"}), &["kms:Decrypt"])
        ]),
    );
    assert!(has(&flagged, "XA005"));
    let accepted = secret_and_key(json!([allow(root(OWNER), READ)]), json!([key_admin()]));
    assert!(!has(&accepted, "XA005"));
}

#[test]
fn xa008_partner_write_access_in_a_planned_secret_policy() {
    let key = json!([key_admin(), partner_decrypt_via_secrets_manager()]);
    let flagged = secret_and_key(
        json!([allow(
            root(PARTNER),
            &[
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue"
            ]
        )]),
        key.clone(),
    );
    assert!(has(&flagged, "XA008"));
    let accepted = secret_and_key(json!([allow(root(PARTNER), READ)]), key);
    assert!(!has(&accepted, "XA008"));
}

#[test]
fn xa009_unscoped_partner_grant_in_a_planned_key_policy() {
    let flagged = secret_and_key(
        json!([allow(root(PARTNER), READ)]),
        json!([key_admin(), allow(root(PARTNER), &["kms:Decrypt"])]),
    );
    assert!(has(&flagged, "XA009"));
    let accepted = secret_and_key(
        json!([allow(root(PARTNER), READ)]),
        json!([key_admin(), partner_decrypt_via_secrets_manager()]),
    );
    let found = findings_of(&accepted);
    assert!(!found.iter().any(|f| f.rule == "XA009"), "{found:#?}");
    // the accepted plan is the recommended cross-account setup: nothing at all to report
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn pa002_public_grant_in_a_planned_key_policy() {
    let flagged = secret_and_key(
        json!([allow(root(OWNER), READ)]),
        json!([key_admin(), allow(json!({"AWS": "*"}), &["kms:Decrypt"])]),
    );
    assert!(has(&flagged, "PA002"));
    let limited = json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
                         "Condition": {"StringEquals": {"kms:CallerAccount": OWNER}}});
    let accepted = secret_and_key(
        json!([allow(root(OWNER), READ)]),
        json!([key_admin(), limited]),
    );
    assert!(!has(&accepted, "PA002"));
}

#[test]
fn a_role_the_plan_marks_sensitive_is_not_named_where_a_policy_references_it() {
    // a partner's role, by reference: its account and name come from the role's values
    let arn = format!("arn:aws:iam::{PARTNER}:role/secret-role-name");
    let plan = role_by_reference_in(&["no-op"], &arn);
    let mut v: Value = serde_json::from_str(&plan).unwrap();
    for rc in v["resource_changes"].as_array_mut().unwrap() {
        if rc["address"] == "aws_iam_role.reader" {
            for side in ["before_sensitive", "after_sensitive"] {
                rc["change"][side] = json!({"name": true, "arn": true});
            }
        }
    }
    let (open, hidden) = (
        check_texts(&[("plan.json", &plan)], &[]),
        check_texts(&[("plan.json", &v.to_string())], &[]),
    );
    assert_eq!(rules_of(&open), rules_of(&hidden));
    assert!(
        hidden.findings.iter().any(|f| f.rule == "XA001"),
        "{:#?}",
        hidden.findings
    );
    assert_only_unmarked_shows(&open, &hidden, "secret-role-name");
}
