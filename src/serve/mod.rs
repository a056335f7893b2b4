//! `keyward serve`: the HTTP service through which the organisation's
//! applications sign their users in (the JSON API under `/v1`, each call
//! with an application's key) and the users themselves reset or change
//! their password (server-rendered pages).
//!
//! It is a thin layer over the same [`Service`] the console and the command
//! line use: handlers parse, call one service function and shape its
//! answer; rights, policy, counting and audit stay in the service. It keeps
//! no state of its own (counters and rate limits live in the database), so
//! several instances may serve one PostgreSQL database.

mod api;
mod client;
mod error;
mod layers;
pub mod metrics;
mod pages;
mod settings;
mod shutdown;
mod state;

pub use api::{bodies, openapi};
pub use settings::{WebSettings, links_base};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::service::Service;
use axum::Router;
use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// A line for whoever started the server, on standard error. A server runs
/// for weeks: if that reader has gone (a closed pipe, a terminal that went
/// away), the line is lost, never the server (`eprintln!` would panic).
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// The whole application: API, pages, `/metrics` and the layers around
/// them. Fails when `[web] metrics_token_file` cannot be read.
pub fn router(service: Service, settings: Arc<WebSettings>) -> Result<Router> {
    let exporter = Arc::new(metrics::Exporter::new(&service, &settings)?);
    let state = AppState::new(service, settings.clone(), exporter.clone());
    Ok(layers::around(
        Router::new()
            .merge(api::router())
            .merge(pages::router())
            .route("/metrics", axum::routing::get(metrics::metrics))
            .fallback(error::not_found)
            .with_state(state),
        &settings,
        exporter,
    ))
}

/// A server started by [`start`]: where it listens, and how to stop it.
pub struct Running {
    pub addr: SocketAddr,
    handle: axum_server::Handle<SocketAddr>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    service: Service,
    grace: Duration,
}

impl Running {
    /// Stops accepting, lets requests in flight finish (up to the grace
    /// period), waits for work started after an answer (reset links,
    /// stale-password checks), and returns.
    pub async fn stop(self) -> Result<()> {
        self.handle.graceful_shutdown(Some(self.grace));
        let served = self
            .task
            .await
            .map_err(|e| Error::Internal(format!("the server task failed: {e}")))?;
        self.service.settle().await;
        served.map_err(|e| Error::Internal(format!("the server stopped with an error: {e}")))
    }

    /// Waits until the server ends by itself (it does not, unless its
    /// listener fails).
    async fn wait(&mut self) -> Result<()> {
        (&mut self.task)
            .await
            .map_err(|e| Error::Internal(format!("the server task failed: {e}")))?
            .map_err(|e| Error::Internal(format!("the server stopped with an error: {e}")))
    }
}

/// Starts serving on `listener` (already bound: tests bind port 0).
pub async fn start(
    service: Service,
    settings: Arc<WebSettings>,
    listener: std::net::TcpListener,
) -> Result<Running> {
    let app = router(service.clone(), settings.clone())?
        .into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let cannot = |e: std::io::Error| Error::Invalid(format!("cannot listen: {e}"));
    let task = match &settings.tls {
        Some(tls) => {
            let config = tls.rustls().await?;
            let server = axum_server::from_tcp_rustls(listener, config)
                .map_err(cannot)?
                .handle(handle.clone());
            tokio::spawn(server.serve(app))
        }
        None => {
            let server = axum_server::from_tcp(listener)
                .map_err(cannot)?
                .handle(handle.clone());
            tokio::spawn(server.serve(app))
        }
    };
    let addr = handle
        .listening()
        .await
        .ok_or_else(|| Error::Invalid("the server could not start listening".into()))?;
    Ok(Running {
        addr,
        handle,
        task,
        service,
        grace: settings.shutdown_grace,
    })
}

/// `keyward serve`: opens the service with the web settings, listens, and
/// runs until SIGTERM or Ctrl-C, then shuts down gracefully.
pub async fn run(config: &Config, listen: Option<&str>) -> Result<()> {
    let settings = WebSettings::resolve(&config.web, listen)?;
    let mut service_config = config.service_config();
    service_config.hash_queue_limit = Some(settings.hash_queue_limit);
    let service = Service::open(&config.database_url, service_config).await?;
    let _pruning = service.keep_pruning(crate::service::PRUNE_EVERY);
    let listener = std::net::TcpListener::bind(settings.listen).map_err(|e| {
        Error::Invalid(format!(
            "cannot listen on {}: {e}; choose another address with --listen or [web] listen",
            settings.listen
        ))
    })?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::Invalid(format!("cannot listen: {e}")))?;
    let settings = Arc::new(settings.bound_to(bound));
    // Before the server says it listens: a SIGTERM from then on is graceful.
    let signals = shutdown::Signals::install();
    let mut running = start(service.clone(), settings.clone(), listener).await?;
    tracing::info!(
        addr = %running.addr,
        public_url = %settings.public_url,
        tls = settings.tls.is_some(),
        database = %service.store().location(),
        "keyward serve listening"
    );
    tell!(
        "keyward serve: listening on {}://{} (pages at {}); Ctrl-C or SIGTERM stops it",
        if settings.tls.is_some() {
            "https"
        } else {
            "http"
        },
        running.addr,
        settings.public_url
    );
    let mail = match crate::mail::MailSettings::resolve(config)? {
        Some(m) => {
            let sender = crate::mail::Sender::new(service.clone(), m)?;
            tell!("keyward serve: sending mail through {}", sender.server());
            tracing::info!(server = %sender.server(), "mail sender started");
            Some(sender.spawn())
        }
        None => {
            tell!(
                "keyward serve: no mail server configured ([mail] url): reset links wait for an administrator (keyward reset-token pending)"
            );
            None
        }
    };
    let result = tokio::select! {
        signal = signals.recv() => {
            tracing::info!(signal, "shutting down: finishing requests in flight");
            tell!("keyward serve: {signal}: finishing requests in flight");
            running.stop().await
        }
        ended = running.wait() => ended,
    };
    if let Some(mail) = mail {
        mail.stop().await;
    }
    service.store().close().await;
    tracing::info!("keyward serve stopped");
    result
}
