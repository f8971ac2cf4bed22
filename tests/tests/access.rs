//! The access graph (the report's `access` section): on fixtures of each case, as a plan and
//! as a configuration, each reader's verdict and links; on every input, the graph agrees with
//! the findings (XA002 on a secret ⇔ its granted readers break at `key`; XA003 for an account
//! ⇔ its granted reader breaks at `key-policy`); and on generated workloads, the secrets each
//! verdict counts, and the verdicts of the reader roles, are the generator's expected counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use grantcheck::access::{LinkKind, LinkState, Reader, Verdict};
use grantcheck::report::Location;
use grantcheck::{Report, SourceFile};
use grantcheck_tests::{files_under, repo_root, shared_or_skip};

/// Every file under `dir` as a source, with paths relative to `dir`'s parent (as the CLI gives
/// a directory).
fn sources_under(dir: &Path) -> Vec<SourceFile> {
    let base = dir.parent().unwrap();
    let mut files: Vec<PathBuf> = files_under(dir);
    files.sort();
    files
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().to_string();
            SourceFile::new(i as u32, rel, std::fs::read_to_string(p).unwrap())
        })
        .collect()
}

fn check(sources: &[SourceFile]) -> Report {
    grantcheck::check(sources, &grantcheck::Options::default())
}

fn fixture_plan() -> Report {
    let path = repo_root().join("tests/fixtures/access/plan.json");
    let text = std::fs::read_to_string(path).unwrap();
    check(&[SourceFile::new(0, "plan.json", text)])
}

fn fixture_tf() -> Report {
    check(&sources_under(
        &repo_root().join("tests/fixtures/access/tf"),
    ))
}

/// The readers of the secret `aws_secretsmanager_secret.NAME`.
fn readers<'r>(report: &'r Report, name: &str) -> &'r [Reader<Option<Location>>] {
    let address = format!("aws_secretsmanager_secret.{name}");
    &report
        .access
        .iter()
        .find(|s| s.secret == address)
        .unwrap_or_else(|| panic!("{address} in {:#?}", report.access))
        .readers
}

/// The one reader of a fixture secret.
fn reader<'r>(report: &'r Report, name: &str) -> &'r Reader<Option<Location>> {
    let rs = readers(report, name);
    assert_eq!(rs.len(), 1, "{name}: {rs:#?}");
    &rs[0]
}

fn state(r: &Reader<Option<Location>>, link: LinkKind) -> Option<LinkState> {
    r.links.iter().find(|l| l.link == link).map(|l| l.state)
}

fn message(r: &Reader<Option<Location>>, link: LinkKind) -> &str {
    &r.links.iter().find(|l| l.link == link).unwrap().message
}

/// The reader of fixture secret `name`, checked for its verdict and for what a link says.
fn case<'r>(
    report: &'r Report,
    input: &str,
    name: &str,
    verdict: (Verdict, Option<LinkKind>),
    says: (LinkKind, &str),
) -> &'r Reader<Option<Location>> {
    let r = reader(report, name);
    assert_eq!((r.verdict, r.broken_at), verdict, "{input} {name}: {r:#?}");
    let m = message(r, says.0);
    assert!(m.contains(says.1), "{input} {name}: {m}");
    r
}

/// What the fixtures say, as a plan and as a configuration alike.
fn assert_fixture_cases(report: &Report, input: &str) {
    use LinkKind::*;
    use LinkState::*;
    let cannot = |at| (Verdict::CannotRead, Some(at));
    let reads = (Verdict::Reads, None);
    let open = (Verdict::Unresolved, None);
    let case = |name, verdict, says| case(report, input, name, verdict, says);
    // a clean share: every link holds, each at a place in the input
    let r = case("clean", reads, (KeyPolicy, "allows it kms:Decrypt"));
    assert_eq!(
        (r.principal.as_str(), r.account.as_str()),
        ("arn:aws:iam::444455556666:root", "444455556666")
    );
    let kinds: Vec<(LinkKind, LinkState)> = r.links.iter().map(|l| (l.link, l.state)).collect();
    assert_eq!(
        kinds,
        [(SecretPolicy, Holds), (Key, Holds), (KeyPolicy, Holds)]
    );
    assert!(
        r.links.iter().all(|l| l.location.is_some()),
        "{input}: {r:#?}"
    );
    // the AWS managed key, by no kms_key_id and by its alias: no key policy to look at
    for name in ["aws_managed", "alias"] {
        let r = case(name, cannot(Key), (Key, "AWS managed key"));
        assert_eq!(
            (state(r, SecretPolicy), state(r, KeyPolicy)),
            (Some(Holds), None)
        );
    }
    // a key policy without the grant
    let none = "no statement of its key policy allows it kms:Decrypt";
    let r = case("no_grant", cannot(KeyPolicy), (KeyPolicy, none));
    assert_eq!(state(r, Key), Some(Holds));
    // a Deny in the secret policy: broken there, whatever follows
    let r = case("denied", cannot(SecretPolicy), (SecretPolicy, "NoPartner"));
    assert_eq!(state(r, KeyPolicy), Some(Holds));
    // "*" limited to an organization: read by it, with the condition said
    let org = "aws:PrincipalOrgID StringEquals \"o-abc123def4\"";
    let r = case("org", reads, (SecretPolicy, org));
    assert_eq!((r.principal.as_str(), r.account.as_str()), ("*", "*"));
    assert_eq!(r.conditions, [org]);
    // a key not known before apply: unresolved, naming where it comes from
    let origin = if input == "plan" {
        "known after apply: computed from terraform_data.key.output"
    } else {
        "var.key_arn has no value"
    };
    let r = case("after_apply", open, (Key, origin));
    assert_eq!(state(r, Key), Some(Unresolved));
    // kms:ViaService naming Secrets Manager in another Region
    let via = "secretsmanager.us-east-1.amazonaws.com";
    case("other_region", cannot(KeyPolicy), (KeyPolicy, via));
    assert_eq!(
        report.access.len(),
        8,
        "{input}: one entry per shared secret"
    );
}

/// The graph never says what the findings contradict.
fn assert_agrees_with_findings(report: &Report, input: &str) {
    let findings = |rule: &str| -> BTreeSet<(String, String)> {
        report
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .flat_map(|f| f.accounts.iter().map(|a| (f.resource.clone(), a.clone())))
            .collect()
    };
    let broken_at = |link: LinkKind| -> BTreeSet<(String, String)> {
        report
            .access
            .iter()
            .flat_map(|s| {
                s.readers
                    .iter()
                    // (the rules speak of what the secret policy grants: a role of the input
                    // that names the secret without a grant is XA010's)
                    .filter(|r| {
                        r.resource.is_none()
                            || state(r, LinkKind::SecretPolicy) != Some(LinkState::Broken)
                    })
                    .filter(move |r| {
                        r.links
                            .iter()
                            .any(|l| l.link == link && l.state == LinkState::Broken)
                    })
                    .map(move |r| (s.secret.clone(), r.account.clone()))
            })
            .collect()
    };
    assert_eq!(
        findings("XA002"),
        broken_at(LinkKind::Key),
        "{input}: XA002"
    );
    assert_eq!(
        findings("XA003"),
        broken_at(LinkKind::KeyPolicy),
        "{input}: XA003"
    );
}

#[test]
fn each_case_of_a_plan_and_of_a_configuration() {
    for (input, report) in [("plan", fixture_plan()), ("tf", fixture_tf())] {
        assert!(
            !report.has_input_errors(),
            "{input}: {:#?}",
            report.findings
        );
        assert_fixture_cases(&report, input);
        assert_agrees_with_findings(&report, input);
    }
}

#[test]
fn a_plan_and_its_configuration_give_the_same_verdicts() {
    let verdicts = |report: &Report| -> Vec<(String, String, Verdict, Option<LinkKind>)> {
        report
            .access
            .iter()
            .flat_map(|s| {
                s.readers.iter().map(|r| {
                    (
                        s.secret.clone(),
                        r.principal.clone(),
                        r.verdict,
                        r.broken_at,
                    )
                })
            })
            .collect()
    };
    assert_eq!(verdicts(&fixture_plan()), verdicts(&fixture_tf()));
}

#[test]
fn the_contract_of_the_access_section() {
    let report = fixture_plan();
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    let entry = &json["access"][0];
    assert_eq!(entry["secret"], "aws_secretsmanager_secret.clean");
    let reader = &entry["readers"][0];
    assert_eq!(reader["principal"], "arn:aws:iam::444455556666:root");
    assert_eq!(reader["account"], "444455556666");
    assert_eq!(reader["verdict"], "reads");
    assert!(reader.get("broken_at").is_none());
    let link = &reader["links"][0];
    assert_eq!(link["link"], "secret-policy");
    assert_eq!(link["state"], "holds");
    assert!(link["message"].is_string());
    assert_eq!(link["location"]["file"], "plan.json");
    assert!(link["location"]["start"]["line"].is_u64());
    let no_grant = json["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["secret"] == "aws_secretsmanager_secret.no_grant")
        .unwrap();
    assert_eq!(no_grant["readers"][0]["verdict"], "cannot-read");
    assert_eq!(no_grant["readers"][0]["broken_at"], "key-policy");
    assert_eq!(no_grant["readers"][0]["links"][2]["state"], "broken");
    // findings about other accounts name them
    let xa003 = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "XA003")
        .unwrap();
    assert_eq!(xa003["accounts"], serde_json::json!(["444455556666"]));
    // no secret shared with another account: no access section
    let own = grantcheck_tests::PlanBuilder::new()
        .create(
            "aws_secretsmanager_secret_policy.p",
            serde_json::json!({"policy": grantcheck_tests::policy(serde_json::json!([
                grantcheck_tests::allow(serde_json::json!({"AWS": "arn:aws:iam::111122223333:root"}), grantcheck_tests::READ)
            ])).to_string()}),
        )
        .build();
    let report = grantcheck_tests::check_texts(&[("plan.json", &own)], &["111122223333"]);
    assert!(report.access.is_empty());
    assert!(!report.to_json().contains("\"access\""));
}

/// The secrets (index `i` of `…s{i}`) whose readers include one that `pick` selects.
fn secrets_where(
    report: &Report,
    pick: impl Fn(&Reader<Option<Location>>) -> bool,
) -> BTreeSet<u32> {
    report
        .access
        .iter()
        .filter(|s| s.readers.iter().any(&pick))
        .map(|s| {
            let last = s.secret.rsplit('.').next().unwrap();
            last.strip_prefix('s').unwrap().parse().unwrap()
        })
        .collect()
}

/// Runs `gen_workload.py` with 200 secrets and `args` into a folder `name` of the tests' temporary
/// folder: the folder, and its `expected.json`.
fn generate(shared: &Path, name: &str, args: &[&str]) -> (PathBuf, serde_json::Value) {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&out);
    let run = std::process::Command::new("python3")
        .arg(shared.join("bench/gen_workload.py"))
        .args(["--secrets", "200"])
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("python3 runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let expected =
        serde_json::from_str(&std::fs::read_to_string(out.join("expected.json")).unwrap()).unwrap();
    (out, expected)
}

/// The reports of a generated workload's plan and of its `tf/`.
fn plan_and_tf(out: &Path) -> [(&'static str, Report); 2] {
    let plan = SourceFile::new(
        0,
        "plan.json",
        std::fs::read_to_string(out.join("plan.json")).unwrap(),
    );
    [
        ("plan", check(&[plan])),
        ("tf", check(&sources_under(&out.join("tf")))),
    ]
}

#[test]
fn a_generated_workload_counts_as_expected() {
    let Some(shared) = shared_or_skip("a_generated_workload_counts_as_expected") else {
        return;
    };
    let (out, expected) = generate(&shared, "access-workload", &["--filler", "200"]);
    let want = |k: &str| expected[k].as_u64().unwrap() as usize;
    for (input, report) in plan_and_tf(&out) {
        assert!(!report.has_input_errors(), "{input}");
        assert_agrees_with_findings(&report, input);
        let at = |link: LinkKind| {
            secrets_where(&report, |r| {
                r.verdict == Verdict::CannotRead && r.broken_at == Some(link)
            })
        };
        // every secret shared with another account (or "*") has readers
        assert_eq!(report.access.len(), want("cross_account"), "{input}");
        assert_eq!(at(LinkKind::Key).len(), want("without_cmk"), "{input}: key");
        assert_eq!(
            at(LinkKind::KeyPolicy).len(),
            want("key_not_shared"),
            "{input}: key-policy"
        );
        // the rest are clean shares (a public secret's key never grants "*": none is clean)
        let reads = secrets_where(&report, |r| r.verdict == Verdict::Reads);
        let all_read: BTreeSet<u32> = reads
            .iter()
            .copied()
            .filter(|i| !at(LinkKind::Key).contains(i) && !at(LinkKind::KeyPolicy).contains(i))
            .collect();
        assert_eq!(reads, all_read, "{input}: a secret some read, some not");
        assert_eq!(
            reads.len(),
            want("cross_account") - want("without_cmk") - want("key_not_shared"),
            "{input}: reads"
        );
        // nothing in the workload is left open
        assert!(
            report
                .access
                .iter()
                .flat_map(|s| &s.readers)
                .all(|r| r.verdict != Verdict::Unresolved),
            "{input}"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// For the reader roles of a generated workload (`aws_iam_role.reader*`, in the consumer
/// account behind a second provider): how many read their secret, and how many break at each
/// link, as `expected.json`'s `readers` counts them.
fn reader_counts(report: &Report) -> (usize, BTreeMap<String, usize>) {
    let mut reads = 0;
    let mut broken: BTreeMap<String, usize> = BTreeMap::new();
    for r in report.access.iter().flat_map(|s| &s.readers) {
        if !r
            .resource
            .as_deref()
            .is_some_and(|a| a.starts_with("aws_iam_role.reader"))
        {
            continue;
        }
        match (r.verdict, r.broken_at) {
            (Verdict::Reads, _) => reads += 1,
            (Verdict::CannotRead, Some(at)) => {
                *broken.entry(at.as_str().to_string()).or_default() += 1
            }
            (v, at) => panic!("{r:#?}: {v:?} at {at:?}"),
        }
    }
    (reads, broken)
}

#[test]
fn the_reader_roles_of_generated_workloads_read_as_expected() {
    let Some(shared) = shared_or_skip("the_reader_roles_of_generated_workloads_read_as_expected")
    else {
        return;
    };
    for seed in ["7", "1", "3", "42"] {
        let (out, expected) = generate(
            &shared,
            &format!("access-readers-{seed}"),
            &["--filler", "100", "--readers", "40", "--seed", seed],
        );
        let want = &expected["readers"];
        let want_broken: BTreeMap<String, usize> = want["broken_at"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap() as usize))
            .filter(|(_, n)| *n > 0)
            .collect();
        for (input, report) in plan_and_tf(&out) {
            assert!(!report.has_input_errors(), "seed {seed} {input}");
            let (reads, broken) = reader_counts(&report);
            assert_eq!(
                reads,
                want["reads"].as_u64().unwrap() as usize,
                "seed {seed} {input}: reads"
            );
            assert_eq!(broken, want_broken, "seed {seed} {input}: broken_at");
            assert_eq!(
                reads + broken.values().sum::<usize>(),
                want["readers"].as_u64().unwrap() as usize,
                "seed {seed} {input}: one reader per role"
            );
            assert_agrees_with_findings(&report, input);
        }
        let _ = std::fs::remove_dir_all(&out);
    }
}

/// The reader that role `aws_iam_role.NAME` is of secret `aws_secretsmanager_secret.NAME`.
fn role_reader<'r>(report: &'r Report, name: &str) -> &'r Reader<Option<Location>> {
    let role = format!("aws_iam_role.{name}");
    readers(report, name)
        .iter()
        .find(|r| r.resource.as_deref() == Some(role.as_str()))
        .unwrap_or_else(|| panic!("{role} reads {name}: {:#?}", readers(report, name)))
}

#[test]
fn roles_of_another_account_behind_a_second_provider_read_as_their_identity_policies_say() {
    use LinkKind::*;
    let plan = {
        let path = repo_root().join("tests/fixtures/access/identity.plan.json");
        check(&[SourceFile::new(
            0,
            "identity.plan.json",
            std::fs::read_to_string(path).unwrap(),
        )])
    };
    let tf = check(&sources_under(
        &repo_root().join("tests/fixtures/access/identity"),
    ));
    for (input, report) in [("plan", &plan), ("tf", &tf)] {
        assert!(
            !report.has_input_errors(),
            "{input}: {:#?}",
            report.findings
        );
        let cannot = |at| (Verdict::CannotRead, Some(at));
        let case = |name: &str, verdict: (Verdict, Option<LinkKind>), says: &str| {
            let r = role_reader(report, name);
            assert_eq!((r.verdict, r.broken_at), verdict, "{input} {name}: {r:#?}");
            assert_eq!(r.account, "444455556666", "{input} {name}");
            assert_eq!(
                r.principal,
                format!("arn:aws:iam::444455556666:role/reader-{name}"),
                "{input} {name}"
            );
            let m = message(r, IdentityPolicy);
            assert!(m.contains(says), "{input} {name}: {m}");
            let at = r.links.iter().find(|l| l.link == IdentityPolicy).unwrap();
            assert!(at.location.is_some(), "{input} {name}");
            r
        };
        // every link holds: granted on the secret and key, allowed both in an inline policy
        let r = case(
            "reads",
            (Verdict::Reads, None),
            "kms:Decrypt on the key aws_kms_key.reads",
        );
        let kinds: Vec<LinkKind> = r.links.iter().map(|l| l.link).collect();
        assert_eq!(kinds, [SecretPolicy, Key, KeyPolicy, IdentityPolicy]);
        // the account root's reader stays beside the role's
        assert!(
            readers(report, "reads")
                .iter()
                .any(|r| r.principal == "arn:aws:iam::444455556666:root" && r.resource.is_none())
        );
        // an attached managed policy naming the secret by name-*
        case(
            "attached",
            (Verdict::Reads, None),
            "aws_iam_policy.attached",
        );
        // no grant of the secret policy: broken there, first
        let r = case(
            "not_granted",
            cannot(SecretPolicy),
            "allows it secretsmanager:GetSecretValue",
        );
        assert!(
            message(r, SecretPolicy)
                .contains("no resource policy, so no principal of account 444455556666")
        );
        // what the identity policy lacks or denies
        case(
            "no_decrypt",
            cannot(IdentityPolicy),
            "no identity policy of aws_iam_role.no_decrypt allows kms:Decrypt",
        );
        case(
            "denied",
            cannot(IdentityPolicy),
            "statement NoSecrets of aws_iam_role_policy.denied denies it",
        );
        case(
            "other_region",
            cannot(IdentityPolicy),
            "Region us-east-1 (the secret is in eu-west-1)",
        );
        case("no_suffix", cannot(IdentityPolicy), "no suffix wildcard");
        // a policy attached that is not in the input: not decided, and said why
        case(
            "outside",
            (Verdict::Unresolved, None),
            "arn:aws:iam::aws:policy/SecretsManagerReadWrite attached to it is not in this input",
        );
    }
    // in the plan, where the identity policy names the secret wrongly: the ARN inside the
    // escaped JSON string, not the whole string
    let text =
        std::fs::read_to_string(repo_root().join("tests/fixtures/access/identity.plan.json"))
            .unwrap();
    let r = role_reader(&plan, "other_region");
    let at = r
        .links
        .iter()
        .find(|l| l.link == LinkKind::IdentityPolicy)
        .and_then(|l| l.location.as_ref())
        .unwrap();
    let written = &text[at.start.offset.unwrap() as usize..at.end.offset.unwrap() as usize];
    assert_eq!(
        written,
        r#"\"arn:aws:secretsmanager:us-east-1:111122223333:secret:app/other_region-??????\""#
    );
    // the secret named by reference: the plan holds the policy only after apply
    let r = role_reader(&plan, "by_reference");
    assert_eq!(r.verdict, Verdict::Unresolved, "{r:#?}");
    assert!(message(r, LinkKind::IdentityPolicy).contains("known after apply"));
    assert_eq!(role_reader(&tf, "by_reference").verdict, Verdict::Reads);
    // roles of the secret's own account: no grant needed, the key policy delegates to IAM, the
    // AWS managed key serves them; kms:Decrypt is still theirs to allow for a customer key
    for (input, report) in [("plan", &plan), ("tf", &tf)] {
        for (name, verdict) in [
            ("own", (Verdict::Reads, None)),
            ("own_aws_key", (Verdict::Reads, None)),
            (
                "own_no_decrypt",
                (Verdict::CannotRead, Some(LinkKind::IdentityPolicy)),
            ),
        ] {
            let r = role_reader(report, name);
            assert_eq!((r.verdict, r.broken_at), verdict, "{input} {name}: {r:#?}");
            assert_eq!(r.account, "111122223333", "{input} {name}");
            assert_eq!(state(r, LinkKind::SecretPolicy), Some(LinkState::Holds));
        }
    }
    // the identity-side rules say what the graph does, and the resource-policy rules never
    // read an identity policy (which has no Principal) as a resource policy
    for (input, report) in [("plan", &plan), ("tf", &tf)] {
        let on_identity: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| {
                f.resource.starts_with("aws_iam_") && !(f.rule == "XA010" || f.rule == "XA011")
            })
            .map(|f| f.rule.as_str())
            .collect();
        assert!(on_identity.is_empty(), "{input}: {on_identity:?}");
        // (11 key policies and 8 secret policies; none of the roles' policies)
        assert_eq!(
            report.summary.policies, 19,
            "{input}: secret and key policies only"
        );
        let flagged = |rule: &str| -> BTreeSet<String> {
            report
                .findings
                .iter()
                .filter(|f| f.rule == rule)
                .map(|f| f.resource.clone())
                .collect()
        };
        assert_eq!(
            flagged("XA010"),
            BTreeSet::from(["aws_iam_role_policy.not_granted".to_string()]),
            "{input}"
        );
        assert_eq!(
            flagged("XA011"),
            ["no_decrypt", "no_suffix", "other_region", "own_no_decrypt"]
                .iter()
                .map(|n| format!("aws_iam_role_policy.{n}"))
                .collect::<BTreeSet<_>>(),
            "{input}"
        );
    }
}
