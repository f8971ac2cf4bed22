//! The fast plan reader. Its contract: what it reads is equal to what serde reads from the same
//! text, or it declines (`None`) and the caller reads the text with serde, which then gives the
//! same result, or the same error, as reading it with serde alone always did. Everything here is
//! about speed: the plan is read in pieces side by side (`pieces`), and its long members by a
//! reader that skims what grantcheck does not keep (`skim`). Tests compare it with serde on
//! every damaged variant of a plan.

mod pieces;
mod skim;

pub(super) use skim::Skim;

use super::Plan;
use crate::base::source::TextFacts;

/// The plan in `text`, with what the reader learnt of the text on the way, or `None` where it
/// declines to read it (invalid JSON, a repeated member, an escaped key: anything serde must
/// answer).
pub(super) fn read(text: &str) -> Option<(Plan<'_>, TextFacts)> {
    pieces::read(text)
}
