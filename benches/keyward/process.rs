//! The real binary in a pseudo-terminal: start-up to the first frame of the
//! Users pane, and the console's peak resident memory while it browses a
//! million users.

use crate::report::{Figure, announce, ms};
use crate::setup::{ADMIN, ADMIN_PW, BenchDb};
use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROWS: u16 = 40;
const COLS: u16 = 120;

type Chunks = Arc<Mutex<Vec<(Instant, Vec<u8>)>>>;

/// The console in a pty; its output is kept with the time each chunk came.
struct Pty {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    chunks: Chunks,
    parser: vt100::Parser,
    seen: usize,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Pty {
    fn start(db: &BenchDb) -> Result<(Pty, Instant), String> {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| e.to_string())?;
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_keyward"));
        for (k, v) in db.env() {
            cmd.env(k, v);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        let started = Instant::now();
        let child = pty.slave.spawn_command(cmd).map_err(|e| e.to_string())?;
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().map_err(|e| e.to_string())?;
        let writer = pty.master.take_writer().map_err(|e| e.to_string())?;
        let chunks: Chunks = Arc::default();
        let sink = chunks.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let at = Instant::now();
                        if let Ok(mut c) = sink.lock() {
                            c.push((at, buf[..n].to_vec()));
                        }
                    }
                }
            }
        });
        Ok((
            Pty {
                child,
                writer,
                chunks,
                parser: vt100::Parser::new(ROWS, COLS, 0),
                seen: 0,
                _master: pty.master,
            },
            started,
        ))
    }

    /// When the screen first showed `text` (the arrival of the output that
    /// drew it); waits up to 60 s.
    fn wait_for(&mut self, text: &str) -> Result<Instant, String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let new: Vec<(Instant, Vec<u8>)> = match self.chunks.lock() {
                Ok(c) => c[self.seen..].to_vec(),
                Err(_) => return Err("pty reader failed".into()),
            };
            for (at, bytes) in new {
                self.seen += 1;
                self.parser.process(&bytes);
                if self.parser.screen().contents().contains(text) {
                    return Ok(at);
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "keyward exited ({status:?}) before showing {text:?}"
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{text:?} did not appear within 60 s:\n{}",
                    self.parser.screen().contents()
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn send(&mut self, s: &str) -> Result<Instant, String> {
        self.writer
            .write_all(s.as_bytes())
            .map_err(|e| e.to_string())?;
        self.writer.flush().map_err(|e| e.to_string())?;
        Ok(Instant::now())
    }

    /// Peak resident memory so far (VmHWM), in MiB.
    fn peak_mib(&self) -> Result<f64, String> {
        let pid = self.child.process_id().ok_or("no pid")?;
        let status =
            std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or("no VmHWM in /proc/PID/status")?;
        Ok(kib / 1024.0)
    }

    fn quit(mut self) {
        let _ = self.send("\x03");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
    }
}

/// Start-up: process start to the sign-in screen, plus Enter on the filled
/// sign-in form to the Users pane showing its first page; then, in the same
/// console, a browse of the million users (G to the end, pages back and
/// forth, searches) and its peak resident memory.
pub fn startup_and_memory(db: &BenchDb, runs: usize) -> Result<Vec<Figure>, String> {
    let mut totals = Vec::new();
    let mut signins = Vec::new();
    let mut peak = 0.0f64;
    for run in 0..runs {
        let (mut pty, started) = Pty::start(db)?;
        let shown = pty.wait_for("Login ID")?;
        pty.send(ADMIN)?;
        pty.send("\t")?;
        pty.send(ADMIN_PW)?;
        // Let the form show the typed password's dots before pressing Enter.
        pty.wait_for("••••")?;
        let enter = pty.send("\r")?;
        // The selection mark appears with the first row of the first page.
        let users = pty.wait_for("▶ ")?;
        let to_form = shown - started;
        let to_users = users - enter;
        totals.push(to_form + to_users);
        signins.push(to_users);
        if run == runs - 1 {
            browse(&mut pty)?;
            peak = pty.peak_mib()?;
        }
        pty.quit();
    }
    totals.sort_unstable();
    signins.sort_unstable();
    let median = |v: &[Duration]| v[v.len() / 2];
    let startup = Figure::new(
        "start-up to Users pane",
        db.backend,
        ms(median(&totals)),
        "ms",
        "< 200 ms",
    );
    let signin = Figure::new(
        "  of which sign-in to first page",
        db.backend,
        ms(median(&signins)),
        "ms",
        "-",
    );
    let memory = Figure::new(
        "console peak RSS, browsing",
        db.backend,
        peak,
        "MiB",
        "< 64 MiB",
    );
    for f in [&startup, &signin, &memory] {
        announce(f);
    }
    Ok(vec![startup, signin, memory])
}

/// Browses: the end of the list, pages back and forth, a few searches.
fn browse(pty: &mut Pty) -> Result<(), String> {
    pty.send("G")?;
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..300 {
        pty.send("\x1b[5~")?; // PageUp
    }
    std::thread::sleep(Duration::from_millis(1500));
    pty.send("g")?;
    for _ in 0..300 {
        pty.send("\x1b[6~")?; // PageDown
    }
    std::thread::sleep(Duration::from_millis(1500));
    for term in ["smi", "an", "@clients", "ller", "jo"] {
        pty.send("/")?;
        pty.send(term)?;
        std::thread::sleep(Duration::from_millis(300));
        pty.send("\x1b")?;
        std::thread::sleep(Duration::from_millis(100));
    }
    pty.send("\t")?; // Resources, Policies, Lockouts ...
    std::thread::sleep(Duration::from_millis(300));
    pty.send("4")?; // Lockouts
    std::thread::sleep(Duration::from_millis(1000));
    pty.send("1")?;
    std::thread::sleep(Duration::from_millis(300));
    Ok(())
}

/// The command line's whole-process cost: `keyward user list --search T
/// --limit 50` on the bench database (the CLI session the fill made),
/// against the bare store query for the same page, with `keyward
/// --version` (process start and exit, no database) beside it.
pub async fn cli_search(
    db: &BenchDb,
    service: &keyward::service::Service,
    backend: &str,
    terms: &[String],
) -> Result<Vec<Figure>, String> {
    let timed = |args: &[&str]| -> Result<Duration, String> {
        let t = Instant::now();
        let out = db
            .command()
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .output()
            .map_err(|e| e.to_string())?;
        let took = t.elapsed();
        if !out.status.success() {
            return Err(format!(
                "keyward {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(took)
    };
    let mut version = Vec::new();
    let mut cli = Vec::new();
    let mut bare = Vec::new();
    // One run of each first, so that no figure includes a cold cache.
    timed(&["--version"])?;
    for term in terms.iter().take(30) {
        version.push(timed(&["--version"])?);
        cli.push(timed(&["user", "list", "--search", term, "--limit", "50"])?);
        let q = crate::console::page_query(term, 51);
        let t = Instant::now();
        service
            .store()
            .list_users(&q)
            .await
            .map_err(|e| e.to_string())?;
        bare.push(t.elapsed());
    }
    let (v, c, b) = (
        ms(crate::report::percentile(&version, 50.0)),
        ms(crate::report::percentile(&cli, 50.0)),
        ms(crate::report::percentile(&bare, 50.0)),
    );
    let f = Figure::new(
        &format!(
            "CLI user list --search p50 (whole process, {} terms)",
            cli.len()
        ),
        backend,
        c,
        "ms",
        "< bare + 10 ms",
    )
    .against(b);
    announce(&f);
    let g = Figure::new("CLI --version p50 (whole process)", backend, v, "ms", "-");
    announce(&g);
    eprintln!(
        "    CLI search over the bare query: {:.1} ms; over --version: {:.1} ms",
        c - b,
        c - v
    );
    Ok(vec![f, g])
}
