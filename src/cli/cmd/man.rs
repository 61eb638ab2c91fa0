//! `interdict man`: one roff manual page for interdict and every command,
//! generated from the same clap definition that parses the command line.
//! Install it with `interdict man > ~/.local/share/man/man1/interdict.1`.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_mangen::Man;

use crate::cli::args::Cli;
use crate::cli::exit::Exit;

pub(in crate::cli) fn run() -> io::Result<Exit> {
    let page = page()?;
    let mut out = io::stdout().lock();
    out.write_all(&page)?;
    out.flush()?;
    Ok(Exit::Clean)
}

/// The page: clap_mangen's page of `interdict` (name, synopsis,
/// description, options, the list of commands), then a section per command
/// with its description, synopsis and options, so that one page documents
/// every flag.
fn page() -> io::Result<Vec<u8>> {
    let mut cli = Cli::command();
    // Built, so that each command's synopsis says `interdict check`.
    cli.build();
    let mut page = Vec::new();
    let man = Man::new(cli.clone());
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    for command in cli.get_subcommands().filter(|c| c.get_name() != "help") {
        command_section(&mut page, command)?;
    }
    man.render_version_section(&mut page)?;
    Ok(once_each_preamble(&page))
}

/// `.SH "INTERDICT CHECK"`, then the command's description, synopsis and
/// options as subsections.
fn command_section(page: &mut Vec<u8>, command: &clap::Command) -> io::Result<()> {
    let name = command.get_bin_name().unwrap_or_else(|| command.get_name());
    writeln!(page, ".SH \"{}\"", name.to_uppercase())?;
    let man = Man::new(command.clone());
    let mut parts = Vec::new();
    man.render_description_section(&mut parts)?;
    man.render_synopsis_section(&mut parts)?;
    man.render_options_section(&mut parts)?;
    page.extend(as_subsections(&parts));
    Ok(())
}

/// The page with the roff preamble (the `Aq` string, which clap_mangen
/// writes before every part rendered on its own) kept once, at the top.
fn once_each_preamble(roff: &[u8]) -> Vec<u8> {
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut out = Vec::with_capacity(roff.len());
    for line in roff.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b".ie \\n(.g .ds Aq") || line.starts_with(b".el .ds Aq") {
            if seen.contains(&line) {
                continue;
            }
            seen.push(line);
        }
        out.extend_from_slice(line);
    }
    out
}

/// Section headings (`.SH`) made subsection headings (`.SS`).
fn as_subsections(roff: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(roff.len());
    for line in roff.split_inclusive(|b| *b == b'\n') {
        match line.strip_prefix(b".SH ") {
            Some(heading) => {
                out.extend_from_slice(b".SS ");
                out.extend_from_slice(heading);
            }
            None => out.extend_from_slice(line),
        }
    }
    out
}
