//! Hover: what a name stands for, in Markdown.

use std::path::Path;

use super::index::{Occurrence, Sym};
use super::workspace::RuleSetState;
use crate::ast::{self, Item, LetValue, Literal};
use crate::check::read_list_file;
use crate::report::plural;

/// How many items of a list a hover shows.
const SHOWN: usize = 5;

/// The Markdown shown over `occ`.
pub(crate) fn hover(set: &RuleSetState, occ: &Occurrence, folder: &Path) -> Option<String> {
    let item = find_item(set, &occ.sym);
    match (&occ.sym, item) {
        (Sym::Entity(name), _) => Some(entity(set, name)),
        (Sym::Field { entity, name }, _) => Some(field(set, entity.as_deref(), name)),
        (Sym::Def(_), Some(Item::Def(d))) => Some(code(d.loc.text())),
        (Sym::Let(_), Some(Item::Let(l))) => Some(let_value(l, folder)),
        (Sym::Rule(_), Some(Item::Rule(r))) => Some(rule(r)),
        (Sym::Exemption(_), Some(Item::Exempt(x))) => Some(exemption(x)),
        (Sym::Local { name, .. }, _) => Some(match set.index.local_type(&occ.sym) {
            Some(ty) => format!("`{name}`: a `{ty}` record"),
            None => format!("`{name}`"),
        }),
        _ => None,
    }
}

/// The declaration of a rule, exemption, def or let.
pub(crate) fn find_item<'a>(set: &'a RuleSetState, sym: &Sym) -> Option<&'a Item> {
    set.analysis.files.iter().flat_map(|(_, f)| &f.items).find(|item| match (item, sym) {
        (Item::Rule(r), Sym::Rule(n)) => r.name.name == *n,
        (Item::Exempt(x), Sym::Exemption(n)) => x.name.name == *n,
        (Item::Def(d), Sym::Def(n)) => d.name.name == *n,
        (Item::Let(l), Sym::Let(n)) => l.name.name == *n,
        _ => false,
    })
}

fn code(text: &str) -> String {
    format!("```interdict\n{text}\n```")
}

fn entity(set: &RuleSetState, name: &str) -> String {
    let declared = set.analysis.files.iter().flat_map(|(_, f)| &f.items).find_map(|item| match item {
        Item::Entity(e) if e.name.name == name => Some(e),
        _ => None,
    });
    match declared {
        Some(e) => code(e.loc.text()),
        None => format!("record type `{name}` (no `entity` declaration)"),
    }
}

fn field(set: &RuleSetState, entity: Option<&str>, name: &str) -> String {
    let declared = entity.and_then(|e| Some((e, set.index.entities.get(e)?.get(name)?)));
    match (declared, entity) {
        (Some((e, f)), _) => format!("{}\n\nfield of `{e}`", code(&format!("{name}: {}", f.ty))),
        (None, Some(e)) => format!("field `{name}` of `{e}` records (not declared)"),
        (None, None) => format!("field `{name}`"),
    }
}

fn rule(r: &ast::RuleDecl) -> String {
    let title = r.title.as_ref().map_or(r.name.name.as_str(), |t| t.value.as_str());
    let severity = r.severity.as_ref().map_or("medium (the default)", |(s, _)| s.as_str());
    let mut out = format!(
        "**{title}**\n\nrule `{}`: {} `{}` records, severity {severity}",
        r.name.name,
        r.effect.as_str(),
        r.record_type.name
    );
    if let Some(e) = &r.effective {
        out.push_str(&format!("\n\neffective from {}", e.from));
        if let Some(to) = e.to {
            out.push_str(&format!(" to {to}"));
        }
    }
    out
}

fn exemption(x: &ast::ExemptDecl) -> String {
    let title = x.title.as_ref().map_or(x.name.name.as_str(), |t| t.value.as_str());
    let rules: Vec<String> = x.rules.iter().map(|r| format!("`{}`", r.name)).collect();
    format!(
        "**{title}**\n\nexemption `{}`: waives {} for `{}` records",
        x.name.name,
        rules.join(", "),
        x.record_type.name
    )
}

fn let_value(l: &ast::LetDecl, folder: &Path) -> String {
    match &l.value {
        LetValue::Literal(Literal::List(items)) => {
            let shown: Vec<String> = items.iter().take(SHOWN).map(ToString::to_string).collect();
            let more = if items.len() > SHOWN { ", …" } else { "" };
            format!(
                "`{}`: a list of {} item{}: {}{more}",
                l.name.name,
                items.len(),
                plural(items.len()),
                shown.join(", ")
            )
        }
        LetValue::Literal(value) => format!("`{}` = `{value}`", l.name.name),
        LetValue::File(file) => list_file(&l.name.name, file, folder),
    }
}

/// A `list("FILE")`: its row count and first rows, or why it cannot be read.
pub(crate) fn list_file(name: &str, file: &ast::ListFile, folder: &Path) -> String {
    match read_list_file(file, &[folder.to_path_buf()]) {
        Ok(rows) => {
            let shown: Vec<String> = rows.iter().take(SHOWN).map(|r| format!("`{r}`")).collect();
            let more = if rows.len() > SHOWN { ", …" } else { "" };
            format!(
                "`{name}`: {} row{} of `{}`: {}{more}",
                rows.len(),
                plural(rows.len()),
                file.path.value,
                shown.join(", ")
            )
        }
        Err(e) => format!("`{name}`: {}", e.message),
    }
}
