//! Renderers of the `grantcheck` command line, as a library so that tests can call them: text
//! with code frames, GitHub workflow commands, JUnit XML and Markdown comments (SARIF and JSON
//! live in the core);
//! which files a run reads; what a run does with the report (shared with the npm package); and
//! `grantcheck serve`, the HCP Terraform run task server (feature `serve`).

pub mod access;
pub mod command;
pub mod discover;
pub mod frames;
pub mod github;
pub mod junit;
pub mod markdown;
pub mod render;
#[cfg(feature = "serve")]
pub mod serve;
