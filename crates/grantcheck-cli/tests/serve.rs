//! `grantcheck serve` end to end: the real binary on 127.0.0.1 against a fake HCP Terraform API
//! in this test (also on 127.0.0.1). Every wait is bounded, so a broken server fails the test
//! instead of hanging it.
#![cfg(feature = "serve")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);
const KEY: &str = "run-task-hmac-key";
const TOKEN: &str = "tok-secret-123";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha512>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A request the fake API saw.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    content_type: Option<String>,
    body: String,
}

/// The fake HCP Terraform API: the plan JSON URL answers with a temporary redirect to the
/// download, as HCP Terraform does; a missing plan is 404; callbacks are recorded.
struct FakeApi {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    callbacks: Receiver<Seen>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeApi {
    fn start(plan: String) -> FakeApi {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let addr = server.server_addr().to_ip().unwrap();
        let seen = Arc::new(Mutex::new(vec![]));
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, callbacks) = channel();
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                let Ok(Some(mut req)) = server.recv_timeout(Duration::from_millis(50)) else {
                    continue;
                };
                let header = |name: &'static str| {
                    req.headers()
                        .iter()
                        .find(|h| h.field.equiv(name))
                        .map(|h| h.value.as_str().to_string())
                };
                let mut s = Seen {
                    method: req.method().as_str().to_string(),
                    path: req.url().to_string(),
                    authorization: header("Authorization"),
                    content_type: header("Content-Type"),
                    body: String::new(),
                };
                req.as_reader().read_to_string(&mut s.body).unwrap();
                seen2.lock().unwrap().push(s.clone());
                let bearer = s.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"));
                let response = match (s.method.as_str(), s.path.as_str()) {
                    ("GET", "/api/v2/plans/plan-ok/json-output") if bearer => {
                        let to = format!("http://{addr}/archivist/plan-ok?sig=x");
                        tiny_http::Response::from_string("")
                            .with_status_code(307)
                            .with_header(
                                tiny_http::Header::from_bytes("Location", to.as_bytes()).unwrap(),
                            )
                    }
                    ("GET", "/archivist/plan-ok?sig=x") => {
                        tiny_http::Response::from_string(plan.clone())
                    }
                    // a download that is not a plan
                    ("GET", "/api/v2/plans/plan-text/json-output") if bearer => {
                        tiny_http::Response::from_string("<html>maintenance</html>")
                    }
                    // a download slower than the server's --fetch-timeout (bounded: 3 s)
                    ("GET", "/api/v2/plans/plan-slow/json-output") if bearer => {
                        std::thread::sleep(Duration::from_secs(3));
                        tiny_http::Response::from_string(plan.clone())
                    }
                    ("PATCH", p) if p.starts_with("/api/v2/task-results/") => {
                        tx.send(s).unwrap();
                        tiny_http::Response::from_string("{}")
                    }
                    _ => tiny_http::Response::from_string("not found").with_status_code(404),
                };
                let _ = req.respond(response);
            }
        });
        FakeApi {
            addr,
            seen,
            callbacks,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn callback(&self) -> Seen {
        self.callbacks
            .recv_timeout(WAIT)
            .expect("a callback within 20 s")
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The server process, killed if the test ends before it stops.
struct Served {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("hmac.key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .current_dir(root())
        .arg("serve")
        .args(["--listen", "127.0.0.1:0", "--hmac-key-file"])
        .arg(&key_file)
        .args(args)
        .env_remove("GRANTCHECK_HMAC_KEY")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(vec![]));
    let (tx, rx) = channel();
    let log2 = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && v["event"] == "listening"
            {
                let _ = tx.send(v["address"].as_str().unwrap_or("").to_string());
            }
            log2.lock().unwrap().push(line);
        }
    });
    let mut served = Served {
        child,
        addr: "127.0.0.1:1".parse().unwrap(),
        log,
    };
    let addr = rx
        .recv_timeout(WAIT)
        .unwrap_or_else(|_| panic!("no `listening` log line: {:?}", served.log.lock()));
    served.addr = addr.parse().unwrap();
    served
}

/// A bounded HTTP/1.1 exchange: the status code and the body.
fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    let mut s = TcpStream::connect_timeout(&addr, WAIT).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.set_write_timeout(Some(WAIT)).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

fn post_signed(addr: SocketAddr, payload: &Value) -> u16 {
    let body = payload.to_string();
    let sig = sign(body.as_bytes());
    http(
        addr,
        "POST",
        "/",
        &[
            ("Content-Type", "application/json"),
            ("X-TFC-Task-Signature", &sig),
        ],
        body.as_bytes(),
    )
}

fn run_request(api: &FakeApi, plan: &str, run: &str) -> Value {
    json!({
        "payload_version": 1,
        "stage": "post_plan",
        "access_token": TOKEN,
        "capabilities": {"outcomes": true},
        "configuration_version_download_url": api.url("/api/v2/configuration-versions/cv-1/download"),
        "configuration_version_id": "cv-1",
        "is_speculative": false,
        "organization_name": "acme",
        "plan_json_api_url": api.url(&format!("/api/v2/plans/{plan}/json-output")),
        "run_app_url": "https://app.terraform.io/app/acme/ws/runs/run-1",
        "run_created_at": "2026-01-01T00:00:00.000Z",
        "run_created_by": "someone",
        "run_id": run,
        "run_message": "Queued manually",
        "task_result_callback_url": api.url(&format!("/api/v2/task-results/taskrs-{run}/callback")),
        "task_result_enforcement_level": "mandatory",
        "task_result_id": format!("taskrs-{run}"),
        "vcs_branch": null,
        "workspace_app_url": "https://app.terraform.io/app/acme/ws",
        "workspace_id": "ws-1",
        "workspace_name": "ws",
        "workspace_working_directory": ""
    })
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_run_task_is_verified_checked_and_called_back_and_the_server_stops_on_sigterm() {
    let plan_path = root().join("examples/cross-account/plan.json");
    let plan = std::fs::read_to_string(&plan_path).unwrap();
    let api = FakeApi::start(plan);
    let mut served = serve(&[]);
    let addr = served.addr;

    assert_eq!(http(addr, "GET", "/health", &[], b""), 200);
    assert_eq!(http(addr, "GET", "/nowhere", &[], b""), 404);

    // HCP Terraform's verification request when the task is saved: 200, nothing fetched
    let verification = json!({
        "payload_version": 1, "stage": "test", "access_token": "test-token",
        "plan_json_api_url": null, "task_result_enforcement_level": "test",
        "task_result_callback_url": api.url("/api/v2/task-results/taskrs-test/callback"),
        "run_id": "run-test", "organization_name": "acme", "workspace_name": "ws"
    });
    assert_eq!(post_signed(addr, &verification), 200);

    // a bad or missing signature: 401, nothing fetched
    let request = run_request(&api, "plan-ok", "run-bad");
    let body = request.to_string();
    let bad = sign(b"another body");
    let headers = [("X-TFC-Task-Signature", bad.as_str())];
    assert_eq!(http(addr, "POST", "/", &headers, body.as_bytes()), 401);
    assert_eq!(http(addr, "POST", "/", &[], body.as_bytes()), 401);
    std::thread::sleep(Duration::from_millis(300));
    assert!(api.seen().is_empty(), "{:?}", api.seen());

    // a post-plan run: the plan is fetched with the token, the redirect followed, the result
    // called back as `grantcheck check` sees the same plan
    assert_eq!(
        post_signed(addr, &run_request(&api, "plan-ok", "run-ok")),
        200
    );
    let callback = api.callback();
    let seen = api.seen();
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].path, "/api/v2/plans/plan-ok/json-output");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(
        seen[1].path, "/archivist/plan-ok?sig=x",
        "the redirect is followed"
    );
    assert_eq!(callback.method, "PATCH");
    assert_eq!(callback.path, "/api/v2/task-results/taskrs-run-ok/callback");
    assert_eq!(
        callback.authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(
        callback.content_type.as_deref(),
        Some("application/vnd.api+json")
    );

    let check = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .current_dir(root())
        .args([
            "check",
            "examples/cross-account/plan.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&check.stdout).unwrap();
    let result: Value = serde_json::from_str(&callback.body).unwrap();
    let attributes = &result["data"]["attributes"];
    assert_eq!(result["data"]["type"], "task-results");
    let expected_status = if check.status.code() == Some(1) {
        "failed"
    } else {
        "passed"
    };
    assert_eq!(attributes["status"], expected_status, "{result:#}");
    let summary = &report["summary"];
    let message = attributes["message"].as_str().unwrap();
    let errors = summary["errors"].as_u64().unwrap();
    assert!(errors > 0, "{report:#}");
    assert!(message.starts_with(&format!("{errors} error")), "{message}");
    assert!(message.contains("most frequent XA"), "{message}");
    let findings = report["findings"].as_array().unwrap();
    let outcomes = result["data"]["relationships"]["outcomes"]["data"]
        .as_array()
        .unwrap();
    assert_eq!(outcomes.len(), findings.len());
    let mut expected: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {}: {}",
                f["rule"].as_str().unwrap(),
                f["name"].as_str().unwrap(),
                f["resource"].as_str().unwrap()
            )
        })
        .collect();
    let mut got: Vec<String> = outcomes
        .iter()
        .map(|o| o["attributes"]["description"].as_str().unwrap().to_string())
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    for o in outcomes {
        let a = &o["attributes"];
        assert_eq!(o["type"], "task-result-outcomes");
        let code = a["description"]
            .as_str()
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        assert!(a["outcome-id"].as_str().unwrap().starts_with(code), "{a:#}");
        let body = a["body"].as_str().unwrap();
        assert!(body.contains("```"), "a code excerpt: {body}");
        assert!(body.contains("**How to fix:**"), "{body}");
        let severity = a["tags"]["Severity"][0]["level"].as_str().unwrap();
        assert!(["error", "warning", "info"].contains(&severity), "{a:#}");
        assert!(a["tags"]["Status"][0]["label"].is_string(), "{a:#}");
    }

    // a plan that cannot be fetched: a failed result that says why
    assert_eq!(
        post_signed(addr, &run_request(&api, "plan-missing", "run-404")),
        200
    );
    let callback = api.callback();
    let result: Value = serde_json::from_str(&callback.body).unwrap();
    let attributes = &result["data"]["attributes"];
    assert_eq!(attributes["status"], "failed", "{result:#}");
    let message = attributes["message"].as_str().unwrap();
    assert!(
        message.contains("could not be fetched") && message.contains("404"),
        "{message}"
    );

    // SIGTERM: the server stops and exits 0
    let killed = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_exit(&mut served.child);
    assert_eq!(status.code(), Some(0), "{:?}", served.log.lock());

    // the logs are JSON lines with the runs, and never hold the token
    let log = served.log.lock().unwrap().clone();
    assert!(
        log.iter().all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "{log:?}"
    );
    assert!(log.iter().all(|l| !l.contains(TOKEN)), "{log:?}");
    let checked: Vec<Value> = log
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "checked")
        .collect();
    assert_eq!(checked.len(), 2, "{log:?}");
    assert_eq!(checked[0]["run_id"], "run-ok");
    assert_eq!(checked[0]["workspace"], "ws");
    assert_eq!(checked[0]["errors"], errors);
    assert_eq!(checked[1]["status"], "failed");
    assert!(
        log.iter().any(|l| l.contains("\"event\":\"stopped\"")),
        "{log:?}"
    );
}

#[test]
fn the_server_does_not_start_without_a_key_or_with_a_configuration_it_cannot_use() {
    let run = |args: &[&str], key: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_grantcheck"));
        c.current_dir(root())
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("GRANTCHECK_HMAC_KEY")
            .stdin(Stdio::null());
        if let Some(k) = key {
            c.env("GRANTCHECK_HMAC_KEY", k);
        }
        let out = c.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&[], None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("GRANTCHECK_HMAC_KEY"), "{err}");
    let (code, err) = run(&[], Some("  "));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("empty"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("grantcheck.toml");
    std::fs::write(&config, "no_such_key = 1\n").unwrap();
    let (code, err) = run(&["--config", config.to_str().unwrap()], Some("k"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("grantcheck.toml"), "{err}");
    let (code, err) = run(&["--account", "12"], Some("k"));
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn a_plan_that_is_not_json_a_slow_plan_server_and_a_huge_body_are_never_passed() {
    let plan = std::fs::read_to_string(root().join("examples/cross-account/plan.json")).unwrap();
    let api = FakeApi::start(plan);
    let served = serve(&["--fetch-timeout", "1"]);
    let addr = served.addr;

    // a download that is not a plan: failed, saying it could not be read
    assert_eq!(
        post_signed(addr, &run_request(&api, "plan-text", "run-text")),
        200
    );
    let result: Value = serde_json::from_str(&api.callback().body).unwrap();
    let attributes = &result["data"]["attributes"];
    assert_eq!(attributes["status"], "failed", "{result:#}");
    let message = attributes["message"].as_str().unwrap();
    assert!(
        message.contains("could not be checked") && message.contains("not valid JSON"),
        "{message}"
    );

    // a plan server slower than --fetch-timeout: failed, saying it did not answer in time
    assert_eq!(
        post_signed(addr, &run_request(&api, "plan-slow", "run-slow")),
        200
    );
    let result: Value = serde_json::from_str(&api.callback().body).unwrap();
    let attributes = &result["data"]["attributes"];
    assert_eq!(attributes["status"], "failed", "{result:#}");
    let message = attributes["message"].as_str().unwrap();
    assert!(message.contains("within 1 s"), "{message}");

    // a body over the limit is refused before anything is fetched
    let seen_before = api.seen().len();
    let mut huge = run_request(&api, "plan-ok", "run-huge");
    huge["run_message"] = json!("x".repeat(2 << 20));
    assert_eq!(post_signed(addr, &huge), 413);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        api.seen().len(),
        seen_before,
        "nothing fetched for a refused request"
    );
}
