// index.d.ts describes what the package really returns: a TypeScript consumer type-checks, and real
// reports, rules and SARIF, written out as object literals, satisfy the declared types exactly
// (excess property checks catch fields the types miss; missing fields fail too).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { consumerDir, examplePlan, load, pkgDir } from "./helpers.js";

const gc = await load();
const tsc = join(pkgDir, "node_modules", "typescript", "bin", "tsc");

function typecheck(files) {
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      exactOptionalPropertyTypes: true,
      module: "nodenext",
      moduleResolution: "nodenext",
      target: "es2022",
      lib: ["es2022"],
      types: [],
      skipLibCheck: false,
    },
    files,
  };
  writeFileSync(join(consumerDir, "tsconfig.json"), JSON.stringify(config, null, 2));
  return spawnSync(process.execPath, [tsc, "-p", join(consumerDir, "tsconfig.json")], { encoding: "utf8" });
}

test("a TypeScript consumer and the real output type-check against index.d.ts", { skip: !existsSync(tsc) && "typescript is not installed (npm ci)" }, () => {
  writeFileSync(
    join(consumerDir, "consumer.ts"),
    `import init, { access, check, markdown, rules, toSarif, version, type AccessReport, type Report, type Finding, type RuleInfo, type SarifLog } from "grantcheck";
await init();
const report: Report = check([{ path: "plan.json", text: "{}" }], { accounts: ["111122223333"] });
const errors: Finding[] = report.findings.filter((f) => f.severity === "error");
const lines: number[] = errors.flatMap((f) => (f.location ? [f.location.start.line, f.location.end.utf16] : []));
const codes: string[] = rules().map((r: RuleInfo) => r.code);
const sarif: SarifLog = toSarif(report);
const v: string = version;
const view: AccessReport = access([{ path: "plan.json", text: "{}" }], null);
const verdicts: string[] = view.access.flatMap((s) => s.readers.map((r) => r.verdict));
const comment: string = markdown([{ path: "plan.json", text: "{}" }], { linkBase: "https://x/", failOn: "never" });
export const used = [lines, codes, sarif.runs[0]?.results.length, v, report.summary.errors, verdicts, view.errors.length, comment];
`,
  );
  const text = readFileSync(examplePlan, "utf8").replace("{", '{"description": "🔐",');
  const report = gc.check(
    [
      { path: "plan.json", text },
      { path: "broken.json", text: "{" },
      { path: "main.tf", text: 'resource "aws_secretsmanager_secret" "s" {}' },
    ],
    { accounts: ["111122223333"] },
  );
  assert.ok(report.findings.some((f) => f.location === null || f.location?.start.utf16 !== f.location?.start.offset));
  const optional = ["policy_path", "related_locations", "check"].filter((k) => report.findings.some((f) => k in f));
  console.log(`types: the real report has the optional fields ${optional.join(", ") || "(none)"}`);
  writeFileSync(
    join(consumerDir, "real.ts"),
    `import type { AccessReport, Report, RuleInfo, SarifLog } from "grantcheck";
export const report = ${JSON.stringify(report, null, 1)} satisfies Report;
export const view = ${JSON.stringify(gc.access([{ path: "plan.json", text }, { path: "broken.json", text: "{" }], { accounts: ["111122223333"] }))} satisfies AccessReport;
export const list = ${JSON.stringify(gc.rules())} satisfies RuleInfo[];
export const sarif = ${JSON.stringify(gc.toSarif(report))} satisfies SarifLog;
`,
  );
  const r = typecheck(["consumer.ts", "real.ts"]);
  assert.equal(r.status, 0, `tsc --noEmit failed:\n${r.stdout}${r.stderr}`);
});

test("the type check can fail: a report with a field the types lack is refused", { skip: !existsSync(tsc) && "typescript is not installed (npm ci)" }, () => {
  const report = gc.check([{ path: "broken.json", text: "{" }]);
  report.findings[0].confidence = "high";
  writeFileSync(
    join(consumerDir, "wrong.ts"),
    `import type { Report } from "grantcheck";\nexport const report = ${JSON.stringify(report)} satisfies Report;\n`,
  );
  const r = typecheck(["wrong.ts"]);
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /confidence/);
});
