//! Re-validation of accounts left idle (DESIGN sign-in step 7). A sign-in
//! to an account unused for longer than its policy's
//! `revalidate_after_days` answers ok-revalidate (service/auth.rs marks
//! it), and keeps answering so until the account's owner follows a link
//! mailed to its address. Asking for the link works as asking for a reset
//! link does: the same answer at once whatever it names, the work after
//! the answer, limits per account and per address. Opening the link
//! (`GET /revalidate/{token}`) spends nothing; only its form's POST does.

use super::Service;
use super::self_service::LinkRequest;
use crate::domain::user::inactivity;
use crate::error::Result;
use crate::store::rows::UserRow;
use crate::store::{AuditEvent, Revalidated, TokenPurpose};
use chrono::{DateTime, Utc};
use serde_json::json;

/// What a re-validation link is, without using it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevalidationLinkState {
    /// The link re-validates `login` until `expires_at`.
    Valid {
        login: String,
        expires_at: DateTime<Utc>,
    },
    /// Used, replaced, expired, malformed or unknown (all alike).
    Invalid,
}

impl Service {
    /// Asks for a re-validation link for the account a login ID or email
    /// names (`/revalidate`, `POST /v1/revalidate/request`). Answers at
    /// once, the same whatever it names: the expiry to announce under the
    /// staff default policy. A link is issued afterwards, on the service's
    /// background work, only to an active account that is due for
    /// re-validation, within the per-account hourly limit; it leads to
    /// `links_base` + `/revalidate/TOKEN`.
    pub async fn request_revalidation(
        &self,
        who: &str,
        via: &str,
        client: &str,
        links_base: &str,
    ) -> Result<DateTime<Utc>> {
        let request = self
            .accept_link_request(who, via, client, links_base)
            .await?;
        let shown = request.shown;
        let service = self.clone();
        self.in_background_spread(async move {
            if let Err(e) = service.issue_revalidation_link(&request).await {
                tracing::warn!(error = %e, "a re-validation request could not be completed");
            }
        });
        Ok(shown)
    }

    /// Whether `user` must be re-validated now: marked by a sign-in, or
    /// idle past its policy's threshold already.
    async fn revalidation_due(&self, user: &UserRow) -> Result<bool> {
        if user.revalidation_due_at.is_some() {
            return Ok(true);
        }
        let policy = self.effective_policy(user).await?.policy;
        Ok(inactivity(user.last_login_at, user.created_at, &policy, self.now()).0)
    }

    /// The work behind a re-validation request, after its answer: a link
    /// only for an account that is due.
    async fn issue_revalidation_link(&self, r: &LinkRequest) -> Result<()> {
        let Some(user) = self
            .requested_account(
                &r.who,
                &r.via,
                &r.client,
                "revalidate_token.request_refused",
            )
            .await?
        else {
            return Ok(());
        };
        if !self.revalidation_due(&user).await? {
            tracing::info!(login = %user.login, via = r.via, "re-validation requested for an account that needs none: nothing sent");
            return Ok(());
        }
        self.mail_requested_link(&user, TokenPurpose::Revalidate, r)
            .await
    }

    /// What a re-validation link is, without using it up (a GET of its
    /// page: mail scanners and link previews fetch links).
    pub async fn revalidation_link_state(&self, token: &str) -> Result<RevalidationLinkState> {
        Ok(
            match self
                .usable_link_token(token, TokenPurpose::Revalidate)
                .await?
            {
                Some((user, expires_at)) => RevalidationLinkState::Valid {
                    login: user.login,
                    expires_at,
                },
                None => RevalidationLinkState::Invalid,
            },
        )
    }

    /// Follows a re-validation link (its page's POST): spends the token
    /// and re-validates the account, audited. The login re-validated, or
    /// `None` when the link was used, replaced or expired (also when two
    /// requests race: one wins).
    pub async fn revalidate_with_link(&self, token: &str) -> Result<Option<String>> {
        let Some((user, token_id, _)) = self
            .usable_link_token_id(token, TokenPurpose::Revalidate)
            .await?
        else {
            return Ok(None);
        };
        let event = AuditEvent::new(
            &user.login,
            "account.revalidate",
            &user.login,
            json!({ "due_since": user.revalidation_due_at }),
        );
        match self
            .store
            .revalidate(token_id, user.id, self.now(), &event)
            .await?
        {
            Revalidated::Yes => {
                tracing::info!(login = %user.login, "account re-validated through its link");
                Ok(Some(user.login))
            }
            Revalidated::TokenGone => Ok(None),
        }
    }
}
