// The package's `grantcheck` command (bin/grantcheck.js, as `npx grantcheck` runs it from the
// installed package) against the native CLI: the same standard output, standard error and exit
// status for the same command lines.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli, consumerDir, examplePlan, root, shared } from "./helpers.js";

const bin = join(consumerDir, "node_modules", ".bin", "grantcheck");
const work = mkdtempSync(join(tmpdir(), "grantcheck-bin-"));
after(() => rmSync(work, { recursive: true, force: true }));

function run(cmd, args, cwd = root, input = undefined) {
  const env = { ...process.env, NO_COLOR: "1" };
  const r = spawnSync(cmd, args, { cwd, input, encoding: "utf8", maxBuffer: 1 << 30, env });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `args` with both commands and asserts that they say the same. */
function same(args, cwd = root, input = undefined) {
  assert.ok(existsSync(cli), `the native CLI ${cli} is missing: npm test builds it (test/setup.mjs)`);
  assert.ok(existsSync(bin), `${bin} is missing: npm test installs the package (test/setup.mjs)`);
  const native = run(cli, args, cwd, input);
  const npm = run(bin, args, cwd, input);
  assert.deepEqual(npm, native, `grantcheck ${args.join(" ")}`);
  return native;
}

const fixtures = join(root, "tests", "fixtures", "rules");
const cases = ["GC002", "XA001", "XA002", "PG001"].filter((c) => existsSync(join(fixtures, c)));
const malformed = join(work, "malformed.json");
writeFileSync(malformed, '{"format_version": "1.2", "terraform_version": "1.9.0", "resource_changes": [');
const binary = join(work, "tfplan");
writeFileSync(binary, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));

for (const format of ["json", "text"]) {
  test(`check --format ${format}: the examples folder, as a directory and as files`, () => {
    assert.equal(same(["check", "--format", format, "examples"]).status, 1);
    same(["check", "--format", format, "--account", "111122223333", "examples/"]);
    same(["check", "--format", format, "--fail-on", "never", examplePlan]);
    same(["check", "--format", format, "--fail-on", "note", "./examples/cross-account/plan.json"]);
  });

  test(`check --format ${format}: rule fixtures, as directories and as their files`, () => {
    assert.ok(cases.length >= 3, `rule fixtures under ${fixtures}`);
    for (const code of cases) {
      same(["check", "--format", format, `tests/fixtures/rules/${code}`]);
      same(["check", "--format", format, "--account", "111122223333", `tests/fixtures/rules/${code}/`]);
      for (const f of readdirSync(join(fixtures, code)).filter((f) => /\.(tf|json)$/.test(f))) {
        same(["check", "--format", format, `tests/fixtures/rules/${code}/${f}`]);
      }
    }
  });

  test(`check --format ${format}: unreadable and malformed input exit 2 naming the file`, () => {
    const missing = same(["check", "--format", format, "no/such/plan.json"]);
    assert.equal(missing.status, 2);
    assert.match(missing.stdout + missing.stderr, /no\/such\/plan\.json: cannot read/);
    assert.equal(same(["check", "--format", format, malformed]).status, 2);
    assert.equal(same(["check", "--format", format, binary, examplePlan]).status, 2);
    assert.equal(same(["check", "--format", format, work]).status, 2);
  });
}

test("check: variables, quiet text, the other formats and the whole repository", () => {
  const dir = join(fixtures, cases[0]);
  same(["check", "--format", "json", "--var", "x=1", "--var-file", join(work, "absent.tfvars"), dir]);
  same(["check", "-q", "examples"]);
  for (const format of ["sarif", "github", "junit", "markdown"]) same(["check", "--format", format, "examples"]);
  same(["check", "--verbose", "--fail-on", "note", "tests/fixtures"]);
  same(["check", "--format", "markdown", "--link-base", "https://example.com/r/blob/abc", "examples"]);
  same(["check", "--format", "json", "."]);
  same(["check", "--format", "json", "examples"], join(root, "tests"));
});

test("check: a plan's findings placed in its configuration (beside it, --config-dir, --no-config-dir)", () => {
  const plan = "tests/fixtures/plan_config/plan.json";
  const elsewhere = join(work, "plan.json");
  writeFileSync(elsewhere, readFileSync(join(root, plan)));
  for (const format of ["json", "text", "sarif", "github", "markdown", "junit"]) {
    assert.equal(same(["check", "--format", format, plan]).status, 1);
    same(["check", "--format", format, "tests/fixtures/plan_config"]);
    same(["check", "--format", format, elsewhere, "--config-dir", "tests/fixtures/plan_config"]);
    same(["check", "--format", format, "--no-config-dir", plan]);
  }
  same(["access", plan]);
  assert.equal(same(["check", elsewhere, "--config-dir", "no/such/dir"]).status, 2);
  assert.equal(same(["check", plan, "--config-dir", "x", "--no-config-dir"]).status, 2);
  const json = JSON.parse(same(["check", "--format", "json", plan]).stdout);
  assert.ok(json.findings.every((f) => f.location.file.endsWith(".tf")));
});

test("check: standard input, and reports written to files", () => {
  same(["check", "--format", "json", "-"], root, readFileSync(examplePlan, "utf8"));
  same(["check", "-"], root, "{");
  const [a, b] = ["native", "npm"].map((who) => join(work, who));
  const outputs = (dir) => ["--format", `sarif=${dir}.sarif`, "--format", "junit", "-o", `${dir}.xml`];
  const native = run(cli, ["check", ...outputs(a), examplePlan]);
  const npm = run(bin, ["check", ...outputs(b), examplePlan]);
  assert.deepEqual(npm, native);
  assert.equal(readFileSync(`${b}.sarif`, "utf8"), readFileSync(`${a}.sarif`, "utf8"));
  assert.equal(readFileSync(`${b}.xml`, "utf8"), readFileSync(`${a}.xml`, "utf8"));
});

test("access: text and json, and a format access does not write", () => {
  for (const format of ["text", "json"]) {
    same(["access", "--format", format, "examples"]);
    same(["access", "--format", format, "--account", "111122223333", "tests/fixtures/rules/XA002"]);
  }
  assert.equal(same(["access", "--format", "sarif", "examples"]).status, 2);
});

test("usage errors exit 2 as the native CLI does", () => {
  assert.equal(same(["check", "--account", "12", examplePlan]).status, 2);
  assert.equal(same(["check", "--var", "novalue", examplePlan]).status, 2);
  assert.equal(same(["check", "--format", "json", "--format", "text", examplePlan]).status, 2);
  assert.equal(same(["check", "--fail-on", "sometimes", examplePlan]).status, 2);
  assert.equal(same(["check"]).status, 2);
  assert.equal(same(["explain", "NOPE"]).status, 2);
});

test("--version, --help, rules and explain print what the native CLI prints", () => {
  for (const args of [["--version"], ["--help"], ["check", "--help"], ["access", "--help"], ["rules", "--help"], ["explain", "--help"]]) {
    assert.equal(same(args).status, 0);
  }
  for (const format of ["text", "json", "markdown"]) same(["rules", "--format", format]);
  same(["rules"]);
  same(["explain", "XA002"]);
});

const genWorkload = join(shared, "bench", "gen_workload.py");
const noWorkload = !existsSync(genWorkload) && `${genWorkload} is absent`;
if (noWorkload) console.warn(`\n*** SKIPPING the workload test of the grantcheck command: ${noWorkload} ***\n`);

test("check: a generated workload, its plan and its module tree", { skip: noWorkload, timeout: 300_000 }, () => {
  const dir = join(work, "workload");
  const r = spawnSync("python3", [genWorkload, "--secrets", "100", "--filler", "300", "--shards", "3", "--seed", "7", "--out", dir], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `gen_workload.py failed: ${r.stderr}`);
  for (const format of ["json", "text"]) {
    assert.equal(same(["check", "--format", format, "plan.json"], dir).status, 1);
    same(["check", "--format", format, "--account", "111122223333", "tf"], dir);
    same(["check", "--format", format, "."], dir);
  }
});

const corpus = join(shared, "corpus");
const noCorpus = !existsSync(corpus) && `${corpus} is absent`;
if (noCorpus) console.warn(`\n*** SKIPPING the corpus test of the grantcheck command: ${noCorpus} ***\n`);

test("check and access: every corpus folder and whole repository, as users run it", { skip: noCorpus, timeout: 600_000 }, () => {
  const dirs = readdirSync(corpus, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "repos")
    .map((d) => d.name);
  const repos = readdirSync(join(corpus, "repos"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join("repos", d.name));
  assert.ok(dirs.length >= 10 && repos.length >= 4, `corpus folders under ${corpus}`);
  let files = 0;
  for (const dir of [...dirs, ...repos]) {
    const json = same(["check", "--format", "json", dir], corpus);
    files += JSON.parse(json.stdout).summary.files;
    same(["access", "--format", "json", "--account", "111122223333", dir], corpus);
  }
  for (const repo of repos) {
    // as `grantcheck check .` at the repository's root, in the formats a pipeline reads
    for (const format of ["text", "sarif", "github", "markdown", "junit"]) same(["check", "--format", format, "."], join(corpus, repo));
  }
  assert.ok(files >= 500, `the corpus walk checked ${files} files`);
});
