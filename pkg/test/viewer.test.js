// The plan viewer (viewer/index.html) in headless Chromium: pkg/ served on 127.0.0.1, a generated
// plan fed through the first file input, findings compared with the native CLI, one access-map
// node per foreign account, no request leaving 127.0.0.1, a screenshot for the log, and the time
// to first render on a ~20 MB plan.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchChromium, pkgDir, root, serveStatic, shared } from "./helpers.js";

const OWNER = "111122223333";
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const genWorkload = join(shared, "bench", "gen_workload.py");
const reasons = [];
if (!existsSync(genWorkload)) reasons.push(`${genWorkload} is absent`);
if (!existsSync(chromiumPath)) reasons.push(`${chromiumPath} is absent (scripts/test.sh installs Debian's chromium)`);
if (!existsSync(join(pkgDir, "dist", "grantcheck_wasm_bg.wasm"))) reasons.push("pkg/dist is not built (npm run build)");
let playwright = null;
try {
  playwright = await import("playwright-core");
} catch {
  reasons.push("playwright-core is not installed (npm ci in pkg/)");
}
const skip = reasons.length ? reasons.join("; ") : false;
if (skip) console.warn(`\n*** SKIPPING the browser tests of the viewer: ${skip} ***\n`);


let server;
let origin;
let context;
let work;
const requests = [];


function generate(dir, secrets, filler, seed) {
  const r = spawnSync("python3", [genWorkload, "--secrets", String(secrets), "--filler", String(filler), "--seed", String(seed), "--out", dir], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `gen_workload.py failed: ${r.stderr}`);
  return join(dir, "plan.json");
}

/** The native CLI's JSON report (target/debug/grantcheck when built, else cargo run). */
function nativeReport(plan) {
  const built = join(root, "target", "debug", "grantcheck");
  const [cmd, args] = existsSync(built)
    ? [built, ["check", plan, "--format", "json"]]
    : ["cargo", ["run", "-q", "-p", "grantcheck-cli", "--", "check", plan, "--format", "json"]];
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 30 });
  assert.ok(r.status === 0 || r.status === 1, `grantcheck check exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** rule → number of distinct resources. */
function perRule(pairs) {
  const m = new Map();
  for (const [rule, resource] of pairs) {
    if (!m.has(rule)) m.set(rule, new Set());
    m.get(rule).add(resource);
  }
  return Object.fromEntries([...m].sort().map(([k, v]) => [k, v.size]));
}

/** The foreign accounts (and "*") the plan's secret policies allow, read independently of the viewer. */
function foreignAccounts(plan) {
  const out = new Set();
  for (const rc of plan.resource_changes ?? []) {
    if (rc.type !== "aws_secretsmanager_secret_policy" || typeof rc.change?.after?.policy !== "string") continue;
    const doc = JSON.parse(rc.change.after.policy);
    for (const st of [doc.Statement].flat()) {
      if (st.Effect !== "Allow") continue;
      const principals = st.Principal === "*" ? ["*"] : [st.Principal?.AWS ?? []].flat();
      for (const p of principals) {
        const account = p === "*" ? "*" : /^\d{12}$/.test(p) ? p : /^arn:aws:iam::(\d{12}):/.exec(p)?.[1];
        if (account && account !== OWNER) out.add(account);
      }
    }
  }
  return [...out].sort();
}

async function openViewer() {
  const page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
  await page.goto(`${origin}/viewer/index.html`);
  await page.waitForSelector("body[data-state=ready]", { timeout: 60_000 });
  return { page, errors };
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), "grantcheck-viewer-"));
  server = await serveStatic(pkgDir);
  origin = `http://127.0.0.1:${server.address().port}`;
  context = await launchChromium(playwright, chromiumPath, join(work, "profile"), { acceptDownloads: true });
});

after(async () => {
  await context?.close();
  server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the viewer shows the native CLI's findings and one access-map node per foreign account", { skip, timeout: 300_000 }, async () => {
  const planPath = generate(join(work, "w300"), 300, 1000, 5);
  const plan = JSON.parse(readFileSync(planPath, "utf8"));
  const native = nativeReport(planPath);
  const { page, errors } = await openViewer();

  await page.locator("input[type=file]").first().setInputFiles(planPath);
  await page.waitForSelector("body[data-state=checked][data-map=ready]", { timeout: 120_000 });

  const shown = await page.$$eval("[data-rule]", (els) => els.map((e) => [e.dataset.rule, e.dataset.resource]));
  const expected = perRule(native.findings.map((f) => [f.rule, f.resource]));
  assert.ok(Object.keys(expected).length >= 3, `the workload has findings of several rules: ${JSON.stringify(expected)}`);
  assert.deepEqual(perRule(shown), expected, "distinct resources per rule: viewer vs native CLI");
  const listed = await page.$$eval("#findings [data-rule]", (els) => els.length);
  assert.equal(listed, native.findings.length, "the findings list holds every finding");

  const nodes = await page.$$eval("#map [data-account]", (els) => els.map((e) => e.dataset.account));
  const foreign = foreignAccounts(plan);
  assert.ok(foreign.length >= 2 && foreign.includes("*"), `the workload shares with several accounts and "*": ${foreign}`);
  assert.equal(new Set(nodes).size, nodes.length, `one node per account: ${nodes}`);
  assert.deepEqual([...nodes].sort(), foreign, "access-map accounts vs the plan's foreign principals");
  const states = await page.$$eval("#map path.edge", (els) => [...new Set(els.map((e) => e.dataset.state))].sort());
  assert.deepEqual(states, ["aws-managed", "blocked", "works"], "the workload has working, key-blocked and AWS-managed-key grants");

  // Selecting the "*" node by keyboard lists the findings about everyone (PA001 among them).
  await page.focus('#map [data-account="*"]');
  await page.keyboard.press("Enter");
  const nodeRules = await page.$$eval("#node-findings [data-rule]", (els) => [...new Set(els.map((e) => e.dataset.rule))]);
  assert.ok(nodeRules.includes("PA001"), `the "*" node shows its findings: ${nodeRules}`);

  // The resources list: grouped by module, actions shown, findings inline.
  const firstWithFinding = await page.$eval(".resource [data-rule]", (e) => e.closest(".resource").dataset.address);
  assert.ok(native.findings.some((f) => f.resource === firstWithFinding));
  const snippetText = await page.$eval(".resource pre", (e) => e.textContent);
  assert.ok(snippetText.length > 0, "an inline policy snippet is shown");

  // SARIF download: from the page, through a Blob.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-sarif")]);
  const sarif = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(sarif.version, "2.1.0");
  assert.equal(sarif.runs[0].results.length, native.findings.length);

  await page.$eval("#summary-section", (e) => e.scrollIntoView());
  const shot = join(tmpdir(), "grantcheck-viewer.png");
  await page.screenshot({ path: shot, fullPage: false });
  console.log(`viewer screenshot: ${shot}`);

  const outside = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith("blob:"));
  assert.deepEqual(outside, [], "no request left 127.0.0.1");
  assert.deepEqual(errors, [], "no error in the page");
  await page.close();
});

test("a configuration folder through the folder input gives the native CLI's findings", { skip, timeout: 300_000 }, async () => {
  if (!existsSync(join(work, "w300", "plan.json"))) generate(join(work, "w300"), 300, 1000, 5);
  const dir = join(work, "w300", "tf");
  const native = nativeReport(dir);
  const { page, errors } = await openViewer();
  await page.setInputFiles("#folder", dir);
  await page.waitForSelector("body[data-state=checked][data-map=ready]", { timeout: 120_000 });
  const shown = await page.$$eval("#findings [data-rule]", (els) => els.map((e) => [e.dataset.rule, e.dataset.resource]));
  const expected = perRule(native.findings.map((f) => [f.rule, f.resource]));
  assert.ok((expected.XA002 ?? 0) > 0, `the configuration has findings: ${JSON.stringify(expected)}`);
  assert.deepEqual(perRule(shown), expected, "distinct resources per rule: viewer vs native CLI, .tf input");
  const rows = await page.$$eval("#resources .resource", (els) => els.map((e) => e.dataset.action));
  assert.ok(rows.length > 0 && rows.every((a) => a === "config"), "configuration resources are listed without plan actions");
  assert.deepEqual(errors, []);
  await page.close();
});

test("masks what the plan marks sensitive in policy snippets", { skip, timeout: 120_000 }, async () => {
  const secretArn = "arn:aws:iam::444455556666:role/very-secret-reader";
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: secretArn }, Action: "secretsmanager:GetSecretValue", Resource: "*" }],
  });
  const plan = {
    format_version: "1.2",
    resource_changes: [
      {
        address: "aws_secretsmanager_secret.s",
        type: "aws_secretsmanager_secret",
        name: "s",
        change: { actions: ["create"], before: null, after: { name: "s", kms_key_id: null }, after_unknown: { arn: true }, after_sensitive: {} },
      },
      {
        address: "aws_secretsmanager_secret_policy.p",
        type: "aws_secretsmanager_secret_policy",
        name: "p",
        change: {
          actions: ["create"],
          before: null,
          after: { policy, secret_arn: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:s" },
          after_unknown: {},
          after_sensitive: { policy: true },
        },
      },
    ],
  };
  const file = join(work, "sensitive-plan.json");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(file, JSON.stringify(plan));
  const { page } = await openViewer();
  await page.fill("#accounts", OWNER);
  await page.locator("input[type=file]").first().setInputFiles(file);
  await page.waitForSelector("body[data-state=checked]", { timeout: 60_000 });
  // Open every snippet, then look at the whole page's text.
  await page.$$eval("details", (ds) => ds.forEach((d) => (d.open = true)));
  const text = await page.evaluate(() => document.body.innerText);
  assert.ok(!text.includes("very-secret-reader"), "the sensitive principal never appears");
  const masks = await page.$$eval("pre mark", (els) => els.length);
  const snippets = await page.$$eval("pre", (els) => els.length);
  // XA001 points into the sensitive policy: its snippet is shown, masked.
  assert.ok(snippets > 0 && masks > 0, `snippets over the sensitive policy are masked (${snippets} snippets, ${masks} masks)`);
  assert.ok(text.includes("(sensitive value)"));
  await page.close();
});

test("time to first render on a ~20 MB plan", { skip, timeout: 600_000 }, async () => {
  const planPath = generate(join(work, "w2000"), 2000, 10000, 5);
  const mb = statSync(planPath).size / (1024 * 1024);
  const { page, errors } = await openViewer();
  const t0 = Date.now();
  await page.locator("input[type=file]").first().setInputFiles(planPath);
  await page.waitForSelector("body[data-state=checked]", { timeout: 300_000 });
  const firstRender = Date.now() - t0;
  await page.waitForSelector("body[data-map=ready]", { timeout: 300_000 });
  const mapReady = Date.now() - t0;
  const inPage = await page.$eval("body", (b) => Number(b.dataset.firstRenderMs));
  const rendered = await page.$$eval("#resources .resource", (els) => els.length);
  const findings = await page.$$eval("#findings [data-rule]", (els) => els.length);
  console.log(
    `viewer on a ${mb.toFixed(1)} MB plan: first render ${firstRender} ms after setInputFiles ` +
      `(${inPage} ms in the page: read, check, render), access map ${mapReady} ms; ` +
      `${findings} findings listed, ${rendered} resource rows rendered so far (the rest render on scroll)`,
  );
  assert.ok(mb > 15, `the plan is about 20 MB (${mb.toFixed(1)} MB)`);
  assert.ok(findings > 1000);
  // Scrolling to the end renders more rows.
  await page.$eval("#more", (e) => e.scrollIntoView());
  await page.waitForFunction((n) => document.querySelectorAll("#resources .resource").length > n, rendered);
  assert.deepEqual(errors, []);
  await page.close();
});
