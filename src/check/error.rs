//! Errors of the check layer. All of them are collected and reported at once.

use crate::source::{Located, located_diagnostic};

/// A rule set that parses but does not make sense.
#[derive(Clone, Debug)]
pub struct CheckError {
    kind: CheckErrorKind,
    at: Box<Located>,
}

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckErrorKind {
    /// A name used but never bound: `south_korea(v)`, `banned_categries`, `c.nationalty`.
    UnknownName,
    /// A name declared twice: two `rule venue_ban`.
    Duplicate,
    /// Operands that cannot be compared, or a value of the wrong type:
    /// `v.operator == 3`, `south_korean(v)` with a venue.
    Type,
    /// A list used where one value is needed: `p.contacts.nationality == "KR"`.
    NeedsQuantifier,
    /// A quantifier over something that is not a list: `any c in p.spouse: …`.
    NotAList,
    /// A def called with the wrong number of arguments.
    Arity,
    /// An exemption waiving a rule of another record type.
    WaiveOtherType,
    /// Rules that depend on each other's verdicts in a cycle.
    Cycle,
    /// A def that calls itself, directly or not.
    Recursion,
    /// A `matches` pattern that is not a valid regular expression.
    Regex,
    /// A `list("FILE")` that cannot be read, or lies outside the rule set.
    ListFile,
    /// A date shift without a unit (`as_of - 365`) or beyond any date
    /// (`+ 100000000 years`).
    DateShift,
}

impl CheckErrorKind {
    /// The stable code, e.g. `interdict::check::unknown_name`.
    pub fn code(self) -> &'static str {
        match self {
            CheckErrorKind::UnknownName => "interdict::check::unknown_name",
            CheckErrorKind::Duplicate => "interdict::check::duplicate",
            CheckErrorKind::Type => "interdict::check::type",
            CheckErrorKind::NeedsQuantifier => "interdict::check::needs_quantifier",
            CheckErrorKind::NotAList => "interdict::check::not_a_list",
            CheckErrorKind::Arity => "interdict::check::arity",
            CheckErrorKind::WaiveOtherType => "interdict::check::waive_other_type",
            CheckErrorKind::Cycle => "interdict::check::cycle",
            CheckErrorKind::Recursion => "interdict::check::recursion",
            CheckErrorKind::Regex => "interdict::check::regex",
            CheckErrorKind::ListFile => "interdict::check::list_file",
            CheckErrorKind::DateShift => "interdict::check::date_shift",
        }
    }
}

impl CheckError {
    pub(crate) fn new(kind: CheckErrorKind, at: Located) -> Self {
        CheckError { kind, at: Box::new(at) }
    }

    /// What went wrong.
    pub fn kind(&self) -> CheckErrorKind {
        self.kind
    }

    /// Its message, location, label, help and related places (for a
    /// language server, which shows them its own way).
    pub fn located(&self) -> &Located {
        &self.at
    }

    /// Where, as `file:line:column`.
    pub fn position(&self) -> crate::source::Position {
        self.at.loc.position()
    }

    /// The text it is about: for an unknown name, the name.
    pub fn subject(&self) -> &str {
        self.at.loc.text()
    }
}

located_diagnostic!(CheckError);

/// "did you mean `x`?" for the candidate closest to `name`, if any is close.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    did_you_mean_name(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate closest to `name`, if any is close (what [`did_you_mean`] suggests).
pub fn did_you_mean_name<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1) + 1;
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= limit || c.to_lowercase() == name.to_lowercase())
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["nationality", "name", "spouse"];
        assert_eq!(did_you_mean("nationalty", names).as_deref(), Some("did you mean `nationality`?"));
        assert_eq!(did_you_mean("spuose", names).as_deref(), Some("did you mean `spouse`?"));
        assert_eq!(did_you_mean("xyzzy", names), None);
    }
}
