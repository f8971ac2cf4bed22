#!/usr/bin/env node
// `grantcheck` for pipelines with Node and no Rust (`npx grantcheck check plan.json`): the native
// command line's `check`, `access`, `rules` and `explain` on the package's wasm core (see lib/cli.js).
// Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or input error.
import { main } from "../lib/cli.js";

process.exitCode = main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  env: process.env,
});
