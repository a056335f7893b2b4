//! Logs go to a daily file in the log directory or to the systemd journal
//! (`[log] target`), never to the screen (the console owns the terminal,
//! and the CLI's output is for its user). The file holds readable lines or
//! JSON Lines (`[log] format`) and keeps `[log] keep_days` files. What is
//! logged is the same whatever the target: never a password, token, key or
//! URI (those are kept out where the lines are written, not filtered here).

use crate::config::{Config, LogFormat, LogTarget};
use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// The log file's name before its date (`keyward.log.2026-03-01`).
pub const FILE_PREFIX: &str = "keyward.log";

/// Where the systemd journal listens.
const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";

/// Keeps logging alive: hold it until exit so buffered lines are flushed.
pub struct Logging {
    _guard: Option<WorkerGuard>,
}

/// Starts logging as `config` says. Returns `None` (and logs nothing) if
/// the log directory is unusable. The directory is created 0700; the files
/// are owner-only through the binary's umask (files.rs), as the appender
/// creates a new one each day. With `target = "journal"` and no journal to
/// reach, says so on standard error and logs to the file instead.
pub fn init(config: &Config) -> Option<Logging> {
    let filter = EnvFilter::try_from_env("KEYWARD_LOG")
        .or_else(|_| EnvFilter::try_new(&config.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (layer, guard) = match config.log_target {
        LogTarget::Journal => match tracing_journald::layer() {
            Ok(journal) => (Box::new(journal) as BoxedLayer, None),
            Err(e) => {
                eprintln!(
                    "keyward: [log] target = \"journal\", but the systemd journal cannot be \
                     reached ({JOURNAL_SOCKET}: {e}); logging to files in {} instead",
                    config.log_dir.display()
                );
                file_layer(&config.log_dir, config.log_format, config.log_keep_days)?
            }
        },
        LogTarget::File => file_layer(&config.log_dir, config.log_format, config.log_keep_days)?,
    };
    tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init()
        .ok()?;
    if config.log_target == LogTarget::Journal && guard.is_some() {
        tracing::warn!("the systemd journal cannot be reached; logging to this file instead");
    }
    Some(Logging { _guard: guard })
}

/// Log lines queued for the writer thread at most.
const QUEUED_LINES: usize = 4096;

/// Daily files in `dir`, `keep_days` of them at most (0: all).
fn file_layer(
    dir: &Path,
    format: LogFormat,
    keep_days: u32,
) -> Option<(BoxedLayer, Option<WorkerGuard>)> {
    crate::files::create_private_dir(dir).ok()?;
    let mut builder = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX);
    if keep_days > 0 {
        builder = builder.max_log_files(keep_days as usize);
    }
    let appender = builder.build(dir).ok()?;
    // The writer thread's queue: tracing-appender's default holds 128,000
    // lines, allocated and touched up front (about 5 MB, a third of a
    // one-shot command's start-up). A few thousand lines are minutes of
    // `keyward serve`'s request log; beyond them lines are dropped, not
    // waited for, as with the default.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .finish(appender);
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false);
    let layer: BoxedLayer = match format {
        LogFormat::Text => Box::new(lines),
        LogFormat::Json => Box::new(lines.json()),
    };
    Some((layer, Some(guard)))
}
