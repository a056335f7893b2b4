//! `keyward doctor`'s web check: `[web] listen` free, answered by a running
//! keyward serve (all well), or taken by another program (a problem).

use crate::both_backends;
use crate::common::cli::Cli;
use crate::process::Process;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;

/// `keyward doctor --json` with `[web] listen = addr`: its exit code and
/// the web check's finding.
fn web_finding(cli: &Cli, addr: &str) -> (Option<i32>, serde_json::Value) {
    let config = cli.data_dir.path().join("config.toml");
    std::fs::write(&config, format!("[web]\nlisten = \"{addr}\"\n")).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(cli.data_dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = cli.run(
        &["--config", config.to_str().unwrap(), "doctor", "--json"],
        b"",
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let web = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "web")
        .cloned()
        .unwrap();
    (out.status.code(), web)
}

both_backends!(
    a_running_keyward_serve_is_all_well_another_program_is_not,
    |t| {
        let cli = Cli::new(&t);
        cli.init_and_login();
        let p = Process::start(&t.url);
        let addr = p.base.trim_start_matches("http://").to_string();
        let (code, web) = web_finding(&cli, &addr);
        assert_eq!(web["status"], "ok", "{web}");
        assert!(
            web["detail"]
                .as_str()
                .unwrap()
                .contains("a keyward serve answers"),
            "{web}"
        );
        assert_eq!(code, Some(0), "{web}");
        drop(p);

        // Something else holds the port: it answers, but not as keyward.
        let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = other.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            for mut conn in other.incoming().map_while(Result::ok) {
                let _ = conn.write_all(b"SSH-2.0-OpenSSH_9.6\r\n");
            }
        });
        let (code, web) = web_finding(&cli, &addr);
        assert_eq!(code, Some(19), "{web}");
        assert_eq!(web["status"], "problem", "{web}");
        assert!(
            web["detail"]
                .as_str()
                .unwrap()
                .contains("taken by another program"),
            "{web}"
        );
        assert!(
            web["fix"].as_str().unwrap().contains("[web] listen"),
            "{web}"
        );
    }
);
