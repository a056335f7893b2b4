//! Applications: the keys a resource's applications present to `keyward
//! serve`, and signing a user in through one. A key is shown once, kept as
//! its SHA-256 digest, revocable at once, and a resource may have several
//! (rotation). Issuing and revoking need a global administrator with a
//! recent step-up, and are audited.

use super::auth::{Authenticated, SignInSource};
use super::{Actor, Service, clip};
use crate::crypto::tokens::{random_token, token_digest};
use crate::domain::rights::Action;
use crate::domain::{AccessLevel, AuthOutcome, Kind, Password, Role};
use crate::error::{Error, Result};
use crate::store::rows::ApiKeyRow;
use crate::store::{AuditEvent, NewApiKey};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

/// Every key starts with this, so that a key pasted in the wrong place
/// (a log, a chat) is recognisable, and secret scanners can find it.
pub const KEY_PREFIX: &str = "kwk_";
/// How many characters of a key identify it in listings (the prefix and
/// 8 hex digits: not enough to guess the rest).
const SHOWN_CHARS: usize = KEY_PREFIX.len() + 8;
const LABEL_MAX: usize = 100;
/// How long a change ticket (the must-change answer's) may be used.
pub const CHANGE_TICKET_MINUTES: i64 = 10;

/// An application, as its key identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub key_id: i64,
    pub resource_id: i64,
    /// The resource's name ("Mobile app").
    pub name: String,
}

impl Application {
    /// Sign-ins through this application are recorded under its name and
    /// need a grant on its resource.
    pub fn source(&self) -> SignInSource {
        SignInSource {
            label: clip(&self.name, 64),
            resource_id: Some(self.resource_id),
        }
    }
}

/// A key just issued: the key itself, shown once.
pub struct IssuedKey {
    pub key: Zeroizing<String>,
    pub view: KeyView,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("key", &"***")
            .field("view", &self.view)
            .finish()
    }
}

/// A key as listings show it (never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyView {
    pub id: i64,
    pub resource: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl KeyView {
    fn from_row(r: ApiKeyRow, resource: &str) -> KeyView {
        KeyView {
            id: r.id,
            resource: resource.to_string(),
            prefix: r.prefix,
            label: r.label,
            created_at: r.created_at,
            created_by: r.created_by,
            revoked_at: r.revoked_at,
        }
    }
}

/// The account an application signed in, as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedInUser {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub email: String,
    pub kind: Kind,
    pub role: Role,
    /// The account's access level on the application's resource.
    pub access: AccessLevel,
}

/// What a sign-in through an application answers.
#[derive(Clone)]
pub struct AppSignIn {
    pub outcome: AuthOutcome,
    /// On `ok` and `must_change`.
    pub user: Option<SignedInUser>,
    /// On `must_change`: a ticket that stands in for the current password
    /// in a change, for [`CHANGE_TICKET_MINUTES`].
    pub change_ticket: Option<(Zeroizing<String>, DateTime<Utc>)>,
}

impl std::fmt::Debug for AppSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSignIn")
            .field("outcome", &self.outcome)
            .field("user", &self.user)
            .field("change_ticket", &self.change_ticket.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Service {
    /// Issues a new key for a resource's application; the key is returned
    /// once. Needs a global administrator and a recent step-up.
    pub async fn issue_api_key(
        &self,
        actor: &Actor,
        resource: &str,
        label: &str,
    ) -> Result<IssuedKey> {
        let me = self.authorize(actor, Action::ManageKeys, None).await?;
        self.require_step_up(actor, &me.login, Action::ManageKeys)
            .await?;
        let r = self.resource(resource).await?;
        let label = label.trim();
        if label.chars().count() > LABEL_MAX || label.chars().any(char::is_control) {
            return Err(Error::Invalid(format!(
                "a key's label has at most {LABEL_MAX} characters and no control characters"
            )));
        }
        let key = Zeroizing::new(format!("{KEY_PREFIX}{}", random_token().as_str()));
        let prefix: String = key.chars().take(SHOWN_CHARS).collect();
        let event = AuditEvent::new(
            &me.login,
            "api_key.issue",
            &r.name,
            json!({ "prefix": prefix, "label": label }),
        );
        let now = self.now();
        let new = NewApiKey {
            resource_id: r.id,
            key_hash: &token_digest(&key),
            prefix: &prefix,
            label,
            created_by: &me.login,
        };
        let id = self.store.insert_api_key(&new, now, &event).await?;
        Ok(IssuedKey {
            key,
            view: KeyView {
                id,
                resource: r.name,
                prefix,
                label: label.to_string(),
                created_at: now,
                created_by: me.login,
                revoked_at: None,
            },
        })
    }

    /// A resource's keys, revoked ones included (never the keys themselves).
    pub async fn list_api_keys(&self, actor: &Actor, resource: &str) -> Result<Vec<KeyView>> {
        self.authorize(actor, Action::View, None).await?;
        let r = self.resource(resource).await?;
        Ok(self
            .store
            .api_keys(r.id)
            .await?
            .into_iter()
            .map(|k| KeyView::from_row(k, &r.name))
            .collect())
    }

    /// Revokes a key of a resource, named by its id or its shown prefix;
    /// applications using it are refused from the next request on.
    pub async fn revoke_api_key(
        &self,
        actor: &Actor,
        resource: &str,
        key: &str,
    ) -> Result<KeyView> {
        let me = self.authorize(actor, Action::ManageKeys, None).await?;
        self.require_step_up(actor, &me.login, Action::ManageKeys)
            .await?;
        let r = self.resource(resource).await?;
        let key = key.trim();
        let keys = self.store.api_keys(r.id).await?;
        let found = keys
            .into_iter()
            .find(|k| k.id.to_string() == key || (key.len() >= 8 && k.prefix.starts_with(key)))
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "{} has no key {:?}; see `keyward resource key list`",
                    r.name,
                    clip(key, 40)
                ))
            })?;
        if found.revoked_at.is_some() {
            return Err(Error::Conflict(format!(
                "key {} of {} is already revoked",
                found.prefix, r.name
            )));
        }
        let event = AuditEvent::new(
            &me.login,
            "api_key.revoke",
            &r.name,
            json!({ "prefix": found.prefix, "label": found.label }),
        );
        let now = self.now();
        if !self
            .store
            .revoke_api_key(r.id, found.id, now, &event)
            .await?
        {
            return Err(Error::Conflict("that key was revoked meanwhile".into()));
        }
        Ok(KeyView::from_row(
            ApiKeyRow {
                revoked_at: Some(now),
                ..found
            },
            &r.name,
        ))
    }

    /// The application a key belongs to; `Unauthenticated` for a missing,
    /// malformed, unknown or revoked key (all alike).
    pub async fn application(&self, key: &str) -> Result<Application> {
        let refused = || Error::Unauthenticated("a valid application key is required".into());
        let key = key.trim();
        if !key.starts_with(KEY_PREFIX) || key.len() != KEY_PREFIX.len() + 64 {
            return Err(refused());
        }
        let owner = self
            .store
            .key_owner(&token_digest(key))
            .await?
            .ok_or_else(refused)?;
        Ok(Application {
            key_id: owner.key_id,
            resource_id: owner.resource_id,
            name: owner.resource,
        })
    }

    /// [`Service::authenticate`] as an application of `resource` would
    /// (`keyward verify --resource`): without a grant the right password
    /// answers `NoAccess`. The attempt is recorded under the resource.
    pub async fn authenticate_through(
        &self,
        login: &str,
        password: &Password,
        resource: &str,
    ) -> Result<AuthOutcome> {
        let r = self.resource(resource).await?;
        let source = SignInSource {
            label: clip(&r.name, 64),
            resource_id: Some(r.id),
        };
        Ok(self
            .authenticate_from(login, password, &source)
            .await?
            .outcome)
    }

    /// Signs a user in through an application (`POST /v1/sign-in`): the
    /// one `authenticate` path, with a grant on the application's resource
    /// required. A must-change answer carries a change ticket.
    pub async fn sign_in_app(
        &self,
        app: &Application,
        login: &str,
        password: &Password,
    ) -> Result<AppSignIn> {
        let Authenticated {
            outcome,
            user,
            access,
        } = self
            .authenticate_from(login, password, &app.source())
            .await?;
        let (Some(user), Some(access)) = (user, access) else {
            return Ok(AppSignIn {
                outcome,
                user: None,
                change_ticket: None,
            });
        };
        let change_ticket = match outcome {
            AuthOutcome::OkMustChange { .. } => {
                let ticket = random_token();
                let now = self.now();
                let expires = now + Duration::minutes(CHANGE_TICKET_MINUTES);
                self.store
                    .insert_change_ticket(user.id, &token_digest(&ticket), expires, now)
                    .await?;
                Some((ticket, expires))
            }
            _ => None,
        };
        Ok(AppSignIn {
            outcome,
            user: Some(SignedInUser {
                id: user.id,
                kind: user.kind,
                role: user.role,
                login: user.login,
                name: user.name,
                email: user.email,
                access,
            }),
            change_ticket,
        })
    }
}
