//! A real `keyward serve` process for a test: started on a free port with
//! a config file of the test's, stopped by SIGTERM, its log read back.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A `keyward serve` process on 127.0.0.1 and a free port.
pub struct Process {
    child: Child,
    pub base: String,
    /// What it printed on standard error after its address.
    rest: std::sync::mpsc::Receiver<String>,
    /// Its data directory (logs/ is in it).
    pub home: tempfile::TempDir,
}

impl Process {
    pub fn start(database_url: &str) -> Process {
        Process::start_with(database_url, "")
    }

    /// With `config` as its config file's text.
    pub fn start_with(database_url: &str, config_text: &str) -> Process {
        Process::start_in(
            tempfile::tempdir().expect("temp dir"),
            database_url,
            config_text,
        )
    }

    /// In `home` as its data directory (with what the test put there).
    pub fn start_in(home: tempfile::TempDir, database_url: &str, config_text: &str) -> Process {
        let config = home.path().join("config.toml");
        std::fs::write(&config, config_text).expect("config");
        std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .expect("config mode");
        let mut child = Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args([
                "--database",
                database_url,
                "serve",
                "--listen",
                "127.0.0.1:0",
            ])
            .env("KEYWARD_DATA_DIR", home.path())
            .env("KEYWARD_CONFIG", &config)
            .env("KEYWARD_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start keyward serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Warnings (a file others may read) may come first.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let base = loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = rx
                .recv_timeout(left)
                .expect("keyward serve said it listens within 60 s");
            if let Some(at) = line.find("listening on ") {
                break line[at + 13..]
                    .split_whitespace()
                    .next()
                    .expect("address")
                    .to_string();
            }
        };
        Process {
            child,
            base,
            rest: rx,
            home,
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for the process to end; its exit code and what it printed.
    pub fn wait(&mut self) -> (Option<i32>, Vec<String>) {
        let status = self.child.wait().expect("wait");
        (status.code(), self.rest.try_iter().collect())
    }

    /// Everything in its log files.
    pub fn log(&self) -> String {
        let mut text = String::new();
        for entry in std::fs::read_dir(self.home.path().join("logs")).expect("logs") {
            text.push_str(&std::fs::read_to_string(entry.expect("entry").path()).expect("read"));
        }
        text
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
