//! `keyward doctor`'s mail check against a real SMTP server: the server of
//! `[mail] url` answers, or it is named as a problem with what to check.

use crate::both_backends;
use crate::common::cli::Cli;
use crate::sink::{self, Sink};
use std::os::unix::fs::PermissionsExt;

/// `keyward doctor --json` with `[mail]` pointing at `url`: its exit
/// code and the mail check's finding.
fn mail_finding(cli: &Cli, url: &str) -> (Option<i32>, serde_json::Value) {
    let config = cli.data_dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[mail]\nurl = \"{url}\"\nfrom = \"{}\"\n", crate::FROM),
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = cli.run(
        &["--config", config.to_str().unwrap(), "doctor", "--json"],
        b"",
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mail = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "mail")
        .cloned()
        .unwrap();
    (out.status.code(), mail)
}

both_backends!(the_mail_server_answers_or_is_named, |t| {
    if !sink::available() {
        return;
    }
    let mut sink = Sink::start();
    let cli = Cli::new(&t);
    cli.init_and_login();
    let (_, mail) = mail_finding(&cli, &sink.url());
    assert_eq!(mail["status"], "ok", "{mail}");
    assert!(
        mail["detail"].as_str().unwrap().contains("answers"),
        "{mail}"
    );
    // Nothing was sent.
    assert!(sink.messages().is_empty());

    sink.stop();
    let (code, mail) = mail_finding(&cli, &sink.url());
    assert_eq!(code, Some(19), "{mail}");
    assert_eq!(mail["status"], "problem", "{mail}");
    assert!(
        mail["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{}", sink.port)),
        "{mail}"
    );
    assert!(
        mail["fix"].as_str().unwrap().contains("[mail] url"),
        "{mail}"
    );

    // A URL that is not one is named too, without a connection.
    let (code, mail) = mail_finding(&cli, "http://mail.example.org");
    assert_eq!(code, Some(19));
    assert!(
        mail["detail"].as_str().unwrap().contains("smtp://"),
        "{mail}"
    );
});
