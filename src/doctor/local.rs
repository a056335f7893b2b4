//! The doctor's checks on this host: the configuration, the modes of
//! keyward's files, the database and its schema, the audit key.

use super::Finding;
use crate::config::Config;
use crate::service::schema_problem;
use crate::store::{SchemaState, Store};
use std::path::PathBuf;
use std::time::Duration;

/// How long the database may take to answer.
const DATABASE_WAIT: Duration = Duration::from_secs(10);

/// The config file (read and valid: `Config::load` refused it otherwise)
/// and the files it names.
pub(super) fn config(config: &Config) -> Finding {
    if let Some(path) = &config.blocklist_file
        && let Err(e) = std::fs::File::open(path)
    {
        return Finding::problem(
            "config",
            format!("blocklist_file {} cannot be read: {e}", path.display()),
            "create the file (one word per line) or correct blocklist_file",
        );
    }
    match &config.config_file {
        Some(path) => Finding::ok("config", format!("{} is valid", path.display())),
        None => Finding::ok(
            "config",
            "no config file: the defaults (see config.example.toml to change them)",
        ),
    }
}

/// Every file and directory of keyward's that others than its owner may
/// use, each with its `chmod`.
pub(super) fn files(config: &Config) -> Vec<Finding> {
    let kept = crate::files::kept(config);
    let existing = kept.iter().filter(|p| p.exists()).count();
    let exposed = crate::files::exposed(&kept);
    if exposed.is_empty() {
        let detail = match existing {
            0 => "none of keyward's files exists yet".to_string(),
            n => format!("keyward's files and directories are owner-only ({n} checked)"),
        };
        return vec![Finding::ok("files", detail)];
    }
    exposed
        .into_iter()
        .map(|e| {
            let mode = if e.path.is_dir() { "700" } else { "600" };
            let who = if e.mode & 0o004 != 0 {
                "readable by anyone"
            } else {
                "open to its group or others"
            };
            Finding::problem(
                "files",
                format!("{} is {who} (mode {:o})", e.path.display(), e.mode),
                format!("chmod {mode} {}", e.path.display()),
            )
        })
        .collect()
}

/// Whether the database can be reached, and where its schema stands.
pub(super) async fn database(config: &Config) -> Vec<Finding> {
    let url = &config.database_url;
    let sqlite = crate::store::sqlite_file(url);
    if let Some(file) = sqlite.as_ref().filter(|f| !f.exists()) {
        return vec![
            Finding::problem(
                "database",
                format!("there is no database at {} yet", file.display()),
                "set one up with `keyward init --admin LOGIN --name NAME --email EMAIL`, or point \
                 [database] url, KEYWARD_DATABASE_URL or --database at the one in use",
            ),
            Finding::skipped("schema", "not checked: no database"),
        ];
    }
    let unreachable = |why: String| {
        vec![
            Finding::problem("database", why, reach_fix(sqlite.as_ref())),
            Finding::skipped("schema", "not checked: the database cannot be reached"),
        ]
    };
    let store = match tokio::time::timeout(DATABASE_WAIT, Store::connect(url)).await {
        Ok(Ok(store)) => store,
        Ok(Err(e)) => return unreachable(format!("cannot reach the database: {e}")),
        Err(_) => {
            return unreachable(format!(
                "the database ({}) did not answer within {} s",
                crate::store::redact_url(url),
                DATABASE_WAIT.as_secs()
            ));
        }
    };
    let location = store.location().to_string();
    let checked = tokio::time::timeout(DATABASE_WAIT, async {
        store.ping().await?;
        store.schema_state().await
    })
    .await;
    store.close().await;
    let state = match checked {
        Ok(Ok(state)) => state,
        Ok(Err(e)) => return unreachable(format!("the database ({location}) fails: {e}")),
        Err(_) => {
            return unreachable(format!(
                "the database ({location}) did not answer within {} s",
                DATABASE_WAIT.as_secs()
            ));
        }
    };
    let reached = Finding::ok("database", format!("reachable: {location}"));
    let schema = match &state {
        SchemaState::Current => Finding::ok(
            "schema",
            "every migration of this keyward is applied, and no other",
        ),
        SchemaState::Empty => Finding::problem(
            "schema",
            format!("the database ({location}) is empty: keyward has not set it up"),
            "keyward init --admin LOGIN --name NAME --email EMAIL",
        ),
        SchemaState::Behind { .. } => Finding::problem(
            "schema",
            schema_problem(&state, &location).unwrap_or_default(),
            "keyward migrate (at a quiet time on a large database)",
        ),
        SchemaState::Ahead { .. } => Finding::problem(
            "schema",
            schema_problem(&state, &location).unwrap_or_default(),
            "run the newer keyward that migrated it, or upgrade this one",
        ),
    };
    vec![reached, schema]
}

fn reach_fix(sqlite: Option<&PathBuf>) -> String {
    match sqlite {
        Some(file) => format!(
            "check that {} is a keyward database this user may read and write",
            file.display()
        ),
        None => "check that PostgreSQL runs there and accepts the URL's user, password and \
                 database ([database] url, KEYWARD_DATABASE_URL or --database)"
            .into(),
    }
}

/// The audit chain's key: every process that changes something needs it.
pub(super) fn audit_key(config: &Config) -> Finding {
    let from_env = std::env::var("KEYWARD_AUDIT_KEY").is_ok_and(|v| !v.trim().is_empty());
    match (&config.audit_key, from_env) {
        (Some(_), true) => Finding::ok("audit_key", "from KEYWARD_AUDIT_KEY"),
        (Some(_), false) => Finding::ok("audit_key", config.audit_key_file.display().to_string()),
        (None, _) => Finding::problem(
            "audit_key",
            format!(
                "no audit key at {}: this keyward cannot record changes on a keyed audit trail",
                config.audit_key_file.display()
            ),
            "on a new deployment `keyward init` or `keyward migrate` makes it; otherwise copy \
             audit.key (mode 0600) from another keyward host of this database, or set \
             KEYWARD_AUDIT_KEY",
        ),
    }
}
