//! The HTTP server: `POST /` takes run task requests, `GET /health` answers 200. A request is
//! verified before anything else; a run is answered 200 at once and checked on a worker
//! thread, which fetches the plan and calls the result back. At most `concurrency` runs are
//! checked at once and at most `queue` wait; a request past that is answered 503, which HCP
//! Terraform retries.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use grantcheck::{Options, Severity, SourceFile};
use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response, Server};

use crate::http::{fetch_plan, send_result};
use crate::log;
use crate::payload::{Kind, Payload};
use crate::result::{BodyFn, TaskResult, from_report};
use crate::verify::{SIGNATURE_HEADER, verify};

/// Limits of the server.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The largest request body read (HCP Terraform's requests are a few KB).
    pub max_request_bytes: usize,
    /// The largest plan JSON downloaded.
    pub max_plan_bytes: u64,
    /// How long the plan download may take.
    pub fetch_timeout: Duration,
    /// How long one attempt of the callback may take.
    pub callback_timeout: Duration,
    /// Runs checked at once.
    pub concurrency: usize,
    /// Runs waiting for a worker; past it requests are answered 503.
    pub queue: usize,
    /// How long a shutdown waits for the runs in progress and waiting.
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_bytes: 1024 * 1024,
            max_plan_bytes: 256 * 1024 * 1024,
            fetch_timeout: Duration::from_secs(120),
            callback_timeout: Duration::from_secs(30),
            concurrency: 2,
            queue: 16,
            shutdown_timeout: Duration::from_secs(60),
        }
    }
}

/// What the server checks with and how.
pub struct Settings {
    /// `ADDR:PORT` to listen on (port 0: any free port; the bound address is logged).
    pub listen: String,
    /// The run task's HMAC key, as entered in HCP Terraform.
    pub hmac_key: Vec<u8>,
    /// The check options (accounts; `config` names `config_source`).
    pub options: Options,
    /// The configuration file's text, checked beside each plan.
    pub config_source: Option<SourceFile>,
    /// `--fail-on`: findings at or above it fail the run (`None`: only unreadable plans do).
    pub threshold: Option<Severity>,
    pub limits: Limits,
    /// Renders an outcome's Markdown body.
    pub body: BodyFn,
}

/// Threads that read and answer requests.
const HANDLERS: usize = 4;

/// The next item of a channel shared by threads; `None` once it is closed.
fn next<T>(from: &Mutex<Receiver<T>>) -> Option<T> {
    let rx = from.lock().ok()?;
    rx.recv().ok()
}

struct Job {
    payload: Payload,
    kind: Kind,
}

struct Shared {
    settings: Settings,
    checker: grantcheck::Checker,
}

/// Serves until SIGTERM or SIGINT, then stops taking requests, lets the runs in progress and
/// waiting finish (at most `shutdown_timeout`) and returns.
pub fn serve(settings: Settings) -> Result<(), String> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("cannot handle termination signals: {e}"))?;
    serve_until(settings, &stop)
}

/// Serves until `stop` is set.
pub fn serve_until(settings: Settings, stop: &AtomicBool) -> Result<(), String> {
    let server = Server::http(settings.listen.as_str())
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let address = server
        .server_addr()
        .to_ip()
        .map_or_else(|| settings.listen.clone(), |a| a.to_string());
    let limits = settings.limits.clone();
    let shared = Arc::new(Shared {
        settings,
        checker: grantcheck::Checker::new(),
    });
    let (tx, rx) = sync_channel::<Job>(limits.queue);
    let rx = Arc::new(Mutex::new(rx));
    let mut threads: Vec<_> = (0..limits.concurrency.max(1))
        .map(|_| {
            let (rx, shared) = (rx.clone(), shared.clone());
            std::thread::spawn(move || work(&rx, &shared))
        })
        .collect();
    // requests are read and answered on threads of their own, so that a slow client does not
    // hold up the others
    let (requests, taken) = sync_channel::<Request>(HANDLERS * 4);
    let taken = Arc::new(Mutex::new(taken));
    threads.extend((0..HANDLERS).map(|_| {
        let (taken, shared, tx) = (taken.clone(), shared.clone(), tx.clone());
        std::thread::spawn(move || {
            while let Some(request) = next(&taken) {
                handle(request, &shared.settings, &tx);
            }
        })
    }));
    drop(tx);
    log::info(
        "listening",
        &[
            ("address", json!(address)),
            ("version", json!(grantcheck::VERSION)),
            ("concurrency", json!(limits.concurrency.max(1))),
            ("queue", json!(limits.queue)),
        ],
    );
    while !stop.load(Ordering::SeqCst) {
        match server.recv_timeout(Duration::from_millis(100)) {
            Ok(Some(request)) => {
                if let Err(TrySendError::Full(r) | TrySendError::Disconnected(r)) =
                    requests.try_send(request)
                {
                    log::warn("busy", &[("status", json!(503))]);
                    respond(r, 503, "busy, try again\n");
                }
            }
            Ok(None) => {}
            Err(e) => {
                log::warn("accept_failed", &[("error", json!(e.to_string()))]);
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    drop(server);
    drop(requests);
    log::info(
        "stopping",
        &[("wait_seconds", json!(limits.shutdown_timeout.as_secs()))],
    );
    let deadline = Instant::now() + limits.shutdown_timeout;
    while threads.iter().any(|w| !w.is_finished()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let unfinished = threads.iter().filter(|w| !w.is_finished()).count();
    log::info("stopped", &[("unfinished_threads", json!(unfinished))]);
    Ok(())
}

fn respond(request: Request, status: u16, text: &str) {
    let response = Response::from_string(text).with_status_code(status);
    let response = match Header::from_bytes(&b"Content-Type"[..], &b"text/plain; charset=utf-8"[..])
    {
        Ok(h) => response.with_header(h),
        Err(()) => response,
    };
    // (a client that went away is not answered)
    let _ = request.respond(response);
}

fn handle(mut request: Request, settings: &Settings, jobs: &SyncSender<Job>) {
    let path = request.url().split('?').next().unwrap_or("").to_string();
    let method = request.method().clone();
    match (&method, path.as_str()) {
        (Method::Get | Method::Head, "/health" | "/healthz") => {
            return respond(request, 200, "ok\n");
        }
        (Method::Post, "/") => {}
        (_, "/" | "/health" | "/healthz") => return respond(request, 405, "method not allowed\n"),
        _ => return respond(request, 404, "not found\n"),
    }
    let max = settings.limits.max_request_bytes;
    if request.body_length().is_some_and(|n| n > max) {
        log::warn(
            "rejected",
            &[
                ("reason", json!("request body over the limit")),
                ("status", json!(413)),
            ],
        );
        return respond(request, 413, "request body too large\n");
    }
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(max as u64 + 1)
        .read_to_end(&mut body);
    if read.is_err() {
        return respond(request, 400, "cannot read the request body\n");
    }
    if body.len() > max {
        log::warn(
            "rejected",
            &[
                ("reason", json!("request body over the limit")),
                ("status", json!(413)),
            ],
        );
        return respond(request, 413, "request body too large\n");
    }
    let signature = request
        .headers()
        .iter()
        .find(|h| h.field.equiv(SIGNATURE_HEADER))
        .map(|h| h.value.as_str().to_string());
    if !verify(&settings.hmac_key, &body, signature.as_deref()) {
        let reason = if signature.is_none() {
            "no signature"
        } else {
            "bad signature"
        };
        log::warn(
            "rejected",
            &[("reason", json!(reason)), ("status", json!(401))],
        );
        return respond(request, 401, "invalid signature\n");
    }
    let Some(payload) = Payload::parse(&body) else {
        log::warn(
            "rejected",
            &[
                ("reason", json!("not a run task request")),
                ("status", json!(400)),
            ],
        );
        return respond(request, 400, "not a run task request\n");
    };
    let kind = payload.kind();
    let fields = run_fields(&payload);
    match kind {
        Kind::Verification => {
            log::info("verified", &fields);
            respond(request, 200, "ok\n")
        }
        Kind::Invalid(why) => {
            let mut f = fields;
            f.push(("reason", json!(why)));
            log::warn("rejected", &f);
            respond(request, 400, &format!("{why}\n"))
        }
        kind => match jobs.try_send(Job { payload, kind }) {
            Ok(()) => {
                log::info("accepted", &fields);
                respond(request, 200, "accepted\n")
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                let mut f = fields;
                f.push(("status", json!(503)));
                log::warn("busy", &f);
                respond(request, 503, "busy, try again\n")
            }
        },
    }
}

/// What a log line says of a run.
fn run_fields(p: &Payload) -> Vec<(&'static str, Value)> {
    vec![
        ("run_id", json!(p.run())),
        ("organization", json!(p.organization_name)),
        ("workspace", json!(p.workspace_name)),
        ("stage", json!(p.stage)),
        ("speculative", json!(p.is_speculative)),
    ]
}

fn work(jobs: &Mutex<Receiver<Job>>, shared: &Shared) {
    while let Some(job) = next(jobs) {
        run(job, shared);
    }
}

/// Checks one run and calls its result back.
fn run(job: Job, shared: &Shared) {
    let started = Instant::now();
    let settings = &shared.settings;
    let limits = &settings.limits;
    let (callback_url, token, result, counts) = match job.kind {
        Kind::NoPlan {
            callback_url,
            token,
        } => {
            let stage = job.payload.stage.as_deref().unwrap_or("unknown");
            let result = TaskResult::failed(format!(
                "grantcheck checks plans: attach the run task at the post-plan or pre-apply stage (this run reached it at the {stage} stage, which has no plan)"
            ));
            (callback_url, token, result, None)
        }
        Kind::Check {
            plan_url,
            callback_url,
            token,
        } => {
            let checked = catch_unwind(AssertUnwindSafe(|| check(shared, &plan_url, &token)));
            let (result, counts) = match checked {
                Ok(Ok((result, counts))) => (result, Some(counts)),
                Ok(Err(why)) => (TaskResult::failed(why), None),
                Err(_) => (
                    TaskResult::failed(
                        "grantcheck failed while checking the plan (an internal error)".into(),
                    ),
                    None,
                ),
            };
            (callback_url, token, result, counts)
        }
        Kind::Verification | Kind::Invalid(_) => return,
    };
    let checked_in = started.elapsed();
    let sent = send_result(
        &callback_url,
        &token,
        &result.body(None),
        limits.callback_timeout,
    );
    let mut fields = run_fields(&job.payload);
    fields.push((
        "status",
        json!(if result.passed { "passed" } else { "failed" }),
    ));
    if let Some((errors, warnings, notes)) = counts {
        fields.push(("errors", json!(errors)));
        fields.push(("warnings", json!(warnings)));
        fields.push(("notes", json!(notes)));
    } else {
        // (words of the server's own: no URL, token or plan value)
        fields.push(("reason", json!(result.message)));
    }
    fields.push(("outcomes", json!(result.outcomes.len())));
    fields.push(("check_ms", json!(checked_in.as_millis() as u64)));
    fields.push(("duration_ms", json!(started.elapsed().as_millis() as u64)));
    match sent {
        Ok(()) => log::info("checked", &fields),
        Err(e) => {
            fields.push(("callback_error", json!(e)));
            log::warn("callback_failed", &fields);
        }
    }
}

/// Fetches and checks a plan: the result, and the counts of errors, warnings and notes.
fn check(
    shared: &Shared,
    plan_url: &str,
    token: &str,
) -> Result<(TaskResult, (usize, usize, usize)), String> {
    let settings = &shared.settings;
    let limits = &settings.limits;
    let text = fetch_plan(plan_url, token, limits.fetch_timeout, limits.max_plan_bytes)
        .map_err(|e| e.0)?;
    let mut sources = vec![SourceFile::new(0, "plan.json", text)];
    if let Some(config) = &settings.config_source {
        sources.push(SourceFile::new(1, config.path.clone(), config.text.clone()));
    }
    let report = shared.checker.check(&sources, &settings.options);
    let s = &report.summary;
    let counts = (s.errors, s.warnings, s.notes);
    Ok((
        from_report(&report, &sources, settings.threshold, settings.body),
        counts,
    ))
}
