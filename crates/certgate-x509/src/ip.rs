//! IP networks: the ranges of policy selectors and of iPAddress name constraints.

use std::fmt;
use std::net::IpAddr;

use crate::error::{ParseProblem, X509Error};

/// An IPv4 or IPv6 network: an address with the host bits cleared and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// The network of `addr` with `prefix` leading bits.
    ///
    /// # Errors
    /// [`ParseProblem::BadPrefix`] past the address's width.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, X509Error> {
        let max = width(addr);
        if prefix > max {
            return Err(X509Error::Parse {
                what: "IP network",
                input: format!("{addr}/{prefix}"),
                problem: ParseProblem::BadPrefix { max },
            });
        }
        Ok(Self {
            addr: mask(addr, prefix),
            prefix,
        })
    }

    /// `198.51.100.0/24`, `2001:db8::/32`, or an address (a network of one).
    ///
    /// # Errors
    /// [`X509Error::Parse`] for anything else.
    pub fn parse(s: &str) -> Result<Self, X509Error> {
        let err = |problem| X509Error::Parse {
            what: "IP network",
            input: s.to_owned(),
            problem,
        };
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| err(ParseProblem::NotAnAddress))?;
        let prefix = match prefix {
            None => width(addr),
            Some(p) => {
                let p = p.trim();
                let bad = || err(ParseProblem::BadPrefix { max: width(addr) });
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                p.parse::<u8>().map_err(|_| bad())?
            }
        };
        Self::new(addr, prefix).map_err(|_| err(ParseProblem::BadPrefix { max: width(addr) }))
    }

    /// A name constraint's iPAddress: address then mask (8 or 32 octets); the mask
    /// must be contiguous leading ones (RFC 5280 4.2.1.10).
    pub fn from_constraint(octets: &[u8]) -> Option<Self> {
        let half = octets.len() / 2;
        let (addr, mask_octets) = octets.split_at(half);
        if !matches!(octets.len(), 8 | 32) {
            return None;
        }
        let mut prefix = 0u8;
        let mut ended = false;
        for &b in mask_octets {
            if ended && b != 0 {
                return None;
            }
            let ones = b.leading_ones();
            if b << ones.min(7) != 0 && ones < 8 {
                return None;
            }
            prefix += u8::try_from(ones).ok()?;
            ended = ones < 8;
        }
        Self::new(crate::general_name::ip_from_octets(addr)?, prefix).ok()
    }

    /// The address followed by the mask, as a name constraint's iPAddress holds them
    /// (8 or 32 octets).
    pub fn to_constraint(&self) -> Vec<u8> {
        let mut out = match self.addr {
            IpAddr::V4(a) => a.octets().to_vec(),
            IpAddr::V6(a) => a.octets().to_vec(),
        };
        let width = u32::from(width(self.addr));
        let prefix = u32::from(self.prefix);
        out.extend((0..width / 8).map(|i| {
            let bits = prefix.saturating_sub(i * 8).min(8);
            u8::try_from((0xff_u16 << (8 - bits)) & 0xff).unwrap_or(0)
        }));
        out
    }

    /// The network's address (host bits clear).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is in the network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.prefix) == self.addr
    }

    /// Whether no address is in both networks.
    pub fn disjoint(&self, other: &Self) -> bool {
        if self.addr.is_ipv4() != other.addr.is_ipv4() {
            return true;
        }
        let shorter = self.prefix.min(other.prefix);
        mask(self.addr, shorter) != mask(other.addr, shorter)
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn width(addr: IpAddr) -> u8 {
    if addr.is_ipv4() { 32 } else { 128 }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((bits & m).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let r = IpNet::parse("198.51.100.7/24").unwrap();
        assert_eq!(r.to_string(), "198.51.100.0/24");
        assert!(r.contains("198.51.100.200".parse().unwrap()));
        assert!(r.contains("::ffff:198.51.100.1".parse().unwrap()));
        assert!(!r.contains("198.51.101.1".parse().unwrap()));
        assert!(
            IpNet::parse("0.0.0.0/0")
                .unwrap()
                .contains("1.2.3.4".parse().unwrap())
        );
        let v6 = IpNet::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!v6.contains("198.51.100.1".parse().unwrap()));
        assert!(IpNet::parse("10.0.0.0/33").is_err());
        assert!(IpNet::parse("10.0.0.0/+8").is_err());
        assert!(IpNet::parse("nope").is_err());
        assert!(r.disjoint(&IpNet::parse("10.0.0.0/8").unwrap()));
        assert!(!r.disjoint(&IpNet::parse("198.0.0.0/8").unwrap()));
        let c = IpNet::from_constraint(&[10, 1, 0, 0, 255, 255, 0, 0]).unwrap();
        assert_eq!(c.to_string(), "10.1.0.0/16");
        assert_eq!(c.to_constraint(), [10, 1, 0, 0, 255, 255, 0, 0]);
        let v6 = IpNet::parse("2001:db8::/33").unwrap();
        assert_eq!(IpNet::from_constraint(&v6.to_constraint()), Some(v6));
        assert!(IpNet::from_constraint(&[10, 1, 0, 0, 255, 0, 255, 0]).is_none());
        assert!(IpNet::from_constraint(&[10, 1, 0, 0, 0b1011_0000, 0, 0, 0]).is_none());
        assert!(IpNet::from_constraint(&[10, 1, 0, 0]).is_none());
    }
}
