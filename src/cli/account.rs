//! Commands about signing in and credentials: init, login, logout, verify,
//! reset tokens, and demo data.

use super::args::ResetTokenCommand;
use super::output::say;
use super::{input, output, session};
use crate::config::Config;
use crate::domain::plural::count;
use crate::domain::{AuthOutcome, Password};
use crate::error::{Error, Result};
use crate::service::{Actor, Service};
use std::io::IsTerminal;

pub async fn init(
    service: &Service,
    login: &str,
    name: &str,
    email: &str,
    stdin: bool,
) -> Result<i32> {
    if !service.needs_setup().await? {
        return Err(Error::Conflict(
            "keyward is already set up; sign in with `keyward login --as LOGIN`".into(),
        ));
    }
    let pw = input::new_password(stdin, &format!("Password for {login}: "))?;
    let actor = service.create_first_admin(login, name, email, &pw).await?;
    say!(
        "created global administrator {}; now run: keyward login --as {}",
        actor.login,
        actor.login
    );
    Ok(0)
}

pub async fn login(config: &Config, service: &Service, login: &str, stdin: bool) -> Result<i32> {
    let pw = input::password_once(stdin, &format!("Password for {login}: "))?;
    let mut result = service.login(login, &pw, "cli", true).await?;
    if let AuthOutcome::OkMustChange { reason } = &result.outcome {
        eprintln!("Your password must be changed now: {}.", reason.describe());
        let new = if stdin {
            // The new password is the next line of standard input.
            Password::new(
                input::stdin_line("new password (a second line on standard input)")?.to_string(),
            )
        } else if std::io::stdin().is_terminal() {
            input::new_password(false, "New password: ")?
        } else {
            return Err(Error::Unauthenticated(
                "the password must be changed; sign in on a terminal, or give the new password as a second line with --password-stdin".into(),
            ));
        };
        service
            .change_password_with_current(login, &pw, &new, "cli")
            .await?;
        result = service.login(login, &new, "cli", true).await?;
    }
    if result.outcome == AuthOutcome::OkRevalidate {
        eprintln!(
            "Note: your account must be re-validated (it was not used for a long time). \
             Ask for the link on keyward serve's /revalidate page; it is mailed to your address."
        );
    }
    match (&result.outcome, result.token) {
        (AuthOutcome::Ok | AuthOutcome::OkRevalidate, Some(token)) => {
            // A new sign-in ends the session it replaces (ASVS V7.2.4),
            // rather than leaving its token valid until it idles out.
            if let Err(e) = session::logout(config, service).await {
                tracing::warn!(error = %e, "could not end the previous CLI session");
            }
            let path = session::save(config, &token)?;
            let who = result
                .actor
                .map(|a| format!("{} ({})", a.login, a.role.label()))
                .unwrap_or_default();
            say!("signed in as {who}; session saved in {}", path.display());
            Ok(0)
        }
        (outcome, _) => Err(Error::Unauthenticated(format!(
            "sign-in refused: {}",
            outcome.describe()
        ))),
    }
}

pub async fn logout(config: &Config, service: &Service) -> Result<i32> {
    if session::logout(config, service).await? {
        say!("signed out");
    } else {
        say!("no session to end");
    }
    Ok(0)
}

pub async fn verify(
    service: &Service,
    login: &str,
    source: &str,
    resource: Option<&str>,
    stdin: bool,
    json: bool,
) -> Result<i32> {
    let pw = input::password_once(stdin, &format!("Password for {login}: "))?;
    let outcome = match resource {
        Some(r) => service.authenticate_through(login, &pw, r).await?,
        None => service.authenticate(login, &pw, source).await?,
    };
    if json {
        output::json(&outcome)?;
    } else {
        say!("{}", outcome.describe());
    }
    Ok(outcome.exit_code())
}

pub async fn reset_token(
    config: &Config,
    service: &Service,
    cmd: ResetTokenCommand,
) -> Result<i32> {
    match cmd {
        ResetTokenCommand::Issue { login, out } => {
            let actor = session::actor(config, service).await?;
            let (token, expires) = service.issue_reset_token(&actor, &login).await?;
            if out.json {
                output::json(
                    &serde_json::json!({ "login": login, "token": token.as_str(), "expires_at": expires }),
                )?;
            } else {
                say!("{}", token.as_str());
                eprintln!(
                    "reset token for {} (shown once), valid until {}",
                    output::safe(&login),
                    expires.format("%Y-%m-%d %H:%M UTC")
                );
            }
            Ok(0)
        }
        ResetTokenCommand::Pending { login, out } => {
            let actor = session::actor(config, service).await?;
            let links = service
                .pending_reset_links(&actor, login.as_deref())
                .await?;
            if out.json {
                output::json(&links)?;
            } else if links.is_empty() {
                say!("no reset links wait to be passed on");
            } else {
                let rows: Vec<Vec<String>> = links
                    .iter()
                    .map(|l| {
                        vec![
                            output::safe(&l.login),
                            output::safe(&l.recipient),
                            output::time(Some(l.requested_at)),
                            output::time(Some(l.expires_at)),
                            output::safe(&l.link),
                        ]
                    })
                    .collect();
                output::table(&["LOGIN", "EMAIL", "ASKED", "EXPIRES", "LINK"], &rows);
            }
            Ok(0)
        }
        ResetTokenCommand::Redeem { pw } => {
            let token = input::stdin_line("reset token")?;
            let password: Password = if pw.password_stdin {
                Password::new(input::stdin_line("password")?.to_string())
            } else {
                input::new_password(false, "New password: ")?
            };
            let login = service.redeem_reset_token(&token, &password).await?;
            say!("password changed for {login}");
            Ok(0)
        }
    }
}

pub async fn demo(service: &Service, actor: &Actor, users: u64) -> Result<i32> {
    let bar = indicatif::ProgressBar::new(users);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} users  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let report = service
        .demo_fill(actor, users, &|done| bar.set_position(done))
        .await?;
    bar.finish_and_clear();
    say!(
        "added {} and {} in {:.1} s",
        count(report.users, "demo user", "demo users"),
        count(report.grants, "grant", "grants"),
        started.elapsed().as_secs_f64()
    );
    say!(
        "every demo user's password (shown once): {}",
        report.password.as_str()
    );
    Ok(0)
}
