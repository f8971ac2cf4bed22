//! What every stage of the pipeline is built on: source texts and spans, the three-valued value
//! layer, the span-aware JSON reader, fast hash maps, and the work spread over threads.

pub mod hash;
pub mod json;
pub(crate) mod par;
pub mod source;
pub mod value;
