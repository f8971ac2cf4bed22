// The `grantcheck` command of the package (bin/grantcheck.js): the native command line
// (crates/grantcheck-cli/src/main.rs) on the wasm core. The files are read here as the native
// command line reads them (lib/discover.js); the check, the rendering, what is said on standard
// error and the exit status are the native command line's own code, compiled into the core
// (crates/grantcheck-cli/src/command.rs), so both print the same bytes for the same inputs.
import { appendFileSync, lstatSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { version } from "../dist/version.js";
import { accessHelp, checkHelp, explainHelp, rulesHelp, topHelp } from "./cli-help.js";
import { ancestors, createReader, ioMessage, relativeToCwd, within } from "./discover.js";
import { api } from "./node.js";

const FORMATS = ["text", "json", "sarif", "github", "junit", "markdown"];
// what GitHub Actions and GitLab CI say of the checked commit (Markdown links)
const LINK_ENV = ["GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA", "CI_PROJECT_URL", "CI_COMMIT_SHA"];
const FAIL_ON = ["error", "warning", "note", "never"];
const RULES_FORMATS = ["text", "json", "markdown"];

/** A usage error, said as clap says it, with exit status 2. */
class Usage extends Error {}

/**
 * Runs the command line `argv` (without `node` and the script); `io` = {out(text), err(text), env,
 * color}: `color` when standard output is a terminal that takes colour. Returns the exit status.
 */
export function main(argv, io) {
  try {
    return run(argv, io);
  } catch (e) {
    if (e instanceof Usage) {
      io.err(`error: ${e.message}\n\nFor more information, try '--help'.\n`);
      return 2;
    }
    io.err(`grantcheck: ${e.message}\n`);
    return 2;
  }
}

function run(argv, io) {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
      io.err(topHelp);
      return 2;
    case "-h":
    case "--help":
      io.out(topHelp);
      return 0;
    case "-V":
    case "--version":
      io.out(`grantcheck ${version}\n`);
      return 0;
    case "help": {
      const help = { check: checkHelp, access: accessHelp, rules: rulesHelp, explain: explainHelp }[rest[0]] ?? topHelp;
      io.out(help);
      return 0;
    }
    case "check":
      return check(rest, io, false);
    case "access":
      return check(rest, io, true);
    case "rules":
      return rules(rest, io);
    case "explain":
      return explain(rest, io);
    default:
      throw new Usage(`unrecognized subcommand '${first}'\n\nUsage: grantcheck <COMMAND>`);
  }
}

/**
 * Splits `args` as clap does for the options `spec` ({name: {short?, value: bool}}): options with
 * values as `--name VALUE`, `--name=VALUE`, `-x VALUE` or `-xVALUE`, flags, positionals, `--`.
 * Returns {options: {name: [values] | count}, positionals}, or null when help was asked for.
 */
function parse(args, spec, usage) {
  const options = {};
  const positionals = [];
  const byShort = Object.fromEntries(Object.entries(spec).filter(([, s]) => s.short).map(([n, s]) => [s.short, n]));
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    let name;
    let value;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      value = eq === -1 ? undefined : a.slice(eq + 1);
      if (name === "help") return null;
      if (!spec[name]) {
        throw new Usage(`unexpected argument '${a}' found\n\n  tip: to pass '${a}' as a value, use '-- ${a}'\n\n${usage}`);
      }
    } else if (a.startsWith("-") && a.length > 1) {
      if (a[1] === "h") return null;
      name = byShort[a[1]];
      if (!name) throw new Usage(`unexpected argument '${a}' found\n\n  tip: to pass '${a}' as a value, use '-- ${a}'\n\n${usage}`);
      if (a.length > 2) {
        if (spec[name].value) value = a.slice(2).replace(/^=/, "");
        else {
          // grouped flags: -qx
          args = [...args.slice(0, i + 1), `-${a.slice(2)}`, ...args.slice(i + 1)];
        }
      }
    } else {
      positionals.push(a);
      continue;
    }
    if (spec[name].value) {
      if (value === undefined) {
        if (i + 1 >= args.length) {
          throw new Usage(`a value is required for '${spec[name].display}' but none was supplied`);
        }
        value = args[++i];
      }
      const check = spec[name].check;
      if (check) check(value);
      (options[name] ??= []).push(value);
    } else {
      if (value !== undefined) throw new Usage(`unexpected value '${value}' for '--${name}' found; no more were expected`);
      options[name] = (options[name] ?? 0) + 1;
    }
  }
  return { options, positionals };
}

function oneOf(display, values) {
  return (v) => {
    if (!values.includes(v)) {
      throw new Usage(`invalid value '${v}' for '${display}'\n  [possible values: ${values.join(", ")}]`);
    }
  };
}

/** One --format argument: {format, file} (file null: --output or standard output). */
function formatSpec(s) {
  const eq = s.indexOf("=");
  const [name, file] = eq === -1 ? [s, null] : [s.slice(0, eq), s.slice(eq + 1)];
  const bad = (why) => new Usage(`invalid value '${s}' for '--format <FORMAT[=FILE]>': ${why}`);
  if (file === "") throw bad(`\`${name}=\` needs a file name after \`=\``);
  if (!FORMATS.includes(name.toLowerCase())) {
    throw bad(`unknown format \`${name}\`; one of text, json, sarif, github, junit, markdown (optionally FORMAT=FILE)`);
  }
  return { format: name.toLowerCase(), file };
}

const CHECK_SPEC = {
  format: { value: true, display: "--format <FORMAT[=FILE]>", check: formatSpec },
  account: { value: true, display: "--account <ID>" },
  "fail-on": { value: true, display: "--fail-on <FAIL_ON>", check: oneOf("--fail-on <FAIL_ON>", FAIL_ON) },
  output: { value: true, short: "o", display: "--output <FILE>" },
  quiet: { value: false, short: "q" },
  verbose: { value: false, short: "v" },
  "link-base": { value: true, display: "--link-base <URL>" },
  "var-file": { value: true, display: "--var-file <FILE>" },
  var: { value: true, display: "--var <NAME=VALUE>" },
  config: { value: true, display: "--config <FILE>" },
  "config-dir": { value: true, display: "--config-dir <DIR>" },
  "no-config-dir": { value: false },
  "new-only": { value: false },
};

/** `check` (the findings) or, with `access`, `access` (who can read each secret). */
function check(args, io, access) {
  const command = access ? "access" : "check";
  const parsed = parse(args, CHECK_SPEC, `Usage: grantcheck ${command} [OPTIONS] <PATH>...`);
  if (parsed === null) {
    io.out(access ? accessHelp : checkHelp);
    return 0;
  }
  const { options: o, positionals: paths } = parsed;
  if (paths.length === 0) {
    throw new Usage(`the following required arguments were not provided:\n  <PATH>...\n\nUsage: grantcheck ${command} <PATH>...`);
  }
  const last = (name) => o[name]?.at(-1);
  const accounts = o.account ?? [];
  const varFiles = o["var-file"] ?? [];
  const output = last("output") ?? null;

  // the formats to write and where (null: standard output)
  const specs = (o.format ?? []).map(formatSpec);
  if (specs.length === 0) specs.push({ format: "text", file: null });
  if (specs.filter((s) => s.file === null).length > 1) {
    io.err(
      "grantcheck: only one format can go to standard output (or --output); give the others a file, e.g. `--format text --format sarif=grantcheck.sarif`\n",
    );
    return 2;
  }
  for (const s of specs) s.file ??= output;
  for (const a of accounts) {
    if (!/^[0-9]{12}$/.test(a)) {
      io.err(`grantcheck: --account ${a}: an account id is 12 digits\n`);
      return 2;
    }
  }

  const env = io.env ?? {};
  const core = api.cli;
  const reader = createReader(core);
  if (o["config-dir"] !== undefined && o["no-config-dir"]) {
    throw new Usage(
      `the argument '--config-dir <DIR>' cannot be used with '--no-config-dir'\n\nUsage: grantcheck ${command} --config-dir <DIR> <PATH>...`,
    );
  }
  const discovered = reader.discover(paths, last("config-dir") ?? null, !o["no-config-dir"]);
  const readErrors = discovered.errors;
  const files = [];
  const found = [];
  for (const input of discovered.inputs) {
    files.push({ path: relativeToCwd(input.path), text: input.text });
    found.push(input.found);
  }
  for (const p of varFiles) {
    try {
      files.push({ path: p, text: reader.readFile(p, p) });
      found.push(null);
    } catch (e) {
      readErrors.push(e.message);
    }
  }
  const given = last("config");
  const config = given !== undefined ? [given, null] : findConfig(paths[0]);
  let configShown = null;
  const saidFirst = [];
  if (config) {
    const [path, within] = config;
    const shown = relativeToCwd(path);
    try {
      const text = within === null ? reader.readFile(path, shown) : reader.readFound(path, shown, within);
      files.push({ path: shown, text });
      found.push(null);
      configShown = shown;
    } catch (e) {
      // said first, before any finding, as a configuration that cannot be used is
      io.err(`grantcheck: ${e.message}\n`);
      saidFirst.push(e.message);
      readErrors.push(e.message);
    }
  }
  const vars = [];
  for (const v of o.var ?? []) {
    const eq = v.indexOf("=");
    if (eq === -1 || v.slice(0, eq).trim() === "") {
      io.err(`grantcheck: --var ${v}: give it as NAME=VALUE\n`);
      return 2;
    }
    vars.push([v.slice(0, eq).trim(), v.slice(eq + 1)]);
  }

  const outcome = core.check(files, {
    found,
    accounts,
    varFiles,
    vars,
    config: configShown,
    planConfigurations: discovered.planConfigurations.map(([plan, dir, given]) => [relativeToCwd(plan), relativeToCwd(dir), given]),
    newOnly: Boolean(o["new-only"]),
    failOn: last("fail-on") ?? "error",
    quiet: Boolean(o.quiet),
    verbose: Boolean(o.verbose),
    linkBase: last("link-base") ?? null,
    env: Object.fromEntries(LINK_ENV.filter((k) => env[k] !== undefined).map((k) => [k, env[k]])),
    access,
    stepSummary: Boolean(env.GITHUB_STEP_SUMMARY) && specs.some((s) => s.format === "github"),
    outputs: specs.map((s) => [s.format, s.file === null && Boolean(io.color)]),
    skipped: discovered.skipped,
    readErrors,
    saidFirst,
  });
  for (const line of outcome.first) io.err(`${line}\n`);
  let textOnStdout = false;
  for (const [i, s] of specs.entries()) {
    if (i === outcome.outputs.length) {
      io.err(`grantcheck: ${outcome.error}\n`);
      return 2;
    }
    if (s.format === "github" && outcome.summary !== undefined && outcome.summary !== null) {
      // the job's summary page shows what ten annotations per severity cannot
      try {
        appendFileSync(env.GITHUB_STEP_SUMMARY, `${outcome.summary}\n`);
      } catch (e) {
        io.err(`grantcheck: cannot write GITHUB_STEP_SUMMARY ${env.GITHUB_STEP_SUMMARY}: ${ioMessage(e)}\n`);
        return 2;
      }
    }
    if (s.file !== null) {
      try {
        writeFileSync(s.file, outcome.outputs[i]);
      } catch (e) {
        io.err(`grantcheck: cannot write ${s.file}: ${ioMessage(e)}\n`);
        return 2;
      }
    } else {
      textOnStdout ||= s.format === "text";
      io.out(outcome.outputs[i]);
    }
  }
  if (!textOnStdout) for (const line of outcome.late) io.err(`${line}\n`);
  return outcome.exit;
}

/**
 * The first grantcheck.toml in the directory of `input` or above it, up to the repository root
 * (the first directory holding .git), with the directory it must really lie in.
 */
function findConfig(input) {
  let start;
  try {
    if (input === "-" || input.startsWith("/dev/fd/") || input.startsWith("/proc/")) {
      start = process.cwd();
    } else {
      let dir;
      try {
        dir = statSync(input).isDirectory() ? input : dirname(input);
      } catch {
        dir = dirname(input);
      }
      start = realpathSync.native(dir === "" ? "." : dir);
    }
  } catch {
    return null;
  }
  const exists = (p) => {
    try {
      lstatSync(p);
      return true;
    } catch {
      return false;
    }
  };
  const repository = ancestors(start).find((d) => exists(join(d, ".git")));
  for (const dir of ancestors(start)) {
    if (repository !== undefined && !within(dir, repository)) break;
    const file = join(dir, "grantcheck.toml");
    if (exists(file)) return [file, repository ?? dir];
  }
  return null;
}

function rules(args, io) {
  const parsed = parse(
    args,
    { format: { value: true, display: "--format <FORMAT>", check: oneOf("--format <FORMAT>", RULES_FORMATS) } },
    "Usage: grantcheck rules [OPTIONS]",
  );
  if (parsed === null) {
    io.out(rulesHelp);
    return 0;
  }
  if (parsed.positionals.length) {
    throw new Usage(`unexpected argument '${parsed.positionals[0]}' found\n\nUsage: grantcheck rules [OPTIONS]`);
  }
  io.out(api.cli.rules(parsed.options.format?.at(-1) ?? "text"));
  return 0;
}

function explain(args, io) {
  const parsed = parse(args, {}, "Usage: grantcheck explain <CODE>");
  if (parsed === null) {
    io.out(explainHelp);
    return 0;
  }
  const [code, extra] = parsed.positionals;
  if (code === undefined) {
    throw new Usage("the following required arguments were not provided:\n  <CODE>\n\nUsage: grantcheck explain <CODE>");
  }
  if (extra !== undefined) throw new Usage(`unexpected argument '${extra}' found\n\nUsage: grantcheck explain <CODE>`);
  const text = api.cli.explain(code);
  if (text === undefined) {
    io.err(`${api.cli.noRule(code)}\n`);
    return 2;
  }
  io.out(text);
  return 0;
}
