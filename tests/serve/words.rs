//! `blocklist_file` across real `keyward serve` processes: two instances on
//! one database and one file both refuse its words through
//! `POST /v1/password/check`, both follow a change to the file without a
//! restart, and one whose file is missing does not start, saying why.

use crate::both_backends;
use crate::harness::{APP, PW};
use crate::process::Process;
use keyward::domain::{Kind, Role};
use serde_json::{Value, json};

/// The `reject_common` line of `password`'s checklist on the server at `base`.
async fn common_rule(base: &str, key: &str, password: &str) -> Value {
    let answer: Value = reqwest::Client::new()
        .post(format!("{base}/v1/password/check"))
        .bearer_auth(key)
        .json(&json!({ "login": "anna.b", "password": password }))
        .send()
        .await
        .expect("check")
        .json()
        .await
        .expect("json");
    answer["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["rule"] == "reject_common")
        .cloned()
        .unwrap_or_else(|| panic!("no reject_common rule: {answer}"))
}

both_backends!(two_instances_follow_the_organisation_words, |t| {
    let admin = t.admin().await;
    t.service.add_resource(&admin, APP, "").await.unwrap();
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let key = t
        .service
        .issue_api_key(&admin, APP, "")
        .await
        .unwrap()
        .key
        .to_string();
    let dir = tempfile::tempdir().expect("temp dir");
    let words = dir.path().join("words.txt");
    std::fs::write(&words, "# ours\nAcme\n").expect("words");
    let config = format!("blocklist_file = \"{}\"\n", words.display());
    let (a, b) = (
        Process::start_with(&t.url, &config),
        Process::start_with(&t.url, &config),
    );
    for base in [&a.base, &b.base] {
        let rule = common_rule(base, &key, "acme-2025-!!!!!!!").await;
        assert_eq!(rule["met"], false, "{rule}");
        assert_eq!(rule["message"], "contains a blocked word (acme)", "{rule}");
        let rule = common_rule(base, &key, "zephyrcorp-2025!!").await;
        assert_eq!(rule["met"], true, "{rule}");
    }
    // The file changes: each instance's next check follows it.
    std::fs::write(&words, "zephyrcorp\n").expect("rewrite");
    for base in [&a.base, &b.base] {
        let rule = common_rule(base, &key, "zephyrcorp-2025!!").await;
        assert_eq!(
            rule["message"], "contains a blocked word (zephyrcorp)",
            "{rule}"
        );
        let rule = common_rule(base, &key, "acme-2025-!!!!!!!").await;
        assert_eq!(rule["met"], true, "{rule}");
    }
});

both_backends!(a_missing_file_stops_the_start_saying_why, |t| {
    t.admin().await;
    let home = tempfile::tempdir().expect("temp dir");
    let config = home.path().join("config.toml");
    // Relative: taken from the config file's directory.
    std::fs::write(&config, "blocklist_file = \"words.txt\"\n").expect("config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["--database", &t.url, "serve", "--listen", "127.0.0.1:0"])
        .env("KEYWARD_DATA_DIR", home.path())
        .env("KEYWARD_CONFIG", &config)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run keyward serve");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    let expected = format!(
        "blocklist_file {} does not exist: create it (one word per line)",
        home.path().join("words.txt").display()
    );
    assert!(said.contains(&expected), "{said}");
});
