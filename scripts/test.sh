#!/usr/bin/env bash
# Runs every test suite of grantcheck, installing what the suites need first.
# Usage: ./scripts/test.sh            (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# what the suites write for themselves (scratch trees, workloads) stays under target/, and the
# clone stays clean
export TMPDIR="$PWD/target/tmp"
mkdir -p "$TMPDIR"

step "toolchain: wasm32 target"
rustup target list --installed | grep -qx wasm32-unknown-unknown || {
  echo "installing the wasm32-unknown-unknown target (rustup target add)"
  rustup target add wasm32-unknown-unknown
}

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

step "core builds for wasm32-unknown-unknown"
cargo build -p grantcheck --target wasm32-unknown-unknown

step "Rust tests"
cargo test --workspace

# --- browser (pkg/viewer) -----------------------------------------------------------
# section:browser (Chromium for the plan viewer's browser test, which `npm test` runs below)
step "browser: Debian's chromium for the plan viewer test"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium (apt-get install chromium)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "/usr/bin/chromium is missing: install Debian's chromium (apt-get install chromium) as root" >&2
    exit 1
  fi
fi
# /section:browser

# --- npm package (pkg/) -------------------------------------------------------
# section:npm (build and test the npm package)
step "npm package: install, build (wasm-bindgen CLI pinned by crates/grantcheck-wasm), test"
command -v node >/dev/null && command -v npm >/dev/null || {
  echo "node and npm are needed for the npm package (Debian: apt-get install nodejs npm)" >&2
  exit 1
}
(
  cd pkg
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
  npm run build
  npm test
)
# /section:npm


# --- exhaustive checks (beside the fuzzing) -------------------------------------
step "plan reader: every damaged variant of a plan read as serde reads it (release build)"
GRANTCHECK_EXHAUSTIVE=1 cargo test --release -q -p grantcheck --features parallel --lib a_damaged_plan_is_read_as_serde_reads_it

step "hostile inputs: a 200 MB string in a plan, and as a secret's policy (the default run reads 64 MB)"
GRANTCHECK_EXHAUSTIVE=1 cargo test -q --workspace --test hostile a_huge_string_in_a_plan

# --- fuzzing (fuzz/) -------------------------------------------------------------
# section:fuzz (a short bounded run of every fuzz target; longer runs: README "Reliability")
step "fuzz: ${FUZZ_SECONDS:-60} s per target (policy, plan, hcl, check_bytes, tf_dir), seeded from the fixtures"
rustup toolchain list | grep -q '^nightly' || {
  echo "installing the nightly toolchain (minimal profile), which cargo-fuzz needs"
  rustup toolchain install nightly --profile minimal
}
command -v cargo-fuzz >/dev/null || {
  echo "installing cargo-fuzz (cargo install cargo-fuzz --locked)"
  cargo install cargo-fuzz --locked
}
./fuzz/seed.sh >/dev/null
(
  cd fuzz
  cargo +nightly fuzz build -O
  mkdir -p target
  for target in policy plan hcl check_bytes tf_dir; do
    log="target/fuzz-$target.log"
    if ! cargo +nightly fuzz run "$target" -O -- -max_total_time="${FUZZ_SECONDS:-60}" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
      tail -n 60 "$log" >&2
      echo "fuzz target $target failed; the input is kept in fuzz/artifacts/$target/" >&2
      exit 1
    fi
    grep -E '^(Done|stat::number_of_executed_units)' "$log" || true
  done
)
# /section:fuzz

step "all suites passed"
