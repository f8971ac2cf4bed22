// Parity: the wasm build gives the same report as the native CLI on the same inputs — same findings,
// same order, same positions (the JS report adds UTF-16 offsets, which the comparison ignores).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { after, test } from "node:test";
import { load, nativeReport, shared, withoutUtf16 } from "./helpers.js";

const gc = await load();
const haveShared = existsSync(join(shared, "bench", "gen_workload.py")) && existsSync(join(shared, "corpus"));
if (!haveShared) {
  console.warn(`\n*** SKIPPING the parity tests: ${shared} (bench/gen_workload.py, corpus/) is not there ***\n`);
}
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Checks `files` (relative to `cwd`) with both builds and compares. */
function assertParity(files, cwd, accounts = []) {
  const texts = files.map((f) => ({ path: f, text: utf8.decode(readFileSync(join(cwd, f))) }));
  const js = gc.check(texts, { accounts });
  const expected = nativeReport(files, cwd, accounts);
  const actual = withoutUtf16(js);
  // Compare findings one by one first, for a readable failure.
  const n = Math.max(actual.findings.length, expected.findings.length);
  for (let i = 0; i < n; i++) {
    assert.deepEqual(actual.findings[i], expected.findings[i], `${files.join(" ")}: finding ${i}`);
  }
  assert.deepEqual(actual, expected, files.join(" "));
  return js;
}

let workload;
function generated() {
  if (!workload) {
    workload = mkdtempSync(join(tmpdir(), "grantcheck-parity-"));
    const r = spawnSync(
      "python3",
      [join(shared, "bench", "gen_workload.py"), "--secrets", "300", "--filler", "1000", "--seed", "3", "--out", workload],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, `gen_workload.py failed: ${r.stderr}`);
  }
  return workload;
}
after(() => workload && rmSync(workload, { recursive: true, force: true }));

function walk(dir, keep, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}

test("parity on the generated workload plan", { skip: !haveShared && "../shared is absent" }, () => {
  const dir = generated();
  const report = assertParity(["plan.json"], dir);
  assert.ok(report.findings.length > 100, `a 300-secret workload has many findings (${report.findings.length})`);
  assertParity(["plan.json"], dir, ["111122223333"]);
});

test("parity on the generated workload's HCL tree", { skip: !haveShared && "../shared is absent" }, () => {
  const dir = generated();
  const files = walk(join(dir, "tf"), (p) => p.endsWith(".tf")).map((p) => relative(dir, p));
  assert.ok(files.length > 1, "the tree has a root module and shards");
  const report = assertParity(files, dir);
  console.log(`parity: ${files.length} .tf files, ${report.findings.length} findings`);
});

test("parity on a sample of the corpus plans", { skip: !haveShared && "../shared is absent" }, () => {
  const corpus = join(shared, "corpus");
  const plans = walk(corpus, (p) => {
    if (!p.endsWith(".json") || statSync(p).size > 8 << 20) return false;
    const head = readFileSync(p, "utf8").slice(0, 4096);
    return head.includes('"format_version"') && /"(resource_changes|planned_values)"/.test(readFileSync(p, "utf8"));
  });
  assert.ok(plans.length >= 20, `the corpus has plans (${plans.length})`);
  // Every plan that mentions a secret or a key, and every third of the others.
  const sample = plans.filter((p, i) => /secretsmanager|aws_kms_key/.test(readFileSync(p, "utf8")) || i % 3 === 0);
  let checked = 0;
  for (const plan of sample) {
    let ok = true;
    try {
      utf8.decode(readFileSync(plan));
    } catch {
      ok = false; // the CLI refuses non-UTF-8 bytes before the core sees them
    }
    if (!ok) continue;
    assertParity([basename(plan)], dirname(plan));
    checked++;
  }
  assert.ok(checked >= 10, `checked ${checked} corpus plans`);
  console.log(`parity: ${checked} corpus plans of ${plans.length} compared with the CLI`);
});

test("parity on several corpus files at once, bad ones included", { skip: !haveShared && "../shared is absent" }, () => {
  const corpus = join(shared, "corpus");
  const some = walk(corpus, (p) => /\.(json|tf)$/.test(p) && statSync(p).size < 1 << 20).filter((_, i) => i % 17 === 0);
  const usable = some.filter((p) => {
    try {
      utf8.decode(readFileSync(p));
      return true;
    } catch {
      return false;
    }
  });
  const report = assertParity(usable.map((p) => relative(corpus, p)), corpus);
  console.log(`parity: ${usable.length} corpus files in one run, ${report.findings.length} findings`);
});
