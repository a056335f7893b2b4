//! The `keyward` command line: clap definitions, and one small handler per
//! command, each calling the service. Output is text or JSON; errors are one
//! line on stderr with an exit status per kind of error (exit.rs), usage
//! errors exit 2 (clap).

mod account;
mod admin;
pub mod args;
pub mod docs;
pub mod doctor;
pub mod exit;
mod input;
mod line_ends;
mod mail;
mod output;
mod records;
mod session;
mod transfer;
mod users;
mod watchdog;

pub use args::{Cli, Command};

use crate::cli::output::say;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::service::{Service, StallProbe, Upkeep};

/// Runs one command; returns the process exit code.
pub async fn run(command: Command, config: &Config) -> Result<i32> {
    if let Command::Serve { listen } = &command {
        crate::serve::run(config, listen.as_deref()).await?;
        return Ok(0);
    }
    if let Some(result) = docs::run(&command) {
        return result;
    }
    // Setting up or upgrading a database makes the audit key if there is
    // none (config.rs); every other command uses the key it finds.
    let mut config = config.clone();
    if matches!(command, Command::Init { .. } | Command::Migrate) {
        config.ensure_audit_key()?;
    }
    let config = &config;
    // Only `keyward migrate` migrates the database and prunes old sign-in
    // attempts (with the long-running console and `keyward serve`); every
    // other command reads the schema's state and goes on, sets up a new
    // database, or says to run `keyward migrate` (service::Upkeep).
    // A stalled server fails the command rather than hang it, from its
    // opening to its close (watchdog.rs), and there is then nothing to
    // wait for.
    let probe = StallProbe::for_url(&config.database_url);
    if let Command::Migrate = command {
        let service = watchdog::watched(
            &probe,
            Service::open_with(&config.database_url, config.service_config(), Upkeep::Full),
        )
        .await??;
        say!("migrated {}", service.store().location());
        close(&probe, &service).await;
        return Ok(0);
    }
    let service = watchdog::watched(
        &probe,
        Service::open_with(
            &config.database_url,
            config.service_config(),
            Upkeep::Command,
        ),
    )
    .await??;
    let result = watchdog::watched(&probe, dispatch(command, config, &service)).await?;
    close(&probe, &service).await;
    result
}

/// Waits for what the command left running, and closes the pool. A failed
/// sign-in's stale-password check runs after its answer (service/stale.rs):
/// the process waits for it, whatever the command answered, before it
/// ends, unless the server stalls meanwhile; the command's answer stands.
async fn close(probe: &StallProbe, service: &Service) {
    let settled = watchdog::watched(probe, async {
        service.settle().await;
        service.store().close().await;
    })
    .await;
    if settled.is_err() {
        tracing::warn!("the database stalled after the command's answer; not waiting for it");
    }
}

/// Runs a command other than `migrate` on an open service.
async fn dispatch(command: Command, config: &Config, service: &Service) -> Result<i32> {
    let code = match command {
        // Answered before the config is loaded (cli/doctor.rs).
        Command::Migrate | Command::Serve { .. } | Command::Doctor { .. } => 0,
        Command::Init {
            admin,
            name,
            email,
            pw,
        } => account::init(service, &admin, &name, &email, pw.password_stdin).await?,
        Command::Login { login, pw } => {
            account::login(config, service, &login, pw.password_stdin).await?
        }
        Command::Logout => account::logout(config, service).await?,
        // Answered above, before any database is opened.
        Command::Completions { .. } | Command::Man { .. } => 0,
        Command::Verify {
            login,
            source,
            resource,
            pw,
            out,
        } => {
            account::verify(
                service,
                &login,
                &source,
                resource.as_deref(),
                pw.password_stdin,
                out.json,
            )
            .await?
        }
        Command::ResetToken(cmd) => account::reset_token(config, service, cmd).await?,
        Command::Mail(cmd) => mail::run(config, service, cmd).await?,
        Command::Demo { users } => {
            let actor = session::actor(config, service).await?;
            account::demo(service, &actor, users).await?
        }
        Command::User(cmd) => {
            let actor = session::actor(config, service).await?;
            users::run(config, service, &actor, cmd).await?
        }
        Command::Resource(cmd) => {
            let actor = session::actor(config, service).await?;
            admin::resource(service, &actor, cmd).await?
        }
        Command::Policy(cmd) => {
            let actor = session::actor(config, service).await?;
            admin::policy(service, &actor, cmd).await?
        }
        Command::Lockouts { out } => {
            let actor = session::actor(config, service).await?;
            admin::lockouts(service, &actor, out.json).await?
        }
        Command::Audit {
            verify,
            limit,
            all,
            filter,
            out,
        } => {
            let actor = session::actor(config, service).await?;
            let listing = admin::AuditListing {
                limit,
                all,
                filter: filter.as_deref(),
                json: out.json,
            };
            admin::audit(service, &actor, verify, &listing).await?
        }
    };
    Ok(code)
}

/// Parses a value with `FromStr`, turning the message into an input error.
pub(crate) fn parse<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T> {
    s.parse().map_err(Error::Invalid)
}
