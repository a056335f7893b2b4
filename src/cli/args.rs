//! The command line's shape (clap derive). Handlers live beside this file.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The most rows a listing answers at once (the service's page size):
/// a larger `--limit` is refused with the range, never silently cut.
pub const PAGE_LIMIT_MAX: i64 = 1000;
/// The most audit entries `keyward audit` shows at once.
pub const AUDIT_LIMIT_MAX: i64 = 10_000;

#[derive(Debug, Parser)]
#[command(
    name = "keyward",
    version,
    about = "Administer user accounts: passwords, lockouts, policies, resources and audit",
    long_about = "keyward administers the user accounts that your applications share: find users, \
set and reset passwords, unlock accounts, edit password and lockout policies, grant resources and \
read a tamper-evident audit trail.\n\nWith no command it opens the full-screen console."
)]
pub struct Cli {
    /// Database URL (postgres://... or sqlite://PATH); overrides KEYWARD_DATABASE_URL and the config file.
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// Config file; overrides KEYWARD_CONFIG and the platform config directory.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the first global administrator (refuses once one exists).
    Init {
        #[arg(long, value_name = "LOGIN")]
        admin: String,
        #[arg(long, value_name = "NAME")]
        name: String,
        #[arg(long, value_name = "EMAIL")]
        email: String,
        #[command(flatten)]
        pw: PasswordInput,
    },
    /// Start a command-line session (a token file, mode 0600).
    Login {
        #[arg(long = "as", value_name = "LOGIN")]
        login: String,
        #[command(flatten)]
        pw: PasswordInput,
    },
    /// End the command-line session.
    Logout,
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish).
    ///
    /// bash: `keyward completions bash > ~/.local/share/bash-completion/completions/keyward`;
    /// zsh: into a directory on $fpath as `_keyward`; fish:
    /// `keyward completions fish > ~/.config/fish/completions/keyward.fish`;
    /// PowerShell: `keyward completions powershell | Out-String | Invoke-Expression` in $PROFILE.
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into a directory.
    ///
    /// `keyward man | man -l -` reads it at once; `keyward man --dir
    /// ~/.cargo/share/man/man1` installs the pages where `man keyward` finds them
    /// when ~/.cargo/bin is on PATH.
    Man {
        /// Write keyward.1 and a page per command (keyward-user-list.1, ...) into this directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Users: list, show, add, edit, passwords, lock state, holders, bulk reset.
    #[command(subcommand)]
    User(UserCommand),
    /// Resources and who may use them.
    #[command(subcommand)]
    Resource(ResourceCommand),
    /// Password, lockout and session policies.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Locked accounts with until-when, failures and last source.
    Lockouts {
        #[command(flatten)]
        out: Output,
    },
    /// The audit trail, newest first; `audit verify` checks the hash chain.
    Audit {
        #[command(subcommand)]
        verify: Option<AuditCommand>,
        /// How many entries (1 to 10,000).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=AUDIT_LIMIT_MAX))]
        limit: i64,
        /// Every matching entry, a page at a time (JSON Lines with --json).
        #[arg(long, conflicts_with = "limit")]
        all: bool,
        /// Only entries whose actor, action or target contains this text.
        #[arg(long)]
        filter: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    /// Check a password exactly as a sign-in does. Exit 0 ok, 10 ok but must
    /// change, 11 bad credentials, 12 locked, 13 disabled, 16 no access
    /// (with --resource), 18 ok but the account must be re-validated.
    Verify {
        login: String,
        /// Recorded as the attempt's source.
        #[arg(long, default_value = "cli-verify")]
        source: String,
        /// Check as an application of this resource does: without a grant on
        /// it the right password answers "no access" (exit 16).
        #[arg(long, value_name = "RES")]
        resource: Option<String>,
        #[command(flatten)]
        pw: PasswordInput,
        #[command(flatten)]
        out: Output,
    },
    /// One-time password-reset tokens.
    #[command(subcommand)]
    ResetToken(ResetTokenCommand),
    /// Serve the sign-in API and the self-service pages over HTTP(S) until
    /// SIGTERM or Ctrl-C (see `[web]` in the config file).
    Serve {
        /// Address and port to listen on, e.g. 127.0.0.1:8080; overrides [web] listen.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Mail delivery: send what is due, see what did not leave, retry it
    /// (see `[mail]` in the config file).
    #[command(subcommand)]
    Mail(MailCommand),
    /// Apply database migrations.
    Migrate,
    /// Check the installation: the config file, file modes, the database and
    /// its migrations, the audit key, the mail server and the web listener.
    ///
    /// Each check prints ok or the problem with how to fix it; nothing is
    /// changed. Exit 0 when all is well, 19 when something needs fixing.
    Doctor {
        #[command(flatten)]
        out: Output,
    },
    /// Fill an empty database with realistic demo data.
    ///
    /// Run it as a signed-in global administrator: on a fresh database,
    /// `keyward init` first, then `keyward login`.
    Demo {
        /// How many demo users to add, from 1 to 10000000. The database must
        /// hold nothing but the first administrator; every demo user gets
        /// the same password, shown once.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        users: u64,
    },
}

#[derive(Debug, Args)]
pub struct PasswordInput {
    /// Read the password as one line from standard input instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row (RFC 4180).
    Csv,
    /// JSON Lines: one object per line.
    Ndjson,
    /// One JSON array.
    Json,
}

#[derive(Debug, Args, Clone, Copy)]
pub struct ExportFormat {
    /// csv, ndjson or json.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
}

#[derive(Debug, Args, Clone, Copy)]
pub struct Output {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// List users, a page at a time from the database.
    List {
        /// Login, name or email contains this, whatever its length (any case).
        #[arg(long)]
        search: Option<String>,
        /// active, locked, disabled, must-change or inactive.
        #[arg(long)]
        status: Option<String>,
        /// staff or portal.
        #[arg(long)]
        kind: Option<String>,
        /// global_admin, admin, manager, account_manager or user.
        #[arg(long)]
        role: Option<String>,
        /// Only users granted this resource.
        #[arg(long)]
        resource: Option<String>,
        /// login, name, email, kind (staff first), role (global administrators
        /// first), status (locked, disabled, must change, re-validate, then
        /// the rest) or last-login (most recent first).
        #[arg(long, default_value = "login")]
        sort: String,
        /// The sort the other way round (Z to A, oldest sign-in first, plain
        /// users before administrators).
        #[arg(long)]
        reverse: bool,
        /// How many users (1 to 1,000).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=PAGE_LIMIT_MAX))]
        limit: i64,
        /// Every matching user, a page at a time (JSON Lines with --json).
        #[arg(long, conflicts_with = "limit")]
        all: bool,
        /// Instead: the accounts that share an email address with another
        /// of their kind (a reset by email reaches none of them).
        #[arg(long, conflicts_with_all = ["search", "status", "kind", "role", "resource", "all"])]
        duplicate_emails: bool,
        #[command(flatten)]
        out: Output,
    },
    /// Create users from a CSV file: all of them, or none if any row has a problem.
    ///
    /// Columns (header row; only login is required): login, name, email,
    /// kind (staff or portal; staff when empty), role (user when empty),
    /// policy (a named policy; the kind's when empty), resources
    /// (`Name:level;Other:level`, level standard when left out) and holders
    /// (`Name <email>;...`). The read-only columns of `user export` are
    /// ignored, so an export imports elsewhere. Passwords are never read:
    /// imported users have none and must choose one (give them a temporary
    /// password or a reset token). One audit entry counts them.
    Import {
        /// The CSV file (UTF-8).
        file: PathBuf,
        /// Check every row and report problems with their line numbers; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        out: Output,
    },
    /// Every user with their grants and holders, in login order, streamed.
    Export {
        #[command(flatten)]
        export: ExportFormat,
    },
    /// Everything about one user.
    Show {
        login: String,
        #[command(flatten)]
        out: Output,
    },
    /// Create a user.
    Add {
        login: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "user")]
        role: String,
        #[arg(long, default_value = "staff")]
        kind: String,
        /// A named policy of their own (default: their kind's).
        #[arg(long)]
        policy: Option<String>,
        /// Must change the password at next sign-in.
        #[arg(long)]
        must_change: bool,
        /// Create without a password (they cannot sign in until one is set).
        #[arg(long, conflicts_with = "password_stdin")]
        no_password: bool,
        #[command(flatten)]
        pw: PasswordInput,
        #[command(flatten)]
        out: Output,
    },
    /// Change a user's details.
    Edit {
        login: String,
        #[arg(long = "login", value_name = "NEW")]
        new_login: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        role: Option<String>,
        /// A named policy, or "none" for their kind's.
        #[arg(long)]
        policy: Option<String>,
    },
    /// Set a user's password (prompted twice, or --password-stdin).
    SetPassword {
        login: String,
        #[arg(long)]
        must_change: bool,
        #[command(flatten)]
        pw: PasswordInput,
    },
    /// Set a generated temporary password (shown once; must change at next sign-in).
    TempPassword {
        login: String,
        #[command(flatten)]
        out: Output,
    },
    /// Delete the deletion candidates: accounts with the role user that
    /// nobody signed in to for their policy's delete_after_days (never an
    /// administrator). With --preview, list them; otherwise type their count
    /// to confirm (or give it with --count), after a recent sign-in.
    Purge {
        /// Count and list the candidates; delete nothing.
        #[arg(long)]
        preview: bool,
        /// The number of accounts to delete, as the preview counted them
        /// (instead of typing it; required without a terminal).
        #[arg(long, value_name = "N", conflicts_with = "preview")]
        count: Option<i64>,
        #[command(flatten)]
        out: Output,
    },
    /// Mail each user a one-time reset link (to the address on their
    /// account), through which they set their own password.
    SendReset {
        #[arg(required = true, value_name = "LOGIN")]
        logins: Vec<String>,
        #[command(flatten)]
        out: Output,
    },
    /// End a lock and clear the failure count.
    Unlock { login: String },
    /// Disable an account (its sessions end).
    Disable { login: String },
    /// Enable a disabled account.
    Enable { login: String },
    /// Delete a user and their grants, holders and history.
    Delete {
        login: String,
        /// Do not ask; required without a terminal.
        #[arg(long)]
        yes: bool,
    },
    /// The people who share a login: list, add or remove.
    Holders {
        login: String,
        /// Add a holder with this name.
        #[arg(long, requires = "email")]
        add: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        note: Option<String>,
        /// Remove the holder with this id.
        #[arg(long, conflicts_with = "add")]
        remove: Option<i64>,
        #[command(flatten)]
        out: Output,
    },
    /// Give every staff user one new password (never portal users; never
    /// you), or with --by-link mail each their own one-time reset link.
    ResetAll {
        /// Users must change it at next sign-in (the default).
        #[arg(long, overrides_with = "no_must_change")]
        must_change: bool,
        #[arg(long)]
        no_must_change: bool,
        /// Nobody shares a password: each user in scope is mailed a one-time
        /// reset link of their own (current passwords keep working until a
        /// link is used). Needs [web] public_url and [mail] url.
        #[arg(long, conflicts_with_all = ["no_must_change", "password_stdin"])]
        by_link: bool,
        /// Only users with this role.
        #[arg(long)]
        role: Option<String>,
        /// Only users granted this resource.
        #[arg(long)]
        resource: Option<String>,
        /// Do not ask for confirmation; required without a terminal.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        pw: PasswordInput,
    },
}

#[derive(Debug, Subcommand)]
pub enum ResourceCommand {
    /// Resources with how many users each has.
    List {
        #[command(flatten)]
        out: Output,
    },
    /// Create a resource.
    Add {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Grant a user access (or change their level).
    Grant {
        resource: String,
        login: String,
        /// read, standard or manage.
        #[arg(long, default_value = "standard")]
        level: String,
    },
    /// Revoke a user's access.
    Revoke { resource: String, login: String },
    /// Rename a resource or change its description.
    Edit {
        resource: String,
        #[arg(long = "name", value_name = "NEW")]
        new_name: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a resource; everyone granted it loses access.
    Delete {
        resource: String,
        /// Do not ask; required without a terminal.
        #[arg(long)]
        yes: bool,
    },
    /// Who has access to a resource.
    Users {
        resource: String,
        /// How many users (1 to 1,000).
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=PAGE_LIMIT_MAX))]
        limit: i64,
        /// Everyone with access, a page at a time (JSON Lines with --json).
        #[arg(long, conflicts_with = "limit")]
        all: bool,
        #[command(flatten)]
        out: Output,
    },
    /// Every resource with its user count, streamed.
    Export {
        #[command(flatten)]
        export: ExportFormat,
    },
    /// The keys a resource's applications call `keyward serve` with.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Issue a new key (shown once; needs a recent sign-in).
    Issue {
        resource: String,
        /// What the key is for, e.g. "production" or "staging".
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        out: Output,
    },
    /// A resource's keys, revoked ones included (never the keys themselves).
    List {
        resource: String,
        #[command(flatten)]
        out: Output,
    },
    /// Revoke a key at once (needs a recent sign-in).
    Revoke {
        resource: String,
        /// The key's id or its shown prefix (from `key list`).
        key: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Named policies and how many users each governs.
    List {
        #[command(flatten)]
        out: Output,
    },
    /// Every key of a policy with its value, range and meaning.
    Show {
        #[arg(default_value = "default")]
        name: String,
        #[command(flatten)]
        out: Output,
    },
    /// Change keys: `policy set [NAME] KEY=VALUE...` (NAME defaults to `default`).
    Set {
        /// The policy name (optional) followed by KEY=VALUE pairs.
        #[arg(required = true, num_args = 1.., value_name = "[NAME] KEY=VALUE")]
        args: Vec<String>,
    },
    /// Create a policy as a copy of another.
    Create {
        name: String,
        #[arg(long, default_value = "default")]
        copy_of: String,
    },
    /// Delete a policy that governs nobody.
    Delete { name: String },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the MAC chain; exit 15 and name the first broken entry if it was tampered with.
    Verify {
        /// Also check the checkpoints in FILE (one a line, as `audit checkpoint` writes
        /// them): entries cut off the end, or a chain rewritten, since they were taken.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        #[command(flatten)]
        out: Output,
    },
    /// The whole trail, oldest first, with each entry's chain links, streamed.
    Export {
        #[command(flatten)]
        export: ExportFormat,
    },
    /// Print the chain's signed head (sequence and MAC), to keep outside the database;
    /// with --append FILE, add it to FILE as a line (created 0600).
    Checkpoint {
        #[arg(long, value_name = "FILE")]
        append: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send every mail that is due now, once (for cron or by hand; `keyward
    /// serve` sends by itself). Exit 9 if some could not be sent.
    Send,
    /// Queued, sent, failed and dropped counts, and each mail that did not
    /// leave with its error.
    Status {
        #[command(flatten)]
        out: Output,
    },
    /// Queue every failed mail again, to be sent at once.
    Retry,
}

#[derive(Debug, Subcommand)]
pub enum ResetTokenCommand {
    /// Issue a one-time reset token for a user (shown once).
    Issue {
        login: String,
        #[command(flatten)]
        out: Output,
    },
    /// Redeem a token: its first line on standard input, then the new password.
    Redeem {
        #[command(flatten)]
        pw: PasswordInput,
    },
    /// Reset links users asked for (on /reset or through an application)
    /// that wait to be passed on, with the link; only those you may reset.
    Pending {
        /// Only this user's.
        login: Option<String>,
        #[command(flatten)]
        out: Output,
    },
}
