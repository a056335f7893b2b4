//! HTTPS: with `[web] tls_cert` and `tls_key` keyward serves TLS itself
//! (rustls), sends HSTS, and its form cookie is Secure and host-only.

use crate::both_backends;
use crate::harness::settings;
use keyward::config::WebSection;

both_backends!(serves_https_with_the_configured_certificate, |t| {
    t.admin().await;
    let dir = tempfile::tempdir().unwrap();
    let generated = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    let web = WebSection {
        tls_cert: Some(cert),
        tls_key: Some(key),
        ..WebSection::default()
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let running = keyward::serve::start(t.service.clone(), settings(addr, web), listener)
        .await
        .unwrap();
    let root = reqwest::Certificate::from_pem(generated.cert.pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(root)
        .build()
        .unwrap();
    let r = client
        .get(format!("https://{addr}/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    let r = client
        .get(format!("https://{addr}/reset"))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("__Host-kw_csrf=") && cookie.contains("; Secure"),
        "{cookie}"
    );
    // Plain HTTP to the TLS port gets no answer.
    let plain = reqwest::Client::new()
        .get(format!("http://{addr}/v1/health"))
        .send()
        .await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
    running.stop().await.unwrap();
});

#[test]
fn a_broken_certificate_is_refused_at_start_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, "not a certificate").unwrap();
    let web = WebSection {
        tls_cert: Some(cert.clone()),
        tls_key: Some(dir.path().join("missing-key.pem")),
        ..WebSection::default()
    };
    let settings = keyward::serve::WebSettings::resolve(&web, None).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt
        .block_on(settings.tls.as_ref().unwrap().rustls())
        .map(|_| ())
        .expect_err("refused");
    assert!(err.to_string().contains("cert.pem"), "{err}");
}
