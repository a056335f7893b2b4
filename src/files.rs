//! Owner-only files. keyward's files hold password hashes and emails (the
//! SQLite database and its -wal and -shm), session tokens, logs of who
//! signed in, and perhaps a database password (the config file): the
//! directories keyward makes are 0700 and its files 0600, whatever the
//! umask, and at start it names any of them that others can read.

use crate::config::Config;
use std::path::{Path, PathBuf};

/// Makes every file and directory this process creates from now on
/// owner-only (umask 077): the database, its -wal and -shm, log files as
/// they roll over daily, session files, the console's exports. The binary
/// calls it before anything else.
pub fn owner_only_from_now() {
    #[cfg(unix)]
    {
        use rustix::fs::Mode;
        rustix::process::umask(Mode::from_raw_mode(0o077));
    }
}

/// Creates `dir` and its missing parents, each one it creates 0700
/// (existing ones are left as they are). For programs that link the
/// library without the binary's umask.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates `path` empty and 0600 unless it exists. SQLite gives the -wal
/// and -shm files of a database the database file's mode.
pub fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` to a new file at `path`, mode 0600; refuses to replace
/// an existing one.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A file or directory that others than its owner may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposed {
    pub path: PathBuf,
    /// Its permission bits (e.g. 0o644).
    pub mode: u32,
}

/// Those of `paths` that exist and give their group or others any access.
pub fn exposed(paths: &[PathBuf]) -> Vec<Exposed> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        paths
            .iter()
            .filter_map(|p| {
                // What a path leads to: a link's own mode means nothing,
                // and a device (KEYWARD_CONFIG=/dev/null) holds no data.
                let meta = std::fs::metadata(p).ok()?;
                if !(meta.is_file() || meta.is_dir()) {
                    return None;
                }
                let mode = meta.permissions().mode() & 0o7777;
                (mode & 0o077 != 0).then(|| Exposed {
                    path: p.clone(),
                    mode,
                })
            })
            .collect()
    }
    #[cfg(not(unix))]
    {
        let _ = paths;
        Vec::new()
    }
}

/// What keyward keeps on disk under `config`: the data, log and runtime
/// directories, the SQLite database with its -wal and -shm, the log files,
/// the CLI session files, the config file, the audit key file and the
/// metrics token file.
pub fn kept(config: &Config) -> Vec<PathBuf> {
    let mut out = vec![config.data_dir.clone()];
    if let Some(db) = crate::store::sqlite_file(&config.database_url) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db.clone().into_os_string();
            name.push(suffix);
            out.push(PathBuf::from(name));
        }
    }
    for (dir, prefix) in [
        (&config.log_dir, "keyward.log"),
        (&config.runtime_dir, "session-"),
    ] {
        out.push(dir.clone());
        if let Ok(entries) = std::fs::read_dir(dir) {
            out.extend(
                entries
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
                    .map(|e| e.path()),
            );
        }
    }
    out.extend(config.config_file.clone());
    out.push(config.audit_key_file.clone());
    out.extend(config.web.metrics_token_file.clone());
    out.sort();
    out.dedup();
    out
}

/// One warning line per file or directory of keyward's that others can
/// read, with the command that fixes it.
pub fn warnings(config: &Config) -> Vec<String> {
    exposed(&kept(config))
        .into_iter()
        .map(|e| {
            let fix = if e.path.is_dir() { "700" } else { "600" };
            format!(
                "warning: {} is readable by others (mode {:o}); run: chmod {fix} {}",
                e.path.display(),
                e.mode,
                e.path.display()
            )
        })
        .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("exists").permissions().mode() & 0o7777
    }

    #[test]
    fn created_private_whatever_the_umask() {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let dir = root.path().join("a/b");
        create_private_dir(&dir).expect("dir");
        assert_eq!(mode(&root.path().join("a")), 0o700);
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("f.db");
        create_private_file(&file).expect("file");
        assert_eq!(mode(&file), 0o600);
        // An existing file is left as it is, and named.
        std::fs::write(&file, b"kept").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        create_private_file(&file).expect("exists");
        assert_eq!(std::fs::read(&file).expect("read"), b"kept");
        let found = exposed(&[dir.clone(), file.clone(), dir.join("missing")]);
        assert_eq!(
            found,
            vec![Exposed {
                path: file,
                mode: 0o644
            }]
        );
    }
}
