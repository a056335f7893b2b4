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

/// What a batch did: the users done (with what each gave back), the users
/// it had nothing to do for (already disabled, not locked), and the users
/// refused (with the reason), in the order they were given.
#[derive(Debug)]
pub struct Batch<T> {
    pub done: Vec<(String, T)>,
    pub unchanged: Vec<String>,
    pub refused: Vec<(String, String)>,
}

impl<T> Batch<T> {
    /// "unlocked 3 accounts", "granted 2 users read access to Website; not
    /// granted: amy (not allowed: ...)": `object` follows the count. Users
    /// with nothing to change are counted after it: "disabled 1 user; 2
    /// already disabled".
    pub fn summary(&self, verb: &str, noun: &str, object: &str) -> String {
        let n = self.done.len();
        let mut text = format!("{verb} {n} {noun}{}", if n == 1 { "" } else { "s" });
        if !object.is_empty() {
            text.push(' ');
            text.push_str(object);
        }
        match self.unchanged.len() {
            0 => {}
            1 => text.push_str(&format!("; {} already {verb}", self.unchanged[0])),
            k => text.push_str(&format!("; {k} already {verb}")),
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
            unchanged: Vec::new(),
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

    /// Unlocks each user and clears their failed attempts; those neither
    /// locked nor with a failure to clear are listed as unchanged.
    pub async fn unlock_many(&self, actor: &Actor, logins: &[String]) -> Result<Batch<()>> {
        let mut batch = self
            .each(logins, |l| async move {
                let u = self.user(&l).await?;
                let already = u.locked_at.is_none() && u.failed_attempts == 0;
                self.unlock(actor, &l).await?;
                Ok(already)
            })
            .await?;
        Ok(split_unchanged(&mut batch))
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

    /// Disables (or enables) each user; those already so are listed as
    /// unchanged (and nothing is audited for them).
    pub async fn set_disabled_many(
        &self,
        actor: &Actor,
        logins: &[String],
        disabled: bool,
    ) -> Result<Batch<()>> {
        let mut batch = self
            .each(logins, |l| async move {
                let already =
                    (self.user(&l).await?.status == crate::domain::Status::Disabled) == disabled;
                self.set_disabled(actor, &l, disabled).await?;
                Ok(already)
            })
            .await?;
        Ok(split_unchanged(&mut batch))
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

/// Moves the users a batch of "was it already so?" answers found already so
/// into its unchanged list.
fn split_unchanged(batch: &mut Batch<bool>) -> Batch<()> {
    let mut out = Batch {
        done: Vec::new(),
        unchanged: Vec::new(),
        refused: std::mem::take(&mut batch.refused),
    };
    for (login, already) in batch.done.drain(..) {
        if already {
            out.unchanged.push(login);
        } else {
            out.done.push((login, ()));
        }
    }
    out
}
