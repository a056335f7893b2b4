//! The doctor's checks over the network: the mail server of `[mail] url`
//! (a connection, the greeting and a NOOP, through the same transport the
//! sender uses, so TLS and credentials are tried too) and the address of
//! `[web] listen` (free to bind, or already answered by a keyward serve),
//! after the files `[web]` names (the TLS pair, the metrics token).

use super::Finding;
use crate::config::Config;
use crate::mail::MailSettings;
use crate::serve::WebSettings;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long the mail server and a listener may take to answer.
const NETWORK_WAIT: Duration = Duration::from_secs(10);

/// Whether the mail server takes a connection.
pub(super) async fn mail(config: &Config) -> Finding {
    let settings = match MailSettings::resolve(config) {
        Ok(Some(settings)) => settings,
        Ok(None) => {
            return Finding::skipped(
                "mail",
                "no mail server configured ([mail] url): reset links wait for an administrator \
                 (keyward reset-token pending)",
            );
        }
        Err(e) => {
            return Finding::problem(
                "mail",
                e.to_string(),
                "correct [mail] in the config file (config.example.toml shows the forms)",
            );
        }
    };
    let fix = "check [mail] url (host, port, tls) and KEYWARD_MAIL_PASSWORD, and that the mail \
               server runs and accepts connections from this host";
    match tokio::time::timeout(NETWORK_WAIT, settings.transport.test_connection()).await {
        Ok(Ok(true)) => Finding::ok("mail", format!("{} answers", settings.server)),
        Ok(Ok(false)) => Finding::problem(
            "mail",
            format!("{} took the connection but did not answer", settings.server),
            fix,
        ),
        Ok(Err(e)) => Finding::problem(
            "mail",
            format!("cannot reach {}: {e}", settings.server),
            fix,
        ),
        Err(_) => Finding::problem(
            "mail",
            format!(
                "{} did not answer within {} s",
                settings.server,
                NETWORK_WAIT.as_secs()
            ),
            fix,
        ),
    }
}

/// Whether `keyward serve` could listen on `[web] listen`, or one already
/// does there.
pub(super) async fn web(config: &Config) -> Finding {
    let settings = match WebSettings::resolve(&config.web, None) {
        Ok(s) => s,
        Err(e) => {
            return Finding::problem("web", e.to_string(), "correct [web] in the config file");
        }
    };
    if let Some(path) = &settings.metrics_token_file
        && let Err(e) = crate::serve::metrics::read_token(path)
    {
        return Finding::problem(
            "web",
            e.to_string(),
            "write a token of 16 characters or more into the file (openssl rand -hex 32), \
             or remove [web] metrics_token_file",
        );
    }
    if let Some(tls) = &settings.tls
        && let Err(e) = tls.rustls().await
    {
        return Finding::problem(
            "web",
            e.to_string(),
            "point [web] tls_cert and tls_key at the PEM certificate chain and its key",
        );
    }
    let addr = settings.listen;
    let in_use = match std::net::TcpListener::bind(addr) {
        Ok(listener) => {
            drop(listener);
            return Finding::ok(
                "web",
                format!("{addr} is free: keyward serve can listen there"),
            );
        }
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => e,
        Err(e) => {
            return Finding::problem(
                "web",
                format!("keyward serve could not listen on {addr}: {e}"),
                "choose another address in [web] listen (or keyward serve --listen ADDR)",
            );
        }
    };
    if settings.tls.is_some() {
        return Finding::skipped(
            "web",
            format!(
                "{addr} is in use ({in_use}); over HTTPS the doctor does not look who answers: \
                 curl -k https://{addr}/v1/health"
            ),
        );
    }
    match health(reachable(addr)).await {
        Some(database) => Finding::ok(
            "web",
            format!("a keyward serve answers on {addr} (its database: {database})"),
        ),
        None => Finding::problem(
            "web",
            format!("{addr} is taken by another program ({in_use})"),
            "stop that program, or choose another address in [web] listen \
             (or keyward serve --listen ADDR)",
        ),
    }
}

/// Where to connect to reach a listener on `addr` (an unspecified address
/// listens on loopback too).
fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// `GET /v1/health` over plain HTTP: `Some("reachable")` or
/// `Some("unreachable")` when a keyward serve answers, `None` otherwise.
async fn health(addr: SocketAddr) -> Option<&'static str> {
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        let request = format!(
            "GET /v1/health HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: keyward-doctor\r\n\
             Connection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut answer = Vec::new();
        stream.take(64 * 1024).read_to_end(&mut answer).await.ok()?;
        Some(String::from_utf8_lossy(&answer).into_owned())
    };
    let answer = tokio::time::timeout(NETWORK_WAIT, ask).await.ok()??;
    if !answer.starts_with("HTTP/1.1 200") && !answer.starts_with("HTTP/1.1 503") {
        return None;
    }
    if answer.contains(r#""database":"reachable""#) {
        Some("reachable")
    } else if answer.contains(r#""database":"unreachable""#) {
        Some("unreachable")
    } else {
        None
    }
}
