//! `grantcheck`: the command line. Reads files, calls the core, renders the report, exits with a
//! status a pipeline can rely on (0 clean, 1 findings at or above `--fail-on`, 2 usage or input
//! error).

use grantcheck_cli::command::{self, Format};
use grantcheck_cli::discover::{Discovered, read_file, read_found};
use grantcheck_cli::{markdown, render};

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use grantcheck::{Options, Severity, SourceFile};

#[cfg(not(any(target_env = "msvc", target_family = "wasm")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "grantcheck",
    version,
    about = "Catch broken or dangerous cross-account access to AWS Secrets Manager secrets before terraform apply",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check plan JSON files (`terraform show -json PLANFILE`) or Terraform configurations (a
    /// root module directory, `.tf` and `.tf.json` files); `-` reads a plan from standard input.
    ///
    /// A directory is walked as a repository: every directory with .tf files that no other one
    /// calls through a local `source` is a root module, checked on its own; plan JSON found on
    /// the way is recognised by content and checked on its own; local modules outside the
    /// directory are read from disk, downloaded ones through .terraform/modules/modules.json;
    /// hidden directories and node_modules are skipped, and other files are only counted.
    /// override.tf and *_override.tf are merged into their module as Terraform merges them.
    Check(CheckArgs),
    /// Who can read each secret after this apply, and for who cannot, the first broken link
    /// (secret policy, key, key policy, identity policy); with a plan, who gains or loses access
    /// and what the plan breaks. Takes the inputs and options of `check`; `--format json` writes
    /// the report's `access` section.
    Access(CheckArgs),
    /// List the rules.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Show the documentation of a rule, by code (XA002) or name.
    Explain { code: String },
    /// Serve as an HCP Terraform / Terraform Enterprise run task: check each run's plan and
    /// send the findings back (until SIGTERM or SIGINT).
    #[cfg(feature = "serve")]
    Serve(grantcheck_cli::serve::ServeArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Plan JSON files, configuration directories (with their local modules) or `.tf` files;
    /// `-` for standard input.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<String>,
    /// Output format: text, json, sarif, github, junit or markdown (a pull-request comment;
    /// default text). Repeatable;
    /// `FORMAT=FILE` writes that format to FILE, e.g. `--format text --format sarif=out.sarif`.
    #[arg(long = "format", value_name = "FORMAT[=FILE]", value_parser = parse_format_spec)]
    formats: Vec<FormatSpec>,
    /// An account that owns the checked resources (repeatable). Grants to other accounts are
    /// cross-account.
    #[arg(long = "account", value_name = "ID")]
    accounts: Vec<String>,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Write the report (the format given without `=FILE`) to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Text format: one line per finding (no code frames or help) and the summary line.
    #[arg(long, short)]
    quiet: bool,
    /// Text format: every finding in full (by default a rule's findings past the first few are
    /// counted, not shown).
    #[arg(long, short)]
    verbose: bool,
    /// Markdown format: where the files are seen on the web, e.g.
    /// `https://github.com/OWNER/REPO/blob/SHA/` (default: from GitHub Actions' or GitLab CI's
    /// environment, when set).
    #[arg(long, value_name = "URL")]
    link_base: Option<String>,
    /// A Terraform variables file for the root module (repeatable, later files win).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<String>,
    /// A root module variable, `NAME=VALUE` (repeatable; wins over variable files).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// The configuration file (default: the first grantcheck.toml found walking up from the
    /// first input's directory to the repository root, the first directory holding .git).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Plans: report only what this plan introduces (not what is already there or fixed).
    #[arg(long)]
    new_only: bool,
    /// Plans: the directory of the configuration the plans were made from (default: each
    /// plan's own directory, when it holds the configuration): findings point at the lines
    /// of its .tf files that write their values, their place in the plan kept as a related one.
    #[arg(long, value_name = "DIR")]
    config_dir: Option<String>,
    /// Plans: keep the findings at their places in the plan, even when the plan's own directory
    /// holds its configuration
    #[arg(long, conflicts_with = "config_dir")]
    no_config_dir: bool,
}

/// One `--format` argument: a format and where it goes (`None`: `--output` or standard output).
#[derive(Clone, Debug)]
struct FormatSpec {
    format: Format,
    file: Option<PathBuf>,
}

fn parse_format_spec(s: &str) -> Result<FormatSpec, String> {
    let (name, file) = match s.split_once('=') {
        Some((n, f)) if !f.is_empty() => (n, Some(PathBuf::from(f))),
        Some((n, _)) => return Err(format!("`{n}=` needs a file name after `=`")),
        None => (s, None),
    };
    let format = Format::from_name(name).ok_or_else(|| {
        format!("unknown format `{name}`; one of text, json, sarif, github, junit, markdown (optionally FORMAT=FILE)")
    })?;
    Ok(FormatSpec { format, file })
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => {
            let checker = grantcheck::Checker::new();
            let code = run_check(args, &checker, Shown::Findings);
            // the process exits next, which gives back what the check left to free at once
            checker.leave();
            code
        }
        Command::Access(args) => {
            let checker = grantcheck::Checker::new();
            let code = run_check(args, &checker, Shown::Access);
            // the process exits next, which gives back what the check left to free at once
            checker.leave();
            code
        }
        Command::Rules { format } => {
            let text = match format {
                RulesFormat::Text => render::rules_text(),
                RulesFormat::Json => render::rules_json(),
                RulesFormat::Markdown => render::rules_markdown(),
            };
            print_out(&text)
        }
        Command::Explain { code } => match command::explain(&code) {
            Some(text) => print_out(&text),
            None => {
                eprintln!("{}", command::no_rule(&code));
                ExitCode::from(2)
            }
        },
        #[cfg(feature = "serve")]
        Command::Serve(args) => grantcheck_cli::serve::run(args),
    }
}

/// Writes `text` to standard output; one that cannot be written (a full disk, a closed pipe)
/// is said in one line and exits 2, as `check` does.
fn print_out(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("grantcheck: cannot write to standard output: {e}");
            ExitCode::from(2)
        }
    }
}

/// What a run writes: the findings (`check`) or who can read each secret (`access`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Findings,
    Access,
}

fn run_check(args: CheckArgs, checker: &grantcheck::Checker, shown: Shown) -> ExitCode {
    let specs = match output_specs(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("grantcheck: {e}");
            return ExitCode::from(2);
        }
    };
    for a in &args.accounts {
        if !grantcheck::policy::is_account_id(a) {
            eprintln!("grantcheck: --account {a}: an account id is 12 digits");
            return ExitCode::from(2);
        }
    }
    let mut sources = Vec::new();
    let discovered =
        Discovered::read_with(&args.paths, args.config_dir.as_deref(), !args.no_config_dir);
    let plan_configurations = discovered
        .plan_configurations
        .iter()
        .map(|(plan, dir, given)| grantcheck::PlanConfiguration {
            plan: relative_to_cwd(plan),
            dir: relative_to_cwd(dir),
            given: *given,
        })
        .collect();
    let mut read_errors = discovered.errors;
    for input in discovered.inputs {
        let id = u32::try_from(sources.len()).unwrap_or(u32::MAX);
        let mut src = SourceFile::new(id, relative_to_cwd(&input.path), input.text);
        if let Some(found) = input.found_as {
            src = src.found_as(found);
        }
        sources.push(src);
    }
    for p in &args.var_files {
        match read_file(Path::new(p), p) {
            Ok(text) => {
                let id = u32::try_from(sources.len()).unwrap_or(u32::MAX);
                sources.push(SourceFile::new(id, p.clone(), text));
            }
            Err(e) => read_errors.push(e),
        }
    }
    let config = match &args.config {
        Some(p) => Some((p.clone(), None)),
        None => args
            .paths
            .first()
            .and_then(|p| find_config(p))
            .map(|(p, within)| (p, Some(within))),
    };
    let mut config_shown = None;
    // input errors already said on standard error
    let mut said_first: Vec<String> = vec![];
    if let Some((path, within)) = config {
        let shown = relative_to_cwd(&path.to_string_lossy());
        // given with --config: read as given; found: only a file inside the repository
        let read = match &within {
            None => read_file(&path, &shown),
            Some(within) => read_found(&path, &shown, within),
        };
        match read {
            Ok(text) => {
                let id = u32::try_from(sources.len()).unwrap_or(u32::MAX);
                sources.push(SourceFile::new(id, shown.clone(), text));
                config_shown = Some(shown);
            }
            Err(e) => {
                // said first, before any finding, as a configuration that cannot be used is
                eprintln!("grantcheck: {e}");
                said_first.push(e.clone());
                read_errors.push(e);
            }
        }
    }
    let mut vars = Vec::new();
    for v in &args.vars {
        match v.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                vars.push((name.trim().to_string(), value.to_string()))
            }
            _ => {
                eprintln!("grantcheck: --var {v}: give it as NAME=VALUE");
                return ExitCode::from(2);
            }
        }
    }
    let options = Options {
        accounts: args.accounts.clone(),
        utf16: false,
        var_files: args.var_files.clone(),
        vars,
        config: config_shown.clone(),
        plan_configurations,
    };
    let mut report = checker.check(&sources, &options);
    command::complete(&mut report, discovered.skipped, args.new_only, &read_errors);
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    // a configuration that cannot be used is said first, before any finding
    let (lines, said) = command::config_notices(&report, config_shown.as_ref());
    for line in lines {
        eprintln!("{line}");
    }
    said_first.extend(said);
    let written = write_outputs(&args, &specs, &report, &sources, threshold, shown);
    let text_on_stdout = match written {
        Ok(t) => t,
        Err(e) => {
            eprintln!("grantcheck: {e}");
            return ExitCode::from(2);
        }
    };
    if !text_on_stdout {
        for line in command::late_notices(&report, &said_first) {
            eprintln!("{line}");
        }
    }
    ExitCode::from(command::exit_status(&report, &read_errors, threshold))
}

/// The formats to write and where: `None` is standard output.
fn output_specs(args: &CheckArgs) -> Result<Vec<FormatSpec>, String> {
    let mut specs = args.formats.clone();
    if specs.is_empty() {
        specs.push(FormatSpec {
            format: Format::Text,
            file: None,
        });
    }
    if specs.iter().filter(|s| s.file.is_none()).count() > 1 {
        return Err("only one format can go to standard output (or --output); give the others a file, e.g. `--format text --format sarif=grantcheck.sarif`".into());
    }
    for s in &mut specs {
        if s.file.is_none() {
            s.file.clone_from(&args.output);
        }
    }
    Ok(specs)
}

/// Renders and writes every requested format: the findings (`check`) or who can read each
/// secret (`access`). Returns whether text went to standard output.
fn write_outputs(
    args: &CheckArgs,
    specs: &[FormatSpec],
    report: &grantcheck::Report,
    sources: &[SourceFile],
    threshold: Option<Severity>,
    shown: Shown,
) -> Result<bool, String> {
    let mut text_on_stdout = false;
    let markdown_options = markdown_options(args, threshold);
    for spec in specs {
        let color = spec.file.is_none()
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let text_options = render::TextOptions {
            color,
            quiet: args.quiet,
            verbose: args.verbose,
            threshold,
        };
        if shown == Shown::Findings && spec.format == Format::Github {
            // the job's summary page shows what ten annotations per severity cannot
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                let summary = markdown::markdown(report, sources, &markdown_options);
                append(Path::new(&path), &summary).map_err(|e| {
                    format!(
                        "cannot write GITHUB_STEP_SUMMARY {}: {e}",
                        Path::new(&path).display()
                    )
                })?;
            }
        }
        let rendered = match shown {
            Shown::Findings => command::render(
                spec.format,
                report,
                sources,
                &text_options,
                &markdown_options,
            )?,
            Shown::Access => command::render_access(spec.format, report)?,
        };
        match &spec.file {
            Some(path) => std::fs::write(path, rendered.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
            None => {
                text_on_stdout |= spec.format == Format::Text;
                std::io::stdout()
                    .write_all(rendered.as_bytes())
                    .map_err(|e| format!("cannot write the report: {e}"))?;
            }
        }
    }
    Ok(text_on_stdout)
}

/// How the Markdown comment links to files: `--link-base`, or where GitHub Actions or GitLab CI
/// say the checked commit is seen.
fn markdown_options(args: &CheckArgs, threshold: Option<Severity>) -> markdown::Options {
    markdown::Options {
        threshold,
        link_base: command::link_base(args.link_base.clone(), |k| std::env::var(k).ok()),
        max_chars: None,
    }
}

/// Appends `text` to the file at `path` (created when missing).
fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")
}

/// The first `grantcheck.toml` in the directory of `input` (the directory itself for a
/// directory, the current directory for standard input) or above it, up to the repository root
/// (the first directory holding `.git`), with the directory it must really lie in: the
/// repository, or outside one the directory it was found in.
fn find_config(input: &str) -> Option<(PathBuf, PathBuf)> {
    let start = if input == "-" || input.starts_with("/dev/fd/") || input.starts_with("/proc/") {
        std::env::current_dir().ok()?
    } else {
        let p = Path::new(input);
        let dir = if p.is_dir() {
            p.to_path_buf()
        } else {
            p.parent()?.to_path_buf()
        };
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        std::fs::canonicalize(dir).ok()?
    };
    let repository = start
        .ancestors()
        .find(|d| d.join(".git").symlink_metadata().is_ok());
    let searched = start
        .ancestors()
        .take_while(|d| repository.is_none_or(|r| d.starts_with(r)));
    for dir in searched {
        let file = dir.join(grantcheck::settings::FILE_NAME);
        // (a link or a special file is found, and refused when read)
        if file.symlink_metadata().is_ok() {
            return Some((file, repository.unwrap_or(dir).to_path_buf()));
        }
    }
    None
}

/// An absolute path under the current directory, made relative to it (SARIF and GitHub
/// annotations need paths relative to the repository); other paths as given.
fn relative_to_cwd(path: &str) -> String {
    let p = Path::new(path);
    if !p.is_absolute() {
        return path.to_string();
    }
    std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .and_then(|r| r.to_str().map(str::to_string))
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| path.to_string())
}
