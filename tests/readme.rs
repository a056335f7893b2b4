//! README's "A first session", run literally: each line of its code block
//! goes to bash in a pseudo-terminal, with the built `keyward` first on PATH
//! and a fresh data directory, and every password prompt is answered as a
//! newcomer would. On PostgreSQL the same lines run with
//! KEYWARD_DATABASE_URL pointing at the test's database.

mod common;

use common::pty::Pty;
use portable_pty::{Child, CommandBuilder};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROOT_PW: &str = "correct horse battery staple";
const ANNA_PW: &str = "violet kettle harbour quince";
const CLIENT_PW: &str = "portal person long passphrase";
const RESET_PW: &str = "spring blossom river stone";
const ROOT_NEW_PW: &str = "violin harbour evening lantern";

/// The lines of the code block under `## A first session`.
fn first_session() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split("\n## A first session\n")
        .nth(1)
        .expect("README has a section \"A first session\"");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("the section opens with a sh code block");
    block.lines().map(str::to_string).collect()
}

/// What a newcomer types at a prompt, given the prompts so far (the last
/// one is the prompt being answered).
fn answer(prompts: &[String]) -> Option<String> {
    let prompt = prompts.last()?;
    let previous = prompts.len().checked_sub(2).map(|i| prompts[i].as_str());
    let pw = |p: &str| {
        if p.starts_with("Password for root1") {
            Some(ROOT_PW)
        } else if p.starts_with("Password for anna.b") {
            Some(ANNA_PW)
        } else if p.starts_with("Password for client.c") {
            Some(CLIENT_PW)
        } else if p.starts_with("New password for 1 staff user:") {
            Some(RESET_PW)
        } else {
            None
        }
    };
    if prompt.starts_with("Repeat it") {
        return previous.and_then(pw).map(str::to_string);
    }
    if let Some(n) = prompt
        .strip_prefix("Type ")
        .and_then(|r| r.strip_suffix(" to confirm:"))
    {
        return Some(n.to_string());
    }
    pw(prompt).map(str::to_string)
}

/// One command line running under bash in a pty.
struct Line {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Arc<Mutex<Vec<u8>>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Line {
    fn start(line: &str, home: &Path, database: Option<&str>) -> Line {
        let bin = Path::new(env!("CARGO_BIN_EXE_keyward"))
            .parent()
            .expect("the binary's directory");
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = CommandBuilder::new("bash");
        cmd.args(["--noprofile", "--norc", "-c", line]);
        cmd.cwd(home);
        cmd.env("PATH", path);
        cmd.env("HOME", home);
        cmd.env("KEYWARD_DATA_DIR", home.join("data"));
        cmd.env("KEYWARD_CONFIG", home.join("config.toml"));
        cmd.env_remove("KEYWARD_TOKEN");
        match database {
            Some(url) => cmd.env("KEYWARD_DATABASE_URL", url),
            None => cmd.env_remove("KEYWARD_DATABASE_URL"),
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        let Pty {
            child,
            writer,
            output,
            master,
        } = Pty::spawn(cmd, 30, 100);
        Line {
            child,
            writer,
            output,
            _master: master,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(30, 100, 0);
        parser.process(&self.output.lock().unwrap());
        // Hints keep their words together with no-break spaces.
        parser.screen().contents().replace('\u{a0}', " ")
    }

    fn send(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).expect("write");
        self.writer.flush().expect("flush");
    }

    fn wait_for_screen(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.screen().contains(text) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "exited ({status:?}) before showing {text:?}:\n{}",
                    self.screen()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{text:?} did not appear:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Answers every prompt until the line ends; returns its exit status
    /// and everything it printed.
    fn finish(mut self) -> (u32, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut prompts: Vec<String> = Vec::new();
        let mut answered = 0;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                std::thread::sleep(Duration::from_millis(50));
                return (status.exit_code(), self.text());
            }
            let text = self.text();
            let pending = &text[answered..];
            if pending.ends_with(": ") {
                let prompt = pending.rsplit(['\n', '\r']).next().unwrap_or_default();
                prompts.push(prompt.trim().to_string());
                let reply = answer(&prompts)
                    .unwrap_or_else(|| panic!("no answer for the prompt {prompt:?} in:\n{text}"));
                answered = text.len();
                self.send(&format!("{reply}\r"));
            }
            assert!(Instant::now() < deadline, "the line did not end:\n{text}");
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// Runs the session; the console line signs in and meets the forced change
/// the README warns about.
fn run_first_session(database: Option<&str>) {
    let home = tempfile::tempdir().expect("temp dir");
    let config = home.path().join("config.toml");
    std::fs::write(&config, "").expect("config");
    // Owner-only, as keyward asks of a file that may hold the database URL.
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("chmod config");
    let lines = first_session();
    assert!(lines.len() >= 10, "{lines:?}");
    for line in &lines {
        let command = line.split(" #").next().unwrap_or_default().trim();
        if command == "keyward" {
            let mut console = Line::start(line, home.path(), database);
            console.wait_for_screen("keyward — sign in");
            console.send("root1\t");
            console.send(ROOT_PW);
            console.send("\r");
            // The README: enforce_on_change applies to root1 too.
            console.wait_for_screen("Choose a new password");
            console.send(ROOT_NEW_PW);
            console.send("\t");
            console.send(ROOT_NEW_PW);
            console.send("\x13");
            console.wait_for_screen("root1 (global admin)");
            console.send("\x03");
            let (status, _) = console.finish();
            assert_eq!(status, 0, "the console did not quit cleanly");
            continue;
        }
        let (status, out) = Line::start(line, home.path(), database).finish();
        let expected = if command.starts_with("keyward verify anna.b") {
            10
        } else if command.starts_with("for ") {
            11
        } else {
            0
        };
        assert_eq!(status, expected, "{line}\n{out}");
        let must_say: &[&str] = if command.starts_with("for ") {
            &["wrong login ID or password"]
        } else if command.starts_with("keyward lockouts") {
            &["anna.b", "UTC"]
        } else if command.starts_with("keyward user unlock") {
            &["unlocked anna.b"]
        } else if command.starts_with("keyward user reset-all") {
            &["1 staff user", "reset 1 password;"]
        } else if command.starts_with("keyward policy set") {
            &["min_length: 15 -> 16", "includes you (root1)"]
        } else if command.starts_with("keyward audit verify") {
            &["intact"]
        } else {
            &[]
        };
        for text in must_say {
            assert!(out.contains(text), "{line}: expected {text:?} in\n{out}");
        }
    }
}

#[test]
fn first_session_works_literally_sqlite() {
    run_first_session(None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(keyward_postgres_tests),
    ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
)]
async fn first_session_works_literally_postgres() {
    let Some(admin) = common::pg_database::admin_url() else {
        return;
    };
    let db = common::pg_database::PgDatabase::create(&admin, "readme_").await;
    let url = db.url();
    tokio::task::spawn_blocking(move || run_first_session(Some(&url)))
        .await
        .expect("the session ran");
    db.drop_now().await;
}
