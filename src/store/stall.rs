//! Telling a stalled database from a slow one, for a one-shot command's
//! watchdog (cli/watchdog.rs). The probe is made from the database URL
//! alone, before any store is open, so that the command's opening (its
//! connections and the start-up reads of the schema and policies) is
//! watched as well as its work.

use std::time::Duration;

/// Asks the database for `SELECT 1` over a fresh connection of its own.
#[derive(Clone, Debug)]
pub struct StallProbe {
    #[cfg(feature = "postgres")]
    postgres: Option<sqlx::postgres::PgConnectOptions>,
}

impl StallProbe {
    /// The probe for the database `url` names. A SQLite file has no wire,
    /// and its waits for the write lock end at busy_timeout: it never
    /// stalls. A URL that does not parse is left to opening, which says
    /// why; its probe never reports a stall.
    pub fn for_url(url: &str) -> StallProbe {
        #[cfg(feature = "postgres")]
        {
            use std::str::FromStr;
            let postgres = super::connect::is_postgres_url(url)
                .then(|| sqlx::postgres::PgConnectOptions::from_str(url).ok())
                .flatten()
                .map(|o| o.application_name("keyward"));
            StallProbe { postgres }
        }
        #[cfg(not(feature = "postgres"))]
        {
            let _ = url;
            StallProbe {}
        }
    }

    /// Whether the server fails to answer a fresh connection's `SELECT 1`
    /// within `limit`: it, or the network to it, has stalled. Only a
    /// timeout counts (a server that refuses is not stalled: the work's
    /// own requests fail with its reason), and the connection is not one
    /// of the pool's, so work that holds every pooled connection is not
    /// taken for a stall.
    pub async fn stalled(&self, limit: Duration) -> bool {
        #[cfg(feature = "postgres")]
        if let Some(options) = &self.postgres {
            use sqlx::Connection;
            let probe = async {
                let mut conn = sqlx::PgConnection::connect_with(options).await?;
                sqlx::query("SELECT 1").execute(&mut conn).await?;
                conn.close().await
            };
            return tokio::time::timeout(limit, probe).await.is_err();
        }
        let _ = limit;
        false
    }
}
