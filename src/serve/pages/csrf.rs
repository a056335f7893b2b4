//! Cross-site request forgery protection for the pages, without server
//! state (several instances may serve one database): a random token in a
//! cookie that only this site can set (SameSite=Strict, HttpOnly;
//! `__Host-` and Secure over HTTPS) must come back in the form's hidden
//! field. A POST that the browser says comes from another site
//! (`Sec-Fetch-Site`, or an `Origin` naming another site) is refused too.
//! Note that with `Referrer-Policy: no-referrer` browsers send `Origin:
//! null` with their own form posts, so a null origin proves nothing either
//! way and the token decides.

use crate::crypto::tokens::{digests_match, random_token};
use axum::http::{HeaderMap, HeaderValue, header};

/// The form token a page carries, and the cookie to set with it when the
/// browser has none yet.
pub struct Csrf {
    pub token: String,
    pub set_cookie: Option<HeaderValue>,
}

fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-kw_csrf" } else { "kw_csrf" }
}

/// The token of the browser's cookie, if it has a well-formed one.
fn from_cookie(headers: &HeaderMap, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 64 && v.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The token for a form: the cookie's, or a new one with its cookie.
pub fn issue(headers: &HeaderMap, secure: bool) -> Csrf {
    if let Some(token) = from_cookie(headers, secure) {
        return Csrf {
            token,
            set_cookie: None,
        };
    }
    let token = random_token().to_string();
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    );
    Csrf {
        set_cookie: HeaderValue::from_str(&cookie).ok(),
        token,
    }
}

/// Whether a submitted token matches the cookie, and the request does not
/// come from another site.
pub fn verify(headers: &HeaderMap, submitted: &str, secure: bool, public_url: &str) -> bool {
    if !same_origin(headers, public_url) {
        return false;
    }
    from_cookie(headers, secure).is_some_and(|cookie| digests_match(&cookie, submitted.trim()))
}

/// A browser that says where a request comes from must say it is this
/// site: `Sec-Fetch-Site` same-origin (or none: typed by the user), and an
/// `Origin` other than null the public URL or the host addressed.
fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" || origin == public_url {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, h)| h);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn a_new_browser_gets_a_cookie_and_the_same_token_back_verifies() {
        let c = issue(&HeaderMap::new(), false);
        let cookie = c.set_cookie.unwrap();
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.starts_with("kw_csrf="), "{cookie}");
        assert!(cookie.contains("SameSite=Strict") && cookie.contains("HttpOnly"));
        let jar = format!("other=1; kw_csrf={}", c.token);
        let h = headers(&[("cookie", &jar), ("host", "127.0.0.1:8080")]);
        assert!(verify(&h, &c.token, false, "http://127.0.0.1:8080"));
        assert!(!verify(&h, &"0".repeat(64), false, "http://127.0.0.1:8080"));
        // The same browser keeps its token.
        assert_eq!(issue(&h, false).token, c.token);
        assert!(issue(&h, false).set_cookie.is_none());
    }

    #[test]
    fn secure_sites_use_a_host_only_secure_cookie() {
        let c = issue(&HeaderMap::new(), true);
        let cookie = c.set_cookie.unwrap();
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.starts_with("__Host-kw_csrf=") && cookie.ends_with("; Secure"));
    }

    #[test]
    fn another_site_or_no_cookie_is_refused() {
        let token = "a".repeat(64);
        let jar = format!("kw_csrf={token}");
        let foreign = headers(&[
            ("cookie", &jar),
            ("host", "accounts.example.org"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!verify(
            &foreign,
            &token,
            false,
            "https://accounts.example.org"
        ));
        let own = headers(&[
            ("cookie", &jar),
            ("host", "accounts.example.org"),
            ("origin", "https://accounts.example.org"),
        ]);
        assert!(verify(&own, &token, false, "https://accounts.example.org"));
        let none = headers(&[("host", "accounts.example.org")]);
        assert!(!verify(
            &none,
            &token,
            false,
            "https://accounts.example.org"
        ));
    }
}
