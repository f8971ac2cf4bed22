//! Rules XA004–XA009, PA002 and PG013 on plan JSON and standalone policies: a flagged and an
//! accepted case each.

use grantcheck::analysis::PolicyKind;
use grantcheck_tests::*;
use serde_json::{Value, json};

fn root(acct: &str) -> Value {
    json!({"AWS": format!("arn:aws:iam::{acct}:root")})
}

fn codes_of(report: &grantcheck::Report) -> Vec<String> {
    let mut c: Vec<String> = report.findings.iter().map(|f| f.rule.to_string()).collect();
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
fn xa006_does_not_quote_a_replica_the_plan_marks_sensitive() {
    let plan = shared_secret(
        json!({"replica": [{"region": "eu-secretregion-1", "kms_key_id": "alias/aws/secretsmanager"}]}),
        "aws_kms_key.k.arn",
    );
    let mut marked: Value = serde_json::from_str(&plan).unwrap();
    for rc in marked["resource_changes"].as_array_mut().unwrap() {
        if rc["address"] == "aws_secretsmanager_secret.s" {
            rc["change"]["after_sensitive"] = json!({"replica": true});
        }
    }
    for (text, sensitive) in [(plan, false), (marked.to_string(), true)] {
        let r = check_texts(&[("plan.json", &text)], &[]);
        assert!(
            codes_of(&r).contains(&"XA006".to_string()),
            "{:#?}",
            r.findings
        );
        let json = r.to_json();
        for word in ["secretregion", "alias/aws/secretsmanager"] {
            assert_eq!(json.contains(word), !sensitive, "{word} in {json}");
        }
    }
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

/// A secret shared with the partner by `actions`, whose kms_key_id is `kms` (a literal) or a
/// reference to the key (`aws_kms_key.k.key_id`).
fn secret_with_key(kms: &str, actions: &[&str]) -> String {
    let b = PlanBuilder::new()
        .provider("aws", Some(OWNER), "us-east-1")
        .create("aws_kms_key.k", json!({"policy": policy(json!([allow(root(OWNER), &["kms:*"]), allow(root(PARTNER), &["kms:Decrypt"])]))}));
    let b = if kms.starts_with("aws_kms_key.") {
        b.create("aws_secretsmanager_secret.s", json!({"name": "db"}))
            .unknown("kms_key_id", Some(kms))
    } else {
        b.create(
            "aws_secretsmanager_secret.s",
            json!({"name": "db", "kms_key_id": kms}),
        )
    };
    b.create(
        "aws_secretsmanager_secret_policy.p",
        json!({"policy": policy(json!([allow(root(PARTNER), actions)]))}),
    )
    .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
    .build()
}

#[test]
fn xa007_key_by_id_or_alias_name_when_the_other_account_writes() {
    let xa007 = |kms: &str, actions: &[&str]| {
        plan_codes(&secret_with_key(kms, actions)).contains(&"XA007".to_string())
    };
    for kms in [
        "aws_kms_key.k.key_id",
        "aws_kms_key.k.id",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "alias/app",
    ] {
        for writes in [
            &["secretsmanager:PutSecretValue"][..],
            &["secretsmanager:UpdateSecret"],
            &["secretsmanager:RotateSecret"],
            &["secretsmanager:*"],
            &["secretsmanager:Put*"],
        ] {
            assert!(xa007(kms, writes), "{kms} {writes:?}");
        }
        // reading decrypts the stored ciphertext, which names its key itself
        assert!(
            !xa007(
                kms,
                &[
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:DescribeSecret"
                ]
            ),
            "{kms}"
        );
    }
    for kms in [
        "aws_kms_key.k.arn",
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:us-east-1:111122223333:alias/app",
    ] {
        assert!(!xa007(kms, &["secretsmanager:PutSecretValue"]), "{kms}");
    }
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

/// A key in eu-west-1 encrypting one secret, its policy conditioned on `via` for `op`.
fn via_plan(op: &str, via: Value, multi_region: bool) -> String {
    let key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let statements = json!([
        {"Effect": "Allow", "Principal": root(OWNER), "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": ROLE_ARN}, "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {op: {"kms:ViaService": via}}}
    ]);
    PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .create(
            "aws_kms_key.k",
            json!({"policy": policy(statements), "multi_region": multi_region, "arn": key_arn}),
        )
        .create(
            "aws_secretsmanager_secret.s",
            json!({"name": "db", "kms_key_id": key_arn}),
        )
        .build()
}

#[test]
fn pg016_via_service_of_another_region_or_malformed() {
    let has = |plan: String| plan_codes(&plan).contains(&"PG016".to_string());
    let sm = |r: &str| json!(format!("secretsmanager.{r}.amazonaws.com"));
    // the secret's Region, as a value, a list or a pattern
    assert!(!has(via_plan("StringEquals", sm("eu-west-1"), false)));
    assert!(!has(via_plan(
        "StringEquals",
        json!([
            "s3.eu-west-1.amazonaws.com",
            "secretsmanager.eu-west-1.amazonaws.com"
        ]),
        false
    )));
    assert!(!has(via_plan("StringLike", sm("*"), false)));
    assert!(!has(via_plan(
        "StringEqualsIgnoreCase",
        json!("SecretsManager.EU-WEST-1.amazonaws.com"),
        false
    )));
    // another service only: a key may serve several services
    assert!(!has(via_plan(
        "StringEquals",
        json!("s3.eu-west-1.amazonaws.com"),
        false
    )));
    // another Region, by value or by pattern
    assert!(has(via_plan("StringEquals", sm("us-west-2"), false)));
    assert!(has(via_plan("StringLike", sm("us-*"), false)));
    // a multi-Region key may name the Regions of its replicas
    assert!(!has(via_plan("StringEquals", sm("us-west-2"), true)));
    // a negated operator is not a grant limited to that Region
    assert!(!has(via_plan("StringNotEquals", sm("us-west-2"), false)));
    // malformed values, whatever the Region
    for bad in [
        "secretsmanager.amazonaws.com",
        "secretsmanager.cn-north-1.amazonaws.com.cn",
        "secretsmanager.eu-west-1.amazonaws.com ",
        "SecretsManager.eu-west-1.amazonaws.com",
        "secretmanager.eu-west-1.amazonaws.com",
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db",
        "secretsmanager.*.amazonaws.com",
    ] {
        assert!(has(via_plan("StringEquals", json!(bad), false)), "{bad}");
    }
    assert!(has(via_plan(
        "StringLike",
        json!("secretsmanager.*.amazonaws.com.cn"),
        false
    )));
}

#[test]
fn pg016_and_xa003_say_different_things_about_one_condition() {
    let key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let key_policy = policy(json!([
        {"Effect": "Allow", "Principal": root(OWNER), "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": root(PARTNER), "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-west-2.amazonaws.com"}}}
    ]));
    let plan = PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .create(
            "aws_kms_key.k",
            json!({"policy": key_policy, "arn": key_arn}),
        )
        .create(
            "aws_secretsmanager_secret.s",
            json!({"name": "db", "kms_key_id": key_arn}),
        )
        .unknown("arn", None)
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(json!([allow(root(PARTNER), READ)]))}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build();
    let r = check_texts(&[("plan.json", &plan)], &[]);
    let pg = r
        .findings
        .iter()
        .find(|f| f.rule == "PG016")
        .expect("PG016");
    let xa = r
        .findings
        .iter()
        .find(|f| f.rule == "XA003")
        .expect("XA003");
    // XA003: the grantee cannot decrypt, on the secret; PG016: the condition value, on the key
    assert_eq!(pg.resource, "aws_kms_key.k");
    assert_eq!(xa.resource, "aws_secretsmanager_secret.s");
    assert!(
        pg.message.contains("kms:ViaService value"),
        "{}",
        pg.message
    );
    assert!(
        xa.message.contains("does not let it decrypt"),
        "{}",
        xa.message
    );
    assert_ne!(pg.location, xa.location);
}

#[test]
fn pg013_policies_over_the_size_limit() {
    // a secret policy padded with a long Sid to exactly `len` characters (é counts once)
    let padded = |len: usize| {
        let base = doc(
            json!([{"Sid": "", "Effect": "Allow", "Principal": root(OWNER),
            "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]),
        )
        .to_string();
        let sid = "é".repeat(len - base.chars().count());
        base.replacen("\"Sid\":\"\"", &format!("\"Sid\":\"{sid}\""), 1)
    };
    // PG013's message on a policy of `len` characters, if it flags it
    let pg013 = |kind: PolicyKind, len: usize| {
        grantcheck::check_policy(&padded(len), kind, &grantcheck::Options::default())
            .findings
            .into_iter()
            .find(|f| f.rule == "PG013")
            .map(|f| f.message)
    };
    let over = pg013(PolicyKind::Secret, 20_481).expect("PG013");
    assert!(over.contains("20480 characters, it has 20481"), "{over}");
    assert_eq!(pg013(PolicyKind::Secret, 20_480), None);
    // a key policy's limit is in bytes: 20,481 characters of which most are two bytes
    let key = pg013(PolicyKind::Key, 20_481).expect("PG013");
    assert!(key.contains("32768 bytes, it has"), "{key}");
    assert_eq!(pg013(PolicyKind::Key, 16_000), None);
}
