//! `[web]` resolved and checked once at start: a wrong address, a missing
//! certificate or plain HTTP on a public address is refused with a message
//! that says what to change, before anything listens.

use crate::config::WebSection;
use crate::error::{Error, Result};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What `keyward serve` runs with.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub listen: SocketAddr,
    /// `scheme://host[:port]`, no trailing slash.
    pub public_url: String,
    /// Whether `public_url` was configured (else it follows the address).
    pub public_url_given: bool,
    pub organisation: String,
    pub tls: Option<TlsFiles>,
    pub trusted_proxies: Vec<IpNet>,
    pub reset_requests_per_address_per_hour: u32,
    pub hash_queue_limit: usize,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    pub shutdown_grace: Duration,
    /// The bearer token file of `/metrics` (read when the server starts).
    pub metrics_token_file: Option<PathBuf>,
}

/// The PEM files of a TLS listener.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// rustls (ring) with the certificate chain and key, HTTP/2 and 1.1.
    pub async fn rustls(&self) -> Result<axum_server::tls_rustls::RustlsConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let bad = |what: &str, path: &PathBuf, e: &dyn std::fmt::Display| {
            Error::Invalid(format!(
                "cannot read the TLS {what} {}: {e}; [web] tls_cert and tls_key name PEM files",
                path.display()
            ))
        };
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.cert)
            .map_err(|e| bad("certificate", &self.cert, &e))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| bad("certificate", &self.cert, &e))?;
        if certs.is_empty() {
            return Err(bad("certificate", &self.cert, &"no certificate in it"));
        }
        let key = PrivateKeyDer::from_pem_file(&self.key).map_err(|e| bad("key", &self.key, &e))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Invalid(format!("TLS: {e}")))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| {
                Error::Invalid(format!(
                    "the TLS certificate and key do not go together: {e}"
                ))
            })?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(axum_server::tls_rustls::RustlsConfig::from_config(
            Arc::new(config),
        ))
    }
}

impl WebSettings {
    /// The settings once the listener is bound to `addr`: a public URL
    /// made from the address follows the port actually given (`:0` asks
    /// for any free port).
    pub fn bound_to(mut self, addr: SocketAddr) -> WebSettings {
        self.listen = addr;
        if !self.public_url_given {
            self.public_url = url_of(addr, self.tls.is_some());
        }
        self
    }

    /// Checks `[web]`; `listen` is the `--listen` flag, which wins.
    pub fn resolve(web: &WebSection, listen: Option<&str>) -> Result<WebSettings> {
        let text = listen.unwrap_or(&web.listen).trim();
        let listen: SocketAddr = text.parse().map_err(|_| {
            Error::Invalid(format!(
                "cannot listen on {text:?}: give an address and port such as 127.0.0.1:8080 or [::]:8443"
            ))
        })?;
        let tls = match (&web.tls_cert, &web.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            (None, None) => None,
            _ => {
                return Err(Error::Invalid(
                    "[web] tls_cert and tls_key go together: set both for HTTPS, or neither".into(),
                ));
            }
        };
        if tls.is_none() && !listen.ip().is_loopback() && !web.allow_plain_http {
            return Err(Error::Invalid(format!(
                "refusing plain HTTP on {listen}, which is not a loopback address: passwords would \
                 cross the network unencrypted. Set [web] tls_cert and tls_key, or listen on \
                 127.0.0.1 behind a reverse proxy that terminates TLS, or set \
                 [web] allow_plain_http = true if a proxy on another host does"
            )));
        }
        let public_url = match &web.public_url {
            Some(url) => check_public_url(url)?,
            None => url_of(listen, tls.is_some()),
        };
        let organisation = web.organisation.trim().to_string();
        if organisation.is_empty()
            || organisation.chars().count() > 100
            || organisation.chars().any(char::is_control)
        {
            return Err(Error::Invalid(
                "[web] organisation is the name shown on the pages: 1 to 100 characters".into(),
            ));
        }
        let trusted_proxies = web
            .trusted_proxies
            .iter()
            .map(|p| parse_net(p))
            .collect::<Result<Vec<_>>>()?;
        if web.hash_queue_limit == 0 {
            return Err(Error::Invalid(
                "[web] hash_queue_limit must be at least 1".into(),
            ));
        }
        if !(1024..=1024 * 1024).contains(&web.max_body_bytes) {
            return Err(Error::Invalid(
                "[web] max_body_bytes must be between 1024 and 1048576".into(),
            ));
        }
        if web.request_timeout_seconds == 0 || web.request_timeout_seconds > 3600 {
            return Err(Error::Invalid(
                "[web] request_timeout_seconds must be between 1 and 3600".into(),
            ));
        }
        if web.shutdown_grace_seconds > 3600 {
            return Err(Error::Invalid(
                "[web] shutdown_grace_seconds must be at most 3600".into(),
            ));
        }
        Ok(WebSettings {
            listen,
            public_url_given: web.public_url.is_some(),
            public_url,
            organisation,
            tls,
            trusted_proxies,
            reset_requests_per_address_per_hour: web.reset_requests_per_address_per_hour,
            hash_queue_limit: web.hash_queue_limit,
            max_body_bytes: web.max_body_bytes,
            request_timeout: Duration::from_secs(web.request_timeout_seconds),
            shutdown_grace: Duration::from_secs(web.shutdown_grace_seconds),
            metrics_token_file: web.metrics_token_file.clone(),
        })
    }

    /// Whether users reach the pages over HTTPS (cookies are then Secure,
    /// and HSTS is sent).
    pub fn secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Where the pages are reached, for links made outside `keyward serve`
/// (an administrator's "send reset link"): `[web] public_url` checked, or
/// what `keyward serve` would use by default.
pub fn links_base(web: &WebSection) -> Result<String> {
    WebSettings::resolve(web, None)
        .map(|s| s.public_url)
        .map_err(|e| {
            Error::Invalid(format!(
                "the links would not work ({e}); set [web] public_url to where users reach keyward serve"
            ))
        })
}

/// `http(s)://` and the address listened on (`localhost` for all addresses).
fn url_of(listen: SocketAddr, tls: bool) -> String {
    let host = match listen.ip() {
        ip if ip.is_unspecified() => "localhost".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{host}:{}", listen.port())
}

/// `scheme://host[:port]`, http or https, without a path.
fn check_public_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty()
                && !host.contains(['/', '?', '#', '@', ' '])
                && !host.chars().any(char::is_control) =>
        {
            Ok(url.to_string())
        }
        _ => Err(Error::Invalid(format!(
            "[web] public_url {url:?} must be http:// or https:// and a host, with no path \
             (keyward's pages are at the root)"
        ))),
    }
}

/// An address or a CIDR range.
fn parse_net(text: &str) -> Result<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            Error::Invalid(format!(
                "[web] trusted_proxies: {text:?} is not an address or a range such as 10.0.0.0/8"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web() -> WebSection {
        WebSection::default()
    }

    #[test]
    fn defaults_listen_on_loopback_with_a_public_url_from_it() {
        let s = WebSettings::resolve(&web(), None).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert!(!s.secure());
        let s = WebSettings::resolve(&web(), Some("[::1]:9000")).unwrap();
        assert_eq!(s.public_url, "http://[::1]:9000");
    }

    #[test]
    fn plain_http_on_a_public_address_is_refused_unless_allowed() {
        let e = WebSettings::resolve(&web(), Some("0.0.0.0:8080")).unwrap_err();
        assert!(e.to_string().contains("not a loopback"), "{e}");
        let allowed = WebSection {
            allow_plain_http: true,
            ..web()
        };
        let s = WebSettings::resolve(&allowed, Some("0.0.0.0:8080")).unwrap();
        assert_eq!(s.public_url, "http://localhost:8080");
    }

    #[test]
    fn bad_values_say_what_to_change() {
        let e = WebSettings::resolve(&web(), Some("localhost")).unwrap_err();
        assert!(e.to_string().contains("127.0.0.1:8080"), "{e}");
        let half_tls = WebSection {
            tls_cert: Some("cert.pem".into()),
            ..web()
        };
        assert!(WebSettings::resolve(&half_tls, None).is_err());
        let path = WebSection {
            public_url: Some("https://example.org/accounts".into()),
            ..web()
        };
        assert!(WebSettings::resolve(&path, None).is_err());
        let proxies = WebSection {
            trusted_proxies: vec!["10.0.0.0/8".into(), "::1".into(), "nonsense".into()],
            ..web()
        };
        let e = WebSettings::resolve(&proxies, None).unwrap_err();
        assert!(e.to_string().contains("nonsense"), "{e}");
        let ok = WebSection {
            public_url: Some("https://accounts.example.org/".into()),
            trusted_proxies: vec!["10.0.0.0/8".into(), "::1".into()],
            ..web()
        };
        let s = WebSettings::resolve(&ok, None).unwrap();
        assert_eq!(s.public_url, "https://accounts.example.org");
        assert!(s.secure());
        assert_eq!(s.trusted_proxies.len(), 2);
    }
}
