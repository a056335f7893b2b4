//! `keyward completions` and `keyward man`: shell completion scripts
//! (clap_complete) and manual pages (clap_mangen), generated from the same
//! clap definitions as the parser, so they never disagree with it. Neither
//! needs the config or a database.

use super::args::{Cli, Command};
use crate::error::{Error, Result};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

/// Runs `command` if it is one of these; `None` for every other command.
pub fn run(command: &Command) -> Option<Result<i32>> {
    match command {
        Command::Completions { shell } => Some(completions(*shell)),
        Command::Man { dir } => Some(match dir {
            Some(dir) => man_pages(dir),
            None => man_page(),
        }),
        _ => None,
    }
}

fn completions(shell: clap_complete::Shell) -> Result<i32> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "keyward", &mut script);
    print(&script)
}

/// keyward.1 on standard output.
fn man_page() -> Result<i32> {
    let page =
        main_page().map_err(|e| Error::Internal(format!("cannot render the manual page: {e}")))?;
    print(&page)
}

/// keyward.1 and a page per subcommand, written into `dir`.
fn man_pages(dir: &Path) -> Result<i32> {
    let cannot = |e: std::io::Error| {
        Error::Invalid(format!(
            "cannot write the manual pages into {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(cannot)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(cannot)?;
    // The main page again, with the sections clap knows nothing of.
    std::fs::write(dir.join("keyward.1"), main_page().map_err(cannot)?).map_err(cannot)?;
    super::output::say!("wrote the manual pages into {}", dir.display());
    Ok(0)
}

/// keyward.1: clap_mangen's sections, then EXIT STATUS (exit.rs) and
/// ENVIRONMENT.
fn main_page() -> std::io::Result<Vec<u8>> {
    use roff::{Roff, bold, roman};
    let man = clap_mangen::Man::new(Cli::command());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    let mut extra = Roff::new();
    extra.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in super::exit::TABLE {
        extra
            .control("TP", [])
            .text([bold(*code)])
            .text([roman(*meaning)]);
    }
    extra.control("SH", ["ENVIRONMENT"]);
    for (name, meaning) in ENVIRONMENT {
        extra
            .control("TP", [])
            .text([bold(*name)])
            .text([roman(*meaning)]);
    }
    extra.to_writer(&mut page)?;
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// The variables keyward reads (README, Configuration).
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "KEYWARD_DATABASE_URL",
        "the database (postgres://... or sqlite://PATH); --database overrides it",
    ),
    ("KEYWARD_CONFIG", "the config file; --config overrides it"),
    (
        "KEYWARD_DATA_DIR",
        "the data directory: the SQLite file, logs and the CLI session",
    ),
    (
        "KEYWARD_TOKEN",
        "a CLI session token, instead of the session file",
    ),
    (
        "KEYWARD_AUDIT_KEY",
        "the audit trail's key, instead of the key file (every process on one database needs the same)",
    ),
    (
        "KEYWARD_MAIL_PASSWORD",
        "the mail server's password, kept out of the config file (the user goes in [mail] url)",
    ),
    ("KEYWARD_LOG", "the log filter (tracing's EnvFilter syntax)"),
    ("NO_COLOR", "a monochrome console"),
];

/// Writes generated text to standard output; a reader that went away (a
/// pipe into `head`) is not an error.
fn print(bytes: &[u8]) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Error::Internal(format!("cannot write output: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap's own consistency checks (names, groups, conflicts), which a
    /// release build does not run at parse time.
    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
