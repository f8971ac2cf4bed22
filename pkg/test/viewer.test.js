// The plan viewer (viewer/index.html) in headless Chromium: pkg/ served on 127.0.0.1, generated
// plans and configuration folders fed through the file inputs. The access map must be the report's
// `access` section as check() gives it in Node for the same files; findings are compared with the
// native CLI; no request leaves 127.0.0.1. dist/viewer.html is opened from file:// and must check a
// plan without any request. And pkg/viewer holds no policy analysis of its own.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { launchChromium, pkgDir, root, serveStatic, shared } from "./helpers.js";

const OWNER = "111122223333";
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const genWorkload = join(shared, "bench", "gen_workload.py");
const standalone = join(pkgDir, "dist", "viewer.html");
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
let grantcheck;
const requests = [];

function generate(dir, secrets, filler, seed, extra = []) {
  if (existsSync(join(dir, "plan.json"))) return join(dir, "plan.json");
  const r = spawnSync(
    "python3",
    [genWorkload, "--secrets", String(secrets), "--filler", String(filler), "--seed", String(seed), ...extra, "--out", dir],
    { encoding: "utf8" },
  );
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

/** The files of a folder as the folder input gives them: paths start with the folder's name. */
function folderFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(tf|tfvars|hcl|json)$/.test(e.name)) out.push({ path: `${basename(dir)}/${relative(dir, p)}`, text: readFileSync(p, "utf8") });
    }
  };
  walk(dir);
  return out;
}

/** rule → number of findings. */
function perRule(findings) {
  const m = {};
  for (const f of findings) m[`${f.rule} ${f.name}`] = (m[`${f.rule} ${f.name}`] ?? 0) + 1;
  return m;
}

/** One line per path of the report's access section: what the map must draw. */
function expectedPaths(report) {
  return (report.access ?? [])
    .flatMap((a) =>
      a.readers.map((r) => [a.secret, r.principal, r.account, r.verdict, r.broken_at ?? "", r.links.map((l) => `${l.link}:${l.state}`).join(",")].join(" | ")),
    )
    .sort();
}

/** Opens every group of the map, draws every row, and reads back what is drawn. */
async function drawnPaths(page) {
  return page.evaluate(() => {
    // "Expand all" opens every group and draws its first rows; "Show more" draws the rest.
    document.getElementById("map-expand").click();
    for (;;) {
      const more = [...document.querySelectorAll("#map button.more")];
      if (more.length === 0) break;
      for (const b of more) b.click();
    }
    return [...document.querySelectorAll("#map .path")]
      .map((row) => {
        const links = [...row.querySelectorAll(".link")].map((l) => `${l.dataset.link}:${l.dataset.state}`).join(",");
        const at = row.querySelector(".verdict .sub")?.dataset.link ?? "";
        return [row.dataset.secret, row.dataset.principal, row.dataset.account, row.dataset.verdict, at, links].join(" | ");
      })
      .sort();
  });
}

/** Opens every group of findings and waits until each has drawn its findings. */
async function openFindingGroups(page) {
  await page.$$eval("#findings details.group", (ds) => ds.forEach((d) => (d.open = true)));
  await page.waitForFunction(() => [...document.querySelectorAll("#findings details.group")].every((d) => d.querySelector(".finding")));
}

async function openViewer(url = `${origin}/viewer/index.html`) {
  const page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
  await page.goto(url);
  await page.waitForSelector("body[data-state=ready]", { timeout: 60_000 });
  return { page, errors };
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), "grantcheck-viewer-"));
  server = await serveStatic(pkgDir);
  origin = `http://127.0.0.1:${server.address().port}`;
  context = await launchChromium(playwright, chromiumPath, join(work, "profile"), { acceptDownloads: true });
  grantcheck = await import(pathToFileURL(join(pkgDir, "index.js")).href);
});

after(async () => {
  await context?.close();
  server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("pkg/viewer holds no policy analysis: it draws the report", () => {
  const forbidden = [
    [/Principal/, "reads policy principals"],
    [/Statement/, "reads policy statements"],
    [/\bEffect\b/, "reads statement effects"],
    [/arn:aws/, "parses ARNs"],
    [/\\d\{12\}|\[0-9\]\{12\}/, "matches account ids"],
    [/allowed_account_ids|assume_role/, "reads provider accounts"],
    [/GetSecretValue|kms:|secretsmanager:/, "knows IAM actions"],
    [/\bXA0\d\d\b|\bPA0\d\d\b/, "decides by rule code"],
    [/kms_key_id|secret_arn|key_id/, "follows resource references"],
    [/\.message\.(includes|match)|mentions\(/, "matches findings by their message"],
  ];
  const files = readdirSync(join(pkgDir, "viewer")).filter((f) => f.endsWith(".js"));
  assert.ok(files.includes("viewer.js") && files.includes("accessmap.js"));
  for (const f of files) {
    const text = readFileSync(join(pkgDir, "viewer", f), "utf8");
    for (const [pattern, what] of forbidden) assert.doesNotMatch(text, pattern, `viewer/${f} ${what}`);
  }
  const viewer = readFileSync(join(pkgDir, "viewer", "viewer.js"), "utf8");
  assert.match(viewer, /report\)|current\.report/, "the map is given the report");
  assert.match(readFileSync(join(pkgDir, "viewer", "accessmap.js"), "utf8"), /report\.access/, "the map reads the report's access section");
});

test("a plan: the access map is the report's access section; findings search, group and filter", { skip, timeout: 300_000 }, async () => {
  const planPath = generate(join(work, "w120"), 120, 200, 5, ["--readers", "3"]);
  const text = readFileSync(planPath, "utf8");
  const report = grantcheck.check([{ path: "plan.json", text }]);
  const native = nativeReport(planPath);
  const { page, errors } = await openViewer();

  await page.locator("#files").setInputFiles(planPath);
  await page.waitForSelector("body[data-state=checked][data-map=ready]", { timeout: 120_000 });
  assert.equal(await page.getAttribute("body", "data-input-errors"), "0");
  assert.equal(await page.isVisible("#file-hint"), false, "served, the page starts: no hint about opening it from disk");
  assert.equal(await page.$eval("#status", (e) => e.classList.contains("error")), false);

  // The map: every (secret, reader) path of the report, with its verdict and each link's state.
  const expected = expectedPaths(report);
  const verdicts = new Set(expected.map((l) => l.split(" | ")[3]));
  assert.ok(verdicts.has("reads") && verdicts.has("cannot-read"), `the workload has readable and unreadable secrets: ${[...verdicts]}`);
  assert.ok(expected.some((l) => /identity-policy|key-policy:broken/.test(l)), "the workload has key-policy or identity links");
  assert.equal(await page.$eval("#map", (e) => Number(e.dataset.shown)), expected.length);
  assert.deepEqual(await drawnPaths(page), expected, "drawn paths vs report.access");

  // States are told apart by a mark and a word as well as colour.
  const marks = await page.$$eval("#map .link", (els) => [...new Set(els.map((e) => `${e.dataset.state}=${e.querySelector(".mark").textContent}/${e.querySelector(".state").textContent}`))].sort());
  assert.ok(marks.includes("holds=✓/holds") && marks.includes("broken=✗/broken"), `marks: ${marks}`);

  // A broken key-policy link opens what decides it, with the source excerpt at its location.
  const brokenLink = (report.access ?? []).flatMap((a) => a.readers.flatMap((r) => r.links.map((l) => ({ a, r, l })))).find((x) => x.l.state === "broken" && x.l.location);
  assert.ok(brokenLink, "a broken link with a location");
  const row = page.locator(`#map .path[data-secret="${brokenLink.a.secret}"][data-principal="${brokenLink.r.principal}"]`);
  await row.locator(`.link[data-link="${brokenLink.l.link}"]`).click();
  const detail = page.locator("#map .link-detail");
  await detail.waitFor();
  const detailText = await detail.innerText();
  assert.ok(detailText.includes(brokenLink.l.message), "the link's message is shown");
  assert.ok(detailText.includes(`plan.json:${brokenLink.l.location.start.line}:${brokenLink.l.location.start.column}`), "and where");
  const span = await detail.locator("pre .span").innerText();
  const raw = text.slice(brokenLink.l.location.start.offset, brokenLink.l.location.end.offset);
  const bare = (t) => t.replaceAll("\\", "").replaceAll('"', "");
  assert.ok(span.length > 0 && bare(raw).includes(bare(span.slice(0, 40))), `the excerpt shows the located span: ${span} (source: ${raw})`);

  // Findings: grouped by rule with counts equal to the native CLI's.
  const byRule = await page.$$eval("#findings details.group", (ds) => Object.fromEntries(ds.map((d) => [d.dataset.group, Number(d.dataset.count)])));
  assert.deepEqual(byRule, perRule(native.findings), "findings per rule: viewer vs native CLI");
  // Grouped by resource.
  await page.check('#findings-group input[value="resource"]');
  const byResource = await page.$$eval("#findings details.group", (ds) => ds.map((d) => [d.dataset.group, Number(d.dataset.count)]));
  const resources = new Map();
  for (const f of native.findings) resources.set(f.resource || "(no resource)", (resources.get(f.resource || "(no resource)") ?? 0) + 1);
  assert.deepEqual(new Map(byResource), resources, "findings per resource");
  // Search narrows them to the rule searched for.
  await page.fill("#findings-search", "XA003");
  await page.press("#findings-search", "Enter");
  const xa003 = native.findings.filter((f) => f.rule === "XA003").length;
  assert.ok(xa003 > 0);
  assert.equal(await page.$eval("#findings", (e) => Number(e.dataset.shown)), xa003);
  await openFindingGroups(page);
  const rules = await page.$$eval("#findings [data-rule]", (els) => [...new Set(els.map((e) => e.dataset.rule))]);
  assert.deepEqual(rules, ["XA003"]);
  // The severity filter beside them: only errors.
  await page.fill("#findings-search", "");
  await page.press("#findings-search", "Enter");
  await page.uncheck('#findings-severity input[value="warning"]');
  await page.uncheck('#findings-severity input[value="note"]');
  assert.equal(await page.$eval("#findings", (e) => Number(e.dataset.shown)), native.findings.filter((f) => f.severity === "error").length);

  // SARIF download: from the page, through a Blob.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-sarif")]);
  const sarif = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(sarif.runs[0].results.length, native.findings.length);

  await page.$eval("#map-section", (e) => e.scrollIntoView());
  const shot = join(tmpdir(), "grantcheck-viewer.png");
  await page.screenshot({ path: shot, fullPage: false });
  console.log(`viewer screenshot: ${shot}`);

  const outside = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith("blob:"));
  assert.deepEqual(outside, [], "no request left 127.0.0.1");
  assert.deepEqual(errors, [], "no error in the page");
  await page.close();
});

test("a .tf folder: the access map is the report's access section", { skip, timeout: 300_000 }, async () => {
  generate(join(work, "w120"), 120, 200, 5, ["--readers", "3"]);
  const dir = join(work, "w120", "tf");
  const report = grantcheck.check(folderFiles(dir));
  const expected = expectedPaths(report);
  assert.ok(expected.length > 50, `the configuration shares secrets: ${expected.length} paths`);
  const { page, errors } = await openViewer();
  await page.setInputFiles("#folder", dir);
  await page.waitForSelector("body[data-state=checked][data-map=ready]", { timeout: 120_000 });
  assert.deepEqual(await drawnPaths(page), expected, "drawn paths vs report.access, .tf input");
  // Grouped by module: one group per module of the secrets, with their counts.
  await page.check('#map-group input[value="module"]');
  const groups = await page.$$eval("#map details.group", (ds) => ds.reduce((n, d) => n + Number(d.dataset.count), 0));
  assert.equal(groups, expected.length);
  const rows = await page.$$eval("#resources .resource", (els) => els.map((e) => e.dataset.action));
  assert.ok(rows.length > 0 && rows.every((a) => a === "config"), "configuration resources are listed without plan actions");
  assert.deepEqual(errors, []);
  await page.close();
});

test("1,000 secrets: choosing an account, a secret or a search shows only their paths", { skip, timeout: 300_000 }, async () => {
  const planPath = generate(join(work, "w1000"), 1000, 200, 7);
  const report = grantcheck.check([{ path: "plan.json", text: readFileSync(planPath, "utf8") }]);
  const paths = (report.access ?? []).flatMap((a) => a.readers.map((r) => ({ secret: a.secret, ...r })));
  assert.ok(paths.length > 500, `${paths.length} paths`);
  const { page, errors } = await openViewer();
  await page.locator("#files").setInputFiles(planPath);
  await page.waitForSelector("body[data-state=checked][data-map=ready]", { timeout: 120_000 });
  assert.equal(await page.$eval("#map", (e) => Number(e.dataset.shown)), paths.length);
  // So many paths start folded: no row is drawn until a group is opened or a choice is made.
  assert.equal(await page.$$eval("#map .path", (els) => els.length), 0, "groups start closed");

  // An account from the index.
  const account = paths.find((p) => p.account !== "*").account;
  const want = paths.filter((p) => p.account === account);
  await page.click(`#map-index button[data-pick=account][data-value="${account}"]`);
  assert.equal(await page.$eval("#map", (e) => Number(e.dataset.shown)), want.length);
  const accounts = await page.$$eval("#map .path", (els) => [...new Set(els.map((e) => e.dataset.account))]);
  assert.deepEqual(accounts, [account], "only the chosen account's paths are drawn");

  // "Its findings": the findings that name the account.
  await page.click("#map-selection button.to-findings");
  assert.equal(await page.inputValue("#findings-search"), account);
  const about = report.findings.filter((f) =>
    [f.rule, f.name, f.resource, ...(f.related ?? []), f.message, ...(f.accounts ?? []), f.location?.file ?? ""].join("\n").includes(account),
  );
  assert.ok(about.length > 0);
  assert.equal(await page.$eval("#findings", (e) => Number(e.dataset.shown)), about.length);

  // A secret, by clicking its node: only its readers.
  const secret = await page.$eval("#map .path .node.secret", (e) => e.closest(".path").dataset.secret);
  await page.click(`#map .path[data-secret="${secret}"] .node.secret`);
  const readers = paths.filter((p) => p.secret === secret);
  assert.equal(await page.$eval("#map", (e) => Number(e.dataset.shown)), readers.length);
  assert.deepEqual(
    (await page.$$eval("#map .path", (els) => els.map((e) => e.dataset.principal))).sort(),
    readers.map((r) => r.principal).sort(),
  );
  await page.click("#map-selection button.clear");
  assert.equal(await page.$eval("#map", (e) => Number(e.dataset.shown)), paths.length);

  // A search: paths whose principal, account or secret contains the text.
  const q = "secret.s12";
  const matching = paths.filter((p) => `${p.principal}\n${p.account}\n${p.secret}`.toLowerCase().includes(q));
  assert.ok(matching.length > 0 && matching.length < paths.length);
  await page.fill("#map-search", q);
  await page.press("#map-search", "Enter");
  assert.equal(await page.$eval("#map", (e) => Number(e.dataset.shown)), matching.length);
  const drawn = await drawnPaths(page);
  assert.equal(drawn.length, matching.length);
  assert.ok(drawn.every((l) => l.split(" | ")[0].includes("secret.s12")));

  // The verdict filter: only what cannot be read.
  await page.uncheck('#map-verdicts input[value="reads"]');
  await page.uncheck('#map-verdicts input[value="unresolved"]');
  assert.equal(await page.$eval("#map", (e) => Number(e.dataset.shown)), matching.filter((p) => p.verdict === "cannot-read").length);

  // Zoom scales the map.
  const size = () => page.$eval("#map", (e) => parseFloat(getComputedStyle(e).fontSize));
  const before = await size();
  await page.click("#zoom-in");
  assert.ok((await size()) > before);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the map draws any link kind the report gives, identity-policy and kinds it does not know", { skip, timeout: 120_000 }, async () => {
  const { page, errors } = await openViewer();
  const location = { file: "reader.tf", start: { line: 3, column: 1, offset: 20, utf16: 20 }, end: { line: 3, column: 9, offset: 28, utf16: 28 } };
  const report = {
    access: [
      {
        secret: "module.app.aws_secretsmanager_secret.db",
        readers: [
          {
            principal: "arn:aws:iam::444455556666:role/payments",
            account: "444455556666",
            verdict: "cannot-read",
            broken_at: "identity-policy",
            links: [
              { link: "secret-policy", state: "holds", message: "granted", location },
              { link: "identity-policy", state: "broken", message: "the role's policy does not allow it", location: null },
              { link: "session-policy", state: "unresolved", message: "a kind this viewer does not know", location: null },
            ],
          },
        ],
      },
    ],
  };
  const drawn = await page.evaluate(async (report) => {
    const { createAccessMap } = await import("/viewer/accessmap.js");
    const { moduleOf } = await import("/viewer/plan.js");
    const box = document.createElement("div");
    box.innerHTML =
      '<input id="t-search"><div id="t-group"><input type="radio" value="account" checked></div>' +
      '<div id="t-verdicts"><input type="checkbox" value="reads" checked><input type="checkbox" value="cannot-read" checked><input type="checkbox" value="unresolved" checked></div>' +
      '<button id="t-x"></button><output id="t-zoom"></output><p id="t-sel"></p><nav id="t-index"></nav><div id="t-map"></div><p id="t-empty"></p>';
    document.body.append(box);
    const q = (id) => box.querySelector(`#${id}`);
    const opened = [];
    const map = createAccessMap(
      { map: q("t-map"), index: q("t-index"), selection: q("t-sel"), empty: q("t-empty"), search: q("t-search"), group: q("t-group"), verdicts: q("t-verdicts"), expand: q("t-x"), collapse: q("t-x"), zoomIn: q("t-x"), zoomOut: q("t-x"), zoomReset: q("t-x"), zoomLevel: q("t-zoom") },
      { onLink: (path, link) => opened.push(link.link) },
    );
    map.show(report, moduleOf);
    for (const b of q("t-map").querySelectorAll(".link")) b.click();
    return {
      links: [...q("t-map").querySelectorAll(".link")].map((l) => [l.dataset.link, l.dataset.state, l.innerText.replace(/\s+/g, " ").trim()]),
      verdict: q("t-map").querySelector(".verdict").innerText.replace(/\s+/g, " ").trim(),
      group: q("t-map").querySelector("details.group").dataset.group,
      opened,
    };
  }, report);
  assert.deepEqual(drawn.links, [
    ["secret-policy", "holds", "✓ secret policy holds"],
    ["identity-policy", "broken", "✗ identity policy broken"],
    ["session-policy", "unresolved", "? session-policy unresolved"],
  ]);
  assert.equal(drawn.verdict, "✗ cannot read at identity policy");
  assert.equal(drawn.group, "444455556666");
  assert.deepEqual(drawn.opened, ["secret-policy", "identity-policy", "session-policy"], "every link opens its detail");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a truncated plan is shown as an input error", { skip, timeout: 120_000 }, async () => {
  const planPath = generate(join(work, "w120"), 120, 200, 5, ["--readers", "3"]);
  const cut = join(work, "truncated-plan.json");
  const text = readFileSync(planPath, "utf8");
  writeFileSync(cut, text.slice(0, Math.floor(text.length / 2)));
  const { page, errors } = await openViewer();
  await page.locator("#files").setInputFiles(cut);
  await page.waitForSelector("body[data-state=checked]", { timeout: 60_000 });
  assert.equal(await page.getAttribute("body", "data-input-errors"), "1");
  assert.equal(await page.$eval("#status", (e) => e.classList.contains("error")), true, "the status is styled as an error");
  assert.match(await page.innerText("#status"), /input error/i);
  assert.equal(await page.isVisible("#errors-section"), true);
  const listed = await page.innerText("#input-errors");
  assert.match(listed, /truncated-plan\.json/);
  const colour = await page.$eval("#status", (e) => getComputedStyle(e).color);
  assert.equal(colour, "rgb(164, 14, 38)");
  assert.deepEqual(errors, []);
  await page.close();
});

test("policies before and after the change; what the plan marks sensitive is masked", { skip, timeout: 120_000 }, async () => {
  const policy = (principals) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Share", Effect: "Allow", Principal: { AWS: principals }, Action: "secretsmanager:GetSecretValue", Resource: "*" }],
    });
  const secretArn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:s-AbCdEf";
  const secret = (name) => ({
    address: `aws_secretsmanager_secret.${name}`,
    mode: "managed",
    type: "aws_secretsmanager_secret",
    name,
    change: {
      actions: ["no-op"],
      before: { name, kms_key_id: null, arn: `${secretArn}${name}` },
      after: { name, kms_key_id: null, arn: `${secretArn}${name}` },
      after_unknown: {},
      before_sensitive: {},
      after_sensitive: {},
    },
  });
  const sharing = (name, before, after, sensitive) => ({
    address: `aws_secretsmanager_secret_policy.${name}`,
    mode: "managed",
    type: "aws_secretsmanager_secret_policy",
    name,
    change: {
      actions: ["update"],
      before: { policy: before, secret_arn: `${secretArn}${name}` },
      after: { policy: after, secret_arn: `${secretArn}${name}` },
      after_unknown: {},
      before_sensitive: sensitive ? { policy: true } : {},
      after_sensitive: sensitive ? { policy: true } : {},
    },
  });
  const plan = {
    format_version: "1.2",
    resource_changes: [
      secret("open"),
      sharing("open", policy("arn:aws:iam::444455556666:root"), policy(["arn:aws:iam::444455556666:root", "arn:aws:iam::777788889999:root"]), false),
      secret("hidden"),
      sharing("hidden", policy("arn:aws:iam::444455556666:role/very-secret-reader"), policy("arn:aws:iam::444455556666:role/very-secret-reader"), true),
    ],
  };
  const file = join(work, "before-after-plan.json");
  writeFileSync(file, JSON.stringify(plan));
  const { page, errors } = await openViewer();
  await page.fill("#accounts", OWNER);
  await page.locator("#files").setInputFiles(file);
  await page.waitForSelector("body[data-state=checked][data-map=ready]", { timeout: 60_000 });
  await page.check('#findings-group input[value="resource"]');
  // Open every group, finding detail and link detail, then read the whole page.
  await openFindingGroups(page);
  await page.$$eval("#findings .finding details", (ds) => ds.forEach((d) => (d.open = true)));
  await page.waitForFunction(() => [...document.querySelectorAll("#findings .finding details")].every((d) => d.childElementCount > 1));
  await page.$$eval("#map .link", (bs) => bs.forEach((b) => b.click()));
  const shown = page.locator('#findings .before-after[data-address="aws_secretsmanager_secret_policy.open"]').first();
  await shown.waitFor();
  const beforeText = await shown.locator(".side.before").innerText();
  const afterText = await shown.locator(".side.after").innerText();
  assert.match(beforeText, /"Statement": \[/, "pretty-printed JSON");
  assert.ok(!beforeText.includes("777788889999") && afterText.includes("777788889999"));
  const added = await shown.locator(".side.after ins").allInnerTexts();
  assert.ok(added.some((l) => l.includes("777788889999")), `the added principal is marked: ${added}`);
  const hidden = page.locator('#findings .before-after[data-address="aws_secretsmanager_secret_policy.hidden"]').first();
  await hidden.waitFor();
  assert.match(await hidden.innerText(), /\(sensitive value\)[\s\S]*\(sensitive value\)/);
  const text = await page.evaluate(() => document.body.innerText);
  const at = text.indexOf("very-secret-reader");
  assert.ok(at < 0, `the sensitive principal never appears: …${text.slice(Math.max(0, at - 300), at + 100)}…`);
  assert.ok((await page.$$eval("pre mark", (els) => els.length)) > 0, "excerpts over the sensitive policy are masked");
  assert.deepEqual(errors, []);
  await page.close();
});

test("dist/viewer.html opened from file:// checks a plan with no request", { skip, timeout: 120_000 }, async () => {
  assert.ok(existsSync(standalone), "npm run build writes dist/viewer.html");
  const html = readFileSync(standalone, "utf8");
  assert.match(html, /default-src 'none'/);
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+rel="stylesheet"/, "nothing is loaded from beside it");
  // Copied alone into an empty folder: it needs no file beside it.
  const dir = join(work, "alone");
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, "viewer.html");
  writeFileSync(copy, html);
  const url = pathToFileURL(copy).href;
  const page = await context.newPage();
  const seen = [];
  page.on("request", (r) => seen.push(r.url()));
  await page.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(url);
  await page.waitForSelector("body[data-state=ready]", { timeout: 60_000 });
  const planPath = generate(join(work, "w120"), 120, 200, 5, ["--readers", "3"]);
  await page.locator("#files").setInputFiles(planPath);
  await page.waitForSelector("body[data-state=checked][data-map=ready]", { timeout: 60_000 });
  const report = grantcheck.check([{ path: "plan.json", text: readFileSync(planPath, "utf8") }]);
  assert.equal(await page.$eval("#map", (e) => Number(e.dataset.shown)), expectedPaths(report).length);
  assert.deepEqual(
    seen.filter((u) => u !== url && !u.startsWith("data:")),
    [],
    "no request but the page itself",
  );
  assert.deepEqual(errors, []);
  assert.equal(await page.isVisible("#file-hint"), false);
  await page.close();

  // viewer/index.html from disk cannot load its modules: it says so and points at dist/viewer.html.
  const modular = await context.newPage();
  await modular.goto(pathToFileURL(join(pkgDir, "viewer", "index.html")).href);
  await modular.waitForLoadState("load");
  assert.equal(await modular.getAttribute("body", "data-state"), "loading");
  assert.match(await modular.innerText("#file-hint"), /dist\/viewer\.html/);
  await modular.close();
});

test("time to first render on a ~20 MB plan", { skip, timeout: 600_000 }, async () => {
  const planPath = generate(join(work, "w2000"), 2000, 10000, 5);
  const mb = statSync(planPath).size / (1024 * 1024);
  const { page, errors } = await openViewer();
  const t0 = Date.now();
  await page.locator("#files").setInputFiles(planPath);
  await page.waitForSelector("body[data-state=checked]", { timeout: 300_000 });
  const firstRender = Date.now() - t0;
  await page.waitForSelector("body[data-map=ready]", { timeout: 300_000 });
  const mapReady = Date.now() - t0;
  const inPage = await page.$eval("body", (b) => Number(b.dataset.firstRenderMs));
  const rendered = await page.$$eval("#resources .resource", (els) => els.length);
  const findings = await page.$eval("#findings", (e) => Number(e.dataset.shown));
  const paths = await page.$eval("#map", (e) => Number(e.dataset.shown));
  console.log(
    `viewer on a ${mb.toFixed(1)} MB plan: first render ${firstRender} ms after setInputFiles ` +
      `(${inPage} ms in the page: read, check, render), access map ${mapReady} ms; ` +
      `${findings} findings, ${paths} access paths, ${rendered} resource rows rendered so far (the rest render on scroll)`,
  );
  assert.ok(mb > 15, `the plan is about 20 MB (${mb.toFixed(1)} MB)`);
  assert.ok(findings > 1000 && paths > 1000);
  // Scrolling to the end renders more rows.
  await page.$eval("#more", (e) => e.scrollIntoView());
  await page.waitForFunction((n) => document.querySelectorAll("#resources .resource").length > n, rendered);
  assert.deepEqual(errors, []);
  await page.close();
});
