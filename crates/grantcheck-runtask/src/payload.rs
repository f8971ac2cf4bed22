//! The run task request HCP Terraform sends (payload version 1): what the server reads of it.

use serde::Deserialize;

/// The fields of a run task request that the server uses. Others are ignored.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Payload {
    #[serde(default)]
    pub payload_version: Option<u32>,
    /// Authorizes the plan download and the callback. Never logged.
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default)]
    pub plan_json_api_url: Option<String>,
    #[serde(default)]
    pub task_result_callback_url: Option<String>,
    /// `advisory`, `mandatory`, or `test` for the verification request.
    #[serde(default)]
    pub task_result_enforcement_level: Option<String>,
    /// `pre_plan`, `post_plan`, `pre_apply`, `post_apply`, or `test`.
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub is_speculative: Option<bool>,
    #[serde(default)]
    pub run_id: Option<String>,
    #[serde(default)]
    pub run_app_url: Option<String>,
    #[serde(default)]
    pub organization_name: Option<String>,
    #[serde(default)]
    pub workspace_name: Option<String>,
}

/// What a (verified) request asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Kind {
    /// The request HCP Terraform sends when the run task is created or its settings are saved:
    /// answered 200, nothing fetched or called back.
    Verification,
    /// A run to check: the plan is fetched and the result called back.
    Check {
        plan_url: String,
        callback_url: String,
        token: String,
    },
    /// A run at a stage without a plan (pre-plan): the result says to attach the task after
    /// the plan.
    NoPlan { callback_url: String, token: String },
    /// Neither: no callback URL or token to answer with.
    Invalid(&'static str),
}

fn given(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Payload {
    /// Reads a request body; `None` when it is not a JSON object of this shape.
    pub fn parse(body: &[u8]) -> Option<Payload> {
        // (an object, not the array form serde would also read into a struct)
        if body.trim_ascii_start().first() != Some(&b'{') {
            return None;
        }
        serde_json::from_slice(body).ok()
    }

    /// What the request asks for.
    pub fn kind(&self) -> Kind {
        let test = self.stage.as_deref() == Some("test")
            || self.task_result_enforcement_level.as_deref() == Some("test")
            || self.access_token.as_deref() == Some("test-token");
        if test {
            return Kind::Verification;
        }
        let (Some(callback_url), Some(token)) = (
            given(&self.task_result_callback_url),
            given(&self.access_token),
        ) else {
            // (HCP Terraform's verification request of older versions has neither)
            return if given(&self.plan_json_api_url).is_none() {
                Kind::Verification
            } else {
                Kind::Invalid("the request has a plan but no callback URL or access token")
            };
        };
        match given(&self.plan_json_api_url) {
            Some(plan_url) => Kind::Check {
                plan_url,
                callback_url,
                token,
            },
            None => Kind::NoPlan {
                callback_url,
                token,
            },
        }
    }

    /// The run id as logged (`-` when missing).
    pub fn run(&self) -> &str {
        self.run_id.as_deref().unwrap_or("-")
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, Payload};

    fn kind(json: &str) -> Kind {
        Payload::parse(json.as_bytes()).unwrap().kind()
    }

    #[test]
    fn the_verification_request_is_told_apart() {
        assert_eq!(
            kind(
                r#"{"payload_version":1,"stage":"test","access_token":"test-token","task_result_enforcement_level":"test","task_result_callback_url":"https://app.terraform.io/api/v2/task-results/x/callback","plan_json_api_url":null}"#
            ),
            Kind::Verification
        );
        assert_eq!(kind(r#"{"payload_version":1}"#), Kind::Verification);
        assert_eq!(
            kind(r#"{"access_token":"test-token","plan_json_api_url":"https://x/p"}"#),
            Kind::Verification
        );
    }

    #[test]
    fn a_post_plan_request_is_a_check() {
        assert_eq!(
            kind(
                r#"{"payload_version":1,"stage":"post_plan","access_token":"t","plan_json_api_url":"https://h/p","task_result_callback_url":"https://h/c","run_id":"run-1","unknown":{"x":1}}"#
            ),
            Kind::Check {
                plan_url: "https://h/p".into(),
                callback_url: "https://h/c".into(),
                token: "t".into()
            }
        );
        assert!(matches!(
            kind(
                r#"{"stage":"pre_plan","access_token":"t","task_result_callback_url":"https://h/c"}"#
            ),
            Kind::NoPlan { .. }
        ));
        assert!(matches!(
            kind(r#"{"stage":"post_plan","plan_json_api_url":"https://h/p"}"#),
            Kind::Invalid(_)
        ));
        assert!(Payload::parse(b"[1]").is_none());
        assert!(Payload::parse(b"not json").is_none());
    }
}
