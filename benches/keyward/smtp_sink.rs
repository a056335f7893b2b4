//! A local SMTP server for the mail benchmark that accepts every message
//! and keeps nothing: it speaks just enough SMTP for lettre (greeting,
//! EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and costs almost nothing, as
//! a local mail transfer agent queueing to disk would next to keyward. The
//! tests' Python sink (tests/mail/smtp_sink.py) parses and stores each
//! message and tops out near 90 mails a second on this machine, which is
//! what the benchmark measured before instead of the sender.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A running sink: its port, and how many messages it accepted.
pub struct Sink {
    pub port: u16,
    pub accepted: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sink {
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
}

/// Starts a sink on 127.0.0.1 and an ephemeral port.
pub async fn start() -> Result<Sink, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("smtp sink: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("smtp sink: {e}"))?
        .port();
    let accepted = Arc::new(AtomicU64::new(0));
    let counter = accepted.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let _ = session(stream, &counter).await;
            });
        }
    });
    Ok(Sink {
        port,
        accepted,
        task,
    })
}

/// One connection, until QUIT or the client goes.
async fn session(stream: TcpStream, accepted: &AtomicU64) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 bench-sink ESMTP\r\n").await?;
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let verb: String = line
            .iter()
            .take(4)
            .map(|b| b.to_ascii_uppercase() as char)
            .collect();
        match verb.as_str() {
            "EHLO" => {
                write
                    .write_all(b"250-bench-sink\r\n250 8BITMIME\r\n")
                    .await?
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                loop {
                    line.clear();
                    if read.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                }
                accepted.fetch_add(1, Ordering::Relaxed);
                write.write_all(b"250 queued\r\n").await?;
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            // HELO, MAIL, RCPT, RSET, NOOP and anything else.
            _ => write.write_all(b"250 ok\r\n").await?,
        }
    }
}
