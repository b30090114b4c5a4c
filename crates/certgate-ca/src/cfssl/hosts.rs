//! cfssl's `hosts`: each entry becomes an IP, email, URI or DNS subjectAltName.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::{CaError, HostProblem, IpNetProblem};

/// One subjectAltName requested through `hosts`.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HostName {
    /// A DNS name (`*.` wildcards allowed).
    Dns(String),
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// An email address (rfc822Name).
    Email(String),
    /// A URI, such as a SPIFFE ID.
    Uri(String),
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(s) | Self::Email(s) | Self::Uri(s) => f.write_str(s),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

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
pub fn classify_host(origin: &str, index: usize, s: &str) -> Result<Option<HostName>, CaError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(ip) = IpAddr::from_str(s) {
        return Ok(Some(HostName::Ip(ip)));
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
        return Ok(Some(HostName::Email(s.to_owned())));
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
            return Ok(Some(HostName::Uri(s.to_owned())));
        }
    }
    check_dns_name(s).map_err(bad)?;
    Ok(Some(HostName::Dns(s.to_ascii_lowercase())))
}

fn check_dns_name(s: &str) -> Result<(), HostProblem> {
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

/// An IP network in CIDR form, for name constraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpNet {
    /// The network address (host bits zero).
    pub addr: IpAddr,
    /// The prefix length: at most 32 for IPv4, 128 for IPv6.
    pub prefix_len: u8,
}

impl FromStr for IpNet {
    type Err = IpNetProblem;

    /// Parses `address/prefix` with no host bits set.
    ///
    /// # Errors
    /// The [`IpNetProblem`] of the text.
    fn from_str(s: &str) -> Result<Self, IpNetProblem> {
        let (addr, len) = s.split_once('/').ok_or(IpNetProblem::NotCidr)?;
        let addr: IpAddr = addr.parse().map_err(|_| IpNetProblem::NotAnAddress)?;
        let prefix_len: u8 = len.parse().map_err(|_| IpNetProblem::NotAPrefixLength)?;
        let (bits, width): (u128, u8) = match addr {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
            IpAddr::V6(a) => (u128::from(a), 128),
        };
        if prefix_len > width {
            return Err(IpNetProblem::PrefixTooLong { prefix_len, width });
        }
        let host_bits = u32::from(width - prefix_len);
        let host_mask = if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        if bits & host_mask != 0 {
            return Err(IpNetProblem::HostBitsSet);
        }
        Ok(Self { addr, prefix_len })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Option<HostName> {
        classify_host("t", 0, s).unwrap()
    }

    #[test]
    fn classifies_like_cfssl() {
        assert_eq!(c(""), None);
        assert_eq!(
            c("10.0.0.1"),
            Some(HostName::Ip("10.0.0.1".parse().unwrap()))
        );
        assert_eq!(c("::1"), Some(HostName::Ip("::1".parse().unwrap())));
        assert_eq!(
            c("sam@example.com"),
            Some(HostName::Email("sam@example.com".into()))
        );
        assert_eq!(
            c("https://money.example.com/x"),
            Some(HostName::Uri("https://money.example.com/x".into()))
        );
        assert_eq!(
            c("spiffe://example.org/iphone"),
            Some(HostName::Uri("spiffe://example.org/iphone".into()))
        );
        assert_eq!(
            c("Money.Example.com"),
            Some(HostName::Dns("money.example.com".into()))
        );
        assert_eq!(
            c("*.example.com"),
            Some(HostName::Dns("*.example.com".into()))
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
        let n: IpNet = "10.0.0.0/8".parse().unwrap();
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert_eq!(
            "10.0.0.1/8".parse::<IpNet>(),
            Err(IpNetProblem::HostBitsSet)
        );
        assert_eq!(
            "10.0.0.0/33".parse::<IpNet>(),
            Err(IpNetProblem::PrefixTooLong {
                prefix_len: 33,
                width: 32
            })
        );
        assert!("2001:db8::/32".parse::<IpNet>().is_ok());
        assert!("0.0.0.0/0".parse::<IpNet>().is_ok());
    }
}
