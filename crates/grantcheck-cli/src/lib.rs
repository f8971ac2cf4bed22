//! Renderers of the `grantcheck` command line, as a library so that tests can call them: text
//! with code frames, GitHub workflow commands, JUnit XML and Markdown comments (SARIF and JSON
//! live in the core);
//! and which files a run reads.

pub mod access;
pub mod discover;
pub mod frames;
pub mod github;
pub mod junit;
pub mod markdown;
pub mod render;
