//! The use cases an interactive administrator's session needs beyond the
//! single changes: signing in to the console (and what its first screen
//! needs to know), the first run, a forced change right after signing in,
//! whom a new password is for, and the choices a user form offers. The
//! console's worker only calls these; the command line and other programs
//! may call them too.

use super::views::NamedPolicy;
use super::{Actor, Service, parse_settings};
use crate::domain::policy::Policy;
use crate::domain::{AuthOutcome, Password};
use crate::error::{Error, Result};

/// Where console sign-ins are recorded as coming from.
const SOURCE: &str = "console";

/// Who a new password is for, and the rules it is checked against: the
/// console's live checklist, and the warning naming who shares the login.
#[derive(Debug, Clone)]
pub struct PasswordTarget {
    pub login: String,
    pub name: String,
    pub email: String,
    pub policy_name: String,
    pub policy: Policy,
    /// The people who share the login (their names).
    pub holders: Vec<String>,
    /// The user's row version as read: a save on it reports a change made
    /// meanwhile (`Service::set_password_at`).
    pub version: i64,
}

/// A signed-in administrator and their session's rules.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub name: String,
    pub idle_timeout_minutes: u32,
}

/// What a console sign-in answered.
#[derive(Debug)]
pub enum SignInReply {
    SignedIn(Session),
    /// Right password; a new one is needed first.
    MustChange {
        login: String,
        reason: String,
        target: PasswordTarget,
    },
    /// Why not, in words that reveal nothing about the account.
    Refused(String),
}

/// The choices a user form and a bulk reset offer.
#[derive(Debug, Clone, Default)]
pub struct FormChoices {
    /// Every policy, in creation order.
    pub policies: Vec<NamedPolicy>,
    /// Every resource's name, in name order.
    pub resources: Vec<String>,
    pub staff_policy: Policy,
    pub portal_policy: Policy,
}

impl Service {
    /// Signs an administrator in to the console through `login` (the one
    /// sign-in path): their session, or the forced change they must make
    /// first, or why not.
    pub async fn console_sign_in(&self, login: &str, password: &Password) -> Result<SignInReply> {
        let result = match self.login(login, password, SOURCE, false).await {
            Ok(r) => r,
            Err(Error::Forbidden(m)) => return Ok(SignInReply::Refused(m)),
            Err(e) => return Err(e),
        };
        match (result.outcome, result.actor) {
            // keyward's own console does not hold an administrator back
            // for re-validation (applications decide for themselves).
            (AuthOutcome::Ok | AuthOutcome::OkRevalidate, Some(actor)) => {
                let me = self
                    .store
                    .user_by_id(actor.user_id)
                    .await?
                    .ok_or_else(|| Error::NotFound("your account vanished".into()))?;
                let policy = self.effective_policy(&me).await?.policy;
                Ok(SignInReply::SignedIn(Session {
                    name: me.name,
                    actor,
                    idle_timeout_minutes: policy.idle_timeout_minutes,
                }))
            }
            (AuthOutcome::OkMustChange { reason }, Some(actor)) => {
                let target = self.password_target(&actor, &actor.login).await?;
                Ok(SignInReply::MustChange {
                    login: actor.login,
                    reason: reason.describe().to_string(),
                    target,
                })
            }
            (outcome, _) => Ok(SignInReply::Refused(outcome.describe())),
        }
    }

    /// First run: creates the first global administrator and signs them in.
    pub async fn console_first_run(
        &self,
        login: &str,
        name: &str,
        email: &str,
        password: &Password,
    ) -> Result<SignInReply> {
        self.create_first_admin(login, name, email, password)
            .await?;
        self.console_sign_in(login, password).await
    }

    /// The forced change right after a sign-in answered must-change: proves
    /// the current password again, sets the new one, and signs in with it.
    pub async fn console_change_at_sign_in(
        &self,
        login: &str,
        current: &Password,
        new: &Password,
    ) -> Result<SignInReply> {
        self.change_password_with_current(login, current, new, SOURCE)
            .await?;
        self.console_sign_in(login, new).await
    }

    /// The staff users' policy when the database has no user yet (a first
    /// run), else `None`.
    pub async fn first_run_policy(&self) -> Result<Option<Policy>> {
        if !self.needs_setup().await? {
            return Ok(None);
        }
        let row = self.builtin_policy(false).await?;
        Ok(Some(parse_settings(&row)?))
    }

    /// Who a new password for `login` is for and the policy it must meet.
    pub async fn password_target(&self, actor: &Actor, login: &str) -> Result<PasswordTarget> {
        let detail = self.get_user(actor, login).await?;
        let row = self.user(login).await?;
        let effective = self.effective_policy(&row).await?;
        Ok(PasswordTarget {
            version: row.version,
            login: detail.summary.login,
            name: detail.summary.name,
            email: detail.summary.email,
            policy_name: effective.row.name,
            policy: effective.policy,
            holders: detail.holders.into_iter().map(|h| h.name).collect(),
        })
    }

    /// Every policy and resource a form may choose from. Names and settings
    /// only: counting the users of each reads every user (0.7 s at a
    /// million on PostgreSQL), and the console asks at every sign-in.
    pub async fn form_choices(&self, actor: &Actor) -> Result<FormChoices> {
        let policies = self.policy_choices(actor).await?;
        let find = |n: &str| {
            policies
                .iter()
                .find(|p| p.name == n)
                .map(|p| p.settings.clone())
                .unwrap_or_default()
        };
        Ok(FormChoices {
            staff_policy: find("default"),
            portal_policy: find("portal"),
            resources: self.resource_names(actor).await?,
            policies,
        })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }

    /// Where the database is, for the status line ("sqlite /path/k.db").
    pub fn database(&self) -> &str {
        self.store.location()
    }

    /// Closes the database's connections (at the end of a session).
    pub async fn close(&self) {
        self.store.close().await
    }
}
