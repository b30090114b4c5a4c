//! cfssl's `hosts`: each entry becomes an IP, email, URI or DNS subjectAltName.

use std::net::IpAddr;
use std::str::FromStr;

pub use certgate_x509::{IpNet, SanEntry};

use crate::{CaError, HostProblem, IpNetProblem};

/// Classifies entry `index` of a `hosts` list that came from `origin` (the CSR JSON
/// file, or a label such as `-hostname`) as cfssl does: an IP address if it parses as
/// one, an email if it is `local@domain`, a URI if it has a scheme, else a DNS name.
///
/// An empty entry — the seed's `"hosts": [""]` — yields `None`: cfssl would add an
/// empty DNS name, which verifiers reject.
///
/// # Errors
/// [`CaError::InvalidHost`] naming `origin` and `hosts[index]` for a DNS name with
/// characters or label lengths that DNS does not allow.
pub fn classify_host(origin: &str, index: usize, s: &str) -> Result<Option<SanEntry>, CaError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(ip) = IpAddr::from_str(s) {
        return Ok(Some(SanEntry::Ip(ip)));
    }
    let bad = |problem| CaError::InvalidHost {
        origin: origin.to_owned(),
        index,
        value: s.to_owned(),
        problem,
    };
    if s.chars().any(char::is_whitespace) {
        return Err(bad(HostProblem::WhiteSpace));
    }
    if let Some((local, domain)) = s.split_once('@')
        && !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !s.contains(':')
    {
        return Ok(Some(SanEntry::Email(s.to_owned())));
    }
    if let Some((scheme, rest)) = s.split_once(':') {
        let scheme_ok = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if scheme_ok && !rest.is_empty() {
            return Ok(Some(SanEntry::Uri(s.to_owned())));
        }
    }
    check_dns_name(s).map_err(bad)?;
    Ok(Some(SanEntry::Dns(s.to_ascii_lowercase())))
}

pub(super) fn check_dns_name(s: &str) -> Result<(), HostProblem> {
    let name = s.strip_prefix("*.").unwrap_or(s);
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.len() > 253 {
        return Err(HostProblem::TooLong);
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(HostProblem::BadLabelLength);
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(HostProblem::NotADnsName);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(HostProblem::HyphenAtLabelEdge);
        }
    }
    Ok(())
}

/// Reads an IP network in CIDR form for a name constraint: `address/prefix`, with no
/// host bits set (certgate-x509's [`IpNet`] is the network itself).
///
/// # Errors
/// The [`IpNetProblem`] of the text.
pub fn parse_ip_net(s: &str) -> Result<IpNet, IpNetProblem> {
    let (addr, len) = s.split_once('/').ok_or(IpNetProblem::NotCidr)?;
    let addr: IpAddr = addr.parse().map_err(|_| IpNetProblem::NotAnAddress)?;
    let prefix_len: u8 = len.parse().map_err(|_| IpNetProblem::NotAPrefixLength)?;
    let width = if addr.is_ipv4() { 32 } else { 128 };
    let net = IpNet::new(addr, prefix_len)
        .map_err(|_| IpNetProblem::PrefixTooLong { prefix_len, width })?;
    if net.addr() != addr {
        return Err(IpNetProblem::HostBitsSet);
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Option<SanEntry> {
        classify_host("t", 0, s).unwrap()
    }

    #[test]
    fn classifies_like_cfssl() {
        assert_eq!(c(""), None);
        assert_eq!(
            c("10.0.0.1"),
            Some(SanEntry::Ip("10.0.0.1".parse().unwrap()))
        );
        assert_eq!(c("::1"), Some(SanEntry::Ip("::1".parse().unwrap())));
        assert_eq!(
            c("sam@example.com"),
            Some(SanEntry::Email("sam@example.com".into()))
        );
        assert_eq!(
            c("https://money.example.com/x"),
            Some(SanEntry::Uri("https://money.example.com/x".into()))
        );
        assert_eq!(
            c("spiffe://example.org/iphone"),
            Some(SanEntry::Uri("spiffe://example.org/iphone".into()))
        );
        assert_eq!(
            c("Money.Example.com"),
            Some(SanEntry::Dns("money.example.com".into()))
        );
        assert_eq!(
            c("*.example.com"),
            Some(SanEntry::Dns("*.example.com".into()))
        );
        let e = classify_host("hosts.json", 3, "bad!host").unwrap_err();
        assert!(
            matches!(
                &e,
                CaError::InvalidHost { origin, index: 3, problem: HostProblem::NotADnsName, .. }
                    if origin == "hosts.json"
            ),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with("hosts.json: hosts[3]: \"bad!host\""),
            "{e}"
        );
        assert!(classify_host("t", 0, "a..b").is_err());
    }

    #[test]
    fn ip_networks() {
        let n = parse_ip_net("10.0.0.0/8").unwrap();
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert_eq!(parse_ip_net("10.0.0.1/8"), Err(IpNetProblem::HostBitsSet));
        assert_eq!(
            parse_ip_net("10.0.0.0/33"),
            Err(IpNetProblem::PrefixTooLong {
                prefix_len: 33,
                width: 32
            })
        );
        assert!(parse_ip_net("2001:db8::/32").is_ok());
        assert!(parse_ip_net("0.0.0.0/0").is_ok());
    }
}
