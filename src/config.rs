//! Configuration: file (TOML), environment and flags, with precedence
//! flag > environment > file > default, and the platform paths keyward uses.

use crate::crypto::HashParams;
use crate::domain::audit::AuditKey;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The config file's contents. Every key is optional; config.example.toml
/// documents them.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub database: DatabaseSection,
    pub argon2: HashParams,
    pub ui: UiSection,
    pub theme: ThemeSection,
    /// The console's key bindings: an action (as help names it) to a key
    /// or a list of keys (checked at start, tui/keymap.rs).
    pub keys: std::collections::BTreeMap<String, KeyList>,
    pub log: LogSection,
    pub web: WebSection,
    pub mail: MailSection,
    pub audit: AuditSection,
    pub attempts_retention_days: Option<u32>,
    /// The organisation's blocked words, one per line.
    pub blocklist_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSection {
    /// The audit chain's key file (64 hex digits, mode 0600); default: the
    /// data directory's audit.key. Never in the database.
    pub key_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSection {
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct UiSection {
    /// Capture the mouse (wheel scrolls, click selects). Off by default so
    /// text can be selected and copied over SSH.
    pub mouse: bool,
}

/// The console's colours, each optional (the default palette otherwise).
/// NO_COLOR still wins: without colour every cue is an attribute.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ThemeSection {
    /// Titles, the active tab, the focused field (default cyan).
    pub accent: Option<ThemeColor>,
    /// Keys in hints and help (default yellow).
    pub key: Option<ThemeColor>,
    /// Secondary text (default darkgray).
    pub dim: Option<ThemeColor>,
    /// Success notes and met rules (default green).
    pub good: Option<ThemeColor>,
    /// Errors, locks and broken rules (default red).
    pub bad: Option<ThemeColor>,
    /// Warnings (default yellow).
    pub warn: Option<ThemeColor>,
    /// Box borders (default gray).
    pub border: Option<ThemeColor>,
    /// The selected row's background (default blue).
    pub selection: Option<ThemeColor>,
    /// The selected row's text (default white).
    pub selection_text: Option<ThemeColor>,
}

/// One key or several, as `[keys]` takes them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(ks) => ks.clone(),
        }
    }
}

/// A colour in `[theme]`: one of the 16 named terminal colours, an index of
/// the 256-colour palette, or `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum ThemeColor {
    /// 0-15 in the order of [`NAMED_COLORS`].
    Named(u8),
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// The 16 terminal colours' names, in palette order.
pub const NAMED_COLORS: [&str; 16] = [
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "gray",
    "darkgray",
    "lightred",
    "lightgreen",
    "lightyellow",
    "lightblue",
    "lightmagenta",
    "lightcyan",
    "white",
];

impl TryFrom<String> for ThemeColor {
    type Error = String;
    fn try_from(text: String) -> std::result::Result<Self, String> {
        let t = text
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "");
        if let Some(i) = NAMED_COLORS.iter().position(|n| *n == t) {
            return Ok(ThemeColor::Named(i as u8));
        }
        if let Some(hex) = t.strip_prefix('#')
            && hex.len() == 6
            && hex.chars().all(|c| c.is_ascii_hexdigit())
        {
            let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
            return Ok(ThemeColor::Rgb(byte(0), byte(2), byte(4)));
        }
        if let Ok(i) = t.parse::<u8>() {
            return Ok(ThemeColor::Indexed(i));
        }
        let shown: String = text.chars().take(40).collect();
        Err(format!(
            "unknown colour {shown:?}: use a name ({}), a number 0-255 or #rrggbb",
            NAMED_COLORS.join(", ")
        ))
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct LogSection {
    /// tracing filter, e.g. "info" or "keyward=debug".
    pub level: String,
    /// Directory for log files; default: the data directory's logs/.
    pub dir: Option<PathBuf>,
    /// Where log lines go: a daily file in `dir`, or the systemd journal.
    pub target: LogTarget,
    /// How a line is written to the file: text, or one JSON object a line.
    pub format: LogFormat,
    /// How many daily files are kept (today's included); older ones are
    /// deleted when a new day's file starts. 0 keeps every file.
    pub keep_days: u32,
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            level: "info".into(),
            dir: None,
            target: LogTarget::File,
            format: LogFormat::Text,
            keep_days: 30,
        }
    }
}

/// `[log] target`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogTarget {
    /// A daily file in the log directory.
    #[default]
    File,
    /// The systemd journal (its socket; the file when there is none).
    Journal,
}

/// `[log] format`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Text,
    /// One JSON object per line (JSON Lines), for log shippers.
    Json,
}

/// `keyward serve`: where it listens, how it is reached, and its limits.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct WebSection {
    /// The address to listen on (`--listen` overrides it).
    pub listen: String,
    /// How users reach the pages (`https://accounts.example.org`), for the
    /// links keyward hands out; default: `http://` and the listen address.
    pub public_url: Option<String>,
    /// The organisation's name on the pages.
    pub organisation: String,
    /// PEM certificate chain and private key: with both, keyward serves HTTPS.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Plain HTTP on an address other than loopback (behind a reverse
    /// proxy on another host). Off: keyward refuses to start so.
    pub allow_plain_http: bool,
    /// Proxies whose `X-Forwarded-For` is believed (addresses or CIDR
    /// ranges); from anyone else the header is ignored.
    pub trusted_proxies: Vec<String>,
    /// Reset requests for one account an hour (more send nothing).
    pub reset_requests_per_account_per_hour: u32,
    /// Reset requests from one client address an hour (more answer 429).
    pub reset_requests_per_address_per_hour: u32,
    /// Password checks that may wait for a hashing thread; more answer 503.
    pub hash_queue_limit: usize,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a request may take before it is answered 503.
    pub request_timeout_seconds: u64,
    /// How long requests in flight may take to finish after SIGTERM.
    pub shutdown_grace_seconds: u64,
    /// A file holding the bearer token `/metrics` asks for; unset, it
    /// answers only clients on this host (serve/metrics.rs).
    pub metrics_token_file: Option<PathBuf>,
}

impl Default for WebSection {
    fn default() -> Self {
        WebSection {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            organisation: "keyward".into(),
            tls_cert: None,
            tls_key: None,
            allow_plain_http: false,
            trusted_proxies: Vec::new(),
            reset_requests_per_account_per_hour: 3,
            reset_requests_per_address_per_hour: 20,
            hash_queue_limit: 64,
            max_body_bytes: 16 * 1024,
            request_timeout_seconds: 30,
            shutdown_grace_seconds: 30,
            metrics_token_file: None,
        }
    }
}

/// Mail delivery (src/mail/): the SMTP server, the sender's address and
/// how undelivered mail is retried. Without `url` nothing is sent: links
/// wait in the outbox for an administrator to pass on.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct MailSection {
    /// `smtp://host:port` (plain), `smtp://host:port?tls=required`
    /// (STARTTLS), `smtps://host:port` (implicit TLS); credentials as
    /// `smtp://user:password@host`, or the password in KEYWARD_MAIL_PASSWORD.
    pub url: Option<String>,
    /// The sender: `keyward <accounts@example.org>` or a bare address.
    pub from: Option<String>,
    /// Where replies go, if not to `from`.
    pub reply_to: Option<String>,
    /// Connections kept open to the mail server.
    pub connections: u32,
    /// How often `keyward serve` looks for mail to send, in seconds.
    pub poll_seconds: u64,
    /// The wait after a first failed attempt; it doubles with each failure.
    pub first_retry_seconds: u64,
    /// The longest wait between attempts.
    pub longest_retry_seconds: u64,
    /// Attempts before a mail is marked failed (`keyward mail retry` queues
    /// failed mail again).
    pub max_attempts: u32,
    /// How long a sender holds the mails it claimed; a sender killed while
    /// sending leaves them to another after this.
    pub claim_seconds: u64,
}

/// The default of `[mail] connections`. Each connection carries one mail
/// at a time and waits for the server's answer to each step. Measured
/// against a local server that answers at once (benches' smtp_sink.rs):
/// about 22 mails a second per connection, lettre alone as much as keyward
/// (the wait looks like the end of each message meeting the server's
/// delayed acknowledgement, about 40 ms on Linux). 4 connections carried
/// 89 a second, 16 carry about 360.
pub const MAIL_CONNECTIONS: u32 = 16;

impl Default for MailSection {
    fn default() -> Self {
        MailSection {
            url: None,
            from: None,
            reply_to: None,
            connections: MAIL_CONNECTIONS,
            poll_seconds: 2,
            first_retry_seconds: 60,
            longest_retry_seconds: 3600,
            max_attempts: 10,
            claim_seconds: 300,
        }
    }
}

/// Everything resolved: what the program runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub argon2: HashParams,
    pub mouse: bool,
    /// The console's colours (`[theme]`).
    pub theme: ThemeSection,
    /// The console's key bindings (`[keys]`): action to keys.
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
    pub log_level: String,
    pub log_dir: PathBuf,
    /// `[log] target`, `format` and `keep_days` (logging.rs).
    pub log_target: LogTarget,
    pub log_format: LogFormat,
    pub log_keep_days: u32,
    pub data_dir: PathBuf,
    pub runtime_dir: PathBuf,
    pub attempts_retention_days: u32,
    /// `keyward serve`'s settings.
    pub web: WebSection,
    /// Mail delivery's settings.
    pub mail: MailSection,
    /// The organisation's blocked words, one per line (reloaded on change).
    pub blocklist_file: Option<PathBuf>,
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// Where the audit key is kept (KEYWARD_AUDIT_KEY overrides it).
    pub audit_key_file: PathBuf,
    /// The audit chain's key, if there is one (domain/audit.rs).
    pub audit_key: Option<Arc<AuditKey>>,
}

/// Where keyward keeps its files: $KEYWARD_DATA_DIR, else the platform's
/// data directory for "keyward".
pub fn data_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("KEYWARD_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "keyward")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| Error::Invalid("cannot find a home directory; set KEYWARD_DATA_DIR".into()))
}

/// `path` as given when absolute; a relative one is taken from the config
/// file's directory, so a service started from `/` finds it too.
fn beside(path: &Path, config_file: Option<&Path>) -> PathBuf {
    match config_file.and_then(Path::parent) {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path.to_path_buf(),
    }
}

fn default_config_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "keyward").map(|p| p.config_dir().join("config.toml"))
}

fn runtime_dir(data_dir: &Path) -> PathBuf {
    if std::env::var_os("KEYWARD_DATA_DIR").is_some() {
        return data_dir.to_path_buf();
    }
    directories::ProjectDirs::from("", "", "keyward")
        .and_then(|p| p.runtime_dir().map(Path::to_path_buf))
        .unwrap_or_else(|| data_dir.to_path_buf())
}

impl Config {
    /// Resolves the configuration. `flag_config` and `flag_database` are the
    /// command-line flags; the environment supplies KEYWARD_CONFIG and
    /// KEYWARD_DATABASE_URL.
    pub fn load(flag_config: Option<&Path>, flag_database: Option<&str>) -> Result<Config> {
        let env_config = std::env::var_os("KEYWARD_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let explicit = flag_config.map(Path::to_path_buf).or(env_config);
        let (file, config_file) = match &explicit {
            Some(path) => (read_file(path)?, Some(path.clone())),
            None => match default_config_file().filter(|p| p.exists()) {
                Some(path) => (read_file(&path)?, Some(path)),
                None => (FileConfig::default(), None),
            },
        };
        file.argon2.check()?;
        let data_dir = data_dir()?;
        let env_db = std::env::var("KEYWARD_DATABASE_URL")
            .ok()
            .filter(|v| !v.is_empty());
        let database_url = flag_database
            .map(str::to_string)
            .or(env_db)
            .or(file.database.url.clone())
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("keyward.db").display()));
        let log_dir = file
            .log
            .dir
            .clone()
            .unwrap_or_else(|| data_dir.join("logs"));
        let audit_key_file = file
            .audit
            .key_file
            .clone()
            .unwrap_or_else(|| data_dir.join("audit.key"));
        let audit_key = read_audit_key(&audit_key_file)?.map(Arc::new);
        Ok(Config {
            database_url,
            argon2: file.argon2,
            mouse: file.ui.mouse,
            theme: file.theme,
            keys: file
                .keys
                .iter()
                .map(|(action, keys)| (action.clone(), keys.to_vec()))
                .collect(),
            log_level: file.log.level.clone(),
            log_dir,
            log_target: file.log.target,
            log_format: file.log.format,
            log_keep_days: file.log.keep_days,
            runtime_dir: runtime_dir(&data_dir),
            data_dir,
            attempts_retention_days: file.attempts_retention_days.unwrap_or(90),
            web: file.web.clone(),
            mail: file.mail.clone(),
            blocklist_file: file
                .blocklist_file
                .as_deref()
                .map(|p| beside(p, config_file.as_deref())),
            config_file,
            audit_key_file,
            audit_key,
        })
    }

    pub fn service_config(&self) -> crate::service::ServiceConfig {
        crate::service::ServiceConfig {
            argon2: self.argon2,
            attempts_retention_days: self.attempts_retention_days,
            hash_queue_limit: None,
            reset_requests_per_account_per_hour: self.web.reset_requests_per_account_per_hour,
            blocklist_file: self.blocklist_file.clone(),
            audit_key: self.audit_key.clone(),
            links_base: self.links_base(),
            mail_configured: self
                .mail
                .url
                .as_deref()
                .is_some_and(|u| !u.trim().is_empty()),
        }
    }

    /// Where the reset and re-validation links lead: only a configured
    /// public URL (one made from the listen address, loopback by default,
    /// would lead users nowhere).
    #[cfg(feature = "serve")]
    fn links_base(&self) -> Option<String> {
        self.web
            .public_url
            .as_ref()
            .and_then(|_| crate::serve::links_base(&self.web).ok())
    }

    /// Without the pages in this build, the configured URL as it is (the
    /// service checks its scheme): the links lead to a `keyward serve`
    /// elsewhere.
    #[cfg(not(feature = "serve"))]
    fn links_base(&self) -> Option<String> {
        self.web
            .public_url
            .as_ref()
            .map(|u| u.trim().trim_end_matches('/').to_string())
    }

    /// Makes the audit key when there is none: a fresh random one, written
    /// to the key file (mode 0600, never overwriting one). `keyward init`
    /// and `keyward migrate` do; the other commands use the key they find.
    pub fn ensure_audit_key(&mut self) -> Result<()> {
        if self.audit_key.is_some() {
            return Ok(());
        }
        let key = AuditKey::generate();
        let path = &self.audit_key_file;
        let cannot = |e: std::io::Error| {
            Error::Invalid(format!(
                "cannot write the audit key file {}: {e}",
                path.display()
            ))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::create_private_dir(dir).map_err(cannot)?;
        }
        crate::files::write_new_private(path, key.to_hex().as_bytes()).map_err(cannot)?;
        self.audit_key = Some(Arc::new(key));
        Ok(())
    }
}

/// The audit key: KEYWARD_AUDIT_KEY (64 hex digits), else the key file if
/// it exists.
fn read_audit_key(file: &Path) -> Result<Option<AuditKey>> {
    if let Ok(hex) = std::env::var("KEYWARD_AUDIT_KEY")
        && !hex.trim().is_empty()
    {
        return AuditKey::from_hex(&hex)
            .map(Some)
            .map_err(|e| Error::Invalid(format!("KEYWARD_AUDIT_KEY: {e}")));
    }
    match std::fs::read_to_string(file) {
        Ok(text) => AuditKey::from_hex(&text)
            .map(Some)
            .map_err(|e| Error::Invalid(format!("the audit key file {}: {e}", file.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Invalid(format!(
            "cannot read the audit key file {}: {e}",
            file.display()
        ))),
    }
}

fn read_file(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Invalid(format!(
            "cannot read the config file {}: {e}",
            path.display()
        ))
    })?;
    toml::from_str(&text).map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .and_then(|s| text.get(..s.start))
            .map(|before| before.matches('\n').count() + 1);
        let at = line.map_or_else(String::new, |n| format!(", line {n}"));
        Error::Invalid(format!(
            "the config file {}{at} is not valid: {}",
            path.display(),
            e.message()
        ))
    })
}

/// Parses config TOML, refusing unknown keys.
pub fn parse(text: &str) -> std::result::Result<FileConfig, String> {
    toml::from_str(text).map_err(|e| e.message().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses_and_documents_every_section() {
        let text = include_str!("../config.example.toml");
        let c = parse(text).unwrap();
        assert_eq!(c.argon2, HashParams::FLOOR);
        assert_eq!(c.attempts_retention_days, Some(90));
        // The example's [web] values are the defaults.
        assert_eq!(c.web, WebSection::default());
        // And its [log] values.
        assert_eq!(c.log, LogSection::default());
        // And its [mail] values too (url and from commented out).
        assert_eq!(c.mail, MailSection::default());
        assert!(text.contains("# url = \"smtp://") && text.contains("# from = "));
    }

    #[test]
    fn blocklist_file_is_read_from_the_file() {
        let c = parse("blocklist_file = \"/etc/keyward/words.txt\"\n").unwrap();
        assert_eq!(
            c.blocklist_file.as_deref(),
            Some(Path::new("/etc/keyward/words.txt"))
        );
        // The example documents it (commented out, as every optional key).
        assert!(include_str!("../config.example.toml").contains("# blocklist_file = "));
        let etc = Path::new("/etc/keyward/config.toml");
        assert_eq!(
            beside(Path::new("words.txt"), Some(etc)),
            Path::new("/etc/keyward/words.txt")
        );
        assert_eq!(
            beside(Path::new("/srv/words.txt"), Some(etc)),
            Path::new("/srv/words.txt")
        );
        assert_eq!(beside(Path::new("words.txt"), None), Path::new("words.txt"));
    }

    #[test]
    fn log_target_and_format_are_words() {
        let c = parse("[log]\ntarget = \"journal\"\nformat = \"json\"\nkeep_days = 7\n").unwrap();
        assert_eq!(
            (c.log.target, c.log.format, c.log.keep_days),
            (LogTarget::Journal, LogFormat::Json, 7)
        );
        let err = parse("[log]\nformat = \"xml\"\n").unwrap_err();
        assert!(err.contains("text") && err.contains("json"), "{err}");
    }

    #[test]
    fn theme_colours_are_names_numbers_or_hex() {
        let c = parse("[theme]\naccent = \"LightBlue\"\nkey = \"208\"\nselection = \"#1e3a5F\"\n")
            .unwrap();
        assert_eq!(c.theme.accent, Some(ThemeColor::Named(12)));
        assert_eq!(c.theme.key, Some(ThemeColor::Indexed(208)));
        assert_eq!(c.theme.selection, Some(ThemeColor::Rgb(0x1e, 0x3a, 0x5f)));
        assert_eq!(c.theme.dim, None);
        let err = parse("[theme]\nbad = \"crimson\"\n").unwrap_err();
        assert!(err.contains("crimson") && err.contains("#rrggbb"), "{err}");
        let err = parse("[theme]\naccent = \"#12345\"\n").unwrap_err();
        assert!(err.contains("#12345"), "{err}");
        let err = parse("[theme]\nbackground = \"red\"\n").unwrap_err();
        assert!(
            err.contains("background") && err.contains("accent"),
            "{err}"
        );
    }

    #[test]
    fn keys_take_one_key_or_a_list() {
        let c = parse("[keys]\nunlock = \"U\"\nfilter = [\"/\", \"ctrl-f\"]\n").unwrap();
        assert_eq!(c.keys["unlock"].to_vec(), ["U"]);
        assert_eq!(c.keys["filter"].to_vec(), ["/", "ctrl-f"]);
        assert!(parse("[keys]\nunlock = 3\n").is_err());
    }

    #[test]
    fn unknown_keys_refused() {
        let err = parse("[ui]\nmouze = true\n").unwrap_err();
        assert!(err.contains("mouze"), "{err}");
    }

    #[test]
    fn weak_argon2_refused() {
        let c = parse("[argon2]\nmemory_kib = 1024\n").unwrap();
        assert!(c.argon2.check().is_err());
    }
}
