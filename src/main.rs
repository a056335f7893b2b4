//! The `keyward` binary: parse the command line, load the config, start
//! file logging, then run a command or open the console.
#![forbid(unsafe_code)]

use clap::Parser;
use keyward::cli::{self, Cli};
use keyward::config::Config;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Every file keyward creates is owner-only (files.rs).
    keyward::files::owner_only_from_now();
    // Usage errors and --help exit here (2 and 0).
    let args = Cli::parse();
    // Completions and manual pages need neither the config nor a database.
    if let Some(result) = args.command.as_ref().and_then(cli::docs::run) {
        return finish(result);
    }
    if let Err(e) = color_eyre::install() {
        eprintln!("keyward: cannot install the error reporter: {e}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("keyward: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The doctor reads the config itself: one that cannot be read is a
    // finding, not a failure; and it writes no log.
    if let Some(cli::Command::Doctor { out }) = &args.command {
        return finish(runtime.block_on(cli::doctor::run(
            args.config.as_deref(),
            args.database.as_deref(),
            out.json,
        )));
    }
    let config = match Config::load(args.config.as_deref(), args.database.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let _log = keyward::logging::init(&config);
    for warning in keyward::files::warnings(&config) {
        tracing::warn!("{warning}");
        eprintln!("keyward: {warning}");
    }
    let result = runtime.block_on(async {
        match args.command {
            Some(command) => cli::run(command, &config).await,
            None => keyward::tui::run(&config).await.map(|()| 0),
        }
    });
    finish(result)
}

fn finish(result: keyward::Result<i32>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => fail(&e),
    }
}

/// One line on stderr, and the exit status of the error's kind (README).
fn fail(e: &keyward::Error) -> ExitCode {
    tracing::warn!(error = %e, "command failed");
    eprintln!("keyward: {e}");
    ExitCode::from(cli::exit::code(e))
}
