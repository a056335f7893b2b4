//! Logs go to a daily file in the log directory, never to the screen (the
//! console owns the terminal, and the CLI's output is for its user).

use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts file logging. Keep the guard alive until exit so lines are
/// flushed. Returns `None` (and logs nothing) if the directory is unusable.
/// The directory is created 0700; the files are owner-only through the
/// binary's umask (files.rs), as the appender creates a new one each day.
pub fn init(dir: &Path, level: &str) -> Option<WorkerGuard> {
    crate::files::create_private_dir(dir).ok()?;
    let appender = tracing_appender::rolling::daily(dir, "keyward.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("KEYWARD_LOG")
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
