//! Rules XA004–XA009 and PA002 on plan JSON and standalone policies: a flagged and an accepted
//! case each.

use grantcheck::analysis::PolicyKind;
use grantcheck_tests::*;
use serde_json::{Value, json};

fn root(acct: &str) -> Value {
    json!({"AWS": format!("arn:aws:iam::{acct}:root")})
}

fn codes_of(report: &grantcheck::Report) -> Vec<String> {
    let mut c: Vec<String> = report.findings.iter().map(|f| f.rule.clone()).collect();
    c.sort();
    c.dedup();
    c
}

fn plan_codes(plan: &str) -> Vec<String> {
    codes_of(&check_texts(&[("plan.json", plan)], &[]))
}

fn policy_codes(kind: PolicyKind, doc: Value) -> Vec<String> {
    let options = grantcheck::Options {
        accounts: vec![OWNER.to_string()],
        ..grantcheck::Options::default()
    };
    codes_of(&grantcheck::check_policy(&doc.to_string(), kind, &options))
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/reader";

/// A secret with a customer managed key whose policy names role `reader` (changed as `actions`).
fn role_plan(actions: &[&str]) -> String {
    let role_before = json!({"name": "reader", "arn": ROLE_ARN});
    let role_after = if actions == ["no-op"] {
        role_before.clone()
    } else {
        json!({"name": "reader"})
    };
    let mut b = PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .change("aws_iam_role.reader", actions, role_before, role_after);
    if actions != ["no-op"] {
        b = b.computed("arn");
    }
    let principal = json!({"AWS": ROLE_ARN});
    b = b.change(
        "aws_secretsmanager_secret_policy.p",
        &["no-op"],
        json!({"policy": policy(json!([allow(principal.clone(), READ)])), "secret_arn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf"}),
        json!({"policy": policy(json!([allow(principal, READ)])), "secret_arn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf"}),
    );
    b.build()
}

#[test]
fn xa004_replaced_role_named_by_literal_arn() {
    assert!(plan_codes(&role_plan(&["delete", "create"])).contains(&"XA004".to_string()));
    assert!(plan_codes(&role_plan(&["create", "delete"])).contains(&"XA004".to_string()));
    assert!(plan_codes(&role_plan(&["delete"])).contains(&"XA004".to_string()));
    assert!(!plan_codes(&role_plan(&["no-op"])).contains(&"XA004".to_string()));
    assert!(!plan_codes(&role_plan(&["update"])).contains(&"XA004".to_string()));
}

#[test]
fn xa005_unique_id_principal() {
    let flagged = doc(json!([allow(
        json!({"AWS": "AROAJ2UCCR6DPCEXAMPLE"}),
        READ
    )]));
    assert!(policy_codes(PolicyKind::Secret, flagged).contains(&"XA005".to_string()));
    let key = doc(json!([allow(
        json!({"AWS": "AIDAJQABLZS4A3QDU576Q"}),
        &["kms:Decrypt"]
    )]));
    assert!(policy_codes(PolicyKind::Key, key).contains(&"XA005".to_string()));
    let accepted = doc(json!([allow(root(OWNER), READ)]));
    assert!(!policy_codes(PolicyKind::Secret, accepted).contains(&"XA005".to_string()));
}

fn shared_secret(extra: Value, kms_ref: &str) -> String {
    let mut after = json!({"name": "db"});
    for (k, v) in extra.as_object().unwrap() {
        after[k] = v.clone();
    }
    PlanBuilder::new()
        .provider("aws", Some(OWNER), "us-east-1")
        .create("aws_kms_key.k", json!({"policy": policy(json!([allow(root(OWNER), &["kms:*"]), allow(root(PARTNER), &["kms:Decrypt"])]))}))
        .create("aws_kms_replica_key.r", json!({}))
        .create("aws_secretsmanager_secret.s", after)
        .unknown("kms_key_id", Some(kms_ref))
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(json!([allow(root(PARTNER), &["secretsmanager:DescribeSecret"])]))}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build()
}

#[test]
fn xa006_replica_without_its_own_key() {
    let flagged = shared_secret(
        json!({"replica": [{"region": "eu-west-1"}]}),
        "aws_kms_key.k.arn",
    );
    assert!(plan_codes(&flagged).contains(&"XA006".to_string()));
    let aws = shared_secret(
        json!({"replica": [{"region": "eu-west-1", "kms_key_id": "alias/aws/secretsmanager"}]}),
        "aws_kms_key.k.arn",
    );
    assert!(plan_codes(&aws).contains(&"XA006".to_string()));
    let own = shared_secret(
        json!({"replica": [{"region": "eu-west-1", "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"}]}),
        "aws_kms_key.k.arn",
    );
    assert!(!plan_codes(&own).contains(&"XA006".to_string()));
    let none = shared_secret(json!({}), "aws_kms_key.k.arn");
    assert!(!plan_codes(&none).contains(&"XA006".to_string()));
}

#[test]
fn xa007_key_by_id_or_alias_name() {
    assert!(
        plan_codes(&shared_secret(json!({}), "aws_kms_key.k.key_id"))
            .contains(&"XA007".to_string())
    );
    assert!(
        plan_codes(&shared_secret(json!({}), "aws_kms_key.k.id")).contains(&"XA007".to_string())
    );
    assert!(
        !plan_codes(&shared_secret(json!({}), "aws_kms_key.k.arn")).contains(&"XA007".to_string())
    );
    let literal = PlanBuilder::new()
        .provider("aws", Some(OWNER), "us-east-1")
        .create("aws_secretsmanager_secret.s", json!({"name": "db", "kms_key_id": "1234abcd-12ab-34cd-56ef-1234567890ab"}))
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(json!([allow(root(PARTNER), &["secretsmanager:DescribeSecret"])]))}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build();
    assert!(plan_codes(&literal).contains(&"XA007".to_string()));
}

#[test]
fn xa008_write_access_for_another_account() {
    for actions in [
        &["secretsmanager:*"][..],
        &["*"],
        &["secretsmanager:PutResourcePolicy"],
        &["secretsmanager:Put*"],
    ] {
        let d = doc(json!([allow(root(PARTNER), actions)]));
        assert!(
            policy_codes(PolicyKind::Secret, d).contains(&"XA008".to_string()),
            "{actions:?}"
        );
    }
    let not_action = doc(
        json!([{"Effect": "Allow", "Principal": root(PARTNER), "NotAction": "secretsmanager:GetSecretValue", "Resource": "*"}]),
    );
    assert!(policy_codes(PolicyKind::Secret, not_action).contains(&"XA008".to_string()));
    let read = doc(json!([allow(
        root(PARTNER),
        &[
            "secretsmanager:GetSecretValue",
            "secretsmanager:DescribeSecret"
        ]
    )]));
    assert!(!policy_codes(PolicyKind::Secret, read).contains(&"XA008".to_string()));
    let own = doc(json!([allow(root(OWNER), &["secretsmanager:*"])]));
    assert!(!policy_codes(PolicyKind::Secret, own).contains(&"XA008".to_string()));
}

#[test]
fn xa009_broad_key_grants() {
    let star = doc(json!([allow(root(PARTNER), &["kms:*"])]));
    assert!(policy_codes(PolicyKind::Key, star).contains(&"XA009".to_string()));
    let unscoped = doc(json!([allow(root(PARTNER), &["kms:Decrypt"])]));
    assert!(policy_codes(PolicyKind::Key, unscoped).contains(&"XA009".to_string()));
    let scoped = doc(
        json!([{"Effect": "Allow", "Principal": root(PARTNER), "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}]),
    );
    assert!(!policy_codes(PolicyKind::Key, scoped).contains(&"XA009".to_string()));
    let owner = doc(json!([allow(root(OWNER), &["kms:*"])]));
    assert!(!policy_codes(PolicyKind::Key, owner).contains(&"XA009".to_string()));
}

#[test]
fn pa002_public_key_policy_and_its_limits() {
    let public = doc(json!([allow(json!({"AWS": "*"}), &["kms:Decrypt"])]));
    assert!(policy_codes(PolicyKind::Key, public).contains(&"PA002".to_string()));
    let star = doc(json!([allow(json!("*"), &["kms:*"])]));
    assert!(policy_codes(PolicyKind::Key, star).contains(&"PA002".to_string()));
    let caller = doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"StringEquals": {"kms:CallerAccount": OWNER}}}]),
    );
    assert!(!policy_codes(PolicyKind::Key, caller).contains(&"PA002".to_string()));
    // the same document as a secret policy is PA001, not PA002
    let public = doc(json!([allow(json!({"AWS": "*"}), READ)]));
    let c = policy_codes(PolicyKind::Secret, public);
    assert!(c.contains(&"PA001".to_string()) && !c.contains(&"PA002".to_string()));
}

#[test]
fn pa001_deny_statements_and_not_principal() {
    let allow_all = allow(json!("*"), READ);
    let deny_outside_org = json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}});
    let limited = doc(json!([allow_all.clone(), deny_outside_org]));
    assert!(!policy_codes(PolicyKind::Secret, limited).contains(&"PA001".to_string()));
    let deny_other = json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
    let still_public = doc(json!([allow_all.clone(), deny_other]));
    assert!(policy_codes(PolicyKind::Secret, still_public).contains(&"PA001".to_string()));
    let deny_not_principal = json!({"Effect": "Deny", "NotPrincipal": root(PARTNER), "Action": "secretsmanager:*", "Resource": "*"});
    let only_partner = doc(json!([allow_all, deny_not_principal]));
    assert!(!policy_codes(PolicyKind::Secret, only_partner).contains(&"PA001".to_string()));
    let not_principal_allow = doc(
        json!([{"Effect": "Allow", "NotPrincipal": root(PARTNER), "Action": READ, "Resource": "*"}]),
    );
    assert!(policy_codes(PolicyKind::Secret, not_principal_allow).contains(&"PA001".to_string()));
    let deny_public =
        doc(json!([{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]));
    assert!(!policy_codes(PolicyKind::Secret, deny_public).contains(&"PA001".to_string()));
}
