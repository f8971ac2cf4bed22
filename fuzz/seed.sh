#!/usr/bin/env bash
# Copies seed inputs into fuzz/corpus/TARGET (git-ignored): the reference corpus of real plans,
# configurations and policies when it is beside this repository, and the repository's fixtures.
# Usage: fuzz/seed.sh [CORPUS_DIR]     (default: ../shared/corpus next to the repository)
set -euo pipefail
cd "$(dirname "$0")"
root=..
shared=${1:-$root/../shared/corpus}
max=262144 # bytes; larger seeds only slow the fuzzer down

mkdir -p corpus/policy corpus/plan corpus/hcl corpus/check_bytes corpus/tf_dir

seed() { # seed TARGET FILE [PREFIX-BYTE]
  local target=$1 file=$2 prefix=${3:-}
  [ "$(wc -c <"$file")" -le "$max" ] || return 0
  local name
  name=$(sha1sum "$file" | cut -c1-16)
  if [ -n "$prefix" ]; then
    { printf "%s" "$prefix"; cat "$file"; } >"corpus/$target/$prefix-$name"
  else
    cp "$file" "corpus/$target/$name"
  fi
}

dirs=("$root/tests/fixtures" "$root/examples")
[ -d "$shared" ] && dirs+=("$shared")

while IFS= read -r -d '' f; do
  case "$f" in
    *.tf | *.tfvars) seed hcl "$f"; seed check_bytes "$f" b ;;
    *.json | *.tfstate | *.plan | *.failure | *.expected | *.golden)
      if grep -q '"format_version"\|"resource_changes"\|"terraform_version"' "$f" 2>/dev/null; then
        seed plan "$f"
        seed check_bytes "$f" a
      elif grep -q '"Statement"' "$f" 2>/dev/null; then
        seed policy "$f"
        seed check_bytes "$f" a
      else
        seed check_bytes "$f" c
      fi
      ;;
  esac
done < <(find "${dirs[@]}" -type f -print0)

# Modules given together: a root that calls a local child, NUL-separated (see fuzz_targets/hcl.rs).
printf '%s\0%s\0%s\0%s' \
  'module "child" { source = "./modules/child"  account = var.account_id }
variable "account_id" {}
resource "aws_secretsmanager_secret" "s" { name = "s" }
resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy     = file("${path.module}/policy.json")
}' \
  'variable "account" {}
locals { a = local.b  b = "x" }
data "aws_iam_policy_document" "d" {
  statement {
    principals { type = "AWS"  identifiers = ["arn:aws:iam::${var.account}:root"] }
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["*"]
  }
}' \
  'account_id = "111122223333"' \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:*","Resource":"*"}]}' \
  >corpus/hcl/modules

# Whole directories, one seed each: every file as `@PATH` (relative to the directory), a newline
# and its text, NUL-separated (see fuzz_targets/tf_dir.rs); plans beside them are left out.
for d in "$root"/tests/fixtures/hcl/*/ "$root"/examples/*/; do
  out="corpus/tf_dir/$(basename "$d")"
  sep=
  : >"$out"
  while IFS= read -r -d '' f; do
    grep -q '"format_version"' "$f" && continue
    printf "$sep@%s\n" "${f#"$d"}" >>"$out"
    cat "$f" >>"$out"
    sep='\0'
  done < <(find "$d" -type f -size -64k -print0 | sort -z | head -z -n 7)
  [ -s "$out" ] || rm -f "$out"
done
# A directory in the target's own order of names (main.tf, variables.tf, terraform.tfvars,
# modules/m/main.tf, override.tf, x.tf.json, policy.json.tpl), without `@PATH` lines.
printf '%s\0%s\0%s\0%s\0%s\0%s\0%s' \
  'module "m" {
  source  = "./modules/m"
  reader  = var.reader
  key_arn = aws_kms_key.k.arn
}
resource "aws_kms_key" "k" { policy = file("${path.module}/x.tf.json") }' \
  'variable "reader" {
  type      = string
  sensitive = true
}
provider "aws" { allowed_account_ids = ["111122223333"] }' \
  'reader = "arn:aws:iam::444455556666:role/reader"' \
  'variable "reader" {}
variable "key_arn" {}
resource "aws_secretsmanager_secret" "s" {
  name       = "s"
  kms_key_id = var.key_arn
  replica { region = "eu-central-1" }
}
resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy     = templatefile("${path.root}/policy.json.tpl", { reader = var.reader })
}' \
  'resource "aws_kms_key" "k" { description = "overridden" }' \
  '{"resource": {"aws_kms_alias": {"a": {"name": "alias/a", "target_key_id": "${aws_kms_key.k.key_id}"}}}}' \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"${reader}"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}' \
  >corpus/tf_dir/named

for t in policy plan hcl check_bytes tf_dir; do
  printf '%-12s %s seeds\n' "$t" "$(find "corpus/$t" -type f | wc -l)"
done
