//! What a run reads: nothing outside the configuration. A link in the checked tree that leads
//! outside it, or to a FIFO, a device or a file of `/proc`, is refused as an input error naming
//! the file, and what it leads to is never read nor shown, in any format. A file named on the
//! command line is read as given, a pipe (`<(cmd)`) too, up to the input limit.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What the files outside the configuration hold: never in any output.
const SECRET: &str = "TOPSECRET-7d1c9e";

const FORMATS: &[&str] = &["text", "json", "sarif", "github", "junit"];

fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("grantcheck-files-{name}-"))
        .tempdir()
        .unwrap()
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .current_dir(dir)
        .env("GRANTCHECK_TEST_SECRET", SECRET)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("grantcheck runs");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    out
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A module that shares a secret with another account through a policy read with `file()`.
const FILE_POLICY: &str = "provider \"aws\" { allowed_account_ids = [\"111122223333\"] }\nresource \"aws_secretsmanager_secret\" \"s\" { name = \"db\" }\nresource \"aws_secretsmanager_secret_policy\" \"p\" {\n  secret_arn = aws_secretsmanager_secret.s.arn\n  policy     = file(\"${path.module}/policy.json\")\n}\n";

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}"#;

/// `dir/infra` holds the configuration; `dir/outside/secret.txt` holds [`SECRET`].
fn tree(name: &str) -> (tempfile::TempDir, PathBuf) {
    let d = scratch(name);
    write(
        &d.path().join("outside/secret.txt"),
        &format!("{SECRET} = (\n{{\"Statement\": \"{SECRET}\"\n"),
    );
    write(&d.path().join("infra/main.tf"), FILE_POLICY);
    let outside = d.path().join("outside/secret.txt");
    (d, outside)
}

/// Checks `infra` in every format: exit 2, the file named, the secret never shown.
fn refused_in_every_format(d: &Path, name: &str, why: &str) {
    for format in FORMATS {
        let out = run_in(d, &["check", "infra", "--format", format]);
        let all = said(&out);
        assert_eq!(out.status.code(), Some(2), "{format}: {all}");
        assert!(!all.contains(SECRET), "{format} shows the secret: {all}");
        assert!(all.contains(name), "{format} names {name}: {all}");
        assert!(all.contains(why), "{format} says {why:?}: {all}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&run_in(d, &["check", "infra", "--format", "json"]).stdout).unwrap();
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "GC002" && f["message"].as_str().unwrap().contains(name)),
        "{json}"
    );
}

#[test]
fn a_link_read_by_file_that_leads_outside_is_refused() {
    let (d, outside) = tree("file");
    symlink(&outside, d.path().join("infra/policy.json")).unwrap();
    refused_in_every_format(
        d.path(),
        "policy.json",
        "outside the directories being checked",
    );
}

#[test]
fn a_tf_file_that_leads_outside_is_refused() {
    let (d, outside) = tree("tf");
    std::fs::write(d.path().join("infra/policy.json"), POLICY).unwrap();
    symlink(&outside, d.path().join("infra/extra.tf")).unwrap();
    refused_in_every_format(
        d.path(),
        "extra.tf",
        "outside the directories being checked",
    );
}

#[test]
fn a_tfvars_file_that_leads_to_proc_is_refused() {
    let d = scratch("proc");
    write(&d.path().join("infra/main.tf"), FILE_POLICY);
    std::fs::write(d.path().join("infra/policy.json"), POLICY).unwrap();
    // the child's environment holds the secret
    symlink(
        "/proc/self/environ",
        d.path().join("infra/terraform.tfvars"),
    )
    .unwrap();
    refused_in_every_format(d.path(), "terraform.tfvars", "/proc/");
}

#[test]
fn a_link_inside_the_checked_directory_is_read() {
    let d = scratch("inside");
    write(&d.path().join("infra/main.tf"), FILE_POLICY);
    write(&d.path().join("infra/policies/reader.json"), POLICY);
    symlink("policies/reader.json", d.path().join("infra/policy.json")).unwrap();
    let out = run_in(d.path(), &["check", "infra", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"GC002"), "{json}");
    // the policy behind the link is checked: the secret is shared without a customer key
    assert!(rules.contains(&"XA002"), "{json}");
}

#[test]
fn a_module_called_through_a_local_source_outside_is_read() {
    let d = scratch("module");
    write(
        &d.path().join("envs/prod/main.tf"),
        "provider \"aws\" { allowed_account_ids = [\"111122223333\"] }\nmodule \"s\" { source = \"../../modules/s\" }\n",
    );
    write(&d.path().join("modules/s/main.tf"), FILE_POLICY);
    write(&d.path().join("modules/s/policy.json"), POLICY);
    let out = run_in(d.path(), &["check", "envs/prod", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = json.to_string();
    assert!(!text.contains("GC002"), "{json}");
    assert!(text.contains("XA002"), "{json}");
}

#[test]
fn a_local_source_that_leads_out_of_the_repository_is_refused() {
    let d = scratch("out-of-repo");
    let repo = d.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    // a module directory beside the repository, and one with no module in it
    write(&d.path().join("elsewhere/main.tf"), FILE_POLICY);
    write(&d.path().join("elsewhere/policy.json"), POLICY);
    write(&d.path().join("notes/secret.txt"), SECRET);
    write(
        &repo.join("infra/main.tf"),
        "provider \"aws\" { allowed_account_ids = [\"111122223333\"] }\nmodule \"s\" { source = \"../../elsewhere\" }\nmodule \"n\" { source = \"../../notes\" }\n",
    );
    let out = run_in(&repo, &["check", "infra", "--format", "json"]);
    let all = said(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(!all.contains(SECRET), "{all}");
    assert!(
        all.contains("a local module source leads to") && all.contains("outside the repository"),
        "{all}"
    );
    // inside the repository, the same layout is read
    let inside = scratch("in-repo");
    std::fs::create_dir_all(inside.path().join(".git")).unwrap();
    write(&inside.path().join("elsewhere/main.tf"), FILE_POLICY);
    write(&inside.path().join("elsewhere/policy.json"), POLICY);
    write(
        &inside.path().join("infra/main.tf"),
        "provider \"aws\" { allowed_account_ids = [\"111122223333\"] }\nmodule \"s\" { source = \"../elsewhere\" }\n",
    );
    let out = run_in(inside.path(), &["check", "infra", "--format", "json"]);
    let all = said(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("XA002"), "{all}");
}

/// A FIFO at `path`, or `None` (said on standard error) where `mkfifo` is not there.
fn mkfifo(path: &Path) -> Option<()> {
    match Command::new("mkfifo").arg(path).status() {
        Ok(s) if s.success() => Some(()),
        other => {
            eprintln!("SKIPPED: mkfifo is not available ({other:?})");
            None
        }
    }
}

#[test]
fn a_fifo_in_the_tree_is_refused_without_waiting_for_it() {
    let d = scratch("fifo");
    write(&d.path().join("infra/main.tf"), FILE_POLICY);
    std::fs::write(d.path().join("infra/policy.json"), POLICY).unwrap();
    if mkfifo(&d.path().join("infra/pipe.tf")).is_none() {
        return;
    }
    // a link to a FIFO in a directory the walk does not enter
    std::fs::create_dir(d.path().join("infra/.cache")).unwrap();
    mkfifo(&d.path().join("infra/.cache/p")).unwrap();
    symlink(".cache/p", d.path().join("infra/linked.tfvars")).unwrap();
    for format in FORMATS {
        let out = run_in(d.path(), &["check", "infra", "--format", format]);
        let all = said(&out);
        assert_eq!(out.status.code(), Some(2), "{all}");
        assert!(
            all.contains("pipe.tf") && all.contains("linked.tfvars"),
            "{all}"
        );
        assert!(all.contains("FIFO"), "{all}");
    }
}

#[test]
fn a_named_pipe_is_read_as_the_user_asked_up_to_the_limit() {
    let d = scratch("pipe");
    let plan = r#"{"format_version":"1.2","terraform_version":"1.9.0","planned_values":{}}"#;
    let fifo = d.path().join("plan.pipe");
    if mkfifo(&fifo).is_none() {
        return;
    }
    // a plan given through a pipe is checked
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            f.write_all(plan.as_bytes()).unwrap();
        })
    };
    let out = run_in(d.path(), &["check", "plan.pipe", "--format", "json"]);
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    // an endless one stops at the limit: the file is refused, not read forever
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            let chunk = vec![b' '; 1 << 20];
            // ends when the reader closes the pipe
            while f.write_all(&chunk).is_ok() {}
        })
    };
    let out = run_in(d.path(), &["check", "plan.pipe"]);
    writer.join().unwrap();
    let err = said(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("plan.pipe") && err.contains("over the limit"),
        "{err}"
    );
}

#[test]
fn process_substitution_is_read() {
    let Ok(bash) = which("bash") else {
        eprintln!("SKIPPED: no bash for process substitution");
        return;
    };
    let d = scratch("procsub");
    let plan = write(
        &d.path().join("plan.json"),
        r#"{"format_version":"1.2","terraform_version":"1.9.0","planned_values":{}}"#,
    );
    let out = Command::new(bash)
        .arg("-c")
        .arg(format!(
            "{} check <(cat {}) --format json",
            env!("CARGO_BIN_EXE_grantcheck"),
            plan.display()
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 1, "{json}");
}

fn which(name: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn a_device_named_on_the_command_line_is_refused() {
    let d = scratch("device");
    let out = run_in(d.path(), &["check", "/dev/zero"]);
    let err = said(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("/dev/zero") && err.contains("device"), "{err}");
}

#[test]
fn a_found_config_that_leads_outside_the_repository_is_refused() {
    let (d, outside) = tree("config");
    std::fs::write(d.path().join("infra/policy.json"), POLICY).unwrap();
    std::fs::create_dir(d.path().join("infra/.git")).unwrap();
    symlink(&outside, d.path().join("infra/grantcheck.toml")).unwrap();
    refused_in_every_format(
        d.path(),
        "grantcheck.toml",
        "outside the directories being checked",
    );
}
