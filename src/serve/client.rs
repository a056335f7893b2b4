//! Who is asking: the client's address, from the connection, or from
//! `X-Forwarded-For` when the connection comes from a trusted proxy (and
//! only then: anyone can send the header).

use super::error::ApiError;
use super::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client's address as keyward believes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The rate-limit bucket for this client: the address, or for IPv6
    /// its /64 (one subscriber's whole allocation).
    pub fn bucket(&self) -> String {
        match self.0 {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => {
                let s = a.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }
}

impl ClientAddr {
    /// The address an application gave for its own user
    /// (`client_address` in a link request), else the caller's.
    pub fn given_or(given: Option<&str>, caller: ClientAddr) -> Result<ClientAddr, ApiError> {
        match given {
            Some(a) => a.trim().parse().map(ClientAddr).map_err(|_| {
                ApiError::bad_request("client_address is not an IPv4 or IPv6 address")
            }),
            None => Ok(caller),
        }
    }

    /// Counts a reset request from this client (`[web]
    /// reset_requests_per_address_per_hour`, shared by every instance);
    /// over the limit it answers 429 with how long to wait.
    pub async fn reset_rate_limit(&self, state: &AppState) -> Result<(), ApiError> {
        let bucket = format!("reset-address:{}", self.bucket());
        let limit = state.settings.reset_requests_per_address_per_hour;
        match state
            .service
            .rate_limited(&bucket, limit, chrono::Duration::hours(1))
            .await?
        {
            Some(wait) => Err(ApiError::rate_limited(
                u64::try_from(wait.num_seconds()).unwrap_or(1).max(1),
            )),
            None => Ok(()),
        }
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        Ok(ClientAddr(client_ip(
            peer,
            &forwarded,
            &state.settings.trusted_proxies,
        )))
    }
}

/// The client behind `peer`: walking `X-Forwarded-For` from the right
/// (the hop nearest keyward) past trusted proxies, the first address that
/// is not one. A malformed entry stops the walk at the last good hop.
pub fn client_ip(peer: IpAddr, forwarded: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // Straight from a client: the header is whatever it says, ignored.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &["1.2.3.4"], &trusted),
            ip("203.0.113.9")
        );
        // Through the proxy: the hop before it.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["1.2.3.4", "198.51.100.7"], &trusted),
            ip("198.51.100.7")
        );
        // Through two trusted proxies.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["198.51.100.7", "10.0.0.5"], &trusted),
            ip("198.51.100.7")
        );
        // A forged left part does not matter; garbage stops the walk.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["x", "10.0.0.5"], &trusted),
            ip("10.0.0.5")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        let a = ClientAddr(ip("2001:db8:1:2:aaaa::1"));
        let b = ClientAddr(ip("2001:db8:1:2:bbbb::9"));
        assert_eq!(a.bucket(), b.bucket());
        assert_eq!(ClientAddr(ip("192.0.2.1")).bucket(), "192.0.2.1");
    }
}
