//! Who is asking: the client's address, for rate limits. Behind a reverse proxy — how a town
//! hall runs the service — the TCP peer is the proxy, so the address the proxy names in
//! `Forwarded` (RFC 7239) or `X-Forwarded-For` is used, but only when the peer is one of
//! `KONGRESS_TRUSTED_PROXIES`: from anyone else those headers are the client's own words.

use std::net::IpAddr;

use actix_web::web;
use actix_web::HttpRequest;

use crate::app::AppState;
use crate::config::Cidr;

/// The client's address of a request (`None` only without a peer, as in unit tests).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let trusted: &[Cidr] = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.trusted_proxies.as_slice())
        .unwrap_or(&[]);
    let joined = |name: &str| {
        let values: Vec<&str> = req
            .headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    client_address(
        req.peer_addr().map(|a| a.ip()),
        joined("forwarded").as_deref(),
        joined("x-forwarded-for").as_deref(),
        trusted,
    )
}

/// The client's address as text for a rate-limit bucket ("" without one).
pub fn client_key(req: &HttpRequest) -> String {
    client_ip(req).map(|ip| ip.to_string()).unwrap_or_default()
}

/// The rule, apart from actix: start at the peer; while the hop in hand is a trusted proxy,
/// step to the address it names (the chain is read from its right, nearest end). The first
/// untrusted hop is the client. An entry that is no address (`unknown`, an obfuscated name,
/// garbage) ends the walk at the last trusted hop, which is then taken as the client — the
/// safe side: a forged entry can never make the client look like somebody else.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded: Option<&str>,
    x_forwarded_for: Option<&str>,
    trusted: &[Cidr],
) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let mut hop = peer?;
    if !is_trusted(hop) {
        return Some(hop);
    }
    let chain: Vec<Option<IpAddr>> = match (forwarded, x_forwarded_for) {
        (Some(f), _) => f
            .split(',')
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| node_address(v.trim()))
            })
            .collect(),
        (None, Some(x)) => x.split(',').map(|a| node_address(a.trim())).collect(),
        (None, None) => vec![],
    };
    for entry in chain.into_iter().rev() {
        match entry {
            Some(ip) => {
                hop = ip;
                if !is_trusted(ip) {
                    return Some(ip);
                }
            }
            None => return Some(hop),
        }
    }
    Some(hop)
}

/// An address as `Forwarded` or `X-Forwarded-For` write it: `192.0.2.1`, `192.0.2.1:4711`,
/// `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn node_address(v: &str) -> Option<IpAddr> {
    let v = v.trim_matches('"');
    if let Ok(ip) = v.parse() {
        return Some(ip);
    }
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    v.rsplit_once(':')
        .and_then(|(ip, port)| port.parse::<u16>().ok().and(ip.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxies: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()];
        let t = |peer: &str, f: Option<&str>, x: Option<&str>| {
            client_address(Some(ip(peer)), f, x, &proxies)
        };
        // Untrusted peer: its headers are ignored.
        assert_eq!(
            t("203.0.113.9", None, Some("198.51.100.1")),
            Some(ip("203.0.113.9"))
        );
        // Trusted proxy: the address it names.
        assert_eq!(
            t("10.0.0.2", None, Some("198.51.100.1")),
            Some(ip("198.51.100.1"))
        );
        // A client-forged first entry is skipped: the proxy's own append counts.
        assert_eq!(
            t("10.0.0.2", None, Some("1.2.3.4, 198.51.100.1")),
            Some(ip("198.51.100.1"))
        );
        // Two trusted hops.
        assert_eq!(
            t("10.0.0.2", None, Some("198.51.100.1, 10.0.0.7")),
            Some(ip("198.51.100.1"))
        );
        // RFC 7239, quoted IPv6 with a port, and precedence over X-Forwarded-For.
        assert_eq!(
            t(
                "::1",
                Some("for=192.0.2.60;proto=https, for=\"[2001:db8:cafe::17]:4711\""),
                Some("9.9.9.9")
            ),
            Some(ip("2001:db8:cafe::17"))
        );
        // Garbage ends the walk at the last trusted hop.
        assert_eq!(
            t("10.0.0.2", None, Some("1.2.3.4, nonsense")),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(
            t("10.0.0.2", Some("for=unknown"), None),
            Some(ip("10.0.0.2"))
        );
        // A trusted proxy without headers is the client as far as anyone knows.
        assert_eq!(t("10.0.0.2", None, None), Some(ip("10.0.0.2")));
        // With ports.
        assert_eq!(
            t("10.0.0.2", None, Some("198.51.100.1:5000")),
            Some(ip("198.51.100.1"))
        );
        // Nobody trusted: always the peer.
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), None, Some("1.2.3.4"), &[]),
            Some(ip("10.0.0.2"))
        );
    }
}
