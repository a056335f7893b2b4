//! `[mail]` resolved: the SMTP transport (lettre, with its connection
//! pool), the sender's address and the retry rules. The server's password
//! never leaves this file: it is not in errors, logs or what is printed
//! about the server.

use crate::config::{Config, MailSection};
use crate::error::{Error, Result};
use crate::service::MailRetry;
use lettre::message::Mailbox;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use std::time::Duration;

/// Everything the sender needs from the configuration.
pub struct MailSettings {
    pub transport: AsyncSmtpTransport<Tokio1Executor>,
    /// The server as it may be shown: scheme, host and port, no credentials.
    pub server: String,
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    /// The domain in each mail's Message-ID (the sender's).
    pub domain: String,
    /// The organisation's name, from `[web] organisation`.
    pub organisation: String,
    pub retry: MailRetry,
    /// Mails sent at once (the pool's connections).
    pub connections: usize,
    /// How often a long-running sender looks for due mail.
    pub poll: Duration,
}

impl MailSettings {
    /// `None` when no mail server is configured.
    pub fn resolve(config: &Config) -> Result<Option<MailSettings>> {
        MailSettings::from_section(&config.mail, &config.web.organisation)
    }

    /// `[mail]` as given, with the organisation's name for the templates.
    pub fn from_section(m: &MailSection, organisation: &str) -> Result<Option<MailSettings>> {
        let Some(url) = m.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let parsed = url::Url::parse(url).map_err(|e| {
            Error::Invalid(format!(
                "[mail] url is not a URL ({e}): use smtp://host:port, smtp://host:port?tls=required or smtps://host:port"
            ))
        })?;
        if !matches!(parsed.scheme(), "smtp" | "smtps") {
            return Err(Error::Invalid(format!(
                "[mail] url must start with smtp:// or smtps://, not {}://",
                parsed.scheme()
            )));
        }
        let host = parsed.host_str().unwrap_or("").to_string();
        if host.is_empty() {
            return Err(Error::Invalid("[mail] url names no host".into()));
        }
        let server = match parsed.port() {
            Some(p) => format!("{}://{host}:{p}", parsed.scheme()),
            None => format!("{}://{host}", parsed.scheme()),
        };
        let from_text = m.from.as_deref().map(str::trim).unwrap_or("");
        if from_text.is_empty() {
            return Err(Error::Invalid(
                "[mail] from is missing: the address mail is sent from, e.g. \"Accounts <accounts@example.org>\"".into(),
            ));
        }
        let from: Mailbox = from_text
            .parse()
            .map_err(|e| Error::Invalid(format!("[mail] from is not a mail address: {e}")))?;
        let reply_to = match m
            .reply_to
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(r) => Some(r.parse::<Mailbox>().map_err(|e| {
                Error::Invalid(format!("[mail] reply_to is not a mail address: {e}"))
            })?),
            None => None,
        };
        let domain = from.email.domain().to_string();
        let cannot = |e: lettre::transport::smtp::Error| {
            Error::Invalid(format!("[mail] url cannot be used ({server}): {e}"))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(cannot)?;
        if let Ok(password) = std::env::var("KEYWARD_MAIL_PASSWORD") {
            let user = percent_decode(parsed.username());
            if user.is_empty() {
                return Err(Error::Invalid(
                    "KEYWARD_MAIL_PASSWORD is set but [mail] url names no user (smtp://user@host)"
                        .into(),
                ));
            }
            builder = builder.credentials(Credentials::new(user, password));
        }
        let connections = m.connections.clamp(1, 64);
        let transport = builder
            .pool_config(PoolConfig::new().max_size(connections))
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let secs = |s: u64| chrono::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 2_000));
        Ok(Some(MailSettings {
            transport,
            server,
            from,
            reply_to,
            domain,
            organisation: organisation.to_string(),
            retry: MailRetry {
                lease: secs(m.claim_seconds.max(1)),
                first_wait: secs(m.first_retry_seconds.max(1)),
                longest_wait: secs(m.longest_retry_seconds.max(m.first_retry_seconds).max(1)),
                max_attempts: m.max_attempts.max(1),
            },
            connections: connections as usize,
            poll: Duration::from_secs(m.poll_seconds.max(1)),
        }))
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}
