//! The sender's mails per second to a local SMTP server (benches'
//! smtp_sink.rs, which accepts and keeps nothing, as a local mail transfer
//! agent would), against the same server taking prebuilt messages straight
//! from lettre's pool with no outbox in between (the bare figure): what the
//! outbox, the claims and the templates cost. Target: at least 200 mails a
//! second.

use crate::report::{Figure, announce};
use crate::setup::BenchDb;
use futures::StreamExt;
use keyward::config::MailSection;
use keyward::domain::{Kind, Role};
use keyward::mail::{MailSettings, Sender};
use keyward::service::{Actor, Service, ServiceConfig, UserFilter};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Instant;

/// Mails sent in each measurement.
const MAILS: usize = 2000;

/// Connections in the pool, for keyward's sender and the bare one alike:
/// the default of `[mail] connections`.
const CONNECTIONS: usize = keyward::config::MAIL_CONNECTIONS as usize;

const FROM: &str = "Bench Accounts <accounts@example.org>";

pub async fn figures(
    db: &BenchDb,
    service: &Service,
    backend: &str,
    admin: &Actor,
) -> Result<Vec<Figure>, String> {
    let sink = crate::smtp_sink::start().await?;
    let url = format!("smtp://127.0.0.1:{}", sink.port);

    // Bare: lettre's pool alone, the same number of mails of the same size.
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(sink.port)
        .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(CONNECTIONS as u32))
        .build();
    let from: Mailbox = FROM.parse().map_err(|e| format!("{e}"))?;
    let body = "x".repeat(1800);
    let started = Instant::now();
    let mut sends = futures::stream::iter(0..MAILS)
        .map(|i| {
            let message = Message::builder()
                .from(from.clone())
                .to(format!("bare{i}@example.org")
                    .parse()
                    .map_err(|e| format!("{e}"))?)
                .subject("bare")
                .body(body.clone())
                .map_err(|e| e.to_string());
            Ok::<_, String>((transport.clone(), message))
        })
        .map(|r| async move {
            let (t, m) = r?;
            t.send(m?).await.map_err(|e| e.to_string())
        })
        .buffer_unordered(CONNECTIONS);
    while let Some(r) = sends.next().await {
        r?;
    }
    let bare = MAILS as f64 / started.elapsed().as_secs_f64();

    // keyward: MAILS reset links written (each with its mail), then sent.
    let store = keyward::store::Store::open(&db.url)
        .await
        .map_err(|e| e.to_string())?;
    let mailing = Service::new(
        store,
        ServiceConfig {
            links_base: Some("https://accounts.example.org".into()),
            mail_configured: true,
            ..db.service_config()?
        },
        keyward::service::Clock::system(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let logins = staff_users(service, admin, MAILS).await?;
    for login in &logins {
        mailing
            .send_reset_link(admin, login)
            .await
            .map_err(|e| format!("link for {login}: {e}"))?;
    }
    let section = MailSection {
        url: Some(url),
        from: Some(FROM.into()),
        ..MailSection::default()
    };
    let settings = MailSettings::from_section(&section, "Bench Org")
        .map_err(|e| e.to_string())?
        .ok_or("no mail settings")?;
    let sender = Sender::new(mailing.clone(), settings).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let round = sender.send_due().await.map_err(|e| e.to_string())?;
    let elapsed = started.elapsed().as_secs_f64();
    // Deletion warnings for the demo's idle users go out in the same round.
    if (round.sent as usize) < logins.len() {
        return Err(format!(
            "sent {} of {} mails ({:?})",
            round.sent,
            logins.len(),
            round.last_error
        ));
    }
    let rate = round.sent as f64 / elapsed;
    if sink.accepted() < (MAILS as u64) * 2 {
        return Err(format!(
            "the sink accepted {} mails, fewer than were sent",
            sink.accepted()
        ));
    }
    mailing.store().close().await;
    let f = Figure::new(
        &format!(
            "mail sender ({} mails: {MAILS} reset links and deletion warnings, {CONNECTIONS} connections)",
            round.sent
        ),
        backend,
        rate,
        "mails/s",
        ">= 200 mails/s",
    )
    .against(bare);
    announce(&f);
    Ok(vec![f])
}

/// `n` active staff users (not administrators) in login order.
async fn staff_users(service: &Service, admin: &Actor, n: usize) -> Result<Vec<String>, String> {
    let mut logins = Vec::new();
    let mut filter = UserFilter {
        kind: Some(Kind::Staff),
        role: Some(Role::User),
        // Disabled accounts get no link (the demo has some).
        status: Some(keyward::store::StatusFilter::Active),
        limit: 500,
        ..UserFilter::default()
    };
    while logins.len() < n {
        let page = service
            .list_users(admin, &filter)
            .await
            .map_err(|e| e.to_string())?;
        let last = page.items.last().map(|u| u.cursor(filter.sort));
        logins.extend(page.items.into_iter().map(|u| u.login));
        match (last, page.next.is_some()) {
            (Some(c), true) => filter.after = Some(c),
            _ => break,
        }
    }
    logins.truncate(n);
    Ok(logins)
}
