//! The CLI session token: KEYWARD_TOKEN, else a file (mode 0600) in the
//! runtime or data directory, one per database.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::service::{Actor, Service};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use zeroize::Zeroizing;

/// The token file for this database.
pub fn token_path(config: &Config) -> PathBuf {
    let tag = hex::encode(&Sha256::digest(config.database_url.as_bytes())[..6]);
    config.runtime_dir.join(format!("session-{tag}"))
}

pub fn save(config: &Config, token: &str) -> Result<PathBuf> {
    let path = token_path(config);
    if let Some(dir) = path.parent() {
        crate::files::create_private_dir(dir)
            .map_err(|e| Error::Invalid(format!("cannot create {}: {e}", dir.display())))?;
    }
    write_private(&path, token).map_err(|e| {
        Error::Invalid(format!(
            "cannot write the session file {}: {e}",
            path.display()
        ))
    })?;
    Ok(path)
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, token: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // An existing file keeps its mode on open; make sure.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(token.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, token: &str) -> std::io::Result<()> {
    std::fs::write(path, token)
}

fn load(config: &Config) -> Option<Zeroizing<String>> {
    if let Ok(t) = std::env::var("KEYWARD_TOKEN")
        && !t.trim().is_empty()
    {
        return Some(Zeroizing::new(t.trim().to_string()));
    }
    std::fs::read_to_string(token_path(config))
        .ok()
        .map(|t| Zeroizing::new(t.trim().to_string()))
}

/// The signed-in administrator, or a message saying how to sign in (and,
/// on a database without any administrator yet, how to create one first).
pub async fn actor(config: &Config, service: &Service) -> Result<Actor> {
    let Some(token) = load(config) else {
        return Err(Error::Unauthenticated(if service.needs_setup().await? {
            "this database has no administrator yet: create one with `keyward init --admin LOGIN --name NAME --email EMAIL`, sign in with `keyward login --as LOGIN`, then run this command again".into()
        } else {
            "you are not signed in; run `keyward login --as LOGIN` first".into()
        }));
    };
    service.session_actor(&token).await
}

/// Ends the session and removes the file.
pub async fn logout(config: &Config, service: &Service) -> Result<bool> {
    let Some(token) = load(config) else {
        return Ok(false);
    };
    service.logout(&token).await?;
    let _ = std::fs::remove_file(token_path(config));
    Ok(true)
}
