//! The config file (`config::parse`) and what is read from it before a
//! command runs: the Argon2 floor, `[web]` (listen address, public URL,
//! trusted proxies, links) and `[mail]` (the server's URL). Any text is
//! read or refused with a message, never a panic.
#![no_main]
#![forbid(unsafe_code)]

use keyward::config::parse;
use keyward::mail::MailSettings;
use keyward::serve::{WebSettings, links_base};
use libfuzzer_sys::fuzz_target;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => panic!("a runtime: {e}"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = match parse(text) {
        Ok(file) => file,
        Err(e) => {
            assert!(!e.is_empty());
            return;
        }
    };
    if let Err(e) = file.argon2.check() {
        assert!(!e.to_string().is_empty());
    }
    let _ = WebSettings::resolve(&file.web, None);
    let _ = WebSettings::resolve(&file.web, Some("127.0.0.1:0"));
    let _ = links_base(&file.web);
    // The mail transport it builds belongs to a Tokio runtime, as in
    // every caller (all run inside keyward's runtime).
    let _inside = runtime().enter();
    let _ = MailSettings::from_section(&file.mail, &file.web.organisation);
    // Read twice, the same text gives the same configuration.
    assert_eq!(parse(text).ok(), Some(file));
});
