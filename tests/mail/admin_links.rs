//! Reset links an administrator sends (`keyward user send-reset`, the
//! console's `M`): written with their mail, refused for oneself and for a
//! disabled account, and only with somewhere for the link to lead.

use crate::common::cli::Cli;
use crate::common::{ADMIN, ADMIN_PASSWORD, TestDb};
use crate::harness::PW;
use crate::sink::{self, Sink};
use crate::{FROM, both_backends, sender};
use keyward::Error;
use keyward::domain::{Kind, Role};
use keyward::service::{Service, ServiceConfig};
use keyward::store::Store;

/// The test's database through a service configured as a deployment with
/// pages at https://accounts.example.org and a mail server.
pub async fn configured(t: &TestDb) -> Service {
    let store = Store::open(&t.url).await.expect("store");
    let config = ServiceConfig {
        links_base: Some("https://accounts.example.org".into()),
        mail_configured: true,
        ..ServiceConfig::default()
    };
    Service::new(store, config, t.clock.clone())
        .await
        .expect("service")
}

both_backends!(an_administrator_mails_a_reset_link, |t| {
    if !sink::available() {
        return;
    }
    let sink = Sink::start();
    let admin = t.admin().await;
    t.add_user(&admin, "ivy.link", Kind::Staff, Role::User, PW)
        .await;
    t.add_user(&admin, "jo.off", Kind::Staff, Role::User, PW)
        .await;
    t.service
        .set_disabled(&admin, "jo.off", true)
        .await
        .expect("disable");
    // Nowhere for the link to lead: refused, nothing written.
    let err = t
        .service
        .send_reset_link(&admin, "ivy.link")
        .await
        .expect_err("no links base");
    assert!(err.to_string().contains("public_url"), "{err}");

    let service = configured(&t).await;
    let sent = service
        .send_reset_link(&admin, "ivy.link")
        .await
        .expect("send");
    assert_eq!(sent.to, "i…@example.org");
    assert!(sent.mailed);
    assert!(matches!(
        service.send_reset_link(&admin, ADMIN).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        service.send_reset_link(&admin, "jo.off").await,
        Err(Error::Conflict(_))
    ));
    let round = sender(&t, &sink.url(), 60).send_due().await.expect("round");
    assert_eq!(round.sent, 1);
    let mails = sink.wait_for(1);
    assert_eq!(mails[0].rcpt, "ivy.link@example.org");
    assert!(
        mails[0]
            .link("/reset/")
            .starts_with("https://accounts.example.org/reset/")
    );
    let audit = t.audit_all(&admin).await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "reset_token.send" && e.target == "ivy.link")
    );
    service.store().close().await;
});

both_backends!(user_send_reset_names_where_each_link_goes, |t| {
    let admin = t.admin().await;
    t.add_user(&admin, "kim.cli", Kind::Staff, Role::User, PW)
        .await;
    let cli = Cli::new(&t);
    let cfg = cli.data_dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!("[web]\npublic_url = \"https://accounts.example.org\"\n[mail]\nurl = \"smtp://127.0.0.1:9\"\nfrom = \"{FROM}\"\n"),
    )
    .expect("config");
    std::fs::set_permissions(&cfg, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("mode");
    let cfg = cfg.display().to_string();
    cli.ok(
        &["--config", &cfg, "login", "--as", ADMIN, "--password-stdin"],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    let out = cli.run(
        &[
            "--config",
            &cfg,
            "user",
            "send-reset",
            "kim.cli",
            "nobody.here",
        ],
        b"",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("kim.cli: a reset link will be mailed to k…@example.org"),
        "{stdout}"
    );
    assert!(stderr.contains("nobody.here"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(4),
        "the first failure's status: not found"
    );
    let pending = t
        .service
        .pending_reset_links(&admin, Some("kim.cli"))
        .await
        .expect("pending");
    assert_eq!(pending.len(), 1, "the link and its mail are in the outbox");
});
