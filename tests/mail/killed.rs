//! Real processes: `keyward mail send` killed (SIGKILL) after the server
//! stored its mail but before it could mark it, and `keyward serve` mailing
//! a link asked for through its API, then stopping on SIGTERM.

use crate::common::TestDb;
use crate::common::cli::Cli;
use crate::harness::{APP, PW};
use crate::process::Process;
use crate::sink::{self, Sink};
use crate::{FROM, both_backends};
use keyward::domain::{AccessLevel, Kind, Role};
use serde_json::json;
use std::time::Duration;

/// A config file (owner-only) with `[mail]` for the sink.
fn config(dir: &std::path::Path, sink: &Sink, extra: &str) -> String {
    let path = dir.join("mail.toml");
    std::fs::write(
        &path,
        format!(
            "[mail]\nurl = \"{}\"\nfrom = \"{FROM}\"\n{extra}",
            sink.url()
        ),
    )
    .expect("config");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("mode");
    path.display().to_string()
}

async fn user_with_link(t: &TestDb, login: &str) -> keyward::service::Actor {
    let admin = t.admin().await;
    t.add_user(&admin, login, Kind::Staff, Role::User, PW).await;
    t.service
        .request_reset(login, "test", "127.0.0.1", "http://accounts.test")
        .await
        .expect("request");
    t.service.settle().await;
    admin
}

both_backends!(a_sender_killed_mid_send_sends_one_recognisable_copy, |t| {
    if !sink::available() {
        return;
    }
    let sink = Sink::start();
    let admin = user_with_link(&t, "fay.kill").await;
    let cli = Cli::new(&t);
    let cfg = config(cli.data_dir.path(), &sink, "claim_seconds = 1\n");
    // The server stores the mail, then holds its answer: the sender is
    // killed while it waits, before it could mark the mail sent.
    sink.hold(30);
    let mut child = cli.spawn(&["--config", &cfg, "mail", "send"]);
    let first = sink.wait_for(1);
    assert_eq!(first.len(), 1, "the server got the mail");
    child.kill().expect("kill -9");
    let _ = child.wait();
    sink.hold(0);
    // Its claim ends after a second; the next sender sends it again.
    std::thread::sleep(Duration::from_millis(1500));
    let out = cli.ok(&["--config", &cfg, "mail", "send"], "");
    assert!(out.contains("sent 1"), "{out}");
    let mails = sink.wait_for(2);
    assert_eq!(mails.len(), 2, "at most one duplicate");
    assert_eq!(
        mails[0].header("Message-ID"),
        mails[1].header("Message-ID"),
        "the copy has the same Message-ID"
    );
    let out = cli.ok(&["--config", &cfg, "mail", "send"], "");
    assert!(out.contains("sent 0"), "{out}");
    assert_eq!(sink.messages().len(), 2);
    let status = t.service.mail_status(&admin, 10).await.expect("status");
    assert_eq!((status.queued, status.sent), (0, 1));
});

both_backends!(
    mail_send_with_the_server_down_keeps_the_mail_and_says_so,
    |t| {
        if !sink::available() {
            return;
        }
        let mut sink = Sink::start();
        sink.stop();
        user_with_link(&t, "gus.down").await;
        let cli = Cli::new(&t);
        let cfg = config(cli.data_dir.path(), &sink, "first_retry_seconds = 1\n");
        let err = cli.fails(&["--config", &cfg, "mail", "send"], b"", 9);
        assert!(err.contains("last error"), "{err}");
        sink.restart();
        std::thread::sleep(Duration::from_millis(1200));
        let out = cli.ok(&["--config", &cfg, "mail", "send"], "");
        assert!(out.contains("sent 1"), "{out}");
        assert_eq!(sink.wait_for(1).len(), 1);
    }
);

both_backends!(serve_mails_a_requested_link_and_stops_on_sigterm, |t| {
    if !sink::available() {
        return;
    }
    let sink = Sink::start();
    let admin = t.admin().await;
    t.service
        .add_resource(&admin, APP, "the phone app")
        .await
        .expect("resource");
    let key = t
        .service
        .issue_api_key(&admin, APP, "test")
        .await
        .expect("key")
        .key
        .to_string();
    t.add_user(&admin, "hal.serve", Kind::Staff, Role::User, PW)
        .await;
    t.service
        .grant(&admin, APP, "hal.serve", AccessLevel::Standard)
        .await
        .expect("grant");
    let text = format!(
        "[web]\norganisation = \"Serve Org\"\n[mail]\nurl = \"{}\"\nfrom = \"{FROM}\"\npoll_seconds = 1\n",
        sink.url()
    );
    let mut p = Process::start_with(&t.url, &text);
    let r = reqwest::Client::new()
        .post(format!("{}/v1/reset/request", p.base))
        .bearer_auth(&key)
        .json(&json!({ "login_or_email": "hal.serve@example.org" }))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 202);
    let mails = sink.wait_for(1);
    assert_eq!(mails.len(), 1, "serve's sender mailed the link");
    assert_eq!(mails[0].rcpt, "hal.serve@example.org");
    assert_eq!(
        mails[0].header("Subject").as_deref(),
        Some("Reset your Serve Org password")
    );
    let link = mails[0].link("/reset/");
    assert!(link.starts_with(&p.base), "{link} is served by {}", p.base);
    p.terminate();
    let (code, _) = p.wait();
    assert_eq!(code, Some(0));
    let log = p.log();
    let token = link.rsplit('/').next().expect("token");
    assert!(log.contains("mail sent"), "the log says so");
    assert!(!log.contains(token), "no token in the log");
});
