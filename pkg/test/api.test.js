import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { examplePlan, load, native, nativeReport, root, withoutUtf16 } from "./helpers.js";

const gc = await load();
const planText = readFileSync(examplePlan, "utf8");

test("check() reports on the bundled cross-account plan as the CLI does", () => {
  const report = gc.check([{ path: "examples/cross-account/plan.json", text: planText }], {
    accounts: ["111122223333"],
  });
  assert.equal(report.version, 1);
  assert.deepEqual(report.tool, { name: "grantcheck", version: gc.version });
  assert.equal(report.summary.files, 1);
  assert.ok(report.findings.length > 0, "the example plan has findings");
  assert.ok(report.findings.some((f) => f.severity === "error"));
  const expected = nativeReport(["examples/cross-account/plan.json"], root, ["111122223333"]);
  assert.deepEqual(withoutUtf16(report), expected);
});

test("positions carry UTF-16 offsets that slice the same text as the byte offsets", () => {
  // Characters outside ASCII and outside the BMP before the findings move the offsets apart.
  const text = planText.replace("{", '{"description": "clé 🔐 für Konten",');
  const report = gc.check([{ path: "plan.json", text }]);
  const bytes = Buffer.from(text, "utf8");
  const located = report.findings.filter((f) => f.location);
  assert.ok(located.length > 0);
  for (const f of located) {
    const { start, end } = f.location;
    assert.ok(start.utf16 < start.offset, "the UTF-16 offset is smaller than the byte offset after é and 🔐");
    assert.equal(text.slice(start.utf16, end.utf16), bytes.subarray(start.offset, end.offset).toString("utf8"));
  }
});

test("bad input becomes GC002 findings, and the other files are still checked", () => {
  const report = gc.check([
    { path: "truncated.json", text: '{"format_version": "1.2", "resource_changes": [' },
    { path: "empty.json", text: "" },
    { path: "plan.json", text: planText },
  ]);
  const inputErrors = report.findings.filter((f) => f.rule === "GC002");
  assert.deepEqual(inputErrors.map((f) => f.location?.file ?? f.message.split(":")[0]).sort(), ["empty.json", "truncated.json"]);
  for (const f of inputErrors) {
    assert.equal(f.severity, "error");
    assert.equal(f.name, "input-error");
  }
  assert.ok(report.findings.some((f) => f.rule !== "GC002"), "plan.json is checked despite the bad files");
  assert.equal(report.summary.files, 3);
});

test("check() of no files is an empty report", () => {
  const report = gc.check([]);
  assert.deepEqual(report.findings, []);
  assert.equal(report.summary.files, 0);
  assert.deepEqual(gc.check([], {}), report);
  assert.deepEqual(gc.check([], null), report);
});

test("misuse throws an Error that says what is wrong", () => {
  const cases = [
    [() => gc.check(), /`files` must be an array of \{path, text\} objects, got undefined/],
    [() => gc.check("plan.json"), /`files` must be an array .* got a string/],
    [() => gc.check([planText]), /files\[0\] must be an object \{path, text\}, got a string/],
    [() => gc.check([{ path: "a.json" }]), /files\[0\]\.text must be a string, got undefined/],
    [() => gc.check([{ path: 7, text: "" }]), /files\[0\]\.path must be a string, got a number \(7\)/],
    [() => gc.check([{ path: "a", text: new Uint8Array(2) }]), /files\[0\]\.text must be a string, got an object/],
    [() => gc.check([], "111122223333"), /`options` must be an object/],
    [() => gc.check([], { account: ["111122223333"] }), /unknown option `account` \(known: accounts\)/],
    [() => gc.check([], { accounts: "111122223333" }), /options\.accounts must be an array/],
    [() => gc.check([], { accounts: [111122223333] }), /options\.accounts\[0\] must be a string, got a number/],
    [() => gc.check([], { accounts: ["1111-2222-3333"] }), /options\.accounts\[0\] is "1111-2222-3333"; an account id is 12 digits/],
    [() => gc.toSarif(), /toSarif\(report\): `report` must be the object check\(\) returned, got a undefined/],
    [() => gc.toSarif([]), /`report` must be the object check\(\) returned, got an array/],
    [() => gc.toSarif({ findings: [] }), /toSarif\(report\): not a grantcheck report: missing field `version`/],
  ];
  for (const [fn, message] of cases) {
    assert.throws(fn, (e) => {
      assert.ok(e instanceof Error, `an Error, not ${e?.constructor?.name}`);
      assert.ok(!(e instanceof WebAssembly.RuntimeError));
      assert.match(e.message, message);
      return true;
    });
  }
  const cyclic = { version: 1 };
  cyclic.self = cyclic;
  assert.throws(() => gc.toSarif(cyclic), /cannot be written as JSON/);
  // The instance is still sound after all of that.
  assert.equal(gc.check([{ path: "plan.json", text: planText }]).summary.files, 1);
});

test("rules() is the catalogue the CLI lists", () => {
  const list = gc.rules();
  assert.deepEqual(list, JSON.parse(native(["rules", "--format", "json"])));
  const codes = list.map((r) => r.code);
  assert.equal(new Set(codes).size, codes.length, "codes are unique");
  for (const code of ["XA001", "XA002", "XA003", "PA001", "GC001", "GC002"]) assert.ok(codes.includes(code), code);
  for (const r of list) {
    assert.match(r.code, /^[A-Z]{2}\d{3}$/);
    assert.ok(["error", "warning", "note"].includes(r.severity));
    assert.ok(r.name && r.summary && r.doc, `${r.code} is documented`);
  }
});

test("toSarif() renders a report from check() as SARIF 2.1.0", () => {
  const report = gc.check([{ path: "plan.json", text: planText }], { accounts: ["111122223333"] });
  const sarif = gc.toSarif(report);
  assert.equal(sarif.version, "2.1.0");
  assert.equal(sarif.runs.length, 1);
  const [run] = sarif.runs;
  assert.equal(run.tool.driver.name, "grantcheck");
  assert.deepEqual(
    run.results.map((r) => r.ruleId),
    report.findings.map((f) => f.rule),
  );
  const located = report.findings.filter((f) => f.location);
  const lines = run.results
    .map((r) => r.locations?.[0]?.physicalLocation?.region?.startLine)
    .filter((l) => l !== undefined);
  assert.deepEqual(lines, located.map((f) => f.location.start.line));
  // A report that went through JSON (stored, sent) renders the same.
  assert.deepEqual(gc.toSarif(JSON.parse(JSON.stringify(report))), sarif);
});

test("version is the core's version and the package's", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  assert.equal(gc.version, pkg.version);
  assert.match(native(["--version"]), new RegExp(`\\b${gc.version.replaceAll(".", "\\.")}\\b`));
});

test("init() and initSync() are harmless no-ops in Node", async () => {
  await gc.default();
  assert.equal(gc.check([]).version, 1);
});

test("access() gives who can read each secret as `grantcheck access --format json` does", () => {
  const view = gc.access([{ path: "examples/cross-account/plan.json", text: planText }], { accounts: ["111122223333"] });
  const expected = JSON.parse(
    native(["access", "--format", "json", "--no-config-dir", "--account", "111122223333", "examples/cross-account/plan.json"]),
  );
  assert.deepEqual(withoutUtf16(view), expected);
  assert.ok(view.access.length > 0, "the example plan shares secrets");
  assert.ok(view.access.some((s) => s.readers.some((r) => r.verdict === "cannot-read" && r.broken_at === "key")));
  assert.deepEqual(view.errors, []);
  // the access graph is the report's own
  const report = gc.check([{ path: "examples/cross-account/plan.json", text: planText }], { accounts: ["111122223333"] });
  assert.deepEqual(view.access, report.access);
});

test("access() says what it could not read or decide rather than an empty list alone", () => {
  const tf = `resource "aws_secretsmanager_secret" "s" { name = "s" }
resource "aws_secretsmanager_secret_policy" "s" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = "*",
    Principal = { AWS = "arn:aws:iam::444455556666:root" } }] })
}
`;
  const unknownOwner = gc.access([{ path: "main.tf", text: tf }]);
  assert.deepEqual(unknownOwner.access, []);
  assert.equal(unknownOwner.owner_unknown_secrets, 1);
  assert.ok(unknownOwner.unresolved.some((f) => f.rule === "GC001" && f.resource === "aws_secretsmanager_secret.s"));
  const broken = gc.access([
    { path: "plan.json", text: planText },
    { path: "truncated.json", text: '{"format_version": "1.2", "resource_changes": [' },
  ]);
  assert.equal(broken.errors.length, 1);
  assert.equal(broken.errors[0].rule, "GC002");
  assert.match(broken.errors[0].message, /truncated\.json/);
  assert.ok(broken.access.length > 0, "the readable plan is still shown");
});

test("markdown() writes the comment `grantcheck check --format markdown` writes", () => {
  const files = [{ path: "examples/cross-account/plan.json", text: planText }];
  const comment = gc.markdown(files, { accounts: ["111122223333"], linkBase: "https://example.test/o/r/blob/abc/" });
  const expected = native([
    "check", "--format", "markdown", "--no-config-dir", "--account", "111122223333",
    "--link-base", "https://example.test/o/r/blob/abc/", "examples/cross-account/plan.json",
  ]);
  assert.equal(comment, expected);
  assert.match(comment, /https:\/\/example\.test\/o\/r\/blob\/abc\/examples\/cross-account\/plan\.json#L\d+/);
  // (with a link base of its own: the native command would take one from a CI's environment)
  const never = gc.markdown(files, { accounts: ["111122223333"], failOn: "never", linkBase: "x/" });
  assert.equal(
    never,
    native(["check", "--format", "markdown", "--no-config-dir", "--account", "111122223333", "--fail-on", "never", "--link-base", "x/", "examples/cross-account/plan.json"]),
  );
  assert.notEqual(never, comment);
  assert.throws(() => gc.markdown(files, { failOn: "sometimes" }), /failOn/);
  assert.throws(() => gc.markdown(files, { linkBase: 3 }), /linkBase/);
  assert.throws(() => gc.markdown(files, { colour: true }), /unknown option `colour`/);
});
