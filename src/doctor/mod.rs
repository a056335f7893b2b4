//! `keyward doctor`: looks over an installation and says what is wrong and
//! how to fix it: the configuration, the modes of keyward's files, the
//! database (reachable, its schema against this keyward), the audit key,
//! the mail server and the web listener. It changes nothing: no database
//! or directory is created, no migration applied, no mail sent.
//!
//! Each finding is a [`Finding`]; the command line prints them (text or
//! JSON) and exits 0 only when none is a problem.

mod local;
mod network;

use crate::config::Config;
use serde::Serialize;
use std::path::Path;

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Something to fix (`fix` says how).
    Problem,
    /// Not checked: not configured, or an earlier problem prevents it.
    Skipped,
}

/// One finding of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The check's stable name: `config`, `files`, `database`, `schema`,
    /// `audit_key`, `mail` or `web`.
    pub check: &'static str,
    pub status: Status,
    /// What was found, in one sentence.
    pub detail: String,
    /// How to fix a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    pub(crate) fn ok(check: &'static str, detail: impl Into<String>) -> Finding {
        Finding {
            check,
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    pub(crate) fn problem(
        check: &'static str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            status: Status::Problem,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    pub(crate) fn skipped(check: &'static str, detail: impl Into<String>) -> Finding {
        Finding {
            check,
            status: Status::Skipped,
            detail: detail.into(),
            fix: None,
        }
    }
}

/// Every finding, in the order checked.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Whether no finding is a problem.
    pub ok: bool,
    pub checks: Vec<Finding>,
}

impl Report {
    fn of(checks: Vec<Finding>) -> Report {
        Report {
            ok: checks.iter().all(|f| f.status != Status::Problem),
            checks,
        }
    }

    /// How many findings are problems.
    pub fn problems(&self) -> usize {
        self.checks
            .iter()
            .filter(|f| f.status == Status::Problem)
            .count()
    }
}

/// Runs every check; `flag_config` and `flag_database` are the command
/// line's `--config` and `--database`.
pub async fn run(flag_config: Option<&Path>, flag_database: Option<&str>) -> Report {
    let config = match Config::load(flag_config, flag_database) {
        Ok(config) => config,
        Err(e) => {
            let mut checks = vec![Finding::problem(
                "config",
                e.to_string(),
                "correct the file (config.example.toml documents every key), or point \
                 --config or KEYWARD_CONFIG at the right one",
            )];
            for check in ["files", "database", "schema", "audit_key", "mail", "web"] {
                checks.push(Finding::skipped(
                    check,
                    "not checked: the configuration cannot be read",
                ));
            }
            return Report::of(checks);
        }
    };
    let mut checks = vec![local::config(&config)];
    checks.extend(local::files(&config));
    checks.extend(local::database(&config).await);
    checks.push(local::audit_key(&config));
    checks.push(network::mail(&config).await);
    checks.push(network::web(&config).await);
    Report::of(checks)
}
