//! Where a rule stands on a record: what judging works out for each
//! (record, rule), and what a recursive group's rounds settle.

use crate::check::ExemptionId;

/// Where a rule stands on a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Standing {
    NotFired,
    Fired,
    Waived(ExemptionId),
}
