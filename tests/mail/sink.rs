//! A real SMTP server for the tests: tests/mail/smtp_sink.py (Python's
//! aiosmtpd) in a process of its own, storing each message it accepts as a
//! file. It can be stopped and started again on the same port, and told to
//! hold its answer after storing a message (to kill a sender mid-send).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Sink {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Option<Child>,
}

/// A message as the server stored it.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope's recipients.
    pub rcpt: String,
    pub raw: String,
}

/// Whether the tests can run: python3 with aiosmtpd. Without it they are
/// skipped, unless KEYWARD_REQUIRE_SMTP is set (CI sets it).
pub fn available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("KEYWARD_REQUIRE_SMTP").is_none(),
            "the mail tests need python3 with aiosmtpd (pip install aiosmtpd)"
        );
        eprintln!("skipped: the mail tests need python3 with aiosmtpd (pip install aiosmtpd)");
    }
    ok
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mail/smtp_sink.py")
}

impl Sink {
    pub fn start() -> Sink {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut sink = Sink {
            dir,
            port: 0,
            child: None,
        };
        sink.restart();
        sink
    }

    /// Starts the server (again), on the same port once it has one.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the sink is running");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut child = Command::new("python3")
                .arg(script())
                .arg(self.dir.path())
                .arg(self.port.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start the SMTP sink");
            let mut line = String::new();
            let out = child.stdout.take().expect("stdout");
            let _ = BufReader::new(out).read_line(&mut line);
            if let Ok(port) = line.trim().parse::<u16>() {
                self.port = port;
                self.child = Some(child);
                return;
            }
            // The port may still be held by the server just stopped.
            let _ = child.kill();
            let _ = child.wait();
            assert!(Instant::now() < deadline, "the SMTP sink did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Holds each answer after storing the message for `secs` (0: not).
    pub fn hold(&self, secs: u32) {
        let flag = self.dir.path().join(".delay");
        if secs == 0 {
            let _ = std::fs::remove_file(flag);
        } else {
            std::fs::write(flag, secs.to_string()).expect("delay flag");
        }
    }

    /// Every message stored so far, in arrival order.
    pub fn messages(&self) -> Vec<Mail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("read sink dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let raw = std::fs::read_to_string(p).expect("read message");
                let (first, rest) = raw.split_once("\r\n").expect("sink header");
                Mail {
                    rcpt: first.trim_start_matches("X-Sink-Rcpt: ").to_string(),
                    raw: rest.to_string(),
                }
            })
            .collect()
    }

    /// Waits (up to 20 s) until at least `n` messages are stored.
    pub fn wait_for(&self, n: usize) -> Vec<Mail> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let m = self.messages();
            if m.len() >= n || Instant::now() > deadline {
                return m;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Mail {
    /// A header's value (the first one named so).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or("");
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let mut lines = head.split("\r\n").peekable();
        while let Some(l) = lines.next() {
            if l.to_ascii_lowercase().starts_with(&prefix) {
                let mut v = l[prefix.len()..].trim().to_string();
                while lines.peek().is_some_and(|n| n.starts_with([' ', '\t'])) {
                    v.push(' ');
                    v.push_str(lines.next().unwrap_or("").trim());
                }
                return Some(v);
            }
        }
        None
    }

    /// The whole message with quoted-printable soft breaks and `=3D` undone
    /// (enough to read ASCII text and links out of it).
    pub fn decoded(&self) -> String {
        self.raw.replace("=\r\n", "").replace("=3D", "=")
    }

    /// The first link in the message that contains `path`.
    pub fn link(&self, path: &str) -> String {
        let text = self.decoded();
        let at = text.find(path).expect("a link in the mail");
        let start = text[..at].rfind("http").expect("link start");
        text[start..]
            .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
            .next()
            .expect("link")
            .to_string()
    }
}
