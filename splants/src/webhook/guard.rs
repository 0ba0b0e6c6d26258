//! The SSRF guard: which addresses a webhook may reach, checked when a URL is configured and
//! again on every connection the webhook client opens.
//!
//! Checking once at start-up is not enough: a host that resolves to a public address when the
//! URL is validated can answer `127.0.0.1` or `169.254.169.254` a minute later (DNS
//! rebinding). So the webhook client resolves through [`GuardedResolver`], which asks the
//! inner [`HostResolver`] (the system resolver by default) and drops every special-purpose
//! address from the answer before hyper connects. An IP literal in a URL never reaches a
//! resolver, so each delivery checks it too ([`check_literal`]); redirects are not followed
//! and no HTTP proxy is used while the guard is on (a proxy would resolve the host itself).
//!
//! Refused (IANA special-purpose registries, and everything IPv6 outside `2000::/3`):
//!
//! | range | what |
//! |---|---|
//! | `0.0.0.0/8`, `::/128` | "this network", unspecified |
//! | `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, `fc00::/7` | private, unique local |
//! | `100.64.0.0/10` | shared address space (carrier-grade NAT) |
//! | `127.0.0.0/8`, `::1` | loopback |
//! | `169.254.0.0/16`, `fe80::/10` | link-local (cloud metadata at 169.254.169.254) |
//! | `192.0.0.0/24`, `2001::/23` | IETF protocol assignments (Teredo, ORCHID, benchmarking…) |
//! | `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`, `3fff::/20` | documentation |
//! | `192.88.99.0/24` | 6to4 relay anycast |
//! | `198.18.0.0/15` | benchmarking |
//! | `224.0.0.0/4`, `ff00::/8` | multicast |
//! | `240.0.0.0/4` (with `255.255.255.255`) | reserved, broadcast |
//! | `::/96` | IPv4-compatible (deprecated) |
//! | `64:ff9b:1::/48`, `100::/64`, `fec0::/10`, the rest outside `2000::/3` | not global unicast |
//!
//! Addresses that embed an IPv4 address are judged by it: `::ffff:0:0/96` (mapped),
//! `64:ff9b::/96` (NAT64, RFC 6052) and `2002::/16` (6to4). Refusing NAT64 outright would
//! break every webhook on an IPv6-only network with DNS64, where all IPv4 hosts answer
//! with such addresses; checking the embedded address keeps `64:ff9b::7f00:1` (127.0.0.1)
//! out and public receivers reachable.

use async_trait::async_trait;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// The special-purpose IPv4 ranges, as (network, prefix length, what).
const V4_SPECIAL: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "0.0.0.0/8, \"this network\""),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "10.0.0.0/8, private"),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "100.64.0.0/10, shared address space"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "127.0.0.0/8, loopback"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "169.254.0.0/16, link-local"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "172.16.0.0/12, private"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "192.0.0.0/24, IETF protocol assignments"),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "192.0.2.0/24, documentation"),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "192.88.99.0/24, 6to4 relay anycast"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "192.168.0.0/16, private"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "198.18.0.0/15, benchmarking"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, "198.51.100.0/24, documentation"),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "203.0.113.0/24, documentation"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "224.0.0.0/4, multicast"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "240.0.0.0/4, reserved or broadcast"),
];

/// The special-purpose IPv6 ranges inside global unicast `2000::/3`, as (network, prefix, what).
const V6_SPECIAL_GLOBAL: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, "2001:db8::/32, documentation"),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, "2001::/23, IETF protocol assignments"),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, "3fff::/20, documentation"),
];

/// Named IPv6 ranges outside `2000::/3` (all refused; the names make errors readable).
const V6_NAMED: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::UNSPECIFIED, 128, "::/128, unspecified"),
    (Ipv6Addr::LOCALHOST, 128, "::1, loopback"),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96, "::/96, IPv4-compatible"),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, "64:ff9b:1::/48, local-use NAT64"),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, "100::/64, discard-only"),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "fc00::/7, unique local"),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "fe80::/10, link-local"),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "fec0::/10, site-local"),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "ff00::/8, multicast"),
];

fn in_v4(ip: Ipv4Addr, net: Ipv4Addr, prefix: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net) & mask
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, prefix: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(net) & mask
}

/// The special-purpose range `ip` is in (e.g. `"127.0.0.0/8, loopback"`), or `None` for an
/// address a webhook may reach. See the [module docs](self) for the table.
pub fn special_purpose(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => V4_SPECIAL.iter().find(|(net, p, _)| in_v4(v4, *net, *p)).map(|(_, _, what)| *what),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return special_purpose(IpAddr::V4(v4));
            }
            if let Some((_, _, what)) = V6_NAMED.iter().find(|(net, p, _)| in_v6(v6, *net, *p)) {
                return Some(what);
            }
            if !in_v6(v6, Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3) {
                return Some("outside 2000::/3, not global unicast");
            }
            V6_SPECIAL_GLOBAL.iter().find(|(net, p, _)| in_v6(v6, *net, *p)).map(|(_, _, what)| *what)
        }
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:0:0/96`), NAT64 (`64:ff9b::/96`) or 6to4
/// (`2002::/16`) address.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(v6);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    if in_v6(v6, Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96) {
        return Some(Ipv4Addr::from((bits & 0xffff_ffff) as u32));
    }
    if in_v6(v6, Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16) {
        return Some(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32));
    }
    None
}

/// Whether a webhook must not reach `ip`: loopback, private, link-local (cloud metadata),
/// multicast, unspecified, documentation, benchmarking, reserved and the other
/// special-purpose ranges of the [module docs](self).
pub fn is_private(ip: IpAddr) -> bool {
    special_purpose(ip).is_some()
}

/// A webhook connection the guard refused: `host` resolved (or is) `ip` in `range`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "webhook host `{host}` resolves to {ip} ({range}), which webhooks may not reach; \
     set SPLANTS_WEBHOOK_ALLOW_PRIVATE=true to allow it"
)]
pub struct AddressRefused {
    /// The host of the URL.
    pub host: String,
    /// The refused address.
    pub ip: IpAddr,
    /// The special-purpose range it is in.
    pub range: &'static str,
}

impl AddressRefused {
    fn check(host: &str, ip: IpAddr) -> Result<(), AddressRefused> {
        match special_purpose(ip) {
            Some(range) => Err(AddressRefused { host: host.to_owned(), ip, range }),
            None => Ok(()),
        }
    }
}

/// Looks up the addresses of a host name for webhook connections; the guard judges what it
/// answers. The default is [`SystemResolver`]; give your own (your DNS, a test double) to
/// [`crate::ContentEngineBuilder::webhook_resolver`].
#[async_trait]
pub trait HostResolver: Send + Sync + std::fmt::Debug {
    /// The addresses of `host`, a DNS name (IP literals never reach a resolver).
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>>;
}

/// The operating system's resolver (`getaddrinfo` on tokio's blocking pool).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemResolver;

#[async_trait]
impl HostResolver for SystemResolver {
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        Ok(tokio::net::lookup_host((host, 0)).await?.map(|a| a.ip()).collect())
    }
}

/// The webhook client's resolver: asks `inner` on every connection and, unless
/// `allow_private`, drops the special-purpose addresses from its answer. An answer with no
/// address left fails the connection with [`AddressRefused`].
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    inner: Arc<dyn HostResolver>,
    allow_private: bool,
}

impl GuardedResolver {
    /// A guard over `inner`; with `allow_private` it passes every address through.
    pub fn new(inner: Arc<dyn HostResolver>, allow_private: bool) -> Self {
        GuardedResolver { inner, allow_private }
    }

    /// The addresses of `host` the guard lets a connection use.
    pub async fn resolve_host(&self, host: &str) -> Result<Vec<IpAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let answer = self.inner.lookup(host).await?;
        if self.allow_private {
            return Ok(answer);
        }
        let mut refused = None;
        let allowed: Vec<IpAddr> = answer
            .into_iter()
            .filter(|ip| match AddressRefused::check(host, *ip) {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(host, ip = %e.ip, range = e.range, "webhook address refused by the SSRF guard");
                    refused.get_or_insert(e);
                    false
                }
            })
            .collect();
        match (allowed.is_empty(), refused) {
            (true, Some(e)) => Err(Box::new(e)),
            (true, None) => Err(format!("webhook host `{host}` has no address").into()),
            (false, _) => Ok(allowed),
        }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.clone();
        Box::pin(async move {
            let ips = guard.resolve_host(name.as_str()).await?;
            // Port 0: reqwest puts in the URL's port.
            let addrs: reqwest::dns::Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// The IP literal a URL's host is, if it is one (the URL parser has already normalised
/// spellings such as `0x7f.1` or `2130706433` to dotted IPv4).
pub(crate) fn literal(url: &reqwest::Url) -> Option<IpAddr> {
    url.host_str()?.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// Refuses a URL whose host is a special-purpose IP literal (hyper connects to a literal
/// without asking the resolver, so [`GuardedResolver`] never sees it).
pub fn check_literal(url: &reqwest::Url) -> Result<(), AddressRefused> {
    match literal(url) {
        Some(ip) => AddressRefused::check(url.host_str().unwrap_or_default(), ip),
        None => Ok(()),
    }
}

/// Whether a reqwest error comes from the guard refusing the address.
pub(crate) fn refused_by_guard(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.downcast_ref::<AddressRefused>().is_some() {
            return true;
        }
        source = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_purpose_ranges() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.0.9",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.251",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::8.8.8.8",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::808:808",
            "100::1",
            "2001::1",
            "2001:2::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
            "3fff::1",
            "fc00::1",
            "fd00::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "5f00::1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip} must be refused");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:200::1",
        ] {
            assert!(!is_private(ip.parse().unwrap()), "{ip} must be allowed");
        }
        assert_eq!(special_purpose("169.254.169.254".parse().unwrap()), Some("169.254.0.0/16, link-local"));
        assert_eq!(special_purpose("64:ff9b::7f00:1".parse().unwrap()), Some("127.0.0.0/8, loopback"));
    }

    #[derive(Debug)]
    struct Fixed(Vec<IpAddr>);

    #[async_trait]
    impl HostResolver for Fixed {
        async fn lookup(&self, _host: &str) -> std::io::Result<Vec<IpAddr>> {
            Ok(self.0.clone())
        }
    }

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[tokio::test]
    async fn the_guard_drops_special_addresses_and_refuses_an_answer_with_none_left() {
        let mixed = GuardedResolver::new(Arc::new(Fixed(ips(&["127.0.0.1", "8.8.8.8", "::1"]))), false);
        assert_eq!(mixed.resolve_host("h.example").await.unwrap(), ips(&["8.8.8.8"]));
        let local = GuardedResolver::new(Arc::new(Fixed(ips(&["169.254.169.254"]))), false);
        let err = local.resolve_host("h.example").await.unwrap_err();
        let refused = err.downcast_ref::<AddressRefused>().unwrap();
        assert_eq!((refused.host.as_str(), refused.ip), ("h.example", "169.254.169.254".parse().unwrap()));
        assert!(err.to_string().contains("SPLANTS_WEBHOOK_ALLOW_PRIVATE"), "{err}");
        let allowed = GuardedResolver::new(Arc::new(Fixed(ips(&["127.0.0.1"]))), true);
        assert_eq!(allowed.resolve_host("h.example").await.unwrap(), ips(&["127.0.0.1"]));
        let empty = GuardedResolver::new(Arc::new(Fixed(vec![])), false);
        assert!(empty.resolve_host("h.example").await.is_err());
    }

    #[test]
    fn literal_hosts_are_checked_in_every_spelling() {
        for bad in [
            "http://127.0.0.1:9000/x",
            "http://[::1]/x",
            "http://[::ffff:7f00:1]/x",
            "http://2130706433/x",
            "http://0x7f.1/x",
            "http://0177.0.0.1/x",
            "http://169.254.169.254/latest",
        ] {
            assert!(check_literal(&reqwest::Url::parse(bad).unwrap()).is_err(), "{bad}");
        }
        for good in ["https://8.8.8.8/x", "https://hooks.example.com/x", "http://[2606:4700::1111]/x"] {
            assert!(check_literal(&reqwest::Url::parse(good).unwrap()).is_ok(), "{good}");
        }
    }
}
