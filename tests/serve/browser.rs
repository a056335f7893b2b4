//! The pages in a real browser: headless Chromium driven over WebDriver
//! (Debian's chromium and chromium-driver). Without chromedriver the test
//! is skipped with a note, unless KEYWARD_REQUIRE_BROWSER is set (as
//! .ci/run sets it), when it fails.

use crate::both_backends;
use crate::harness::{NEW_PW, granted_user, serve};
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A chromedriver process and a browser session on it.
struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// `None` (with a note) when chromedriver is not installed and not required.
    async fn start(width: u32) -> Option<Browser> {
        let Some(driver_path) = which("chromedriver") else {
            if std::env::var_os("KEYWARD_REQUIRE_BROWSER").is_some() {
                panic!("KEYWARD_REQUIRE_BROWSER is set but chromedriver is not installed");
            }
            eprintln!(
                "skipped: chromedriver is not installed (apt-get install chromium chromium-driver)"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = serde_json::Map::new();
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--window-size={width},900"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if let Some(chromium) = which("chromium") {
            caps.insert(
                "goog:chromeOptions".into(),
                serde_json::json!({ "binary": chromium, "args": args }),
            );
        } else {
            caps.insert(
                "goog:chromeOptions".into(),
                serde_json::json!({ "args": args }),
            );
        }
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Some(Browser {
                        client,
                        driver,
                        _profile: profile,
                    });
                }
                Err(e) => last = Some(e.to_string()),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("cannot start a browser session: {last:?}");
    }

    /// The page's main text; empty while a page is still loading.
    async fn text(&self) -> String {
        match self.client.find(Locator::Css("main")).await {
            Ok(main) => main.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.expect(css);
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    async fn submit(&self) {
        self.client
            .find(Locator::Css("button[type=submit]"))
            .await
            .expect("button")
            .click()
            .await
            .expect("click");
    }

    /// Waits until the page's main text contains `what`.
    async fn until(&self, what: &str) {
        for _ in 0..100 {
            if self.text().await.contains(what) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the page never said {what:?}; it says: {}",
            self.text().await
        );
    }

    /// Whether the page fits the window without scrolling sideways.
    async fn fits(&self) -> bool {
        self.client
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth;",
                vec![],
            )
            .await
            .expect("script")
            .as_bool()
            .unwrap_or(false)
    }

    async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| std::path::Path::new(d).join(program))
        .find(|p| p.is_file())
}

both_backends!(reset_by_link_in_a_browser, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    let Some(b) = Browser::start(1280).await else {
        s.stop().await;
        return;
    };
    // Ask for a link.
    b.client.goto(&s.url("/reset")).await.unwrap();
    b.fill("#who", "anna.b").await;
    b.submit().await;
    b.until("If an account matches, a link is on its way").await;
    t.service.settle().await;
    let link = t.service.pending_reset_links(&s.admin, None).await.unwrap()[0]
        .link
        .clone();
    // A mail scanner fetches it first, twice.
    for _ in 0..2 {
        let r = s.client.get(&link).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    // Open it; type a password the policy refuses: the live checklist
    // (the inline script, under the page's CSP nonce) marks broken rules.
    b.client.goto(&link).await.unwrap();
    b.until("Set a new password").await;
    b.fill("#new", "password").await;
    for _ in 0..100 {
        if !b
            .client
            .find_all(Locator::Css("#rules li.unmet"))
            .await
            .unwrap()
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let unmet = b
        .client
        .find_all(Locator::Css("#rules li.unmet"))
        .await
        .unwrap();
    assert!(
        !unmet.is_empty(),
        "the live checklist never showed a broken rule"
    );
    let meter = b.client.find(Locator::Css("#meter")).await.unwrap();
    assert_eq!(
        meter.attr("data-score").await.unwrap().as_deref(),
        Some("0")
    );
    b.fill("#repeat", "password").await;
    b.submit().await;
    b.until("is a commonly used password").await;
    // A good one.
    b.fill("#new", NEW_PW).await;
    b.fill("#repeat", NEW_PW).await;
    b.submit().await;
    b.until("has been changed").await;
    assert_eq!(s.sign_in("anna.b", NEW_PW).await["outcome"], "ok");
    // The used link has its clear page.
    b.client.goto(&link).await.unwrap();
    b.until("This link cannot be used").await;
    b.close().await;
    s.stop().await;
});

both_backends!(pages_fit_a_narrow_phone, |t| {
    let s = serve(&t).await;
    let Some(b) = Browser::start(320).await else {
        s.stop().await;
        return;
    };
    for path in ["/reset", "/change"] {
        b.client.goto(&s.url(path)).await.unwrap();
        b.until("password").await;
        assert!(b.fits().await, "{path} scrolls sideways at 320 px");
    }
    b.close().await;
    s.stop().await;
});
