//! Lock and unlock notifications on PostgreSQL: the `users_notify_lockouts`
//! trigger (migration 0001) sends `NOTIFY keyward_lockouts` whenever an
//! account's `locked_at` changes, whoever changed it (keyward, or another
//! application signing its users in against the same tables). A live
//! console listens instead of waiting for its next reload. SQLite has no
//! such channel: there the console's periodic reload is all there is.

use super::{Pool, Store};
use crate::error::Result;
#[cfg(feature = "postgres")]
use sqlx::postgres::PgListener;

/// The channel the trigger notifies.
#[cfg(feature = "postgres")]
const CHANNEL: &str = "keyward_lockouts";

/// A connection listening for lock changes.
pub struct LockoutListener {
    #[cfg(feature = "postgres")]
    listener: PgListener,
    /// Without the PostgreSQL driver there is none to make.
    #[cfg(not(feature = "postgres"))]
    never: std::convert::Infallible,
}

impl std::fmt::Debug for LockoutListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LockoutListener")
    }
}

impl LockoutListener {
    /// Waits for the next lock or unlock of any account. After a lost
    /// connection sqlx reconnects and listens again by itself; changes made
    /// while it was down are not reported (the console's reload finds them).
    #[cfg(feature = "postgres")]
    pub async fn changed(&mut self) -> Result<()> {
        self.listener.recv().await?;
        Ok(())
    }

    #[cfg(not(feature = "postgres"))]
    pub async fn changed(&mut self) -> Result<()> {
        match self.never {}
    }
}

impl Store {
    /// Listens for lock changes: `None` on SQLite, which cannot notify.
    pub async fn listen_lockouts(&self) -> Result<Option<LockoutListener>> {
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => Ok(None),
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok(Some(LockoutListener { listener }))
            }
        }
    }
}
