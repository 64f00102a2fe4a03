//! SSRF address and host policy: which IPs and host names a URL fetch may reach.
//!
//! Pure functions, no I/O; [`mod@super::fetch`] applies them to every hop of a fetch. An address is
//! refused when it is not globally routable unicast: loopback, RFC 1918 private, CGNAT, link-local
//! (incl. the cloud metadata address 169.254.169.254), unspecified, multicast, broadcast and other
//! reserved blocks, documentation/benchmark ranges, and the IPv6 equivalents — including IPv6 forms
//! that embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4), whose embedded address
//! is checked with the IPv4 rules.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Host names refused before any DNS lookup (compared case-insensitively, trailing dot ignored).
pub const BLOCKED_HOSTNAMES: [&str; 4] = [
    "localhost",
    "metadata.google.internal",
    "metadata",
    "metadata.goog",
];

/// `true` if `ip` must not be fetched. With `allow_loopback` (tests only), loopback addresses
/// (127.0.0.0/8, `::1` and their IPv4-mapped forms) are permitted; nothing else is relaxed.
pub fn is_forbidden_ip(ip: IpAddr, allow_loopback: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4, allow_loopback),
        IpAddr::V6(v6) => is_forbidden_v6(v6, allow_loopback),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn is_forbidden_v4(ip: Ipv4Addr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return !allow_loopback;
    }
    const BLOCKS: [([u8; 4], u32); 14] = [
        ([0, 0, 0, 0], 8),       // "this network", incl. unspecified
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // CGNAT
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // TEST-NET-1
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // TEST-NET-2
        ([203, 0, 113, 0], 24),  // TEST-NET-3
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, incl. broadcast 255.255.255.255
    ];
    BLOCKS.iter().any(|(net, p)| in_v4(ip, *net, *p))
}

fn is_forbidden_v6(ip: Ipv6Addr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return !allow_loopback;
    }
    if ip.is_unspecified() {
        return true;
    }
    let seg = ip.segments();
    let octets = ip.octets();
    let embedded = |start: usize| {
        Ipv4Addr::new(
            octets[start],
            octets[start + 1],
            octets[start + 2],
            octets[start + 3],
        )
    };
    // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d: judge the embedded address.
    if seg[..5] == [0, 0, 0, 0, 0] && (seg[5] == 0xffff || seg[5] == 0) {
        return is_forbidden_v4(embedded(12), allow_loopback);
    }
    // NAT64 well-known prefix 64:ff9b::/96.
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_forbidden_v4(embedded(12), allow_loopback);
    }
    // 6to4 2002::/16 embeds the IPv4 address in bits 16..48.
    if seg[0] == 0x2002 {
        return is_forbidden_v4(embedded(2), allow_loopback);
    }
    let first = seg[0];
    (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // deprecated site-local fec0::/10
        || (first & 0xff00) == 0xff00 // multicast ff00::/8
        || (first == 0x2001 && seg[1] == 0x0db8) // documentation 2001:db8::/32
        || (first == 0x2001 && seg[1] == 0) // Teredo 2001::/32 (tunnels to arbitrary IPv4)
        || (seg[..4] == [0x100, 0, 0, 0]) // discard-only 100::/64
        || (first == 0x3fff && seg[1] < 0x1000) // documentation 3fff::/20
}

/// Lower-cases a host and strips IPv6 brackets and one trailing dot.
pub fn normalize_host(host: &str) -> String {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.strip_suffix('.').unwrap_or(h).to_ascii_lowercase()
}

/// `true` for `localhost`, `*.localhost` and cloud metadata host names.
pub fn is_blocked_hostname(host: &str) -> bool {
    let h = normalize_host(host);
    BLOCKED_HOSTNAMES.contains(&h.as_str()) || h.ends_with(".localhost")
}

/// Whether `host` passes `allowlist`: empty list = unrestricted; an entry is an exact host or
/// `*.suffix`, which matches any subdomain of `suffix` but not `suffix` itself.
pub fn host_matches_allowlist(host: &str, allowlist: &[String]) -> bool {
    if allowlist.is_empty() {
        return true;
    }
    let host = normalize_host(host);
    allowlist.iter().any(|entry| {
        let entry = normalize_host(entry.trim());
        match entry.strip_prefix("*.") {
            Some(suffix) => host
                .strip_suffix(suffix)
                .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
            None => host == entry,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden(s: &str) -> bool {
        is_forbidden_ip(s.parse().unwrap(), false)
    }

    #[test]
    fn private_loopback_and_special_ipv4_are_refused() {
        for ip in [
            "127.0.0.1",
            "127.5.5.5",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.10",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
        ] {
            assert!(forbidden(ip), "{ip} should be refused");
        }
    }

    #[test]
    fn public_ipv4_is_allowed() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "93.184.216.34",
        ] {
            assert!(!forbidden(ip), "{ip} should be allowed");
        }
    }

    #[test]
    fn special_ipv6_and_embedded_ipv4_are_refused() {
        for ip in [
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",
            "2001::1",
        ] {
            assert!(forbidden(ip), "{ip} should be refused");
        }
        assert!(!forbidden("2606:4700:4700::1111"));
        assert!(!forbidden("::ffff:8.8.8.8"));
    }

    #[test]
    fn loopback_flag_relaxes_only_loopback() {
        let ok = |s: &str| !is_forbidden_ip(s.parse().unwrap(), true);
        assert!(ok("127.0.0.1"));
        assert!(ok("::1"));
        assert!(ok("::ffff:127.0.0.1"));
        assert!(!ok("10.0.0.1"));
        assert!(!ok("169.254.169.254"));
        assert!(!ok("fe80::1"));
    }

    #[test]
    fn blocked_hostnames() {
        assert!(is_blocked_hostname("localhost"));
        assert!(is_blocked_hostname("LOCALHOST."));
        assert!(is_blocked_hostname("api.localhost"));
        assert!(is_blocked_hostname("metadata.google.internal"));
        assert!(is_blocked_hostname("metadata"));
        assert!(!is_blocked_hostname("example.com"));
        assert!(!is_blocked_hostname("notlocalhost"));
    }

    #[test]
    fn allowlist_exact_and_wildcard_without_apex() {
        let list = vec![
            "files.example.com".to_owned(),
            "*.cdn.example.org".to_owned(),
        ];
        assert!(host_matches_allowlist("files.example.com", &list));
        assert!(host_matches_allowlist("FILES.example.com.", &list));
        assert!(host_matches_allowlist("a.cdn.example.org", &list));
        assert!(host_matches_allowlist("x.y.cdn.example.org", &list));
        assert!(!host_matches_allowlist("cdn.example.org", &list));
        assert!(!host_matches_allowlist("evilcdn.example.org", &list));
        assert!(!host_matches_allowlist("other.example.com", &list));
        assert!(host_matches_allowlist("anything.test", &[]));
    }
}
