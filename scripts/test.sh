#!/usr/bin/env bash
# Runs every test suite of grantcheck, installing what the suites need first.
# Usage: ./scripts/test.sh            (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain: wasm32 target"
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

step "core builds for wasm32-unknown-unknown"
cargo build -p grantcheck --target wasm32-unknown-unknown

step "Rust tests"
cargo test --workspace

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

step "all suites passed"
