//! End-to-end: the real binary in a pseudo-terminal, its screen read back
//! through a VT100 parser.

mod common;

use common::pty::Pty;
use portable_pty::{Child, CommandBuilder};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROWS: u16 = 30;
const COLS: u16 = 100;
const PW: &str = "correct horse battery staple";

/// The binary running in a pty; everything it writes is kept.
struct Console {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Arc<Mutex<Vec<u8>>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    _dir: tempfile::TempDir,
}

impl Console {
    fn start() -> Console {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("keyward.toml");
        std::fs::write(&config, "").expect("config");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_keyward"));
        cmd.cwd(dir.path());
        cmd.env("KEYWARD_DATA_DIR", dir.path());
        cmd.env("KEYWARD_CONFIG", &config);
        cmd.env_remove("KEYWARD_DATABASE_URL");
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        let Pty {
            child,
            writer,
            output,
            master,
        } = Pty::spawn(cmd, ROWS, COLS);
        Console {
            child,
            writer,
            output,
            _master: master,
            _dir: dir,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }

    /// The screen as the terminal shows it now.
    fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(ROWS, COLS, 0);
        parser.process(&self.bytes());
        // Hints keep their words together with no-break spaces.
        parser.screen().contents().replace('\u{a0}', " ")
    }

    /// Waits up to 10 s for `text` on screen.
    fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("keyward exited ({status:?}) before showing {text:?}:\n{screen}");
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("{text:?} did not appear within 10 s:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits up to 10 s for `text` to leave the screen.
    fn wait_gone(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.screen().contains(text) {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("{text:?} still on screen after 10 s:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn send(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).expect("write");
        self.writer.flush().expect("flush");
    }

    /// Waits up to 10 s for the process to end.
    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("keyward did not exit within 10 s:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Console {
    /// Runs a `keyward` command on the console's database (a second
    /// process), with `stdin` on standard input.
    fn cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(args)
            .env("KEYWARD_DATA_DIR", self._dir.path())
            .env("KEYWARD_CONFIG", self._dir.path().join("keyward.toml"))
            .env_remove("KEYWARD_DATABASE_URL")
            .env_remove("KEYWARD_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run keyward");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("stdin");
        child.wait_with_output().expect("wait")
    }

    /// First run in the console, then a CLI session and one staff user.
    fn set_up_with_user(&mut self) {
        self.wait_for("first run");
        self.send("root1\tRoot One\troot@example.org\t");
        self.send(PW);
        self.send("\t");
        self.send(PW);
        self.send("\x13");
        self.wait_for("root1 (global admin)");
        let login = self.cli(
            &["login", "--as", "root1", "--password-stdin"],
            &format!("{PW}\n"),
        );
        assert!(login.status.success(), "{login:?}");
        let add = self.cli(
            &[
                "user",
                "add",
                "anna.b",
                "--name",
                "Anna B",
                "--email",
                "anna@example.org",
                "--password-stdin",
            ],
            &format!("{USER_PW}\n"),
        );
        assert!(add.status.success(), "{add:?}");
    }

    fn verify(&self, login: &str, password: &str) -> Option<i32> {
        self.cli(
            &["verify", login, "--password-stdin"],
            &format!("{password}\n"),
        )
        .status
        .code()
    }
}

const USER_PW: &str = "violet kettle harbour quince";

impl Drop for Console {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn first_run_help_and_quit_in_a_terminal() {
    let mut c = Console::start();
    c.wait_for("first run");
    // Login, name, email, password twice; Tab between; Ctrl-S creates.
    c.send("root1\tRoot One\troot@example.org\t");
    c.send(PW);
    c.send("\t");
    c.send(PW);
    c.send("\x13");
    c.wait_for("root1 (global admin)");
    c.wait_for("▶ root1");
    c.send("?");
    c.wait_for("Keys");
    c.send("\x1b");
    c.wait_gone("Keys (");
    c.send("q");
    let status = c.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    // Give the reader a moment to drain what was written before exit.
    std::thread::sleep(Duration::from_millis(100));
    let out = c.bytes();
    let enter = find(&out, b"\x1b[?1049h").expect("entered the alternate screen");
    let leave = find(&out[enter..], b"\x1b[?1049l").expect("left the alternate screen");
    assert!(leave > 0);
}

// A closed SSH session (SIGHUP), a service manager or `kill` (SIGTERM),
// and `kill -INT` leave the console as Ctrl-C does: the terminal back on
// its main screen, and a clean exit.
#[test]
fn termination_signals_restore_the_terminal() {
    for signal in ["TERM", "HUP", "INT"] {
        let mut c = Console::start();
        c.wait_for("first run");
        let pid = c.child.process_id().expect("the console's process id");
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -{signal}");
        let status = c.wait_exit();
        assert!(status.success(), "SIG{signal}: exit status {status:?}");
        std::thread::sleep(Duration::from_millis(100));
        let out = c.bytes();
        let enter = find(&out, b"\x1b[?1049h").expect("entered the alternate screen");
        assert!(
            find(&out[enter..], b"\x1b[?1049l").is_some(),
            "SIG{signal} left the alternate screen"
        );
    }
}

#[test]
fn console_without_a_terminal_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("keyward.toml");
    std::fs::write(&config, "").expect("config");
    let out = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .env("KEYWARD_DATA_DIR", dir.path())
        .env("KEYWARD_CONFIG", &config)
        .env_remove("KEYWARD_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run keyward");
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs a terminal"), "{stderr}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("\x1b[?1049h"),
        "did not take over a terminal"
    );
}

#[test]
fn raising_min_length_with_enforce_makes_old_passwords_change() {
    let mut c = Console::start();
    c.set_up_with_user();
    assert_eq!(c.verify("anna.b", USER_PW), Some(0));
    // Policies pane, the default policy's form; min_length is the first key.
    c.send("3");
    c.wait_for("POLICY");
    c.send("\r");
    c.wait_for("min_length");
    c.send("\x7f\x7f16");
    c.send("\x13");
    c.wait_for("min_length: 15 -> 16");
    // Enforce on, the administrator's own password, save.
    c.send("\t");
    c.send(PW);
    c.send("\r");
    c.wait_for("policy default is now version 2");
    assert_eq!(
        c.verify("anna.b", USER_PW),
        Some(10),
        "an old password must now be changed"
    );
    c.send("q");
    assert!(c.wait_exit().success());
}

#[test]
fn a_lock_made_by_verify_is_unlocked_from_the_lockouts_pane() {
    let mut c = Console::start();
    c.set_up_with_user();
    for _ in 0..5 {
        assert_eq!(c.verify("anna.b", "a wrong password"), Some(11));
    }
    assert_eq!(c.verify("anna.b", USER_PW), Some(12), "locked");
    c.send("4");
    c.wait_for("1 locked");
    c.wait_for("anna.b");
    c.send("u");
    c.wait_for("Unlock 1 account");
    // Cancel is focused: Tab to Unlock, Enter.
    c.send("\t\r");
    c.wait_for("unlocked 1 account");
    assert_eq!(c.verify("anna.b", USER_PW), Some(0));
    c.send("q");
    assert!(c.wait_exit().success());
}

/// Text that arrives as keys faster than a person types (a password
/// manager's auto-type, a tmux paste-buffer) is all taken in order: the
/// Esc behind 10,000 characters closes the dialog. Reading the terminal
/// with crossterm's default (edge-triggered) source left what did not fit
/// its 1 KiB read in the kernel until the next key arrived, and checking
/// the password on every key froze the console for minutes.
#[test]
fn ten_thousand_typed_characters_then_esc_in_a_terminal() {
    let mut c = Console::start();
    c.set_up_with_user();
    c.send("R");
    c.wait_for("anna.b");
    c.send("p");
    c.wait_for("Policy: default");
    let typed: String = (0..10_000)
        .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    c.send(&typed);
    // Esc asks before throwing the typing away; y discards.
    c.send("\x1b");
    c.wait_for("Discard changes?");
    c.send("y");
    c.wait_gone("Set password");
    c.send("q");
    assert!(c.wait_exit().success());
}
