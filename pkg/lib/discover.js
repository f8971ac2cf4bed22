// Which files a run of the `grantcheck` command (bin/grantcheck.js) reads, and how: the same rules
// as the native command line's crates/grantcheck-cli/src/discover.rs, whose comments say why.
// Files named on the command line are read as given; named directories are walked (hidden
// directories and node_modules, __pycache__, vendor, target skipped), every .tf/.tf.json/.tfvars
// file read, plan JSON recognised by content, other text files handed over for file() and
// templatefile(), downloaded modules read through .terraform/modules/modules.json, and module
// directories outside the named ones that a local `source` calls read too. A file reached through
// a tree is read only when its real path lies inside the directories being checked.
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
} from "node:fs";
import { dirname, isAbsolute, relative } from "node:path";

const CONFIG_EXTS = [".tf", ".tf.json", ".tfvars", ".tfvars.json"];
const OTHER_MAX_BYTES = 1024 * 1024;
const OTHER_TOTAL_BYTES = 64 * 1024 * 1024;
const MAX_DIRS = 10_000;
const SKIPPED_DIRS = ["node_modules", "__pycache__", "vendor", "target"];
const PLAN_PEEK_BYTES = 4096;
const PLAN_KEYS = [
  '"format_version"',
  '"terraform_version"',
  '"applyable"',
  '"complete"',
  '"planned_values"',
  '"resource_changes"',
  '"prior_state"',
];
const MiB = 1024 * 1024;

// The texts of the system's errors as the native command line (Rust's std::io::Error) says them.
const ERRNO_TEXT = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
  EMFILE: "Too many open files",
};

/** An error of the file system, said as the native command line says it. */
export function ioMessage(e) {
  const text = ERRNO_TEXT[e?.code];
  if (text && typeof e.errno === "number") return `${text} (os error ${Math.abs(e.errno)})`;
  return e?.message ?? String(e);
}

/**
 * The file system side of a run, over the core's helpers `core` (the package's api.cli: sniff, isPlan,
 * maxInputBytes, normalize, dirOf).
 */
export function createReader(core) {
  const limit = core.maxInputBytes();

  function decode(shown, bytes) {
    const why = core.sniff(bytes);
    if (why !== undefined && why !== null) throw new Error(`${shown}: ${why}`);
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw new Error(`${shown}: the file is not UTF-8 text`);
    }
  }

  function statOf(path, shown) {
    try {
      return statSync(path);
    } catch (e) {
      throw new Error(`${shown}: cannot read: ${ioMessage(e)}`);
    }
  }

  /** A file whose kind was checked, as text; one over the input limit is refused. */
  function readRegular(path, shown) {
    const meta = statOf(path, shown);
    if (meta.size > limit) {
      throw new Error(`${shown}: the file is ${Math.floor(meta.size / MiB)} MB, over the limit of ${Math.floor(limit / MiB)} MB`);
    }
    let bytes;
    try {
      bytes = readBounded(path, limit + 1);
    } catch (e) {
      throw new Error(`${shown}: cannot read: ${ioMessage(e)}`);
    }
    return decode(shown, bytes);
  }

  /** A file named on the command line: a regular file or a pipe, links followed. */
  function readFile(path, shown) {
    const meta = statOf(path, shown);
    if (!meta.isFile() && !meta.isFIFO()) {
      throw new Error(`${shown}: not read: it is ${kindOf(meta)}; give a plan JSON or configuration file, or \`-\` for standard input`);
    }
    return readRegular(path, shown);
  }

  function readStdin() {
    let bytes;
    try {
      bytes = readFd(0, limit + 1);
    } catch (e) {
      throw new Error(`-: cannot read standard input: ${ioMessage(e)}`);
    }
    return decode("-", bytes);
  }

  /** Reads a file found around the inputs (a grantcheck.toml): only one inside `within`. */
  function readFound(path, shown, within) {
    const a = admit(path, shown, [within]);
    if (a.dir) throw new Error(`${shown}: not read: it is a directory`);
    return readRegular(a.real, shown);
  }

  /**
   * What `paths` name: {inputs: [{path, text, found, walked}], errors, skipped,
   * planConfigurations: [[plan, dir, given]]}; the configuration the plans were made from is read
   * too: `configDir` (--config-dir), else, with `beside`, each plan's own directory when it
   * holds .tf files.
   */
  function discover(paths, configDir = null, beside = true) {
    const w = new Walk(core, readRegular);
    for (const p of paths) {
      if (p === "-") continue;
      let real;
      try {
        real = realpathSync.native(p);
      } catch {
        continue;
      }
      let meta;
      try {
        meta = statSync(real);
      } catch {
        continue;
      }
      const dir = meta.isDirectory() ? real : meta.isFile() ? dirname(real) : null;
      if (dir !== null) {
        w.allowed.push(dir);
        w.named.push(dir);
      }
    }
    for (const p of paths) {
      if (p === "-") {
        try {
          w.namedFile("-", readStdin());
        } catch (e) {
          w.out.errors.push(e.message);
        }
        continue;
      }
      let meta;
      try {
        meta = statSync(p);
      } catch (e) {
        w.out.errors.push(`${p}: cannot read: ${ioMessage(e)}`);
        continue;
      }
      if (meta.isDirectory()) {
        w.walk(p);
        continue;
      }
      try {
        const text = readFile(p, p);
        w.firstTime(p);
        w.namedFile(p, text);
      } catch (e) {
        w.out.errors.push(e.message);
      }
    }
    w.followLocalModules();
    if (configDir !== null || beside) w.readPlanConfigurations(configDir);
    for (const [key, shownDir, real] of w.outsideDownloads) {
      if (!w.dirs.has(key)) {
        w.out.errors.push(
          `${shownDir}: not read: .terraform/modules/modules.json lists this module directory, which leads to ${real}, outside the directories being checked; run \`terraform init\` again, or check a directory that holds it`,
        );
      }
    }
    return w.out;
  }

  return { discover, readFile, readFound };
}

class Walk {
  constructor(core, readRegular) {
    this.core = core;
    this.readRegular = readRegular;
    this.out = { inputs: [], errors: [], skipped: 0, planConfigurations: [] };
    this.placing = false;
    this.seen = new Set();
    this.dirs = new Set();
    this.otherBytes = 0;
    this.dirsEntered = 0;
    this.named = [];
    this.allowed = [];
    this.outsideDownloads = [];
  }

  push(path, text, found) {
    // (what a plan's configuration holds, also the files its file() calls may read)
    if (this.placing && (found === null || found === "other")) found = "plan-configuration";
    this.out.inputs.push({ path, text, found, walked: true });
  }

  /** Finds the configuration of each plan read, and reads it when it is not checked already. */
  readPlanConfigurations(configDir) {
    const isPlan = (i) => {
      if (i.found === "plan") return true;
      if (i.found !== null || i.path === "-") return false;
      const lower = i.path.toLowerCase();
      // (named files: the core decides what is a plan)
      return !CONFIG_EXTS.some((e) => lower.endsWith(e)) && this.core.isPlan(i.path, i.text);
    };
    const plans = this.out.inputs.filter(isPlan).map((i) => i.path);
    const dirs = [];
    for (const plan of plans) {
      const given = configDir !== null;
      const dir = given ? shown(configDir) : this.core.dirOf(plan);
      if (!given && !holdsModuleFiles(dir)) continue;
      this.out.planConfigurations.push([plan, dir, given]);
      if (!dirs.includes(dir)) dirs.push(dir);
    }
    for (const dir of dirs) {
      if (this.dirs.has(this.core.normalize(dir))) continue;
      if (!isDir(dir)) {
        if (configDir !== null) this.out.errors.push(`${dir}: --config-dir: not a directory`);
        continue;
      }
      try {
        const real = realpathSync.native(dir);
        this.allowed.push(real);
        this.named.push(real);
      } catch {
        // (read as it is found)
      }
      this.placing = true;
      const read = this.readDir(dir, false);
      if (!read.config && configDir !== null) {
        this.out.errors.push(`${dir}: --config-dir: no Terraform configuration (.tf or .tf.json) in this directory`);
      }
      this.followLocalModules();
      this.placing = false;
    }
  }

  namedFile(path, text) {
    this.out.inputs.push({ path, text, found: null, walked: false });
  }

  firstTime(path) {
    let real;
    try {
      real = realpathSync.native(path);
    } catch {
      real = path;
    }
    if (this.seen.has(real)) return false;
    this.seen.add(real);
    return true;
  }

  walk(root) {
    let foundConfig = false;
    const stack = [root];
    while (stack.length) {
      const dir = stack.pop();
      this.dirsEntered += 1;
      if (this.dirsEntered > MAX_DIRS) {
        this.out.errors.push(`${root}: the tree has more than ${MAX_DIRS} directories; the rest is not read: give the directories to check`);
        return;
      }
      const read = this.readDir(dir, true);
      foundConfig ||= read.config;
      stack.push(...read.subdirs.reverse());
    }
    if (!foundConfig && !this.out.inputs.some((i) => i.found === "plan")) {
      this.out.errors.push(
        `${root}: no Terraform configuration (.tf) and no plan JSON in this directory or below it; give a configuration directory or a plan JSON file (\`terraform show -json PLANFILE > plan.json\`)`,
      );
    }
  }

  readDir(dir, plans) {
    const read = { config: false, subdirs: [] };
    const shownDir = shown(dir);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      this.out.errors.push(`${shownDir}: cannot read the directory: ${ioMessage(e)}`);
      return read;
    }
    entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    for (const entry of entries) {
      const name = entry.name;
      const path = join(dir, name);
      if (entry.isDirectory()) {
        if (!name.startsWith(".") && !SKIPPED_DIRS.includes(name)) read.subdirs.push(path);
        continue;
      }
      if (!this.firstTime(path)) continue;
      const shownPath = shown(path);
      let admitted;
      try {
        admitted = admit(path, shownPath, this.allowed);
      } catch (e) {
        this.out.errors.push(e.message);
        continue;
      }
      if (admitted.dir) {
        // a link to a directory is not followed
        this.out.skipped += 1;
        continue;
      }
      const { real, size } = admitted;
      const lower = name.toLowerCase();
      if (CONFIG_EXTS.some((e) => lower.endsWith(e))) {
        read.config = true;
        this.readInto(real, shownPath, null);
        continue;
      }
      if (plans && this.isPlanFile(real)) {
        this.readInto(real, shownPath, "plan");
        continue;
      }
      if (size > OTHER_MAX_BYTES || this.otherBytes + size > OTHER_TOTAL_BYTES) {
        this.out.skipped += 1;
        continue;
      }
      let text = null;
      try {
        const bytes = readBounded(real, OTHER_MAX_BYTES + 1);
        if (bytes.length <= OTHER_MAX_BYTES) {
          text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
          if (text.includes("\0")) text = null;
          else this.otherBytes += bytes.length;
        }
      } catch {
        text = null;
      }
      if (text === null) this.out.skipped += 1;
      else this.push(shownPath, text, "other");
    }
    if (read.config) {
      this.dirs.add(this.core.normalize(shownDir));
      this.readDownloadedModules(dir);
    }
    return read;
  }

  readInto(real, shownPath, found) {
    try {
      this.push(shownPath, this.readRegular(real, shownPath), found);
    } catch (e) {
      this.out.errors.push(e.message);
    }
  }

  readDownloadedModules(dir) {
    const manifest = join(join(join(dir, ".terraform"), "modules"), "modules.json");
    try {
      lstatSync(manifest);
    } catch {
      return;
    }
    if (!this.firstTime(manifest)) return;
    const shownManifest = shown(manifest);
    let text;
    try {
      const a = admit(manifest, shownManifest, this.allowed);
      if (a.dir) throw new Error(`${shownManifest}: cannot read: it is a directory`);
      text = this.readRegular(a.real, shownManifest);
    } catch (e) {
      this.out.errors.push(e.message);
      return;
    }
    let listed = [];
    try {
      const modules = JSON.parse(text)?.Modules;
      if (Array.isArray(modules)) listed = modules.map((m) => m?.Dir).filter((d) => typeof d === "string");
    } catch {
      listed = [];
    }
    // the core reads it again to find each module call's directory, and says what is wrong
    this.push(shownManifest, text, "other");
    for (const rel of listed) {
      const moduleDir = isAbsolute(rel) ? rel : join(dir, rel);
      const key = this.core.normalize(shown(moduleDir));
      if (rel === "." || this.dirs.has(key) || !isDir(moduleDir)) continue;
      if (this.dirsEntered >= MAX_DIRS) return;
      let real;
      try {
        real = realpathSync.native(moduleDir);
      } catch {
        continue;
      }
      if (!this.allowed.some((d) => within(real, d)) || isPseudo(real)) {
        this.outsideDownloads.push([key, shown(moduleDir), real]);
        continue;
      }
      this.dirsEntered += 1;
      this.readDir(moduleDir, false);
    }
  }

  repositoryRoots() {
    const roots = [];
    for (const d of this.named) {
      const root = ancestors(d).find((a) => existsSync(join(a, ".git")));
      if (root !== undefined && !roots.includes(root)) roots.push(root);
    }
    return roots;
  }

  followLocalModules() {
    let next = 0;
    while (next < this.out.inputs.length) {
      const calls = this.out.inputs
        .slice(next)
        .filter((i) => i.walked && (i.found === null || i.found === "plan-configuration") && isModuleFile(i.path))
        .flatMap((i) => {
          const dir = this.core.dirOf(i.path);
          return localSources(i.text).map((s) => this.core.normalize(`${dir}/${s}`));
        });
      next = this.out.inputs.length;
      for (const dir of calls) {
        if (this.dirs.has(dir) || this.dirsEntered >= MAX_DIRS) continue;
        if (!isDir(dir) || !holdsModuleFiles(dir)) continue;
        let real = null;
        try {
          real = realpathSync.native(dir);
        } catch {
          real = null;
        }
        if (real !== null && !isPseudo(real)) {
          const roots = this.repositoryRoots();
          if (roots.length && !roots.some((r) => within(real, r))) {
            this.dirs.add(dir);
            this.out.errors.push(
              `${dir}: not read: a local module source leads to ${real}, outside the repository; grantcheck reads the modules of the repository it checks: check that directory on its own`,
            );
            continue;
          }
          this.allowed.push(real);
        }
        this.dirsEntered += 1;
        this.readDir(dir, false);
        this.dirs.add(dir);
      }
    }
  }

  isPlanFile(path) {
    let head;
    try {
      head = readBounded(path, PLAN_PEEK_BYTES);
    } catch {
      return false;
    }
    const t = new TextDecoder("utf-8").decode(head).replace(/^\uFEFF+/, "").trimStart();
    if (!t.startsWith("{") || !PLAN_KEYS.some((k) => t.includes(k))) return false;
    if (t.includes('"format_version"') && t.includes('"terraform_version"')) return true;
    // the keys may come later: look through the whole text (within the input limit)
    const limit = this.core.maxInputBytes();
    try {
      if (statSync(path).size > limit) return false;
      const bytes = readBounded(path, limit);
      return bytes.indexOf('"format_version"') !== -1 && bytes.indexOf('"terraform_version"') !== -1;
    } catch {
      return false;
    }
  }
}

/**
 * Resolves a path reached through a tree: {dir: true} for a directory, else {real, size} of a
 * regular file whose real path lies in one of `allowed`; anything else throws a message naming it.
 */
function admit(path, shownPath, allowed) {
  let real;
  let meta;
  try {
    real = realpathSync.native(path);
    meta = statSync(real);
  } catch (e) {
    throw new Error(`${shownPath}: cannot read: ${ioMessage(e)}`);
  }
  if (meta.isDirectory()) return { dir: true };
  if (!allowed.some((d) => within(real, d)) || isPseudo(real)) {
    throw new Error(
      `${shownPath}: not read: it leads to ${real}, outside the directories being checked; grantcheck reads only files inside them and the modules they call through a local source: replace the link with the file, or check a directory that holds what it leads to`,
    );
  }
  if (!meta.isFile()) {
    throw new Error(
      `${shownPath}: not read: it is ${kindOf(meta)}, not a regular file; remove it from the checked directory, or name the file to check on the command line`,
    );
  }
  return { dir: false, real, size: meta.size };
}

function kindOf(meta) {
  if (meta.isFIFO()) return "a FIFO (named pipe)";
  if (meta.isSocket()) return "a socket";
  if (meta.isCharacterDevice() || meta.isBlockDevice()) return "a device";
  if (meta.isDirectory()) return "a directory";
  return "not a regular file";
}

function isPseudo(real) {
  return ["/proc", "/sys", "/dev"].some((p) => within(real, p));
}

/** Whether `path` is `dir` or inside it, component by component. */
export function within(path, dir) {
  if (path === dir) return true;
  return path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}

/** `dir` and the directories above it, nearest first. */
export function ancestors(dir) {
  const out = [dir];
  for (let d = dir; dirname(d) !== d; d = dirname(d)) out.push(dirname(d));
  return out;
}

function isDir(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function holdsModuleFiles(dir) {
  try {
    return readdirSync(dir, { withFileTypes: true }).some((e) => (e.isFile() || e.isSymbolicLink()) && isModuleFile(e.name));
  } catch {
    return false;
  }
}

function isModuleFile(path) {
  const l = path.toLowerCase();
  return l.endsWith(".tf") || l.endsWith(".tf.json");
}

/** The local module sources (`./x`, `../x`, `..`) a configuration file writes. */
function localSources(text) {
  const out = [];
  for (let at = text.indexOf("source"); at !== -1; at = text.indexOf("source", at + 6)) {
    const before = at === 0 ? null : text[at - 1];
    if (before !== null && !/\s/.test(before) && !'"{,;'.includes(before)) continue;
    let rest = text.slice(at + 6);
    if (rest.startsWith('"')) rest = rest.slice(1);
    rest = rest.replace(/^[ \t]+/, "");
    if (!rest.startsWith("=") && !rest.startsWith(":")) continue;
    rest = rest.slice(1).replace(/^[ \t]+/, "");
    if (!rest.startsWith('"')) continue;
    rest = rest.slice(1);
    const end = rest.search(/["\n]/);
    if (end === -1) continue;
    const value = rest.slice(0, end);
    const local =
      value === "." ||
      value === ".." ||
      value.startsWith("./") ||
      value.startsWith("../") ||
      value.startsWith(".\\") ||
      value.startsWith("..\\");
    if (local && !value.includes("${")) out.push(value.replaceAll("\\", "/"));
  }
  return out;
}

/** `dir` joined with `name` as a path is shown (no normalisation). */
function join(dir, name) {
  return dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`;
}

/** A path as shown in reports: `/`-separated, without a leading `./`. */
function shown(path) {
  let t = path.replaceAll("\\", "/");
  while (t.startsWith("./")) t = t.slice(2).replace(/^\/+/, "");
  return t === "" ? "." : t;
}

/** At most `limit` bytes of a file. */
function readBounded(path, limit) {
  const fd = openSync(path, "r");
  try {
    return readFd(fd, limit);
  } finally {
    closeSync(fd);
  }
}

function readFd(fd, limit) {
  const chunks = [];
  let total = 0;
  const size = 1 << 20;
  while (total < limit) {
    const buf = Buffer.allocUnsafe(Math.min(size, limit - total));
    let n;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === "EAGAIN") continue;
      if (e.code === "EOF") break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    total += n;
  }
  return Buffer.concat(chunks, total);
}

/** An absolute path under the current directory, relative to it; other paths as given. */
export function relativeToCwd(path) {
  if (!isAbsolute(path)) return path;
  const cwd = process.cwd();
  if (!within(path, cwd)) return path;
  const r = relative(cwd, path);
  return r === "" ? path : r;
}
