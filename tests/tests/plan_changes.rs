//! What a plan changes: findings introduced, already present or fixed by the plan, `--new-only`,
//! and the accounts that gain or lose access to each secret.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use grantcheck::changes::{AccessChange, retain_new_only};
use grantcheck::diagnostic::Change;
use grantcheck::{Report, Severity};
use grantcheck_tests::*;
use serde_json::{Value, json};

const SECRET_ARN: &str = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/db-AbCdEf";
const OTHER: &str = "777788889999";

fn role(acct: &str, name: &str) -> Value {
    json!({"AWS": format!("arn:aws:iam::{acct}:role/{name}")})
}

fn root(acct: &str) -> Value {
    json!({"AWS": format!("arn:aws:iam::{acct}:root")})
}

fn secret_state() -> Value {
    json!({"name": "app/db", "arn": SECRET_ARN, "id": SECRET_ARN, "recovery_window_in_days": 30,
           "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"})
}

fn policy_state(statements: Value) -> Value {
    json!({"secret_arn": SECRET_ARN, "policy": policy(statements)})
}

/// An existing secret, and its policy changed by `actions` from `before` to `after`.
fn plan(actions: &[&str], before: Value, after: Value) -> String {
    let b = if before.is_null() {
        Value::Null
    } else {
        policy_state(before)
    };
    let a = if after.is_null() {
        Value::Null
    } else {
        policy_state(after)
    };
    PlanBuilder::new()
        .provider("aws", Some(OWNER), "eu-west-1")
        .change(
            "aws_secretsmanager_secret.s",
            &["no-op"],
            secret_state(),
            secret_state(),
        )
        .change("aws_secretsmanager_secret_policy.p", actions, b, a)
        .build()
}

fn run(plan: &str) -> Report {
    check_texts(&[("plan.json", plan)], &[])
}

/// (rule, change, the principal's account) of the findings of `rule`.
fn marks(r: &Report, rule: &str) -> Vec<(Option<Change>, String)> {
    let mut v: Vec<(Option<Change>, String)> = r
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            let acct = [PARTNER, OTHER]
                .into_iter()
                .find(|a| f.message.contains(a))
                .unwrap_or("-");
            (f.change, acct.to_string())
        })
        .collect();
    v.sort_by_key(|(c, a)| (format!("{c:?}"), a.clone()));
    v
}

#[test]
fn an_updated_policy_marks_new_kept_and_fixed_findings() {
    let before = json!([
        allow(role(PARTNER, "reader"), READ),
        allow(role(OTHER, "old"), READ)
    ]);
    // statements reordered and one principal swapped for the account root
    let after = json!([
        allow(root(OTHER), READ),
        allow(role(PARTNER, "reader"), READ),
        allow(role(OTHER, "new"), READ)
    ]);
    let r = run(&plan(&["update"], before, after));
    let xa001: Vec<_> = r.findings.iter().filter(|f| f.rule == "XA001").collect();
    assert_eq!(xa001.len(), 3, "{:#?}", r.findings);
    let find = |needle: &str| {
        xa001
            .iter()
            .find(|f| f.message.contains(needle))
            .unwrap_or_else(|| panic!("no XA001 naming {needle}: {:#?}", r.findings))
    };
    assert_eq!(find("role/reader").change, Some(Change::Existing));
    assert_eq!(find("role/new").change, Some(Change::Introduced));
    let fixed = find("role/old");
    assert_eq!(fixed.change, Some(Change::Fixed));
    assert_eq!(fixed.severity, Severity::Note);
    // the fixed finding points at the policy as it is now, in the plan's `before`
    assert!(fixed.location.is_some());
    // no account gains or loses access: both accounts are granted before and after
    assert_eq!(r.summary.access_changes, vec![]);
    let json = r.to_json();
    assert!(json.contains("\"change\": \"introduced\""), "{json}");
    assert!(json.contains("\"change\": \"fixed\""), "{json}");
}

#[test]
fn accounts_gained_and_lost_are_summarised_per_secret() {
    let before = json!([allow(root(PARTNER), READ)]);
    let after = json!([allow(root(OTHER), READ)]);
    let r = run(&plan(&["update"], before, after));
    assert_eq!(
        r.summary.access_changes,
        vec![AccessChange {
            secret: "aws_secretsmanager_secret.s".into(),
            gained: vec![OTHER.into()],
            lost: vec![PARTNER.into()],
        }]
    );
    assert!(r.to_json().contains("\"access_changes\""));
}

#[test]
fn a_plan_that_changes_nothing_marks_everything_existing() {
    let st = json!([allow(role(PARTNER, "reader"), READ)]);
    let r = run(&plan(&["no-op"], st.clone(), st));
    assert_eq!(
        marks(&r, "XA001"),
        vec![(Some(Change::Existing), PARTNER.to_string())]
    );
    assert!(r.summary.access_changes.is_empty());
}

#[test]
fn a_created_policy_introduces_its_findings_and_grants() {
    let r = run(&plan(
        &["create"],
        Value::Null,
        json!([allow(role(PARTNER, "reader"), READ)]),
    ));
    assert_eq!(
        marks(&r, "XA001"),
        vec![(Some(Change::Introduced), PARTNER.to_string())]
    );
    assert_eq!(r.summary.access_changes.len(), 1);
    assert_eq!(
        r.summary.access_changes[0].gained,
        vec![PARTNER.to_string()]
    );
}

#[test]
fn fixing_an_error_does_not_fail_the_run() {
    // PA001 (public secret policy) is an error before the plan and gone after it
    let before = json!([allow(json!("*"), READ)]);
    let after = json!([allow(root(PARTNER), READ)]);
    let r = run(&plan(&["update"], before, after));
    let pa: Vec<_> = r.findings.iter().filter(|f| f.rule == "PA001").collect();
    assert_eq!(pa.len(), 1, "{:#?}", r.findings);
    assert_eq!(pa[0].change, Some(Change::Fixed));
    assert_eq!(pa[0].severity, Severity::Note);
    assert!(
        r.max_severity().is_none_or(|s| s < Severity::Error),
        "{:#?}",
        r.findings
    );
    assert_eq!(r.summary.access_changes[0].lost, vec!["*".to_string()]);
}

#[test]
fn a_deleted_policy_fixes_its_findings() {
    let r = run(&plan(
        &["delete"],
        json!([allow(role(PARTNER, "reader"), READ)]),
        Value::Null,
    ));
    assert_eq!(
        marks(&r, "XA001"),
        vec![(Some(Change::Fixed), PARTNER.to_string())]
    );
    assert_eq!(r.summary.access_changes[0].lost, vec![PARTNER.to_string()]);
}

#[test]
fn new_only_keeps_what_the_plan_introduces() {
    let before = json!([
        allow(role(PARTNER, "reader"), READ),
        allow(role(OTHER, "old"), READ)
    ]);
    let after = json!([
        allow(role(PARTNER, "reader"), READ),
        allow(role(OTHER, "new"), READ)
    ]);
    let mut r = run(&plan(&["update"], before, after));
    retain_new_only(&mut r);
    assert!(
        r.findings
            .iter()
            .all(|f| f.change == Some(Change::Introduced)),
        "{:#?}",
        r.findings
    );
    assert_eq!(marks(&r, "XA001").len(), 1);
    assert!(r.findings[0].message.contains("role/new"));
    let counted = r.summary.errors + r.summary.warnings + r.summary.notes;
    assert_eq!(counted, r.findings.len());
}

#[test]
fn configuration_input_has_no_change_marks() {
    let tf = r#"
resource "aws_secretsmanager_secret" "s" { name = "app/db" }
resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = "*",
                   Principal = { AWS = "arn:aws:iam::444455556666:role/reader" } }]
  })
}
"#;
    let r = check_texts(&[("main.tf", tf)], &[OWNER]);
    assert!(r.findings.iter().any(|f| f.rule == "XA001"));
    assert!(r.findings.iter().all(|f| f.change.is_none()));
    assert!(!r.to_json().contains("\"change\""));
}

#[test]
fn accounts_of_a_policy_the_plan_marks_sensitive_are_not_named_as_changes() {
    // (accounts that no rule's documentation names)
    const LOSER: &str = "135792468024";
    const GAINER: &str = "975318642086";
    let (before, after) = (
        json!([allow(root(LOSER), READ)]),
        json!([allow(root(GAINER), READ)]),
    );
    let text = plan(&["update"], before, after);
    let mut marked: Value = serde_json::from_str(&text).unwrap();
    let change = &mut marked["resource_changes"][1]["change"];
    change["before_sensitive"] = json!({"policy": true});
    change["after_sensitive"] = json!({"policy": true});
    let (open, hidden) = (run(&text), run(&marked.to_string()));
    // the same accounts gain and lose access, marked or not
    let shown = AccessChange {
        secret: "aws_secretsmanager_secret.s".into(),
        gained: vec!["(sensitive value)".into()],
        lost: vec!["(sensitive value)".into()],
    };
    assert_eq!(hidden.summary.access_changes, vec![shown]);
    assert_eq!(
        open.summary.access_changes[0].gained,
        vec![GAINER.to_string()]
    );
    for acct in [LOSER, GAINER] {
        assert_only_unmarked_shows(&open, &hidden, acct);
    }
}

#[test]
fn an_old_policy_is_masked_when_only_the_new_one_is_marked_sensitive() {
    // Plans written before `before_sensitive` existed mark only the new value: the old value of
    // the same attribute is just as secret, and what the plan fixes or takes away must not show it.
    const HIDDEN_ROLE: &str = "246813579135";
    let (before, after) = (
        json!([allow(role(HIDDEN_ROLE, "old-reader"), READ)]),
        json!([allow(root(OTHER), READ)]),
    );
    let text = plan(&["update"], before, after);
    let mut marked: Value = serde_json::from_str(&text).unwrap();
    let change = &mut marked["resource_changes"][1]["change"];
    change.as_object_mut().unwrap().remove("before_sensitive");
    change["after_sensitive"] = json!({"policy": true});
    let (open, hidden) = (run(&text), run(&marked.to_string()));
    assert!(
        open.findings
            .iter()
            .any(|f| f.rule == "XA001" && f.change == Some(Change::Fixed)),
        "{}",
        open.to_json()
    );
    assert_only_unmarked_shows(&open, &hidden, HIDDEN_ROLE);
    assert!(
        !hidden.to_json().contains("old-reader"),
        "{}",
        hidden.to_json()
    );
}
