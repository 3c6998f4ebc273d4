//! Who is on the other end of a request: the client's address, as the rate limits and the logs
//! see it.
//!
//! It is the TCP peer, unless the peer is one of the configured `trusted_proxies`. A trusted
//! proxy appends the address it received the request from to `X-Forwarded-For` (or to
//! `Forwarded`, as `client_address_header` says), so the header is read from its right end:
//! each entry was written by the hop to its right, and is believed while that hop is trusted.
//! The first untrusted entry is the client; anything to its left was written by the client
//! itself and is never believed. An entry that cannot be read (`unknown`, an obfuscated
//! name, garbage) stops the walk at the last trusted hop.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use serde::Deserialize;

/// The client's address, in every request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Which header the trusted proxies write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for="[2001:db8::1]:4711"`.
    Forwarded,
}

/// The reverse proxies whose word on the client's address is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>, header: ForwardedHeader) -> TrustedProxies {
        TrustedProxies { nets, header }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// Returns the client of a request that came from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops = match self.header {
            ForwardedHeader::XForwardedFor => entries(headers, "x-forwarded-for", read_xff),
            ForwardedHeader::Forwarded => entries(headers, "forwarded", read_forwarded),
        };
        for hop in hops.iter().rev() {
            let Some(ip) = hop else { break };
            client = ip.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// Every comma-separated entry of every `name` header, in order, each read by `read`.
fn entries(
    headers: &HeaderMap,
    name: &str,
    read: fn(&str) -> Option<IpAddr>,
) -> Vec<Option<IpAddr>> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').map(|entry| read(entry.trim())).collect(),
            Err(_) => vec![None],
        })
        .collect()
}

/// An `X-Forwarded-For` entry: an address, or an address with a port.
fn read_xff(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

/// A `Forwarded` element's `for=` parameter: `for=192.0.2.1`, `for="192.0.2.1:80"`,
/// `for="[2001:db8::1]"` or `for="[2001:db8::1]:4711"`.
fn read_forwarded(element: &str) -> Option<IpAddr> {
    let value = element.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then(|| value.trim().trim_matches('"'))
    })?;
    if let Some(rest) = value.strip_prefix('[') {
        let (ip, _port) = rest.split_once(']')?;
        return ip.parse().ok();
    }
    read_xff(value)
}

/// Middleware: puts the [`ClientAddr`] in the request's extensions (the peer is `0.0.0.0`
/// when the router is called without a socket, as tests do).
pub async fn resolve(
    State(trusted): State<std::sync::Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(addr)| addr.ip());
    let client = trusted.client(peer, request.headers());
    request.extensions_mut().insert(ClientAddr(client));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(name, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn trusted(nets: &[&str], header: ForwardedHeader) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| n.parse().unwrap()).collect(), header)
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let t = trusted(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let h = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(t.client(ip("198.51.100.7"), &h), ip("198.51.100.7"));
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.1"), &h),
            ip("10.0.0.1"),
            "nothing is trusted unless configured"
        );
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_client() {
        let t = trusted(
            &["10.0.0.0/8", "192.168.1.1/32"],
            ForwardedHeader::XForwardedFor,
        );
        // The client claims to be 1.1.1.1; the first proxy saw 203.0.113.9; the second
        // proxy (192.168.1.1) saw the first (10.1.2.3).
        let h = headers("x-forwarded-for", &["1.1.1.1, 203.0.113.9", "10.1.2.3"]);
        assert_eq!(t.client(ip("192.168.1.1"), &h), ip("203.0.113.9"));
        let h = headers("x-forwarded-for", &["203.0.113.9:5173"]);
        assert_eq!(
            t.client(ip("10.0.0.1"), &h),
            ip("203.0.113.9"),
            "a port is allowed"
        );
        let h = headers("x-forwarded-for", &["10.0.0.2, 10.0.0.3"]);
        assert_eq!(
            t.client(ip("10.0.0.1"), &h),
            ip("10.0.0.2"),
            "only trusted hops: the farthest"
        );
        assert_eq!(
            t.client(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1"),
            "no header: the proxy itself"
        );
    }

    #[test]
    fn an_unreadable_entry_stops_at_the_last_trusted_hop() {
        let t = trusted(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let h = headers("x-forwarded-for", &["203.0.113.9, garbage, 10.0.0.5"]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("10.0.0.5"));
    }

    #[test]
    fn forwarded_is_read_when_configured_and_only_then() {
        let t = trusted(&["10.0.0.0/8"], ForwardedHeader::Forwarded);
        let h = headers(
            "forwarded",
            &[r#"for="[2001:db8::7]:4711";proto=https, For=10.0.0.9;by=10.0.0.1"#],
        );
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("2001:db8::7"));
        let h = headers("forwarded", &["for=198.51.100.4:80"]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("198.51.100.4"));
        let h = headers("forwarded", &["for=unknown"]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("10.0.0.1"));
        let h = headers("x-forwarded-for", &["198.51.100.4"]);
        assert_eq!(
            t.client(ip("10.0.0.1"), &h),
            ip("10.0.0.1"),
            "the other header is the client's own word"
        );
    }

    #[test]
    fn an_ipv4_mapped_peer_is_matched_as_ipv4() {
        let t = trusted(&["127.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let h = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(t.client(ip("::ffff:127.0.0.1"), &h), ip("203.0.113.9"));
    }
}
