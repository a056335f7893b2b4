//! `[log]` on a real `keyward serve`: JSON lines that hold each request and
//! no secret, old daily files deleted past `keep_days`, and the journal
//! target falling back to the file, saying so, where there is no journal.

use crate::both_backends;
use crate::harness::PW;
use crate::process::Process;
use keyward::domain::{AccessLevel, Kind, Role};
use serde_json::json;

/// The admin, anna.b granted "Mobile app", and a key for it.
async fn prepared(t: &crate::common::TestDb) -> String {
    let admin = t.admin().await;
    t.service
        .add_resource(&admin, "Mobile app", "")
        .await
        .unwrap();
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    t.service
        .grant(&admin, "Mobile app", "anna.b", AccessLevel::Standard)
        .await
        .unwrap();
    t.service
        .issue_api_key(&admin, "Mobile app", "")
        .await
        .unwrap()
        .key
        .to_string()
}

/// The files in `home`'s logs/ whose names start with keyward.log.
fn log_files(home: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(home.join("logs"))
        .expect("logs")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("keyward.log"))
        .collect();
    names.sort();
    names
}

both_backends!(json_lines_hold_each_request_and_no_secret, |t| {
    let key = prepared(&t).await;
    let p = Process::start_with(&t.url, "[log]\nformat = \"json\"\n");
    let client = reqwest::Client::new();
    for password in [PW, "wrong-secret-xyz"] {
        let r = client
            .post(format!("{}/v1/sign-in", p.base))
            .bearer_auth(&key)
            .header("x-request-id", "trace-me-42")
            .json(&json!({ "login": "anna.b", "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    p.terminate();
    let mut p = p;
    let (code, said) = p.wait();
    assert_eq!(code, Some(0), "{said:?}");
    let log = p.log();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty());
    let answered: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "answered" && l["span"]["route"] == "/v1/sign-in")
        .collect();
    assert_eq!(answered.len(), 2, "{log}");
    for line in answered {
        assert_eq!(line["span"]["id"], "trace-me-42", "{line}");
        assert_eq!(line["fields"]["status"], 200, "{line}");
        assert!(line["level"].is_string() && line["timestamp"].is_string());
    }
    for secret in [PW, "wrong-secret-xyz", key.as_str()] {
        assert!(!log.contains(secret), "a secret in the log: {log}");
    }
});

both_backends!(old_log_files_are_deleted_past_keep_days, |t| {
    let home = tempfile::tempdir().unwrap();
    let logs = home.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    for day in 1..=5 {
        std::fs::write(logs.join(format!("keyward.log.2020-01-0{day}")), "old\n").unwrap();
    }
    // Not the log's: left alone.
    std::fs::write(logs.join("notes.txt"), "mine\n").unwrap();
    let p = Process::start_in(home, &t.url, "[log]\nkeep_days = 2\n");
    let files = log_files(p.home.path());
    // Today's file and the newest before it: two days.
    assert_eq!(files.len(), 2, "{files:?}");
    let old = files.iter().filter(|f| f.contains(".2020-")).count();
    assert_eq!(old, 1, "{files:?}");
    assert!(p.home.path().join("logs/notes.txt").exists());
});

both_backends!(the_journal_target_without_a_journal_logs_to_the_file, |t| {
    if std::path::Path::new("/run/systemd/journal/socket").exists() {
        eprintln!("skipped: this host has a systemd journal, so there is no fallback to see");
        return;
    }
    // A command says so on standard error.
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "[log]\ntarget = \"journal\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["--database", &t.url, "migrate"])
        .env("KEYWARD_DATA_DIR", home.path())
        .env("KEYWARD_CONFIG", &config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the systemd journal cannot be reached")
            && stderr.contains("logging to files in"),
        "{stderr}"
    );
    assert!(!log_files(home.path()).is_empty());
    // And a server logs to its file.
    let p = Process::start_with(&t.url, "[log]\ntarget = \"journal\"\n");
    p.terminate();
    let mut p = p;
    let (code, said) = p.wait();
    assert_eq!(code, Some(0), "{said:?}");
    let log = p.log();
    assert!(
        log.contains("the systemd journal cannot be reached"),
        "{log}"
    );
    assert!(log.contains("keyward serve listening"), "{log}");
});
