//! Telling a stalled database from a slow one, for a one-shot command's
//! watchdog (cli/watchdog.rs). The probe is made from the database URL
//! alone, before any store is open, so that the command's opening (its
//! connections and the start-up reads of the schema and policies) is
//! watched as well as its work.

use std::time::Duration;

/// Asks the database for `SELECT 1` over a fresh connection of its own.
#[derive(Clone)]
pub struct StallProbe {
    #[cfg(feature = "postgres")]
    postgres: Option<sqlx::postgres::PgConnectOptions>,
}

/// What one check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// The server answered: `SELECT 1`, or a refusal of its own (too many
    /// clients, a failed authentication). A server that refuses is not
    /// stalled: the work's own requests fail with its reason.
    Answered,
    /// No answer within the limit.
    NoAnswer,
    /// The network failed at once (no route to the host, a name that does
    /// not resolve, a refused connection): the server may be gone while
    /// the command's own connection waits on it.
    Unreachable,
}

impl std::fmt::Debug for StallProbe {
    /// Where it looks, never the URL's password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("StallProbe");
        #[cfg(feature = "postgres")]
        if let Some(o) = &self.postgres {
            d.field("host", &o.get_host())
                .field("port", &o.get_port())
                .field("database", &o.get_database());
        }
        d.finish_non_exhaustive()
    }
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

    /// Whether a check can ever find anything but [`Check::Answered`].
    pub fn can_stall(&self) -> bool {
        #[cfg(feature = "postgres")]
        {
            self.postgres.is_some()
        }
        #[cfg(not(feature = "postgres"))]
        {
            false
        }
    }

    /// One check: a fresh connection's `SELECT 1`, given `limit` to
    /// answer. The connection is not one of the pool's, so work that holds
    /// every pooled connection is not taken for a stall.
    pub async fn check(&self, limit: Duration) -> Check {
        #[cfg(feature = "postgres")]
        if let Some(options) = &self.postgres {
            use sqlx::Connection;
            let probe = async {
                let mut conn = sqlx::PgConnection::connect_with(options).await?;
                sqlx::query("SELECT 1").execute(&mut conn).await?;
                conn.close().await
            };
            return match tokio::time::timeout(limit, probe).await {
                Err(_) => Check::NoAnswer,
                Ok(Err(sqlx::Error::Io(_) | sqlx::Error::Tls(_))) => Check::Unreachable,
                Ok(_) => Check::Answered,
            };
        }
        let _ = limit;
        Check::Answered
    }
}

#[cfg(all(test, feature = "postgres"))]
mod tests {
    use super::*;

    /// A port nothing listens on: connections are refused at once.
    fn refused_url() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        format!("postgres://keyward@127.0.0.1:{port}/keyward")
    }

    #[tokio::test]
    async fn a_refused_connection_is_unreachable_and_silence_is_no_answer() {
        let probe = StallProbe::for_url(&refused_url());
        assert!(probe.can_stall());
        assert_eq!(
            probe.check(Duration::from_secs(5)).await,
            Check::Unreachable
        );
        // A server that accepts the connection and then says nothing.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = silent.local_addr().expect("addr").port();
        let hold = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((conn, _)) = silent.accept().await {
                held.push(conn);
            }
        });
        let probe = StallProbe::for_url(&format!("postgres://keyward@127.0.0.1:{port}/keyward"));
        assert_eq!(
            probe.check(Duration::from_millis(300)).await,
            Check::NoAnswer
        );
        hold.abort();
    }

    /// A server that answers, when the tests have one.
    #[tokio::test]
    #[cfg_attr(
        not(keyward_postgres_tests),
        ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
    )]
    async fn a_server_that_answers_is_answered() {
        let Ok(url) = std::env::var("KEYWARD_TEST_DATABASE_URL") else {
            return;
        };
        let probe = StallProbe::for_url(&url);
        assert_eq!(probe.check(Duration::from_secs(10)).await, Check::Answered);
    }
}
