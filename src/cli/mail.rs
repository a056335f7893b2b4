//! `keyward mail send|status|retry`: one round of delivery (for cron, or
//! by hand while `keyward serve` is not running), the outbox at a glance,
//! and failed mail queued again.

use super::args::MailCommand;
use super::exit;
use super::output::{self, say};
use super::session;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::mail::{MailSettings, Sender};
use crate::service::Service;

/// How many undelivered mails `status` lists.
const PROBLEMS_SHOWN: i64 = 50;

pub async fn run(config: &Config, service: &Service, cmd: MailCommand) -> Result<i32> {
    match cmd {
        MailCommand::Send => send(config, service).await,
        MailCommand::Status { out } => {
            let actor = session::actor(config, service).await?;
            let status = service.mail_status(&actor, PROBLEMS_SHOWN).await?;
            if out.json {
                output::json(&status)?;
                return Ok(0);
            }
            say!(
                "queued {}, sent {}, failed {}, dropped {}",
                status.queued,
                status.sent,
                status.failed,
                status.dropped
            );
            if let Some(t) = status.oldest_queued {
                say!("oldest queued since {}", output::time(Some(t)));
            }
            if !status.problems.is_empty() {
                let rows: Vec<Vec<String>> = status
                    .problems
                    .iter()
                    .map(|p| {
                        vec![
                            p.id.to_string(),
                            p.state.to_string(),
                            p.kind.to_string(),
                            output::safe(&p.login),
                            output::safe(&p.recipient),
                            p.attempts.to_string(),
                            output::time(p.next_attempt_at),
                            output::safe(&p.error),
                        ]
                    })
                    .collect();
                output::table(
                    &[
                        "ID", "STATE", "KIND", "LOGIN", "TO", "ATTEMPTS", "NEXT TRY", "ERROR",
                    ],
                    &rows,
                );
            }
            if MailSettings::resolve(config)?.is_none() {
                eprintln!(
                    "no mail server is configured ([mail] url): mail waits in the outbox, and reset links are listed by `keyward reset-token pending`"
                );
            }
            Ok(0)
        }
        MailCommand::Retry => {
            let actor = session::actor(config, service).await?;
            let n = service.retry_failed_mail(&actor).await?;
            say!(
                "{n} failed mail{} queued again; `keyward serve` or `keyward mail send` sends {}",
                if n == 1 { "" } else { "s" },
                if n == 1 { "it" } else { "them" }
            );
            Ok(0)
        }
    }
}

async fn send(config: &Config, service: &Service) -> Result<i32> {
    let Some(settings) = MailSettings::resolve(config)? else {
        return Err(Error::Invalid(
            "no mail server is configured: set [mail] url and from in the config file (see config.example.toml)".into(),
        ));
    };
    let sender = Sender::new(service.clone(), settings)?;
    let round = sender.send_due().await?;
    say!(
        "sent {}, to retry later {}, failed {} (through {})",
        round.sent,
        round.retrying,
        round.failed,
        sender.server()
    );
    if let Some(e) = &round.last_error {
        eprintln!("last error: {}", output::safe(e));
    }
    Ok(if round.retrying + round.failed > 0 {
        i32::from(exit::UNAVAILABLE)
    } else {
        0
    })
}
