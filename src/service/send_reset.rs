//! Reset links an administrator has mailed to a user (`keyward user
//! send-reset`, the console's "Send reset link"): the user sets their own
//! password through the link, and nobody else learns it. The token and the
//! mail are written together; the sender delivers the mail.

use super::{Actor, Service};
use crate::crypto::tokens::{random_token, token_digest};
use crate::domain::rights::Action;
use crate::domain::user::masked_email;
use crate::error::{Error, Result};
use crate::store::{AuditEvent, NewLink};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

/// A link on its way: to whom (masked, as a confirmation shows it) and
/// until when it works.
#[derive(Debug, Clone, Serialize)]
pub struct SentLink {
    pub login: String,
    /// The address, masked: `a…@example.org`.
    pub to: String,
    pub expires_at: DateTime<Utc>,
    /// Whether it is mailed (a mail server is configured); otherwise it
    /// waits in the outbox for an administrator to pass it on.
    pub mailed: bool,
}

impl Service {
    /// Writes a reset link for `login` and the mail that carries it to the
    /// account's address, in one transaction (the user's older links stop
    /// working). The link leads to the pages at `links_base` (config).
    pub async fn send_reset_link(&self, actor: &Actor, login: &str) -> Result<SentLink> {
        let u = self.user(login).await?;
        let me = self
            .authorize(actor, Action::ResetPassword, Some(&u))
            .await?;
        if u.id == me.id {
            let refused = Err(Error::Forbidden(
                "you cannot send yourself a reset link; change your own password with your current one".into(),
            ));
            return self
                .audit_refusal(&me.login, Action::ResetPassword, &u.login, refused)
                .await;
        }
        if u.status != crate::domain::Status::Active {
            return Err(Error::Conflict(format!(
                "{} is disabled: enable the account before sending it a reset link",
                u.login
            )));
        }
        if crate::domain::user::check_email(&u.email).is_err() {
            return Err(Error::Invalid(format!(
                "{} has no usable email address: set one with `keyward user edit {} --email ...`",
                u.login, u.login
            )));
        }
        let links_base = self.links_base()?;
        let policy = self.effective_policy(&u).await?.policy;
        let now = self.now();
        let expires = now + Duration::minutes(i64::from(policy.reset_link_ttl_minutes));
        let token = random_token();
        let base = links_base.trim_end_matches('/');
        let link = zeroize::Zeroizing::new(format!("{base}/reset/{}", token.as_str()));
        let to = masked_email(&u.email);
        let event = AuditEvent::new(
            &me.login,
            "reset_token.send",
            &u.login,
            json!({ "to": to, "expires_at": expires }),
        );
        self.store
            .insert_reset_token(
                crate::store::TokenPurpose::Reset,
                u.id,
                &token_digest(&token),
                expires,
                now,
                &event,
                Some(NewLink {
                    recipient: &u.email,
                    link: &link,
                }),
                None,
            )
            .await?;
        Ok(SentLink {
            login: u.login,
            to,
            expires_at: expires,
            mailed: self.config.mail_configured,
        })
    }
}
