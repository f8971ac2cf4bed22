//! Rules XA001–XA003, PA001, PG001 and GC001 on plan JSON: a flagged and an accepted case each,
//! and the cases where only the configuration's references answer the question.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use grantcheck_tests::*;
use serde_json::{Value, json};

fn root(acct: &str) -> Value {
    json!({"AWS": format!("arn:aws:iam::{acct}:root")})
}

fn key_policy(extra: Vec<Value>) -> Value {
    let mut st = vec![allow(root(OWNER), &["kms:*"])];
    st.extend(extra);
    policy(json!(st))
}

/// A plan with one secret `s` shared with `principal`, encrypted as `kms` says.
fn shared(principal: Value, kms: Option<&str>) -> PlanBuilder {
    let mut after = json!({"name": "app/db", "recovery_window_in_days": 30});
    if let Some(k) = kms {
        after["kms_key_id"] = json!(k);
    }
    PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .create("aws_secretsmanager_secret.s", after)
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(json!([allow(principal, READ)]))}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
}

/// Makes the secret's kms_key_id known only after apply, computed from `reference`.
fn kms_from(plan: String, reference: &str) -> String {
    let mut v: Value = serde_json::from_str(&plan).unwrap();
    v["resource_changes"][0]["change"]["after_unknown"]["kms_key_id"] = json!(true);
    if let Some(a) = v["resource_changes"][0]["change"]["after"].as_object_mut() {
        a.remove("kms_key_id");
    }
    let short = reference.rsplit_once('.').unwrap().0;
    v["configuration"]["root_module"]["resources"][0]["expressions"]["kms_key_id"] =
        json!({"references": [reference, short]});
    v.to_string()
}

fn codes(plan: &str) -> Vec<String> {
    let mut c: Vec<String> = check_texts(&[("plan.json", plan)], &[])
        .findings
        .iter()
        .map(|f| f.rule.to_string())
        .collect();
    c.sort();
    c
}

const NONE: [&str; 0] = [];

#[test]
fn key_created_in_the_same_plan_is_a_customer_managed_key() {
    let granted = shared(root(PARTNER), None)
        .create(
            "aws_kms_key.k",
            json!({"policy": key_policy(vec![allow(root(PARTNER), &["kms:Decrypt"])])}),
        )
        .unknown("arn", None)
        .build();
    // an unscoped kms:Decrypt for another account is only XA009's warning
    assert_eq!(codes(&kms_from(granted, "aws_kms_key.k.arn")), ["XA009"]);

    let not_granted = shared(root(PARTNER), None)
        .create("aws_kms_key.k", json!({"policy": key_policy(vec![])}))
        .unknown("arn", None)
        .build();
    let r = check_texts(
        &[("plan.json", &kms_from(not_granted, "aws_kms_key.k.arn"))],
        &[],
    );
    assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
    let f = &r.findings[0];
    assert_eq!(f.rule, "XA003");
    assert_eq!(f.resource, "aws_secretsmanager_secret.s");
    assert_eq!(f.policy_path.as_deref(), Some("/Statement/0/Principal/AWS"));
    assert!(f.related.contains(&"aws_kms_key.k".to_string()));
    assert!(
        f.related
            .contains(&"aws_secretsmanager_secret_policy.p".to_string())
    );
}

#[test]
fn a_key_without_a_policy_gets_the_default_policy() {
    let plan = shared(root(PARTNER), None)
        .create("aws_kms_key.k", json!({"description": "no policy"}))
        .computed("policy")
        .build();
    let r = check_texts(&[("plan.json", &kms_from(plan, "aws_kms_key.k.arn"))], &[]);
    assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
    assert_eq!(r.findings[0].rule, "XA003");
    assert!(
        r.findings[0].message.contains("default policy"),
        "{}",
        r.findings[0].message
    );

    // a policy that is written but known only after apply is unresolved, not a failure
    let plan = shared(root(PARTNER), None)
        .create(
            "aws_kms_key.k",
            json!({"description": "policy from a template"}),
        )
        .unknown("policy", Some("data.aws_iam_policy_document.kp.json"))
        .build();
    let r = check_texts(&[("plan.json", &kms_from(plan, "aws_kms_key.k.arn"))], &[]);
    assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
    let f = &r.findings[0];
    assert_eq!(
        (f.rule.as_str(), f.check.map(|c| c.as_str())),
        ("GC001", Some("XA003"))
    );
}

#[test]
fn no_kms_key_id_or_the_aws_managed_alias_is_xa002() {
    assert_eq!(codes(&shared(root(PARTNER), None).build()), ["XA002"]);
    assert_eq!(
        codes(&shared(root(PARTNER), Some("alias/aws/secretsmanager")).build()),
        ["XA002"]
    );
    assert_eq!(
        codes(
            &shared(
                root(PARTNER),
                Some("arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager")
            )
            .build()
        ),
        ["XA002"]
    );
    // shared with the owner only: no key needed
    assert_eq!(codes(&shared(root(OWNER), None).build()), NONE);
}

#[test]
fn xa002_points_at_kms_key_id() {
    let plan = shared(root(PARTNER), Some("alias/aws/secretsmanager")).build();
    let r = check_texts(&[("plan.json", &plan)], &[]);
    let loc = r.findings[0].location.as_ref().unwrap();
    let line = plan.lines().nth(loc.start.line as usize - 1).unwrap();
    let col = loc.start.column as usize - 1;
    assert!(
        line[col..].starts_with("\"alias/aws/secretsmanager\""),
        "{line}"
    );
}

#[test]
fn aws_managed_key_found_through_a_data_source() {
    let key = "arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-0000-0000-0000-000000000000";
    let plan = shared(root(PARTNER), Some(key))
        .data(
            "data.aws_kms_alias.sm",
            json!({"name": "alias/aws/secretsmanager", "target_key_arn": key,
                   "arn": "arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager"}),
        )
        .build();
    assert_eq!(codes(&plan), ["XA002"]);
    // by reference to the data source, when the plan reads it later
    let plan = shared(root(PARTNER), None)
        .change(
            "data.aws_kms_key.sm",
            &["read"],
            Value::Null,
            json!({"key_id": "alias/aws/secretsmanager"}),
        )
        .unknown("arn", None)
        .build();
    assert_eq!(codes(&kms_from(plan, "data.aws_kms_key.sm.arn")), ["XA002"]);
}

#[test]
fn key_policy_attached_with_aws_kms_key_policy() {
    let arn = "arn:aws:kms:eu-west-1:111122223333:key/2222bbbb-0000-0000-0000-000000000000";
    let key = json!({"arn": arn, "key_id": "2222bbbb-0000-0000-0000-000000000000", "policy": key_policy(vec![])});
    let base = || {
        shared(root(PARTNER), Some(arn)).change(
            "aws_kms_key.k",
            &["no-op"],
            key.clone(),
            key.clone(),
        )
    };
    assert_eq!(codes(&base().build()), ["XA003"]);
    let attached = base()
        .create(
            "aws_kms_key_policy.kp",
            json!({"policy": key_policy(vec![allow(root(PARTNER), &["kms:Decrypt", "kms:DescribeKey"])])}),
        )
        .unknown("key_id", Some("aws_kms_key.k.id"))
        .build();
    assert_eq!(codes(&attached), ["XA009"]);
}

#[test]
fn key_outside_the_plan_is_unresolved_not_an_error() {
    let plan = shared(
        root(PARTNER),
        Some("arn:aws:kms:eu-west-1:111122223333:key/9999ffff-0000-0000-0000-000000000000"),
    )
    .build();
    let r = check_texts(&[("plan.json", &plan)], &[]);
    assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
    let f = &r.findings[0];
    assert_eq!(f.rule, "GC001");
    assert_eq!(f.severity, grantcheck::Severity::Note);
    assert_eq!(f.check.map(|c| c.as_str()), Some("XA003"));
    assert!(
        f.message.contains("not managed in this configuration"),
        "{}",
        f.message
    );
}

#[test]
fn account_root_as_a_bare_account_id_is_not_an_exact_principal() {
    let arn = "arn:aws:kms:eu-west-1:111122223333:key/k1";
    let key = json!({"arn": arn, "policy": key_policy(vec![allow(json!({"AWS": PARTNER}), &["kms:Decrypt"])])});
    let plan = shared(json!({"AWS": PARTNER}), Some(arn))
        .change("aws_kms_key.k", &["no-op"], key.clone(), key.clone())
        .build();
    assert_eq!(codes(&plan), ["XA009"]);

    let role = json!({"AWS": format!("arn:aws:iam::{PARTNER}:role/app/reader")});
    let plan = shared(role, Some(arn))
        .change("aws_kms_key.k", &["no-op"], key.clone(), key)
        .build();
    let mut r = check_texts(&[("plan.json", &plan)], &[]);
    r.findings.retain(|f| f.rule != "XA009");
    assert_eq!(
        rules_of(&r),
        [(
            "XA001".to_string(),
            "aws_secretsmanager_secret_policy.p".to_string()
        )]
    );
    assert!(
        r.findings[0]
            .help
            .contains(&format!("arn:aws:iam::{PARTNER}:root"))
    );
    assert!(
        r.findings[0].message.contains("role app/reader"),
        "{}",
        r.findings[0].message
    );
}

fn with_policy(statements: Value) -> String {
    PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .create("aws_secretsmanager_secret.s", json!({"name": "x"}))
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(statements)}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build()
}

#[test]
fn star_limited_by_principal_org_id_is_not_public() {
    let limited = json!([{"Effect": "Allow", "Principal": "*", "Action": READ, "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}]);
    // still shared beyond the owner account: the AWS managed key cannot serve it
    assert_eq!(codes(&with_policy(limited)), ["XA002"]);

    let open =
        json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": READ, "Resource": "*"}]);
    assert_eq!(codes(&with_policy(open)), ["PA001", "XA002"]);

    let unrelated = json!([{"Effect": "Allow", "Principal": "*", "Action": READ, "Resource": "*",
        "Condition": {"ForAnyValue:StringEquals": {"secretsmanager:VersionStage": "AWSCURRENT"}}}]);
    assert_eq!(codes(&with_policy(unrelated)), ["PA001", "XA002"]);

    // "*" limited to the owner account is not cross-account at all
    let own = json!([{"Effect": "Allow", "Principal": "*", "Action": READ, "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": OWNER}}}]);
    assert_eq!(codes(&with_policy(own)), NONE);

    // Deny statements grant nothing
    let deny = json!([{"Effect": "Deny", "Principal": "*", "Action": READ, "Resource": "*"}]);
    assert_eq!(codes(&with_policy(deny)), NONE);
}

#[test]
fn describe_only_grants_do_not_need_the_key() {
    let describe = json!([allow(root(PARTNER), &["secretsmanager:DescribeSecret"])]);
    assert_eq!(codes(&with_policy(describe)), NONE);
    let wildcard = json!([allow(root(PARTNER), &["secretsmanager:Get*"])]);
    assert_eq!(codes(&with_policy(wildcard)), ["XA002"]);
}

#[test]
fn unknown_owner_gives_one_note_and_the_account_flag_decides() {
    let plan = PlanBuilder::new()
        .provider("aws", None, "eu-west-1")
        .create("aws_secretsmanager_secret.s", json!({"name": "x"}))
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(json!([allow(root(PARTNER), READ), allow(root("777788889999"), READ)]))}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build();
    let r = check_texts(&[("plan.json", &plan)], &[]);
    assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
    assert_eq!(r.findings[0].rule, "GC001");
    assert!(r.findings[0].help.contains("--account"));

    let r = check_texts(&[("plan.json", &plan)], &[OWNER]);
    assert_eq!(
        r.findings
            .iter()
            .map(|f| f.rule.as_str())
            .collect::<Vec<_>>(),
        ["XA002"]
    );
    assert!(
        r.findings[0].message.contains("444455556666")
            && r.findings[0].message.contains("777788889999")
    );
}

#[test]
fn owner_from_caller_identity_in_prior_state() {
    let plan = PlanBuilder::new()
        .provider("aws", None, "eu-west-1")
        .data(
            "data.aws_caller_identity.me",
            json!({"account_id": OWNER, "id": OWNER}),
        )
        .create("aws_secretsmanager_secret.s", json!({"name": "x"}))
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(json!([allow(root(OWNER), READ)]))}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build();
    assert_eq!(codes(&plan), NONE);
}

#[test]
fn references_resolve_through_module_inputs_and_outputs() {
    // module.app's secret uses var.key_arn, which the root passes from module.keys' output.
    let plan = PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .create(
            "module.keys.aws_kms_key.k",
            json!({"policy": key_policy(vec![])}),
        )
        .unknown("arn", None)
        .create(
            "module.app.aws_secretsmanager_secret.s",
            json!({"name": "x"}),
        )
        .unknown("kms_key_id", Some("var.key_arn"))
        .create(
            "module.app.aws_secretsmanager_secret_policy.p",
            json!({"policy": policy(json!([allow(root(PARTNER), READ)]))}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build();
    let mut v: Value = serde_json::from_str(&plan).unwrap();
    let rm = &mut v["configuration"]["root_module"];
    rm["module_calls"]["app"]["expressions"] =
        json!({"key_arn": {"references": ["module.keys.key_arn", "module.keys"]}});
    rm["module_calls"]["keys"]["module"]["outputs"] =
        json!({"key_arn": {"expression": {"references": ["aws_kms_key.k.arn", "aws_kms_key.k"]}}});
    let r = check_texts(&[("plan.json", &v.to_string())], &[]);
    assert_eq!(
        rules_of(&r),
        [(
            "XA003".to_string(),
            "module.app.aws_secretsmanager_secret.s".to_string()
        )]
    );
    assert!(
        r.findings[0]
            .related
            .contains(&"module.keys.aws_kms_key.k".to_string())
    );
}

/// A plan sharing a secret whose key grants the partner kms:Decrypt under a `kms:ViaService`
/// condition `op` of value `via`.
fn via_service_plan(op: &str, via: &str) -> String {
    let grant = json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:root")},
           "Action": "kms:Decrypt", "Resource": "*",
           "Condition": {op: {"kms:ViaService": via}}});
    let plan = shared(root(PARTNER), None)
        .create("aws_kms_key.k", json!({"policy": key_policy(vec![grant])}))
        .build();
    kms_from(plan, "aws_kms_key.k.arn")
}

#[test]
fn via_service_must_name_secrets_manager_in_the_secret_region() {
    let plan_with = |via: &str| via_service_plan("StringEquals", via);
    assert_eq!(
        codes(&plan_with("secretsmanager.eu-west-1.amazonaws.com")),
        NONE
    );
    let r = check_texts(
        &[(
            "plan.json",
            &plan_with("secretsmanager.us-east-1.amazonaws.com"),
        )],
        &[],
    );
    // XA003 on the secret (the grant does not cover it); PG016 on the condition itself
    let rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules.len(), 2, "{rules:?}");
    assert!(
        rules.contains(&"XA003") && rules.contains(&"PG016"),
        "{rules:?}"
    );
    let xa003 = r.findings.iter().find(|f| f.rule == "XA003").unwrap();
    assert!(
        xa003.message.contains("kms:ViaService"),
        "{}",
        xa003.message
    );
    assert_eq!(codes(&plan_with("s3.eu-west-1.amazonaws.com")), ["XA003"]);
}

#[test]
fn via_service_ignoring_case_is_matched_to_the_region_in_any_case() {
    let plan_with = |via: &str| via_service_plan("StringEqualsIgnoreCase", via);
    assert_eq!(
        codes(&plan_with("SecretsManager.EU-WEST-1.AmazonAWS.com")),
        NONE
    );
    for other in [
        "SECRETSMANAGER.US-EAST-1.AMAZONAWS.COM",
        "secretsmanager.eu-west-2.amazonaws.com",
    ] {
        assert!(
            codes(&plan_with(other)).contains(&"PG016".to_string()),
            "{other}"
        );
    }
}

#[test]
fn key_granting_only_one_role_does_not_cover_the_account() {
    let reader = json!({"AWS": format!("arn:aws:iam::{PARTNER}:role/reader")});
    let plan = shared(root(PARTNER), None)
        .create(
            "aws_kms_key.k",
            json!({"policy": key_policy(vec![allow(reader.clone(), &["kms:Decrypt"])])}),
        )
        .build();
    let mut r = check_texts(&[("plan.json", &kms_from(plan, "aws_kms_key.k.arn"))], &[]);
    r.findings.retain(|f| f.rule != "XA009");
    assert_eq!(r.findings.len(), 1);
    assert!(
        r.findings[0].message.contains("only role reader"),
        "{}",
        r.findings[0].message
    );
    // the same role on both sides is fine (XA001 still says: prefer the root)
    let plan = shared(reader.clone(), None)
        .create(
            "aws_kms_key.k",
            json!({"policy": key_policy(vec![allow(reader, &["kms:Decrypt"])])}),
        )
        .build();
    assert_eq!(
        codes(&kms_from(plan, "aws_kms_key.k.arn")),
        ["XA001", "XA009"]
    );
}

#[test]
fn invalid_policy_json_is_pg001_and_deleted_secrets_are_not_checked() {
    let plan = PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .create("aws_secretsmanager_secret.s", json!({"name": "x"}))
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": "{\"Statement\": [}"}),
        )
        .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build();
    assert_eq!(codes(&plan), ["PG001"]);

    let p = policy(json!([allow(root(PARTNER), READ)]));
    let plan = PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .change(
            "aws_secretsmanager_secret.s",
            &["delete"],
            json!({"name": "x", "policy": p}),
            Value::Null,
        )
        .build();
    // what the deleted secret had is reported only as fixed by the plan
    let r = check_texts(&[("plan.json", &plan)], &[]);
    assert!(
        r.findings
            .iter()
            .all(|f| f.change == Some(grantcheck::diagnostic::Change::Fixed)
                && f.severity == grantcheck::Severity::Note),
        "{:#?}",
        r.findings
    );
    assert_eq!(r.max_severity(), None);
}

#[test]
fn inline_policy_argument_is_checked_when_no_policy_resource_exists() {
    let p = policy(json!([allow(root(PARTNER), READ)]));
    let plan = PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .create(
            "aws_secretsmanager_secret.s",
            json!({"name": "x", "policy": p}),
        )
        .configured("policy", json!("…"))
        .build();
    assert_eq!(codes(&plan), ["XA002"]);
}

#[test]
fn unknown_principal_referencing_a_role_is_an_exact_role_of_its_account() {
    let plan = PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .create("aws_iam_role.reader", json!({"name": "reader"}))
        .unknown("arn", None)
        .secret_with_deferred_document()
        .build();
    let mut v: Value = serde_json::from_str(&plan).unwrap();
    // the policy document's configuration: a statement naming the role by reference
    v["configuration"]["root_module"]["resources"][3]["expressions"] = json!({
        "statement": [{"actions": {"constant_value": ["secretsmanager:GetSecretValue"]},
                       "resources": {"constant_value": ["*"]},
                       "principals": [{"type": {"constant_value": "AWS"},
                                       "identifiers": {"references": ["aws_iam_role.reader.arn", "aws_iam_role.reader"]}}]}]
    });
    // a same-account role: nothing cross-account to report, and nothing left undecided
    let r = check_texts(&[("plan.json", &v.to_string())], &[]);
    assert_eq!(r.findings.len(), 0, "{:#?}", r.findings);
    assert_eq!(r.summary.policies, 1);

    // the same document naming a partner's role literally: the rendered document is checked
    v["configuration"]["root_module"]["resources"][3]["expressions"]["statement"][0]["principals"]
        [0]["identifiers"] =
        json!({"constant_value": [format!("arn:aws:iam::{PARTNER}:role/reader")]});
    let r = check_texts(&[("plan.json", &v.to_string())], &[]);
    let mut rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort();
    assert_eq!(rules, ["XA001", "XA002"], "{:#?}", r.findings);
    // pointing at the identifier in the plan's configuration
    let xa001 = r.findings.iter().find(|f| f.rule == "XA001").unwrap();
    let loc = xa001.location.as_ref().unwrap();
    let text = v.to_string();
    let start = loc.start.offset.unwrap() as usize;
    assert!(
        text[start..].starts_with(&format!("\"arn:aws:iam::{PARTNER}:role/reader\"")),
        "{}",
        &text[start..start + 40]
    );

    // a document whose statements are unknown: the secret's sharing is unresolved, not passed
    v["configuration"]["root_module"]["resources"][3]["expressions"] =
        json!({"statement": {"references": ["local.statements"]}});
    let r = check_texts(&[("plan.json", &v.to_string())], &[]);
    assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
    assert_eq!(r.findings[0].rule, "GC001");
    // saying where the statements come from, as the configuration writes it
    assert!(
        r.findings[0]
            .message
            .ends_with("its policy is known after apply: computed from local.statements"),
        "{}",
        r.findings[0].message
    );
}

#[test]
fn sensitive_principals_never_reach_messages() {
    let plan = shared(
        json!({"AWS": format!("arn:aws:iam::{PARTNER}:role/very-secret-name")}),
        None,
    )
    .build();
    let mut v: Value = serde_json::from_str(&plan).unwrap();
    v["resource_changes"][1]["change"]["after_sensitive"] = json!({"policy": true});
    let r = check_texts(&[("plan.json", &v.to_string())], &[]);
    assert_eq!(r.findings.len(), 2, "{:#?}", r.findings);
    let text = r.to_json();
    assert!(!text.contains("very-secret-name"), "{text}");
}

/// Checks a plan whose secret is shared with the partner and encrypted with a key created
/// beside it, whose key policy has `extra` statements and may be marked sensitive.
fn check_key_policy(extra: Vec<Value>, sensitive: bool) -> grantcheck::Report {
    let plan =
        shared(root(PARTNER), None).create("aws_kms_key.k", json!({"policy": key_policy(extra)}));
    let plan = if sensitive {
        plan.sensitive("policy")
    } else {
        plan
    };
    let plan = plan.unknown("arn", None).build();
    check_texts(&[("plan.json", &kms_from(plan, "aws_kms_key.k.arn"))], &[])
}

#[test]
fn sensitive_invalid_principals_are_not_quoted() {
    // reasons for an invalid principal may quote its account or its type
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
         "Principal": {"AWS": "arn:aws:iam::1234secretacct:root", "AwsSecretkey": "x"}}]});
    let report = |sensitive| {
        check_texts(
            &[("plan.json", &secret_policy_plan(&policy, sensitive))],
            &[],
        )
    };
    let (open, hidden) = (report(false), report(true));
    let pg008 = |r: &grantcheck::Report| r.findings.iter().filter(|f| f.rule == "PG008").count();
    assert_eq!(pg008(&open), 2, "{:#?}", open.findings);
    assert_eq!(pg008(&hidden), 2, "{:#?}", hidden.findings);
    let open_text = open.to_json();
    let text = hidden.to_json();
    for word in ["secretacct", "Secretkey"] {
        assert!(open_text.contains(word), "{word} in {open_text}");
        assert!(!text.contains(word), "{word} in {text}");
    }
}

#[test]
fn sensitive_key_policy_accounts_never_reach_messages() {
    // an account only the key policy names, granted more than kms:Decrypt (XA009)
    const OTHER: &str = "999988887777";
    let report = |sensitive| check_key_policy(vec![allow(root(OTHER), &["kms:*"])], sensitive);
    let (open, hidden) = (report(false), report(true));
    for r in [&open, &hidden] {
        assert!(
            r.findings.iter().any(|f| f.rule == "XA009"),
            "{:#?}",
            r.findings
        );
    }
    assert!(open.to_json().contains(OTHER));
    let text = hidden.to_json();
    assert!(!text.contains(OTHER), "{text}");
}

#[test]
fn an_unresolved_finding_says_where_the_value_comes_from() {
    let message = |reference: Option<&str>| {
        let plan = shared(root(PARTNER), None)
            .create("aws_kms_key.k", json!({"description": "policy set later"}))
            .unknown("policy", reference)
            .build();
        let r = check_texts(&[("plan.json", &kms_from(plan, "aws_kms_key.k.arn"))], &[]);
        assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
        assert_eq!(r.findings[0].rule, "GC001");
        r.findings[0].message.clone()
    };
    // computed from what the configuration references
    assert!(
        message(Some("data.aws_iam_policy_document.kp.json")).ends_with(
            "the policy of key aws_kms_key.k is known after apply: computed from data.aws_iam_policy_document.kp.json"
        )
    );
    // written with no reference Terraform could name: the resource's own attribute
    assert!(
        message(None)
            .ends_with("the policy of key aws_kms_key.k is known after apply (aws_kms_key.k)")
    );
}

/// A plan that creates a secret and its policy `policy`, which the plan may mark sensitive.
fn secret_policy_plan(policy: &Value, sensitive: bool) -> String {
    let plan = PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .create("aws_secretsmanager_secret.s", json!({"name": "app/db"}))
        .create(
            "aws_secretsmanager_secret_policy.p",
            json!({"policy": policy.to_string()}),
        );
    let plan = if sensitive {
        plan.sensitive("policy")
    } else {
        plan
    };
    plan.unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
        .build()
}

#[test]
fn sensitive_policy_keys_never_reach_reports() {
    // condition operators and keys are part of the policy the plan marks sensitive
    let conditions = json!({
        "StringEqualsSecretop": {"aws:PrincipalTag/secrettag1": "a"},
        "ForAllValues:StringEquals": {"aws:PrincipalTag/secrettag2": "b"},
        "NumericEquals": {"aws:PrincipalTag/secrettag3": "not a number"}
    });
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:root")},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": conditions}]});
    let build = |sensitive: bool| {
        check_texts(
            &[("plan.json", &secret_policy_plan(&policy, sensitive))],
            &[],
        )
    };
    let rules_of = |r: &grantcheck::Report| {
        let mut v: Vec<String> = r.findings.iter().map(|f| f.rule.to_string()).collect();
        v.sort();
        v.dedup();
        v
    };
    let (open, hidden) = (build(false), build(true));
    assert_eq!(rules_of(&open), rules_of(&hidden));
    for rule in ["PG009", "PG010", "PG019"] {
        assert!(
            rules_of(&hidden).contains(&rule.to_string()),
            "{rule}: {:#?}",
            hidden.findings
        );
    }
    // the words are there when the policy is not sensitive, so the test can see them go
    let open_text = open.to_json();
    for word in ["Secretop", "secrettag2", "secrettag3"] {
        assert!(open_text.contains(word), "{word} in {open_text}");
    }
    let text = format!(
        "{}{}",
        hidden.to_json(),
        grantcheck::report::sarif::to_sarif(&hidden)
    );
    for word in ["Secretop", "secrettag"] {
        assert!(!text.contains(word), "{word} in {text}");
    }
    assert!(
        text.contains("/Statement/0/Condition/(sensitive)"),
        "{text}"
    );
    assert!(text.contains("(sensitive key)"), "{text}");
}

#[test]
fn sensitive_via_service_values_are_not_quoted_in_part() {
    // kms:ViaService values whose faults PG016 explains from their parts: another Region, a
    // misspelt service, no Region, and a case-sensitive operator misspelt
    let via = |op: &str, value: &str| {
        json!({"Effect": "Allow", "Principal": root(PARTNER), "Action": "kms:Decrypt",
            "Resource": "*", "Condition": {op: {"kms:ViaService": value}}})
    };
    let extra = vec![
        via("StringEquals", "secretsmanager.eu-central-1.amazonaws.com"),
        via("StringEquals", "secretsmanagr.eu-west-1.amazonaws.com"),
        via("StringEquals", "secretsmanagerx.amazonaws.com"),
        via(
            "StringEqualsSecretop",
            "secretsmanager.EU-west-1.amazonaws.com",
        ),
    ];
    let report = |sensitive| check_key_policy(extra.clone(), sensitive);
    let words = ["central", "secretsmanagr", "secretsmanagerx", "Secretop"];
    let (open, hidden) = (report(false), report(true));
    let pg016 = |r: &grantcheck::Report| r.findings.iter().filter(|f| f.rule == "PG016").count();
    assert_eq!(pg016(&open), 4, "{:#?}", open.findings);
    assert_eq!(pg016(&hidden), 4, "{:#?}", hidden.findings);
    // the words are there when the policy is not sensitive, so the test can see them go
    let open_text = open.to_json();
    for word in words {
        assert!(open_text.contains(word), "{word} in {open_text}");
    }
    let text = hidden.to_json();
    for word in words {
        assert!(!text.contains(word), "{word} in {text}");
    }
}

#[test]
fn sensitive_policy_texts_never_reach_messages() {
    // a key policy the plan marks sensitive: its Sid and its kms:ViaService value stay unsaid
    let deny = json!({"Sid": "SecretSidA", "Effect": "Deny", "Principal": root(PARTNER),
        "Action": "kms:Decrypt", "Resource": "*"});
    let via = json!({"Effect": "Allow", "Principal": root(PARTNER), "Action": "kms:Decrypt",
        "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.secretregion-1.amazonaws.com"}}});
    let mut reports = vec![];
    for extra in [
        vec![allow(root(PARTNER), &["kms:Decrypt"]), deny],
        vec![via],
    ] {
        let r = check_key_policy(extra, true);
        assert!(
            r.findings.iter().any(|f| f.rule == "XA003"),
            "{:#?}",
            r.findings
        );
        reports.push(r);
    }
    // a secret policy the plan marks sensitive, wrong in every place a message quotes
    let policy = json!({"Version": "1999-secretver", "Statement": [
        {"Sid": "Dup secretsid", "Effect": "Allowsecreteff", "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:root")},
         "Action": ["secretsmanager:GetSecretValuesecretact", "secretsmanager:Secretwild*"],
         "Resource": "arn:aws:secretsmanager:${aws:secretvar}"},
        {"Sid": "Dup secretsid", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:root")},
         "Action": ["secretsmanager:GetSecretValue", "secretsmanager:ListSecrets"], "Resource": "*"}]});
    let r = check_texts(&[("plan.json", &secret_policy_plan(&policy, true))], &[]);
    let mut rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort();
    rules.dedup();
    for rule in [
        "PG002", "PG003", "PG004", "PG005", "PG006", "PG007", "PG011", "PG012",
    ] {
        assert!(rules.contains(&rule), "{rule} in {rules:?}");
    }
    reports.push(r);
    for (i, r) in reports.into_iter().enumerate() {
        let text = r.to_json();
        // the denying statement is named by where it is; the other values as sensitive
        let said = if i == 0 {
            "denies it"
        } else {
            "(sensitive value)"
        };
        assert!(text.contains(said), "{said} in {text}");
        for word in [
            "SecretSidA",
            "secretregion",
            "secretver",
            "secretsid",
            "secreteff",
            "secretact",
            "Secretwild",
            "ListSecrets\"",
            "secretvar",
        ] {
            assert!(!text.contains(word), "{word} in {text}");
        }
    }
}

/// Checks a plan whose secret, shared with the partner, is in the Region of its `attr` (written
/// with `value`; `var.region`: its provider's region, from that variable), which the plan may
/// mark sensitive; the key's policy lets the partner decrypt
/// only through Secrets Manager in another Region.
fn check_secret_region(attr: &str, value: &str, sensitive: bool) -> grantcheck::Report {
    let via = json!({"Effect": "Allow", "Principal": root(PARTNER), "Action": "kms:Decrypt",
        "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-central-1.amazonaws.com"}}});
    let plan = shared(root(PARTNER), None)
        .create("aws_kms_key.k", json!({"policy": key_policy(vec![via])}))
        .unknown("arn", None)
        .build();
    let mut v: Value = serde_json::from_str(&kms_from(plan, "aws_kms_key.k.arn")).unwrap();
    if attr == "var.region" {
        // the provider's region, from a root variable that may be declared sensitive
        v["configuration"]["provider_config"]["aws"]["expressions"]["region"] =
            json!({"references": ["var.region"]});
        v["variables"] = json!({"region": {"value": value}});
        v["configuration"]["root_module"]["variables"] =
            json!({"region": {"sensitive": sensitive}});
        return check_texts(&[("plan.json", &v.to_string())], &[]);
    }
    let change = &mut v["resource_changes"][0]["change"];
    change["after"][attr] = json!(value);
    if sensitive {
        change["after_sensitive"][attr] = json!(true);
    }
    check_texts(&[("plan.json", &v.to_string())], &[])
}

#[test]
fn secret_regions_the_plan_marks_sensitive_are_not_named() {
    // the secret's Region from its own `region`, from its ARN, and from its provider
    for (attr, value) in [
        ("region", "eu-secretregion-1"),
        (
            "arn",
            "arn:aws:secretsmanager:eu-secretregion-1:111122223333:secret:app/db-AbCdEf",
        ),
        ("var.region", "eu-secretregion-1"),
    ] {
        let (open, hidden) = (
            check_secret_region(attr, value, false),
            check_secret_region(attr, value, true),
        );
        // the Region decides the same way, marked or not
        assert_eq!(rules_of(&open), rules_of(&hidden), "{attr}");
        for rule in ["PG016", "XA003"] {
            assert!(
                hidden.findings.iter().any(|f| f.rule == rule),
                "{rule} for {attr}: {:#?}",
                hidden.findings
            );
        }
        let text = assert_only_unmarked_shows(&open, &hidden, "secretregion");
        assert!(
            text.contains("secretsmanager.<region>.amazonaws.com"),
            "{text}"
        );
    }
}

/// The same findings with and without the sensitive mark, among them one of `rule` whose
/// message says `said`.
fn assert_same_rules_and_said(
    open: &grantcheck::Report,
    hidden: &grantcheck::Report,
    rule: &str,
    said: &str,
) {
    assert_eq!(rules_of(open), rules_of(hidden));
    assert!(
        hidden
            .findings
            .iter()
            .any(|f| f.rule == rule && f.message.contains(said)),
        "{rule}: {:#?}",
        hidden.findings
    );
}

#[test]
fn a_secret_arn_the_plan_marks_sensitive_is_not_quoted_as_an_origin() {
    // a policy attached to a secret outside the configuration, by an ARN that may be sensitive
    let arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/secretname-AbCdEf";
    let report = |sensitive: bool| {
        let plan = PlanBuilder::new()
            .provider("aws", Some(OWNER), "eu-west-1")
            .create(
                "aws_secretsmanager_secret_policy.p",
                json!({"secret_arn": arn, "policy": policy(json!([allow(root(PARTNER), READ)]))}),
            );
        let plan = if sensitive {
            plan.sensitive("secret_arn")
        } else {
            plan
        };
        check_texts(&[("plan.json", &plan.build())], &[])
    };
    let (open, hidden) = (report(false), report(true));
    assert_same_rules_and_said(&open, &hidden, "GC001", "not managed in this configuration");
    assert_only_unmarked_shows(&open, &hidden, "secretname");
}

#[test]
fn xa003_and_xa009_do_not_name_a_key_policy_role_the_plan_marks_sensitive() {
    // the secret is shared with the partner's account; its key policy allows only one of its roles
    let role = json!({"AWS": format!("arn:aws:iam::{PARTNER}:role/secret-key-role")});
    let report =
        |sensitive| check_key_policy(vec![allow(role.clone(), &["kms:Decrypt"])], sensitive);
    let (open, hidden) = (report(false), report(true));
    assert_same_rules_and_said(&open, &hidden, "XA003", "allows only");
    // (the role is granted kms:Decrypt with no kms:ViaService condition)
    assert!(
        hidden.findings.iter().any(|f| f.rule == "XA009"),
        "{:#?}",
        hidden.findings
    );
    assert_only_unmarked_shows(&open, &hidden, "secret-key-role");
}
