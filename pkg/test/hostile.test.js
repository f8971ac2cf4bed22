// Hostile and broken inputs through the package: a report with a GC002 finding (or a finding that
// says what is wrong), never a WebAssembly trap, and the other files still checked.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { examplePlan, load } from "./helpers.js";

const gc = await load();
const good = { path: "example/plan.json", text: readFileSync(examplePlan, "utf8") };

const policyResource = (policy) =>
  JSON.stringify({
    format_version: "1.2",
    resource_changes: [
      {
        address: "aws_secretsmanager_secret_policy.p",
        mode: "managed",
        type: "aws_secretsmanager_secret_policy",
        name: "p",
        change: {
          actions: ["create"],
          before: null,
          after: { secret_arn: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:s", policy },
        },
      },
    ],
  });

/** Checks `file` next to the good example; returns the findings about `file`. */
function checkBeside(file) {
  let report;
  assert.doesNotThrow(() => {
    report = gc.check([file, good]);
  }, `${file.path}: no trap`);
  const about = report.findings.filter((f) => f.location?.file === file.path || f.message.includes(file.path));
  const others = report.findings.filter((f) => f.location?.file === good.path);
  assert.ok(others.some((f) => f.rule.startsWith("XA")), `${file.path}: the other file is still checked`);
  return about;
}

/** `file` gives exactly one GC002 finding naming it and saying `want`. */
function refused(file, want) {
  const about = checkBeside(file).filter((f) => f.rule === "GC002");
  assert.equal(about.length, 1, `${file.path}: ${JSON.stringify(about)}`);
  assert.match(about[0].message, want);
  assert.ok(about[0].message.includes(file.path), "the message names the file");
}

const deep = "[".repeat(100_000) + "]".repeat(100_000);

const cases = [
  ["an empty file", { path: "empty.json", text: "" }, /empty/],
  ["{}", { path: "object.json", text: "{}" }, /not a Terraform plan/],
  ["truncated JSON", { path: "truncated.json", text: policyResource("{}").slice(0, 120) }, /ends early/],
  ["trailing garbage", { path: "trailing.json", text: policyResource("{}") + "\n} garbage" }, /not valid JSON/],
  [
    "bytes decoded as Latin-1 from a binary zip planfile",
    { path: "tfplan", text: "PK\u0003\u0004\u0014\u0000\u0000\u0000\u0008\u0000tfplan" },
    /terraform show -json/,
  ],
  ["format_version 2", { path: "v2.json", text: '{"format_version":"2.0","resource_changes":[]}' }, /unsupported plan format_version 2\.0/],
  [
    "a state file given as a plan",
    { path: "terraform.tfstate", text: '{"version":4,"terraform_version":"1.9.0","serial":1,"lineage":"x","outputs":{},"resources":[]}' },
    /state file, not a plan/,
  ],
  ["100,000-deep JSON arrays", { path: "deep.json", text: deep }, /nests deeper/],
  ["100,000-deep arrays inside a resource", { path: "inside.json", text: policyResource("x").replace('"x"', deep) }, /nests deeper/],
  ["100,000-deep HCL arrays", { path: "deep/main.tf", text: `locals {\n  x = ${deep}\n}\n` }, /nests deeper/],
  [
    "100,000-deep HCL blocks",
    { path: "blocks/main.tf", text: "a " + "{\nb ".repeat(100_000) + "\n" + "}\n".repeat(100_000) },
    /nests deeper/,
  ],
  [
    "an HCL cycle between locals",
    {
      path: "cycle/main.tf",
      text: 'locals {\n  a = local.b\n  b = local.a\n}\nresource "aws_secretsmanager_secret_policy" "p" {\n  secret_arn = "x"\n  policy     = local.a\n}\n',
    },
    /depends on itself/,
  ],
  ["a module that sources itself", { path: "self/main.tf", text: 'module "me" {\n  source = "./"\n}\n' }, /cannot call itself/],
];

for (const [name, file, want] of cases) {
  test(`hostile input: ${name}`, () => refused(file, want));
}

test("hostile input: a lone surrogate in a string is replaced, never a trap", () => {
  const text = policyResource('{"Statement":[]}').replace("secret:s", "secret:\ud800");
  checkBeside({ path: "surrogate.json", text });
});

test("hostile input: modules that call each other", () => {
  const files = [
    { path: "mutual/a/main.tf", text: 'module "b" {\n  source = "../b"\n}\n' },
    { path: "mutual/b/main.tf", text: 'module "a" {\n  source = "../a"\n}\n' },
  ];
  const report = gc.check(files);
  const errors = report.findings.filter((f) => f.rule === "GC002");
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.match(errors[0].message, /cycle/);
});

test("hostile input: a policy JSON-encoded twice is named as such", () => {
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "secretsmanager:*", Resource: "*" }],
  });
  const about = checkBeside({ path: "twice.json", text: policyResource(JSON.stringify(policy)) });
  assert.ok(
    about.some((f) => f.rule === "PG001" && /JSON-encoded twice/.test(f.message)),
    JSON.stringify(about),
  );
});

test("hostile input: a 200 MB string in a plan", () => {
  const text = policyResource("{}").replace('"secret_arn"', `"content":"${"a".repeat(200 * 1024 * 1024)}","secret_arn"`);
  const started = Date.now();
  const report = gc.check([{ path: "huge.json", text }]);
  assert.ok(Date.now() - started < 60_000, "bounded time");
  assert.equal(report.findings.filter((f) => f.rule === "GC002").length, 0, JSON.stringify(report.findings));
  // and the package still answers afterwards
  assert.ok(gc.check([good]).findings.length > 0);
});

test("misuse throws an Error, not a trap", () => {
  for (const bad of [null, "plan.json", [{ path: "p.json" }], [{ path: 1, text: "" }], [{ path: "p", text: 5 }]]) {
    assert.throws(
      () => gc.check(bad),
      (e) => e instanceof Error && !(e instanceof WebAssembly.RuntimeError),
      JSON.stringify(bad),
    );
  }
});
