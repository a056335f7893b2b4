//! The sender: claims due mails from the service, renders and sends them
//! through the pool's connections at once, and reports each back. One round
//! sends everything due; `keyward serve` runs rounds every few seconds
//! until it stops, `keyward mail send` runs one.
//!
//! Delivery is at least once: a mail is marked sent after the server
//! accepted it, so a sender killed between the two sends it again after
//! its claim ends, with the same Message-ID (built from the row's id and
//! time) so that the copy can be recognised.

use super::settings::MailSettings;
use super::templates::Templates;
use crate::error::{Error, Result};
use crate::service::{MailJob, Service};
use futures::StreamExt;
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::{Address, AsyncTransport};
use tokio::sync::watch;

/// What one round did.
#[derive(Debug, Default, Clone)]
pub struct Round {
    pub sent: u64,
    /// Not accepted this time; tried again later.
    pub retrying: u64,
    /// Not accepted, for good (or attempts used up).
    pub failed: u64,
    /// The last error a mail met, to report.
    pub last_error: Option<String>,
}

/// What became of one mail.
enum Delivery {
    Sent,
    Retrying(String),
    Failed(String),
}

pub struct Sender {
    service: Service,
    settings: MailSettings,
    templates: Templates,
    /// When the deletion warnings were last looked for.
    warned_at: std::sync::Mutex<Option<std::time::Instant>>,
    /// Mails claimed at a time.
    batch: i64,
}

/// How often a long-running sender looks for accounts to warn of deletion.
const WARN_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Mails claimed at a time.
const BATCH: i64 = 100;

impl Sender {
    /// Claims `n` mails at a time instead of 100 (tests).
    pub fn with_batch(mut self, n: i64) -> Sender {
        self.batch = n.max(1);
        self
    }
}

impl Sender {
    pub fn new(service: Service, settings: MailSettings) -> Result<Sender> {
        Ok(Sender {
            service,
            settings,
            templates: Templates::load()?,
            warned_at: std::sync::Mutex::new(None),
            batch: BATCH,
        })
    }

    /// The mail server as it may be shown (no credentials).
    pub fn server(&self) -> &str {
        &self.settings.server
    }

    /// Sends every mail that is due, batch after batch, until none is left.
    pub async fn send_due(&self) -> Result<Round> {
        let due = {
            let mut at = self.warned_at.lock().unwrap_or_else(|e| e.into_inner());
            let due = at.is_none_or(|t| t.elapsed() >= WARN_EVERY);
            if due {
                *at = Some(std::time::Instant::now());
            }
            due
        };
        if due {
            self.service.queue_deletion_warnings().await?;
        }
        let mut round = Round::default();
        loop {
            let Some(jobs) = self
                .service
                .claim_mail(self.batch, &self.settings.retry)
                .await?
            else {
                return Ok(round);
            };
            let results: Vec<(Result<Delivery>, i64)> = futures::stream::iter(jobs)
                .map(|job| async move {
                    let id = job.id;
                    (self.deliver(job).await, id)
                })
                .buffer_unordered(self.settings.connections)
                .collect()
                .await;
            for (result, id) in results {
                match result? {
                    Delivery::Sent => round.sent += 1,
                    Delivery::Retrying(e) => {
                        tracing::warn!(mail = id, error = %e, "mail not sent; will retry");
                        round.retrying += 1;
                        round.last_error = Some(e);
                    }
                    Delivery::Failed(e) => {
                        tracing::warn!(mail = id, error = %e, "mail failed");
                        round.failed += 1;
                        round.last_error = Some(e);
                    }
                }
            }
        }
    }

    /// Renders and sends one claimed mail and reports the result to the
    /// service. An error here is the database's, not the mail server's.
    async fn deliver(&self, job: MailJob) -> Result<Delivery> {
        let retry = &self.settings.retry;
        let message = match self.message(&job) {
            Ok(m) => m,
            Err(e) => {
                let why = e.to_string();
                self.service.mail_not_sent(&job, &why, true, retry).await?;
                return Ok(Delivery::Failed(why));
            }
        };
        match self.settings.transport.send(message).await {
            Ok(_) => {
                self.service.mail_sent(&job).await?;
                tracing::info!(mail = job.id, kind = %job.kind, login = %job.login, "mail sent");
                Ok(Delivery::Sent)
            }
            Err(e) => {
                let why = format!("{}: {e}", self.settings.server);
                let again = self
                    .service
                    .mail_not_sent(&job, &why, e.is_permanent(), retry)
                    .await?;
                Ok(if again {
                    Delivery::Retrying(why)
                } else {
                    Delivery::Failed(why)
                })
            }
        }
    }

    /// The message for `job`: its recipient, subject, both bodies and its
    /// fixed Message-ID.
    fn message(&self, job: &MailJob) -> Result<Message> {
        let s = &self.settings;
        let address: Address = job.recipient.trim().parse().map_err(|e| {
            Error::Invalid(format!("{:?} is not a mail address: {e}", job.recipient))
        })?;
        let name = (!job.name.trim().is_empty()).then(|| job.name.clone());
        let rendered = self
            .templates
            .render(job, &s.organisation, self.service.now())?;
        let mut builder = Message::builder()
            .from(s.from.clone())
            .to(Mailbox::new(name, address))
            .subject(rendered.subject)
            .message_id(Some(message_id(job, &s.domain)));
        if let Some(r) = &s.reply_to {
            builder = builder.reply_to(r.clone());
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| Error::Internal(format!("the mail could not be built: {e}")))
    }

    /// Runs rounds every `poll` until `stop` is set; the round in progress
    /// finishes first.
    pub fn spawn(self) -> SenderTask {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                match self.send_due().await {
                    Ok(r) if r.sent + r.retrying + r.failed > 0 => tracing::info!(
                        sent = r.sent,
                        retrying = r.retrying,
                        failed = r.failed,
                        "mail round"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "mail round could not run"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(self.settings.poll) => {}
                    _ = stopped.changed() => break,
                }
            }
        });
        SenderTask { stop, task }
    }
}

/// A sender running in the background (`keyward serve`).
pub struct SenderTask {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl SenderTask {
    /// Lets the round in progress finish, then stops.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "the mail sender ended badly");
        }
    }
}

/// The same for every attempt at one row, so that a copy sent twice (a
/// sender killed between sending and marking) can be recognised.
fn message_id(job: &MailJob, domain: &str) -> String {
    format!(
        "<keyward.{}.{}@{domain}>",
        job.id,
        job.queued_at.timestamp_micros()
    )
}
