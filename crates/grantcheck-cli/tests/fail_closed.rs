//! Failing closed at the command line: text from the input (for_each keys, Sids, principals,
//! file names) never starts a line of its own nor reaches the terminal as a control sequence in
//! the text format and `--quiet` (a line that starts with `::error` would be a GitHub
//! annotation, ESC moves the cursor); the summary's first word follows the exit status; an
//! unreadable file never stops its directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

/// `grantcheck ARGS` run in `dir`.
fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

const FORGING: &str = r#"provider "aws" { allowed_account_ids = ["111122223333"] }
resource "aws_secretsmanager_secret" "a" {
  for_each = toset(["x\n::error file=a::forged", "y\u001b[2J\u0085\u007fz"])
  name     = each.key
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "s\n::warning::sid",
    Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:role/r\n::error::p\u009b" },
    Action = "secretsmanager:GetSecretValue", Resource = "*" }] })
}
"#;

#[test]
fn input_text_never_forges_a_line_or_a_control_sequence() {
    let dir = tempfile::Builder::new()
        .prefix("grantcheck-escape-")
        .tempdir()
        .unwrap();
    let sub = dir.path().join("env\n::error::dir");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("main.tf"), FORGING).unwrap();
    for args in [&["check", "."][..], &["check", ".", "--quiet"]] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        // the findings are there, their input text escaped
        assert!(text.contains("XA001"), "{text}");
        for line in text.lines() {
            let forged = line.starts_with("::")
                || ["::error", "::warning", "::notice"]
                    .iter()
                    .any(|c| line.trim_start().starts_with(c));
            assert!(!forged, "{args:?}: {line:?}");
        }
        for c in text.chars() {
            assert!(
                c == '\n' || !(c.is_control()),
                "{args:?}: a control character {c:?} in {text:?}"
            );
        }
    }
}

/// The last line's first word says what the exit status says, whatever `--fail-on` is.
#[test]
fn the_summary_word_follows_the_exit_status() {
    let dir = tempfile::Builder::new()
        .prefix("grantcheck-word-")
        .tempdir()
        .unwrap();
    // one warning (XA001) and nothing worse: the key grants the partner, the secret is shared
    std::fs::write(
        dir.path().join("main.tf"),
        r#"provider "aws" { allowed_account_ids = ["111122223333"] }
resource "aws_kms_key" "k" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "kms:*", Resource = "*" },
    { Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "kms:Decrypt", Resource = "*",
      Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.eu-west-1.amazonaws.com" } } }] })
}
resource "aws_secretsmanager_secret" "s" {
  name       = "db"
  kms_key_id = aws_kms_key.k.arn
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    Principal = { AWS = "arn:aws:iam::444455556666:role/reader" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }] })
}
"#,
    )
    .unwrap();
    for (fail_on, code, word) in [
        ("error", 0, "grantcheck:"),
        ("warning", 1, "failed:"),
        ("never", 0, "grantcheck:"),
    ] {
        let out = run(dir.path(), &["check", ".", "--fail-on", fail_on]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(code), "{fail_on}: {text}");
        let last = text.lines().last().unwrap_or_default();
        assert!(last.starts_with(word), "{fail_on}: {last}");
        assert!(last.contains("0 errors, 1 warning"), "{fail_on}: {last}");
    }
}

/// A file of a directory that cannot be read (not UTF-8, broken HCL) is an input error, and the
/// directory's other files are still checked, as the README promises.
#[test]
fn an_unreadable_file_does_not_stop_its_directory() {
    let dir = tempfile::Builder::new()
        .prefix("grantcheck-unreadable-")
        .tempdir()
        .unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"provider "aws" { allowed_account_ids = ["111122223333"] }
resource "aws_secretsmanager_secret" "s" {
  name   = "db"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }] })
}
"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("latin1.tf"), b"# caf\xe9\n").unwrap();
    std::fs::write(
        dir.path().join("broken.tf"),
        "resource \"aws_kms_key\" \"k\" {\n",
    )
    .unwrap();
    let out = run(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["location"]["file"].as_str().unwrap_or("");
            format!("{} {file}", f["rule"].as_str().unwrap_or(""))
        })
        .collect();
    got.sort();
    assert_eq!(got, ["GC002 ", "GC002 broken.tf", "XA002 main.tf"], "{r}");
}
