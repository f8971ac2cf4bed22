//! grantcheck as an HCP Terraform / Terraform Enterprise run task.
//!
//! HCP Terraform posts a signed request when a run reaches the task's stage; the server checks
//! the signature ([`verify`]), reads the request ([`payload`]), answers at once and, on a worker
//! thread, downloads the plan JSON and checks it ([`http`], [`server`]), then sends the task
//! result back with one outcome per finding ([`result`]). Logs are JSON lines on standard error
//! ([`log`]).

pub mod http;
pub mod log;
pub mod payload;
pub mod result;
pub mod server;
pub mod verify;

pub use result::{BodyFn, MAX_OUTCOMES, TaskResult};
pub use server::{Limits, Settings, serve, serve_until};
