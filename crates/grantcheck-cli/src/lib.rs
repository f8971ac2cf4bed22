//! Renderers of the `grantcheck` command line, as a library so that tests can call them: text
//! with code frames, GitHub workflow commands, JUnit XML and Markdown comments (SARIF and JSON
//! live in the core);
//! which files a run reads; and what a run does with the report (shared with the npm package).

pub mod access;
pub mod command;
pub mod discover;
pub mod frames;
pub mod github;
pub mod junit;
pub mod markdown;
pub mod render;
