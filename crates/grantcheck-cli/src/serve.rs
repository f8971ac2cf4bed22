//! `grantcheck serve`: the HCP Terraform run task server (crate `grantcheck-runtask`) with the
//! command line's options, configuration file and Markdown rendering.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use grantcheck::{Options, Report, ReportFinding, Severity, SourceFile};

use crate::discover::read_file;
use crate::markdown;

/// The environment variable that may hold the HMAC key instead of `--hmac-key-file`.
pub const HMAC_KEY_VAR: &str = "GRANTCHECK_HMAC_KEY";

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on, `ADDR:PORT` (port 0: any free port; the bound address is
    /// logged).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// A file holding the run task's HMAC key, as entered in HCP Terraform (surrounding
    /// whitespace ignored). Without it the key is taken from GRANTCHECK_HMAC_KEY.
    #[arg(long, value_name = "FILE")]
    pub hmac_key_file: Option<PathBuf>,
    /// An account that owns the checked resources (repeatable).
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// The configuration file (grantcheck.toml), read once at start.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report the run as failed when a finding is at or above this severity: error, warning,
    /// note or never (a plan that cannot be fetched or read always fails).
    #[arg(long, value_name = "SEVERITY", default_value = "error", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
    /// The largest plan JSON downloaded, in MB.
    #[arg(long, value_name = "MB", default_value_t = 256)]
    pub max_plan_mb: u64,
    /// Runs checked at once.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub concurrency: usize,
    /// Runs waiting for a worker; past it requests are answered 503 (HCP Terraform retries).
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub queue: usize,
    /// Seconds the plan download may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub fetch_timeout: u64,
    /// Seconds the result callback may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub callback_timeout: u64,
    /// Seconds a shutdown (SIGTERM, SIGINT) waits for the runs in progress.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub shutdown_timeout: u64,
}

/// `--fail-on`: the threshold (`None` for never).
#[derive(Clone, Copy, Debug)]
pub struct FailOn(pub Option<Severity>);

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    match s.to_ascii_lowercase().as_str() {
        "error" => Ok(FailOn(Some(Severity::Error))),
        "warning" => Ok(FailOn(Some(Severity::Warning))),
        "note" => Ok(FailOn(Some(Severity::Note))),
        "never" => Ok(FailOn(None)),
        _ => Err("one of error, warning, note, never".into()),
    }
}

/// An outcome's body: the finding's Markdown detail, without links (a plan has no web page).
fn body(report: &Report, f: &ReportFinding, sources: &[SourceFile]) -> String {
    markdown::finding_body(report, f, sources, None)
}

fn hmac_key(args: &ServeArgs) -> Result<Vec<u8>, String> {
    let key = match &args.hmac_key_file {
        Some(p) => std::fs::read(p).map_err(|e| format!("--hmac-key-file {}: {e}", p.display()))?,
        None => std::env::var_os(HMAC_KEY_VAR)
            .map(|v| v.into_encoded_bytes())
            .ok_or_else(|| {
                format!("give the HMAC key with --hmac-key-file FILE or {HMAC_KEY_VAR}")
            })?,
    };
    let key = key.trim_ascii().to_vec();
    if key.is_empty() {
        return Err("the HMAC key is empty".into());
    }
    Ok(key)
}

/// Runs the server until SIGTERM or SIGINT: 0 when it stopped, 2 when it could not start.
pub fn run(args: ServeArgs) -> ExitCode {
    match start(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("grantcheck: {e}");
            ExitCode::from(2)
        }
    }
}

fn start(args: ServeArgs) -> Result<(), String> {
    for a in &args.accounts {
        if !grantcheck::policy::is_account_id(a) {
            return Err(format!("--account {a}: an account id is 12 digits"));
        }
    }
    let hmac_key = hmac_key(&args)?;
    let mut config_source = None;
    let mut config = None;
    if let Some(p) = &args.config {
        let shown = p.to_string_lossy().into_owned();
        let text = read_file(p, &shown)?;
        let src = SourceFile::new(1, shown.clone(), text);
        // (a configuration that cannot be used is refused now, not failed in every run)
        grantcheck::settings::parse(&src).map_err(|e| format!("{shown}: {}", e.message))?;
        config = Some(shown);
        config_source = Some(src);
    }
    if args.max_plan_mb == 0 || args.max_plan_mb > 512 {
        return Err("--max-plan-mb: from 1 to 512".into());
    }
    let settings = grantcheck_runtask::Settings {
        listen: args.listen,
        hmac_key,
        options: Options {
            accounts: args.accounts,
            config,
            ..Options::default()
        },
        config_source,
        threshold: args.fail_on.0,
        limits: grantcheck_runtask::Limits {
            max_plan_bytes: args.max_plan_mb * 1024 * 1024,
            fetch_timeout: Duration::from_secs(args.fetch_timeout.max(1)),
            callback_timeout: Duration::from_secs(args.callback_timeout.max(1)),
            concurrency: args.concurrency.max(1),
            queue: args.queue,
            shutdown_timeout: Duration::from_secs(args.shutdown_timeout),
            ..grantcheck_runtask::Limits::default()
        },
        body,
    };
    grantcheck_runtask::serve(settings)
}
