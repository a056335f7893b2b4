//! Email addresses shared by several accounts of one kind. A reset by
//! email must reach exactly one account, so new duplicates are refused
//! (store/users.rs) and the ones that existed before are listed here
//! (`keyward user list --duplicate-emails`) to be put right.

use super::{Actor, Service};
use crate::domain::Kind;
use crate::domain::rights::Action;
use crate::error::{Error, Result};
use serde::Serialize;

/// The most accounts listed.
const LISTED_MAX: i64 = 100_000;

/// One shared address and the accounts of one kind that have it.
#[derive(Debug, Clone, Serialize)]
pub struct SharedEmail {
    pub email: String,
    pub kind: Kind,
    pub logins: Vec<String>,
}

impl Service {
    /// Every address shared by two or more accounts of one kind, by kind
    /// and address.
    pub async fn duplicate_emails(&self, actor: &Actor) -> Result<Vec<SharedEmail>> {
        self.authorize(actor, Action::View, None).await?;
        let mut groups: Vec<SharedEmail> = Vec::new();
        for (kind, email, login) in self.store.duplicate_emails(LISTED_MAX).await? {
            let kind: Kind = kind.parse().map_err(Error::Database)?;
            match groups.last_mut() {
                Some(g) if g.kind == kind && g.email == email => g.logins.push(login),
                _ => groups.push(SharedEmail {
                    email,
                    kind,
                    logins: vec![login],
                }),
            }
        }
        Ok(groups)
    }
}
