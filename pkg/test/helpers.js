// Shared by the tests: where things are, the package as a consumer imports it, the native CLI.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const root = resolve(pkgDir, "..");
export const consumerDir = join(pkgDir, "test", ".consumer");
export const shared = resolve(root, "..", "shared");
export const examplePlan = join(root, "examples", "cross-account", "plan.json");
export const cli = join(root, "target", "debug", process.platform === "win32" ? "grantcheck.exe" : "grantcheck");

/** The package, imported through `import ... from "grantcheck"` in the consumer project. */
export async function load() {
  const entry = join(consumerDir, "load.js");
  if (!existsSync(entry)) throw new Error("the consumer project is missing: run `npm test` (test/setup.mjs) first");
  return import(pathToFileURL(entry).href);
}

/** Runs the native CLI in `cwd`; returns its stdout (exit 0, 1 and 2 are all reports). */
export function native(args, cwd = root) {
  const r = spawnSync(cli, args, { cwd, encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`${cli}: ${r.error.message} (npm test builds it in test/setup.mjs)`);
  if (r.status > 2 || r.status === null) throw new Error(`grantcheck ${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** The native JSON report of `files` (paths relative to `cwd`). */
export function nativeReport(files, cwd, accounts = []) {
  const args = ["check", "--format", "json", ...accounts.flatMap((a) => ["--account", a]), ...files];
  return JSON.parse(native(args, cwd));
}

/** A JS report without what only the JS API gives (UTF-16 offsets). */
export function withoutUtf16(report) {
  return JSON.parse(JSON.stringify(report, (key, value) => (key === "utf16" ? undefined : value)));
}
