//! The two calls a run makes to HCP Terraform: the plan JSON download (which answers with a
//! redirect to the file) and the result callback. Errors are said in words that hold no URL
//! and no token.

use std::time::Duration;

/// Why a plan could not be fetched.
#[derive(Debug, PartialEq, Eq)]
pub struct FetchError(pub String);

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        // HCP Terraform answers the plan JSON URL with a temporary redirect to the file; the
        // token is not sent on to another host
        .max_redirects(5)
        .user_agent(concat!("grantcheck-runtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn transport(e: &ureq::Error, timeout: Duration) -> String {
    match e {
        ureq::Error::Timeout(_) => format!("no answer within {} s", timeout.as_secs()),
        ureq::Error::BodyExceedsLimit(limit) => {
            format!("the plan is over the limit of {} MB", limit / (1024 * 1024))
        }
        ureq::Error::TooManyRedirects => "too many redirects".into(),
        ureq::Error::HostNotFound => "the host was not found".into(),
        ureq::Error::ConnectionFailed => "the connection failed".into(),
        ureq::Error::Io(io) => format!("the connection failed ({})", io.kind()),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => "TLS failed".into(),
        _ => "the request failed".into(),
    }
}

/// Downloads the plan JSON at `url` with the run's `token`, following the redirect to the file,
/// reading at most `max_bytes`.
pub fn fetch_plan(
    url: &str,
    token: &str,
    timeout: Duration,
    max_bytes: u64,
) -> Result<String, FetchError> {
    let fail = |what: String| FetchError(format!("the plan JSON could not be fetched: {what}"));
    let mut response = agent(timeout)
        .get(url)
        .header("Authorization", format!("Bearer {token}"))
        .header("Accept", "application/json")
        .call()
        .map_err(|e| fail(transport(&e, timeout)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!(
            "HTTP {}{}",
            status.as_u16(),
            status
                .canonical_reason()
                .map(|r| format!(" {r}"))
                .unwrap_or_default()
        )));
    }
    let bytes = response
        .body_mut()
        .with_config()
        .limit(max_bytes)
        .read_to_vec()
        .map_err(|e| fail(transport(&e, timeout)))?;
    if let Some(why) = grantcheck::sniff_bytes(&bytes) {
        return Err(FetchError(format!(
            "the plan JSON could not be read: {why}"
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| FetchError("the plan JSON could not be read: it is not UTF-8 text".into()))
}

/// Sends the task result to `url` with the run's `token`. Tries twice when the first attempt
/// gets no answer or a server error.
pub fn send_result(url: &str, token: &str, body: &str, timeout: Duration) -> Result<(), String> {
    let agent = agent(timeout);
    let mut last = String::new();
    for attempt in 0..2 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_secs(1));
        }
        let sent = agent
            .patch(url)
            .header("Authorization", format!("Bearer {token}"))
            .content_type("application/vnd.api+json")
            .send(body);
        match sent {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) if r.status().is_server_error() => {
                last = format!("HTTP {}", r.status().as_u16());
            }
            Ok(r) => return Err(format!("HTTP {}", r.status().as_u16())),
            Err(e) => last = transport(&e, timeout),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::{fetch_plan, send_result};
    use std::sync::mpsc::channel;
    use std::time::Duration;

    /// A server on 127.0.0.1 that answers `n` requests with `answer` (status, body, delay
    /// before answering), and reports each request's method.
    fn server(
        n: usize,
        answer: (u16, &'static str, Duration),
    ) -> (String, std::sync::mpsc::Receiver<String>) {
        let s = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let url = format!("http://{}/p", s.server_addr().to_ip().unwrap());
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for _ in 0..n {
                let Ok(Some(r)) = s.recv_timeout(Duration::from_secs(10)) else {
                    return;
                };
                let _ = tx.send(r.method().as_str().to_string());
                std::thread::sleep(answer.2);
                let _ = r
                    .respond(tiny_http::Response::from_string(answer.1).with_status_code(answer.0));
            }
        });
        (url, rx)
    }

    #[test]
    fn a_plan_over_the_limit_an_error_status_or_no_answer_is_an_error_with_the_reason() {
        let (url, _) = server(1, (200, "{\"format_version\": \"1.2\"}", Duration::ZERO));
        let e = fetch_plan(&url, "t", Duration::from_secs(10), 8).unwrap_err();
        assert!(e.0.contains("over the limit"), "{}", e.0);

        let (url, _) = server(1, (500, "", Duration::ZERO));
        let e = fetch_plan(&url, "t", Duration::from_secs(10), 1000).unwrap_err();
        assert!(e.0.ends_with("HTTP 500 Internal Server Error"), "{}", e.0);

        let (url, _) = server(1, (200, "{}", Duration::from_secs(3)));
        let e = fetch_plan(&url, "t", Duration::from_secs(1), 1000).unwrap_err();
        assert!(e.0.contains("no answer within 1 s"), "{}", e.0);

        let (url, _) = server(1, (200, "{\"format_version\": \"1.2\"}", Duration::ZERO));
        assert_eq!(
            fetch_plan(&url, "t", Duration::from_secs(10), 1000).unwrap(),
            "{\"format_version\": \"1.2\"}"
        );
    }

    #[test]
    fn a_callback_is_tried_again_after_a_server_error_only() {
        let (url, seen) = server(2, (503, "", Duration::ZERO));
        assert_eq!(
            send_result(&url, "t", "{}", Duration::from_secs(10)),
            Err("HTTP 503".into())
        );
        assert_eq!(seen.try_iter().collect::<Vec<_>>(), ["PATCH", "PATCH"]);

        let (url, seen) = server(2, (422, "", Duration::ZERO));
        assert_eq!(
            send_result(&url, "t", "{}", Duration::from_secs(10)),
            Err("HTTP 422".into())
        );
        assert_eq!(seen.try_iter().count(), 1);
    }
}
