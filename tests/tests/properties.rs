//! Property tests: principal and ARN normalisation round-trips, the nesting pre-check agrees with
//! a plain bracket count, and the span of a finding is exactly the text it reports, as written —
//! for policies inside heredocs and inside plan strings (escaped) alike.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use grantcheck::base::json::depth_exceeded;
use grantcheck::policy::principal::{
    PARTITIONS, PrincipalKind, PrincipalType, normalize, parse_arn,
};
use grantcheck_tests::check_texts;
use proptest::prelude::*;

const OWNER: &str = "111122223333";

fn account() -> impl Strategy<Value = String> {
    "[0-9]{12}".prop_filter("not the owner", |a| a != OWNER)
}

fn partition() -> impl Strategy<Value = String> {
    proptest::sample::select(PARTITIONS).prop_map(str::to_string)
}

/// IAM names: letters, digits and `+=,.@_-`, with an optional path.
fn iam_name() -> impl Strategy<Value = String> {
    ("([a-z0-9]{1,8}/){0,2}", "[A-Za-z0-9+=,.@_-]{1,24}").prop_map(|(path, name)| path + &name)
}

/// What a principal ARN says, and the ARN written for it.
#[derive(Clone, Debug)]
enum Who {
    Root,
    Role(String),
    User(String),
    Session(String, String),
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        Just(Who::Root),
        iam_name().prop_map(Who::Role),
        iam_name().prop_map(Who::User),
        ("[A-Za-z0-9_-]{1,16}", "[A-Za-z0-9_=,.@-]{1,16}").prop_map(|(r, s)| Who::Session(r, s)),
    ]
}

fn arn_of(partition: &str, account: &str, who: &Who) -> String {
    match who {
        Who::Root => format!("arn:{partition}:iam::{account}:root"),
        Who::Role(n) => format!("arn:{partition}:iam::{account}:role/{n}"),
        Who::User(n) => format!("arn:{partition}:iam::{account}:user/{n}"),
        Who::Session(r, s) => format!("arn:{partition}:sts::{account}:assumed-role/{r}/{s}"),
    }
}

/// The bracket depth a naive count gives, skipping JSON strings.
fn naive_depth_exceeded(text: &str, max: usize) -> Option<usize> {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn secret_policy_json(principal: &str, pretty: bool) -> String {
    let doc = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": principal},
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*"
        }]
    });
    if pretty {
        serde_json::to_string_pretty(&doc).unwrap()
    } else {
        serde_json::to_string(&doc).unwrap()
    }
}

/// The source text under each place a finding shows for `account`'s principal: every one must
/// be the principal's text as written, `needle`.
fn assert_spans_are(
    report: &grantcheck::Report,
    files: &[(&str, &str)],
    account: &str,
    needle: &str,
) {
    let mut places = vec![];
    for f in &report.findings {
        // findings on the policy point at the principal; the others name it as a related place
        if f.resource == "aws_secretsmanager_secret_policy.p" && f.message.contains(account) {
            places.extend(f.location.iter().map(|l| (f.rule, l)));
        }
        for r in &f.related_locations {
            if r.message.contains(account) {
                places.push((f.rule, &r.location));
            }
        }
    }
    assert!(!places.is_empty(), "no place shown: {:?}", report.findings);
    for (rule, loc) in places {
        let text = files
            .iter()
            .find(|(p, _)| *p == loc.file)
            .map(|(_, t)| *t)
            .expect("the file of the location");
        let (start, end) = (
            loc.start.offset.expect("offset") as usize,
            loc.end.offset.expect("offset") as usize,
        );
        let under = &text[start..end];
        // exactly the principal, quotes included, as written (escaped in a plan's string)
        assert_eq!(under, needle, "{rule}: {under:?} is not {needle}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn principal_arns_normalise_to_what_they_name(p in partition(), a in account(), w in who()) {
        let arn = arn_of(&p, &a, &w);
        let n = normalize(&PrincipalType::Aws, &arn);
        prop_assert_eq!(n.account.as_deref(), Some(a.as_str()));
        prop_assert_eq!(n.partition.as_deref(), Some(p.as_str()));
        let expected = match &w {
            Who::Root => PrincipalKind::Account,
            Who::Role(name) => PrincipalKind::Role { name: name.clone() },
            Who::User(name) => PrincipalKind::User { name: name.clone() },
            Who::Session(role, session) => PrincipalKind::AssumedRole {
                role: role.clone(),
                session: session.clone(),
            },
        };
        prop_assert_eq!(n.kind, expected);
    }

    #[test]
    fn a_bare_account_id_means_its_root(a in account()) {
        let bare = normalize(&PrincipalType::Aws, &a);
        let root = normalize(&PrincipalType::Aws, &format!("arn:aws:iam::{a}:root"));
        prop_assert_eq!(bare.kind, root.kind);
        prop_assert_eq!(bare.account, root.account);
    }

    #[test]
    fn arns_split_and_join_back(text in "arn:[a-z-]{1,10}:[a-z0-9]{1,8}:[a-z0-9-]{0,12}:[0-9a-z]{0,12}:[ -~]{1,40}") {
        let arn = parse_arn(&text).expect("an ARN");
        let joined = format!(
            "arn:{}:{}:{}:{}:{}",
            arn.partition, arn.service, arn.region, arn.account, arn.resource
        );
        prop_assert_eq!(joined, text);
    }

    #[test]
    fn any_principal_text_normalises_without_panic(key in "AWS|Service|Federated|CanonicalUser|\\*|[A-Za-z]{0,6}", text in "\\PC{0,60}") {
        let n = normalize(&PrincipalType::from_key(&key), &text);
        if let Some(a) = &n.account {
            prop_assert!(a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn the_nesting_pre_check_agrees_with_a_plain_count(text in "[\\[\\]{}\"\\\\a ]{0,300}", max in 0usize..8) {
        prop_assert_eq!(depth_exceeded(&text, max), naive_depth_exceeded(&text, max));
    }

    #[test]
    fn spans_are_the_principal_in_a_heredoc(a in account(), w in who(), indent in 0usize..6, strip in any::<bool>(), pretty in any::<bool>()) {
        let arn = arn_of("aws", &a, &w);
        let pad = " ".repeat(indent);
        let body: String = secret_policy_json(&arn, pretty)
            .lines()
            .map(|l| format!("{pad}{l}\n"))
            .collect();
        let marker = if strip { "<<-" } else { "<<" };
        let tf = format!(
            "provider \"aws\" {{\n  allowed_account_ids = [\"{OWNER}\"]\n}}\n\nresource \"aws_secretsmanager_secret\" \"s\" {{\n  name = \"s\"\n}}\n\nresource \"aws_secretsmanager_secret_policy\" \"p\" {{\n  secret_arn = aws_secretsmanager_secret.s.arn\n  policy     = {marker}POLICY\n{body}{pad}POLICY\n}}\n"
        );
        let files = [("main.tf", tf.as_str())];
        let report = check_texts(&files, &[]);
        assert_spans_are(&report, &files, &a, &format!("\"{arn}\""));
    }

    #[test]
    fn spans_are_the_principal_in_a_plan_string(a in account(), w in who(), pretty in any::<bool>()) {
        let arn = arn_of("aws", &a, &w);
        let policy = secret_policy_json(&arn, pretty);
        let plan = grantcheck_tests::PlanBuilder::new()
            .provider("aws", Some(OWNER), "eu-west-1")
            .create("aws_secretsmanager_secret.s", serde_json::json!({"name": "s"}))
            .create(
                "aws_secretsmanager_secret_policy.p",
                serde_json::json!({"policy": policy}),
            )
            .unknown("secret_arn", Some("aws_secretsmanager_secret.s.arn"))
            .build();
        let files = [("plan.json", plan.as_str())];
        let report = check_texts(&files, &[]);
        // the plan escapes the policy's quotes, not the principal's characters
        assert_spans_are(&report, &files, &a, &format!("\\\"{arn}\\\""));
    }
}
