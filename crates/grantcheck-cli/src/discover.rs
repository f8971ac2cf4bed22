//! Which files a `grantcheck check` run reads, and how: the files named on the command line
//! (strict: each is a plan or a configuration file, or an input error), and the trees of the
//! directories named there, walked as `tflint --recursive`, `trivy config` and `checkov -d` walk
//! a repository.
//!
//! In a walked tree every `.tf`/`.tf.json`/`.tfvars` file is read; the core decides from the
//! `module` blocks which directories are root modules and which are called by others. Plan JSON
//! is recognised by its content, never by its name, and is checked on its own. Every other text
//! file is handed over as [`Found::Other`]: never checked itself, only read by `file()` and
//! `templatefile()`. Binary and large files are counted as skipped. Hidden directories (`.git`,
//! `.terraform`), `node_modules` and the like are not entered, except that the modules
//! `terraform init` downloaded are read through `.terraform/modules/modules.json`, as Terraform
//! finds them. A module directory outside the named directories that a read configuration calls
//! through a local `source` (`../../modules/x`) is read too: it is part of the configuration.
//!
//! Nothing outside the configuration is read. A file reached through a tree (a walked entry, a
//! link in it, a file `file()` may read, a `terraform.tfvars` found by the walk, a downloaded
//! module) is read only when it is a regular file whose real path (links resolved) lies inside
//! the directories being checked: the directories named on the command line, the directories of
//! the files named there, and the module directories a read configuration calls through a local
//! `source`. Anything else (a link to `/etc/passwd`, a FIFO, a device, a socket, a file of
//! `/proc`, `/sys` or `/dev`) is refused before a byte of it is read, as an input error naming
//! the file. A file named on the command line (a path, `--var-file`, `--config`) is the user's
//! choice and read as given, links followed, and so is a pipe named there (`<(terraform show
//! -json tfplan)`); a device or socket named there is refused. Every read stops one byte past
//! [`grantcheck::MAX_INPUT_BYTES`], whatever the file claims its size to be.

use std::collections::BTreeSet;
use std::fs::Metadata;
use std::io::Read;
use std::path::{Path, PathBuf};

use grantcheck::Found;

/// A file read, with the path it is shown by and what the walk found it to be (`None`: named
/// on the command line, or a configuration file).
pub struct Input {
    pub path: String,
    pub text: String,
    pub found_as: Option<Found>,
    /// Read by walking a directory (or following its modules), not named on the command line.
    pub walked: bool,
}

/// What the command line's paths gave.
#[derive(Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    /// Inputs that could not be read at all, each a line naming the file and what to do.
    pub errors: Vec<String>,
    /// Files the walk passed over: binary, too large to be read by `file()`, or past the limits.
    pub skipped: usize,
    /// The configuration each plan was made from, where its findings are placed: the plan's
    /// path, the configuration's directory (both as shown) and whether `--config-dir` named it.
    pub plan_configurations: Vec<(String, String, bool)>,
}

/// Configuration files, by name.
const CONFIG_EXTS: &[&str] = &[".tf", ".tf.json", ".tfvars", ".tfvars.json"];
/// The largest file handed over for `file()` and `templatefile()`.
const OTHER_MAX_BYTES: u64 = 1024 * 1024;
/// The most bytes of such files read in one run.
const OTHER_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// The most directories a walk enters, and the most module directories read from outside.
const MAX_DIRS: usize = 10_000;
/// Directories never entered (besides hidden ones).
const SKIPPED_DIRS: &[&str] = &["node_modules", "__pycache__", "vendor", "target"];
/// How much of a JSON file is looked at to tell a plan from other JSON.
const PLAN_PEEK_BYTES: usize = 4096;

impl Discovered {
    /// Reads what `paths` name.
    pub fn read(paths: &[String]) -> Discovered {
        Discovered::read_with(paths, None, true)
    }

    /// Reads what `paths` name, and the configuration the plans among them were made from:
    /// `config_dir` (`--config-dir`), else, with `beside`, each plan's own directory when it
    /// holds `.tf` or `.tf.json` files. A configuration directory that is not checked itself is
    /// read with the modules it calls, as [`Found::PlanConfiguration`]: only to place the plans'
    /// findings.
    pub fn read_with(paths: &[String], config_dir: Option<&str>, beside: bool) -> Discovered {
        let mut d = Walk::default();
        // every named directory is known before any walk, so that a link from one into another
        // is inside
        for p in paths.iter().filter(|p| *p != "-") {
            if let Ok(real) = std::fs::canonicalize(p) {
                let dir = match std::fs::metadata(&real) {
                    Ok(m) if m.is_dir() => Some(real),
                    Ok(m) if m.is_file() => real.parent().map(Path::to_path_buf),
                    _ => None,
                };
                if let Some(dir) = dir {
                    d.allowed.push(dir.clone());
                    d.named.push(dir);
                }
            }
        }
        for p in paths {
            if p == "-" {
                match read_stdin() {
                    Ok(text) => d.named("-".into(), text),
                    Err(e) => d.out.errors.push(e),
                }
                continue;
            }
            match std::fs::metadata(p) {
                Ok(m) if m.is_dir() => d.walk(p),
                Ok(_) => match read_file(Path::new(p), p) {
                    Ok(text) => {
                        d.first_time(Path::new(p));
                        d.named(p.clone(), text);
                    }
                    Err(e) => d.out.errors.push(e),
                },
                Err(e) => d.out.errors.push(format!("{p}: cannot read: {e}")),
            }
        }
        d.follow_local_modules();
        if config_dir.is_some() || beside {
            d.read_plan_configurations(config_dir);
        }
        for (key, shown_dir, real) in std::mem::take(&mut d.outside_downloads) {
            if !d.dirs.contains(&key) {
                d.out.errors.push(format!(
                    "{shown_dir}: not read: .terraform/modules/modules.json lists this module directory, which leads to {}, outside the directories being checked; run `terraform init` again, or check a directory that holds it",
                    real.display()
                ));
            }
        }
        d.out
    }
}

/// What a path reached through a tree is, once its links are resolved.
enum Admitted {
    /// A regular file inside the checked directories: its real path and metadata.
    File(PathBuf, Metadata),
    /// A directory (a link to one): not entered.
    Dir,
}

/// Resolves a path reached through a tree: a regular file whose real path lies in one of the
/// directories `allowed`, or a directory; anything else is refused with a message naming the
/// file, before it is opened.
fn admit(path: &Path, shown: &str, allowed: &[PathBuf]) -> Result<Admitted, String> {
    let real = std::fs::canonicalize(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let meta = std::fs::metadata(&real).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if meta.is_dir() {
        return Ok(Admitted::Dir);
    }
    if !allowed.iter().any(|d| real.starts_with(d)) || is_pseudo(&real) {
        return Err(format!(
            "{shown}: not read: it leads to {}, outside the directories being checked; grantcheck reads only files inside them and the modules they call through a local source: replace the link with the file, or check a directory that holds what it leads to",
            real.display()
        ));
    }
    if !meta.is_file() {
        return Err(format!(
            "{shown}: not read: it is {}, not a regular file; remove it from the checked directory, or name the file to check on the command line",
            kind_of(&meta)
        ));
    }
    Ok(Admitted::File(real, meta))
}

/// Reads a file found by looking around the inputs (a `grantcheck.toml` above them): only a
/// regular file whose real path lies inside `within`.
pub fn read_found(path: &Path, shown: &str, within: &Path) -> Result<String, String> {
    match admit(path, shown, &[within.to_path_buf()])? {
        Admitted::File(real, _) => read_regular(&real, shown),
        Admitted::Dir => Err(format!("{shown}: not read: it is a directory")),
    }
}

/// Whether `real` lies in a file system of the kernel (`/proc`, `/sys`, `/dev`), whose files
/// say they are regular and empty but are not.
fn is_pseudo(real: &Path) -> bool {
    ["/proc", "/sys", "/dev"]
        .iter()
        .any(|p| real.starts_with(p))
}

/// What kind of file a non-regular file is, for messages.
fn kind_of(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let ft = meta.file_type();
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

#[derive(Default)]
struct Walk {
    out: Discovered,
    /// Files are read only to place a plan's findings ([`Found::PlanConfiguration`]).
    placing: bool,
    /// Real paths of the files already read: a file reached twice is read once.
    seen: BTreeSet<PathBuf>,
    /// Directories whose configuration files are read (as shown, normalised).
    dirs: BTreeSet<String>,
    other_bytes: u64,
    dirs_entered: usize,
    /// Real paths of the directories named on the command line and of the named files.
    named: Vec<PathBuf>,
    /// Real paths of the directories whose files may be read: the named directories, the
    /// directories of named files, the module directories followed through a local `source`.
    allowed: Vec<PathBuf>,
    /// Module directories `.terraform/modules/modules.json` lists outside `allowed`: read only
    /// when a local `source` calls them (key as in `dirs`, as shown, real path).
    outside_downloads: Vec<(String, String, PathBuf)>,
}

impl Walk {
    fn push(&mut self, path: String, text: String, found_as: Option<Found>) {
        // (what a plan's configuration holds, also the files its `file()` calls may read)
        let found_as = match found_as {
            None | Some(Found::Other) if self.placing => Some(Found::PlanConfiguration),
            f => f,
        };
        self.out.inputs.push(Input {
            path,
            text,
            found_as,
            walked: true,
        });
    }

    /// A file named on the command line: checked as given, its module calls not followed (a
    /// list of files is the configuration, as the npm API takes it).
    fn named(&mut self, path: String, text: String) {
        self.out.inputs.push(Input {
            path,
            text,
            found_as: None,
            walked: false,
        });
    }

    /// Marks a file as read; false when it was read already.
    fn first_time(&mut self, path: &Path) -> bool {
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.seen.insert(real)
    }

    fn admit(&self, path: &Path, shown: &str) -> Result<Admitted, String> {
        admit(path, shown, &self.allowed)
    }

    /// Reads a directory tree given on the command line.
    fn walk(&mut self, root: &str) {
        let mut found_config = false;
        let mut stack = vec![PathBuf::from(root)];
        while let Some(dir) = stack.pop() {
            self.dirs_entered += 1;
            if self.dirs_entered > MAX_DIRS {
                self.out.errors.push(format!(
                    "{root}: the tree has more than {MAX_DIRS} directories; the rest is not read: give the directories to check"
                ));
                return;
            }
            let read = self.read_dir(&dir, true);
            found_config |= read.config;
            stack.extend(read.subdirs.into_iter().rev());
        }
        if !found_config
            && !self
                .out
                .inputs
                .iter()
                .any(|i| i.found_as == Some(Found::Plan))
        {
            self.out.errors.push(format!(
                "{root}: no Terraform configuration (.tf) and no plan JSON in this directory or below it; give a configuration directory or a plan JSON file (`terraform show -json PLANFILE > plan.json`)"
            ));
        }
    }

    /// Reads the files of one directory; with `plans`, plan JSON found in it too (not in
    /// module directories read from outside or downloaded modules).
    fn read_dir(&mut self, dir: &Path, plans: bool) -> DirRead {
        let mut read = DirRead::default();
        let shown_dir = shown(dir);
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.out
                    .errors
                    .push(format!("{shown_dir}: cannot read the directory: {e}"));
                return read;
            }
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().to_string();
            let Ok(ft) = entry.file_type() else { continue };
            let path = entry.path();
            if ft.is_dir() {
                if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str()) {
                    read.subdirs.push(path);
                }
                continue;
            }
            if !self.first_time(&path) {
                continue;
            }
            let shown_path = shown(&path);
            let (real, len) = match self.admit(&path, &shown_path) {
                Ok(Admitted::File(real, meta)) => (real, meta.len()),
                Ok(Admitted::Dir) => {
                    // a link to a directory is not followed
                    self.out.skipped += 1;
                    continue;
                }
                Err(e) => {
                    self.out.errors.push(e);
                    continue;
                }
            };
            let lower = name.to_ascii_lowercase();
            if CONFIG_EXTS.iter().any(|e| lower.ends_with(e)) {
                read.config = true;
                match read_regular(&real, &shown_path) {
                    Ok(text) => self.push(shown_path, text, None),
                    Err(e) => self.out.errors.push(e),
                }
                continue;
            }
            if plans && is_plan_file(&real) {
                match read_regular(&real, &shown_path) {
                    Ok(text) => self.push(shown_path, text, Some(Found::Plan)),
                    Err(e) => self.out.errors.push(e),
                }
                continue;
            }
            if len > OTHER_MAX_BYTES || self.other_bytes + len > OTHER_TOTAL_BYTES {
                self.out.skipped += 1;
                continue;
            }
            match read_bounded(&real, OTHER_MAX_BYTES + 1)
                .ok()
                .filter(|b| b.len() as u64 <= OTHER_MAX_BYTES)
                .and_then(|b| String::from_utf8(b).ok())
            {
                Some(text) if !text.contains('\0') => {
                    self.other_bytes += text.len() as u64;
                    self.push(shown_path, text, Some(Found::Other));
                }
                _ => self.out.skipped += 1,
            }
        }
        if read.config {
            self.dirs.insert(normalize(&shown_dir));
            self.read_downloaded_modules(dir);
        }
        read
    }

    /// The modules `terraform init` downloaded for the root module in `dir`, as its
    /// `.terraform/modules/modules.json` lists them.
    fn read_downloaded_modules(&mut self, dir: &Path) {
        let manifest = dir.join(".terraform").join("modules").join("modules.json");
        if std::fs::symlink_metadata(&manifest).is_err() || !self.first_time(&manifest) {
            return;
        }
        let shown_manifest = shown(&manifest);
        let text = match self
            .admit(&manifest, &shown_manifest)
            .and_then(|a| match a {
                Admitted::File(real, _) => read_regular(&real, &shown_manifest),
                Admitted::Dir => Err(format!("{shown_manifest}: cannot read: it is a directory")),
            }) {
            Ok(t) => t,
            Err(e) => {
                self.out.errors.push(e);
                return;
            }
        };
        let listed: Vec<String> = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("Modules").and_then(|m| m.as_array()).cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.get("Dir").and_then(|d| d.as_str()).map(str::to_string))
            .collect();
        // the core reads it again to find each module call's directory, and says what is wrong
        self.push(shown_manifest, text, Some(Found::Other));
        for rel in listed {
            let module_dir = dir.join(&rel);
            let key = normalize(&shown(&module_dir));
            if rel == "." || self.dirs.contains(&key) || !module_dir.is_dir() {
                continue;
            }
            if self.dirs_entered >= MAX_DIRS {
                return;
            }
            let Ok(real) = std::fs::canonicalize(&module_dir) else {
                continue;
            };
            if !self.allowed.iter().any(|d| real.starts_with(d)) || is_pseudo(&real) {
                // a local module call lists its directory here too; else it is refused at the end
                self.outside_downloads.push((key, shown(&module_dir), real));
                continue;
            }
            self.dirs_entered += 1;
            self.read_dir(&module_dir, false);
        }
    }

    /// Finds the configuration of each plan read, and reads it when it is not checked already.
    fn read_plan_configurations(&mut self, config_dir: Option<&str>) {
        let plans: Vec<(String, bool)> = self
            .out
            .inputs
            .iter()
            .filter(|i| match i.found_as {
                Some(Found::Plan) => true,
                None => {
                    !CONFIG_EXTS
                        .iter()
                        .any(|e| i.path.to_ascii_lowercase().ends_with(e))
                        && grantcheck::detect(&i.path, &i.text) == Ok(grantcheck::InputKind::Plan)
                        && i.path != "-"
                }
                _ => false,
            })
            .map(|i| (i.path.clone(), i.walked))
            .collect();
        let mut dirs: Vec<String> = vec![];
        for (plan, _) in &plans {
            let (dir, given) = match config_dir {
                Some(d) => (shown(Path::new(d)), true),
                None => (dir_of(plan), false),
            };
            if !given && !holds_module_files(Path::new(&dir)) {
                continue;
            }
            self.out
                .plan_configurations
                .push((plan.clone(), dir.clone(), given));
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        for dir in dirs {
            if self.dirs.contains(&normalize(&dir)) {
                continue;
            }
            let path = PathBuf::from(&dir);
            if !path.is_dir() {
                if config_dir.is_some() {
                    self.out
                        .errors
                        .push(format!("{dir}: --config-dir: not a directory"));
                }
                continue;
            }
            if let Ok(real) = std::fs::canonicalize(&path) {
                self.allowed.push(real.clone());
                self.named.push(real);
            }
            self.placing = true;
            let read = self.read_dir(&path, false);
            if !read.config && config_dir.is_some() {
                self.out.errors.push(format!(
                    "{dir}: --config-dir: no Terraform configuration (.tf or .tf.json) in this directory"
                ));
            }
            self.follow_local_modules();
            self.placing = false;
        }
    }

    /// Reads the module directories that read configuration files call through a local
    /// `source` and that no walk has read (`../../modules/x` from `envs/prod`).
    /// The repositories of the checked directories: for each, the nearest directory above it
    /// (or itself) that holds `.git`. None when no checked directory is in a repository.
    fn repository_roots(&self) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = vec![];
        for d in &self.named {
            if let Some(root) = d.ancestors().find(|a| a.join(".git").exists())
                && !roots.iter().any(|r| r == root)
            {
                roots.push(root.to_path_buf());
            }
        }
        roots
    }

    fn follow_local_modules(&mut self) {
        let mut next = 0;
        while next < self.out.inputs.len() {
            let calls: Vec<String> = self.out.inputs[next..]
                .iter()
                .filter(|i| {
                    i.walked
                        && matches!(i.found_as, None | Some(Found::PlanConfiguration))
                        && is_module_file(&i.path)
                })
                .flat_map(|i| {
                    let dir = dir_of(&i.path);
                    local_sources(&i.text)
                        .into_iter()
                        .map(move |s| normalize(&format!("{dir}/{s}")))
                })
                .collect();
            next = self.out.inputs.len();
            for dir in calls {
                if self.dirs.contains(&dir) || self.dirs_entered >= MAX_DIRS {
                    continue;
                }
                let path = PathBuf::from(&dir);
                if !path.is_dir() || !holds_module_files(&path) {
                    // the core says that the call's directory is missing or holds no module
                    continue;
                }
                // a module directory the configuration calls is part of it, when it lies in
                // the repository of a checked directory (a source leading out of it would make
                // the files of any directory readable by file())
                if let Ok(real) = std::fs::canonicalize(&path)
                    && !is_pseudo(&real)
                {
                    let roots = self.repository_roots();
                    if !roots.is_empty() && !roots.iter().any(|r| real.starts_with(r)) {
                        self.dirs.insert(dir.clone());
                        self.out.errors.push(format!(
                            "{dir}: not read: a local module source leads to {}, outside the repository; grantcheck reads the modules of the repository it checks: check that directory on its own",
                            real.display()
                        ));
                        continue;
                    }
                    self.allowed.push(real);
                }
                self.dirs_entered += 1;
                self.read_dir(&path, false);
                // (a directory without configuration files is not read again)
                self.dirs.insert(dir);
            }
        }
    }
}

/// Whether a directory holds a `.tf` or `.tf.json` file: a module Terraform can call.
fn holds_module_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink())
                && is_module_file(&e.file_name().to_string_lossy())
        })
    })
}

#[derive(Default)]
struct DirRead {
    config: bool,
    subdirs: Vec<PathBuf>,
}

/// A `.tf` or `.tf.json` file (not a variables file).
fn is_module_file(path: &str) -> bool {
    let l = path.to_ascii_lowercase();
    l.ends_with(".tf") || l.ends_with(".tf.json")
}

/// The local module sources (`./x`, `../x`, `..`) a configuration file writes, as
/// `source = "../x"` (`.tf`) or `"source": "../x"` (`.tf.json`). A `source` argument of
/// another block may be among them: only directories that exist are read, and the core decides
/// what is called.
fn local_sources(text: &str) -> Vec<String> {
    let mut out = vec![];
    for (at, _) in text.match_indices("source") {
        let before = text[..at].chars().next_back();
        if !before.is_none_or(|c| c.is_whitespace() || matches!(c, '"' | '{' | ',' | ';')) {
            continue;
        }
        let rest = &text[at + "source".len()..];
        let rest = rest
            .strip_prefix('"')
            .unwrap_or(rest)
            .trim_start_matches([' ', '\t']);
        let Some(rest) = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':')) else {
            continue;
        };
        let Some(rest) = rest.trim_start_matches([' ', '\t']).strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find(['"', '\n']) else {
            continue;
        };
        let value = &rest[..end];
        let local = value == "."
            || value == ".."
            || value.starts_with("./")
            || value.starts_with("../")
            || value.starts_with(".\\")
            || value.starts_with("..\\");
        if local && !value.contains("${") {
            out.push(value.replace('\\', "/"));
        }
    }
    out
}

/// Whether a file holds a plan JSON: an object that starts with keys of Terraform's plan
/// (`terraform show -json` and `tofu show -json` write `format_version` first; a plan whose
/// keys were sorted starts with `applyable`) and that has `format_version` and
/// `terraform_version`. Other JSON (package.json, policies, CI data) is not a plan.
fn is_plan_file(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(PLAN_PEEK_BYTES);
    if f.take(PLAN_PEEK_BYTES as u64)
        .read_to_end(&mut head)
        .is_err()
    {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('{') || !PLAN_KEYS.iter().any(|k| t.contains(k)) {
        return false;
    }
    if t.contains("\"format_version\"") && t.contains("\"terraform_version\"") {
        return true;
    }
    // the keys may come later: look through the whole text (within the input limit)
    std::fs::metadata(path).is_ok_and(|m| m.len() <= grantcheck::MAX_INPUT_BYTES as u64)
        && read_bounded(path, grantcheck::MAX_INPUT_BYTES as u64).is_ok_and(|b| {
            memchr::memmem::find(&b, b"\"format_version\"").is_some()
                && memchr::memmem::find(&b, b"\"terraform_version\"").is_some()
        })
}

/// Keys of a plan's top level, one of which a plan's first bytes hold.
const PLAN_KEYS: &[&str] = &[
    "\"format_version\"",
    "\"terraform_version\"",
    "\"applyable\"",
    "\"complete\"",
    "\"planned_values\"",
    "\"resource_changes\"",
    "\"prior_state\"",
];

fn read_stdin() -> Result<String, String> {
    let mut bytes = Vec::new();
    // one byte past the limit is enough to refuse it, without holding an endless stream
    std::io::stdin()
        .take(grantcheck::MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("-: cannot read standard input: {e}"))?;
    decode("-", bytes)
}

/// Reads a file named on the command line (a path, `--var-file`, `--config`) as text: a
/// regular file, or a pipe such as `<(terraform show -json tfplan)` (`/dev/fd/N`), links
/// followed; a device, socket or directory is refused. A file over the input limit is refused
/// by its size before it is read, a pipe one byte past the limit.
pub fn read_file(path: &Path, shown: &str) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if !meta.is_file() && !is_pipe(&meta) {
        return Err(format!(
            "{shown}: not read: it is {}; give a plan JSON or configuration file, or `-` for standard input",
            kind_of(&meta)
        ));
    }
    read_regular(path, shown)
}

fn is_pipe(meta: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        meta.file_type().is_fifo()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// Reads a file whose kind was checked as text, refusing one over the input limit.
fn read_regular(path: &Path, shown: &str) -> Result<String, String> {
    let limit = grantcheck::MAX_INPUT_BYTES as u64;
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if meta.len() > limit {
        return Err(format!(
            "{shown}: the file is {} MB, over the limit of {} MB",
            meta.len() / (1024 * 1024),
            grantcheck::MAX_INPUT_BYTES / (1024 * 1024)
        ));
    }
    // one byte past the limit is enough to refuse it, whatever the size said
    let bytes = read_bounded(path, limit + 1).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    decode(shown, bytes)
}

/// At most `limit` bytes of a file.
fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

pub fn decode(path: &str, bytes: Vec<u8>) -> Result<String, String> {
    if let Some(why) = grantcheck::sniff_bytes(&bytes) {
        return Err(format!("{path}: {why}"));
    }
    String::from_utf8(bytes).map_err(|_| format!("{path}: the file is not UTF-8 text"))
}

/// A path as shown in reports: `/`-separated, without a leading `./`.
fn shown(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut t = s.as_str();
    while let Some(rest) = t.strip_prefix("./") {
        t = rest.trim_start_matches('/');
    }
    if t.is_empty() {
        ".".to_string()
    } else {
        t.to_string()
    }
}

fn dir_of(path: &str) -> String {
    grantcheck::terraform::hcl::text::dir_of(path)
}

/// `a/./b/../c` → `a/c`; leading `..` are kept.
fn normalize(path: &str) -> String {
    grantcheck::terraform::hcl::text::normalize(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_sources_are_read_from_module_blocks_in_both_syntaxes() {
        let tf = "module \"a\" {\n  source = \"../../modules/a\"\n}\nmodule \"b\" {\n  source  = \"terraform-aws-modules/kms/aws\"\n}\nmodule \"c\" {\n source=\"..\"\n}\nmodule \"d\" { source = \"./${var.x}\" }\n";
        assert_eq!(local_sources(tf), vec!["../../modules/a", ".."]);
        let json = "{\"module\": {\"a\": {\n  \"source\": \"./mod\"\n}}}";
        assert_eq!(local_sources(json), vec!["./mod"]);
        let one_line = "{\"module\":{\"a\":{\"source\":\"../m\"},\"b\":{\"source_dir\":\"./x\"}}}";
        assert_eq!(local_sources(one_line), vec!["../m"]);
    }
}
