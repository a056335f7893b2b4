//! Runs the `keyward` binary as a user would: its own data directory (for
//! the session file), the test's database, standard input from the test.

use std::io::Write;
use std::process::{Command, Output, Stdio};

pub struct Cli {
    pub data_dir: tempfile::TempDir,
    pub database: String,
}

impl Cli {
    pub fn new(t: &super::TestDb) -> Cli {
        Cli::at(&t.url)
    }

    /// On the database at `url`, with a data directory (and so a session)
    /// of its own.
    pub fn at(url: &str) -> Cli {
        Cli {
            data_dir: tempfile::tempdir().expect("temp dir"),
            database: url.to_string(),
        }
    }

    /// Another person's command line on the same database: a data
    /// directory (and session) of its own, with the audit key every keyward
    /// process of a deployment shares (copied from this one's, if made).
    pub fn another(&self) -> Cli {
        let other = Cli::at(&self.database);
        let key = self.data_dir.path().join("audit.key");
        if key.exists() {
            std::fs::copy(&key, other.data_dir.path().join("audit.key"))
                .expect("copy the audit key");
        }
        other
    }

    /// Starts `keyward ARGS` with its standard streams piped.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(["--database", &self.database])
            .args(args)
            .env("KEYWARD_DATA_DIR", self.data_dir.path())
            .env_remove("KEYWARD_DATABASE_URL")
            .env_remove("KEYWARD_CONFIG")
            .env_remove("KEYWARD_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run keyward")
    }

    /// Runs `keyward ARGS` with `stdin` bytes on standard input.
    pub fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = self.spawn(args);
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin)
            .expect("write stdin");
        child.wait_with_output().expect("wait")
    }

    pub fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin.as_bytes());
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs and expects exit code `code`; returns stderr.
    pub fn fails(&self, args: &[&str], stdin: &[u8], code: i32) -> String {
        let out = self.run(args, stdin);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    pub fn init_and_login(&self) {
        self.ok(
            &[
                "init",
                "--admin",
                "root1",
                "--name",
                "Root One",
                "--email",
                "root@example.org",
                "--password-stdin",
            ],
            "correct horse battery staple\n",
        );
        self.ok(
            &["login", "--as", "root1", "--password-stdin"],
            "correct horse battery staple\n",
        );
    }
}
