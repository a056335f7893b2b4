//! The same change on several users at once (the console's marks, a
//! script's list of logins): each user's change is checked and audited on
//! its own, exactly as if it were made alone, and the outcome names the
//! users it was refused for and why. A lost database stops the batch (what
//! was done stays done); any other refusal moves on to the next user.

use super::{Actor, Service};
use crate::domain::AccessLevel;
use crate::error::Result;
use std::future::Future;
use zeroize::Zeroizing;

/// What a batch did: the users done (with what each gave back) and the
/// users refused (with the reason), in the order they were given.
#[derive(Debug)]
pub struct Batch<T> {
    pub done: Vec<(String, T)>,
    pub refused: Vec<(String, String)>,
}

impl<T> Batch<T> {
    /// "unlocked 3 accounts", "granted 2 users read access to Website; not
    /// granted: amy (not allowed: ...)": `object` follows the count.
    pub fn summary(&self, verb: &str, noun: &str, object: &str) -> String {
        let n = self.done.len();
        let mut text = format!("{verb} {n} {noun}{}", if n == 1 { "" } else { "s" });
        if !object.is_empty() {
            text.push(' ');
            text.push_str(object);
        }
        if !self.refused.is_empty() {
            let why: Vec<String> = self
                .refused
                .iter()
                .map(|(login, e)| format!("{login} ({e})"))
                .collect();
            text.push_str(&format!("; not {verb}: {}", why.join(", ")));
        }
        text
    }
}

impl Service {
    async fn each<T, F, Fut>(&self, logins: &[String], mut one: F) -> Result<Batch<T>>
    where
        F: FnMut(String) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut batch = Batch {
            done: Vec::new(),
            refused: Vec::new(),
        };
        for login in logins {
            match one(login.clone()).await {
                Ok(v) => batch.done.push((login.clone(), v)),
                Err(e) if e.is_unavailable() => return Err(e),
                Err(e) => batch.refused.push((login.clone(), e.to_string())),
            }
        }
        Ok(batch)
    }

    /// Unlocks each user and clears their failed attempts.
    pub async fn unlock_many(&self, actor: &Actor, logins: &[String]) -> Result<Batch<()>> {
        self.each(logins, |l| async move { self.unlock(actor, &l).await })
            .await
    }

    /// Mails each user a one-time reset link.
    pub async fn send_reset_links(
        &self,
        actor: &Actor,
        logins: &[String],
    ) -> Result<Batch<super::SentLink>> {
        self.each(
            logins,
            |l| async move { self.send_reset_link(actor, &l).await },
        )
        .await
    }

    /// Disables (or enables) each user.
    pub async fn set_disabled_many(
        &self,
        actor: &Actor,
        logins: &[String],
        disabled: bool,
    ) -> Result<Batch<()>> {
        self.each(logins, |l| async move {
            self.set_disabled(actor, &l, disabled).await
        })
        .await
    }

    /// Gives each user a generated temporary password (must be changed at
    /// next sign-in), returned to be shown once.
    pub async fn temporary_passwords(
        &self,
        actor: &Actor,
        logins: &[String],
    ) -> Result<Batch<Zeroizing<String>>> {
        self.each(logins, |l| async move {
            self.temporary_password(actor, &l).await
        })
        .await
    }

    /// Grants each user access to `resource` at `level` (or changes it).
    pub async fn grant_many(
        &self,
        actor: &Actor,
        resource: &str,
        logins: &[String],
        level: AccessLevel,
    ) -> Result<Batch<()>> {
        self.each(logins, |l| async move {
            self.grant(actor, resource, &l, level).await
        })
        .await
    }

    /// The logins among `logins` that several people share, each with the
    /// names of its holders: a password change for them reaches all of them.
    pub async fn shared_logins(
        &self,
        actor: &Actor,
        logins: &[String],
    ) -> Result<Vec<(String, Vec<String>)>> {
        let mut shared = Vec::new();
        for login in logins {
            let holders = self.holders(actor, login).await?;
            if !holders.is_empty() {
                shared.push((login.clone(), holders.into_iter().map(|h| h.name).collect()));
            }
        }
        Ok(shared)
    }
}
