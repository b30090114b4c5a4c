//! Name checks on borrowed DER: subjectAltName syntax, nameConstraints syntax, and the
//! commonName of a server certificate against its subjectAltName.

use crate::path::der_walk::{SEQUENCE, items, only, tlv};
use crate::path::violation::Rfc5280Violation as V;
use certgate_x509::CertView;
use certgate_x509::oid::ext::SUBJECT_ALT_NAME as SAN;

/// Whether a tag is context-specific (a GeneralName's), and its number.
fn context_number(tag: u8) -> Option<u8> {
    (tag & 0xc0 == 0x80).then_some(tag & 0x1f)
}

/// The (tag number, content) of each GeneralName in a GeneralNames SEQUENCE.
pub(crate) fn general_names(value: &[u8]) -> Result<Vec<(u8, &[u8])>, V> {
    let bad = |problem| V::MalformedExtension {
        extension: "subjectAltName",
        problem,
    };
    let body = only(value, SEQUENCE).ok_or_else(|| bad("not a SEQUENCE"))?;
    items(body)
        .map(|item| match item {
            Some((tag, name)) => context_number(tag)
                .map(|n| (n, name))
                .ok_or_else(|| bad("a GeneralName is not context-specific")),
            None => Err(bad("a GeneralName is malformed DER")),
        })
        .collect()
}

/// A dNSName in the preferred name syntax (letters, digits, hyphens; labels not empty),
/// with at most a whole-label `*` on the left.
pub(crate) fn dns_syntax_ok(name: &[u8]) -> bool {
    let name = name.strip_prefix(b"*.").unwrap_or(name);
    !name.is_empty()
        && name.split(|b| *b == b'.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        })
}

/// nameConstraints: at least one non-empty subtree list; minimum 0 and no maximum
/// (RFC 5280 4.2.1.10); DNS bases are host names, or empty (every DNS name: how CA/Browser
/// Forum BR 7.1.2.10.8 excludes them all).
pub(crate) fn check_name_constraints(value: &[u8]) -> Result<(), V> {
    let bad = |problem| V::MalformedExtension {
        extension: "nameConstraints",
        problem,
    };
    let body = only(value, SEQUENCE).ok_or_else(|| bad("not a SEQUENCE"))?;
    if body.is_empty() {
        return Err(V::EmptyNameConstraints);
    }
    for subtrees in items(body) {
        let (_, subtrees) = subtrees.ok_or_else(|| bad("malformed DER"))?;
        if subtrees.is_empty() {
            return Err(V::EmptyNameConstraints);
        }
        for subtree in items(subtrees) {
            let (_, subtree) = subtree.ok_or_else(|| bad("malformed DER"))?;
            let (tag, name, rest) = tlv(subtree).ok_or_else(|| bad("malformed DER"))?;
            if !rest.is_empty() {
                return Err(V::SubtreeWithMinimumOrMaximum);
            }
            if context_number(tag) == Some(2)
                && !name.is_empty()
                && (name.starts_with(b".") || name.contains(&b'*') || !dns_syntax_ok(name))
            {
                return Err(V::DnsConstraintNotHostName {
                    base: String::from_utf8_lossy(name).into_owned(),
                });
            }
        }
    }
    Ok(())
}

/// For a server name check: a subject commonName that names the same host or address as
/// a subjectAltName entry must be a character-for-character copy of it (RFC 5952 text
/// for IPv6), and a commonName holding a domain name is in ASCII (A-labels), as CA/Browser
/// Forum BR 7.1.4.3 requires. (A commonName naming something else is ignored, as
/// RFC 6125 and BetterTLS expect.) A commonName naming a neighbour of the expected host
/// (another name under the same parent domain) must be among the subjectAltName entries:
/// such a certificate claims one host in its subject and serves another (BR 7.1.4.3).
///
/// Also the server-certificate rules that would refuse reasonable client certificates:
/// a critical subjectAltName beside a non-empty subject (RFC 5280 4.2.1.6 says SHOULD
/// NOT) and dNSNames outside the preferred name syntax (device names with `_`).
pub(crate) fn check_server_names(view: &CertView<'_>, peer: Option<&str>) -> Result<(), V> {
    let names = match view.extension(SAN) {
        Some(san) if san.critical && !view.subject.content().is_empty() => {
            return Err(V::CriticalSanWithSubject);
        }
        Some(san) => general_names(san.value)?,
        None => Vec::new(),
    };
    for (tag, value) in &names {
        if *tag == 2 && !dns_syntax_ok(value) {
            return Err(V::DnsNameSyntax {
                name: String::from_utf8_lossy(value).into_owned(),
            });
        }
    }
    for cn in common_names(view.subject.content())? {
        let text = String::from_utf8_lossy(cn);
        if !cn.is_ascii() && cn.contains(&b'.') {
            return Err(V::CommonNameNotALabel {
                common_name: text.into_owned(),
            });
        }
        if let Some(peer) = peer
            && cn.is_ascii()
            && !cn.eq_ignore_ascii_case(peer.as_bytes())
            && parent(cn)
                .is_some_and(|p| p.eq_ignore_ascii_case(parent(peer.as_bytes()).unwrap_or(b"")))
            && !names
                .iter()
                .any(|(tag, value)| *tag == 2 && value.eq_ignore_ascii_case(cn))
        {
            return Err(V::CommonNameNotInSan {
                common_name: text.into_owned(),
                peer: peer.to_owned(),
            });
        }
        for (tag, value) in &names {
            let same_thing = match tag {
                2 => value.eq_ignore_ascii_case(cn),
                7 => loose_ip(&text).is_some_and(|ip| ip_octets(ip) == *value),
                _ => false,
            };
            let exact = match tag {
                7 => ip_text(value).is_some_and(|t| t.as_bytes() == cn),
                _ => *value == cn,
            };
            if same_thing && !exact {
                return Err(V::CommonNameNotExactCopy {
                    common_name: text.into_owned(),
                });
            }
        }
    }
    Ok(())
}

/// The parent domain of a DNS name (`b.c` of `a.b.c`); `None` for a single label or an
/// IP address.
fn parent(name: &[u8]) -> Option<&[u8]> {
    if loose_ip(std::str::from_utf8(name).ok()?).is_some() {
        return None;
    }
    let dot = name.iter().position(|b| *b == b'.')?;
    let rest = &name[dot + 1..];
    (!rest.is_empty() && dns_syntax_ok(name)).then_some(rest)
}

/// An IP address in any of the spellings people write: dotted decimal with leading
/// zeros, one hexadecimal number, IPv6 in upper case or uncompressed.
fn loose_ip(text: &str) -> Option<std::net::IpAddr> {
    if let Ok(v6) = text.parse::<std::net::Ipv6Addr>() {
        return Some(v6.into());
    }
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16)
            .ok()
            .map(|n| std::net::Ipv4Addr::from(n).into());
    }
    let parts: Vec<u8> = text
        .split('.')
        .map(|p| p.parse::<u8>().ok())
        .collect::<Option<_>>()?;
    let octets: [u8; 4] = parts.try_into().ok()?;
    Some(std::net::Ipv4Addr::from(octets).into())
}

fn ip_octets(ip: std::net::IpAddr) -> Vec<u8> {
    match ip {
        std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
        std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

fn ip_text(octets: &[u8]) -> Option<String> {
    match octets.len() {
        4 => <[u8; 4]>::try_from(octets)
            .ok()
            .map(|o| std::net::Ipv4Addr::from(o).to_string()),
        16 => <[u8; 16]>::try_from(octets)
            .ok()
            .map(|o| std::net::Ipv6Addr::from(o).to_string()),
        _ => None,
    }
}

/// The values (raw string bytes) of the commonName attributes of a Name's content.
fn common_names(name: &[u8]) -> Result<Vec<&[u8]>, V> {
    const CN: &[u8] = &[0x55, 0x04, 0x03];
    let malformed = || V::Unreadable {
        field: "subject",
        detail: "malformed DER".into(),
    };
    let mut out = Vec::new();
    for rdn in items(name) {
        let (_, rdn) = rdn.ok_or_else(malformed)?;
        for atv in items(rdn) {
            let (_, atv) = atv.ok_or_else(malformed)?;
            let (_, oid, rest) = tlv(atv).ok_or_else(malformed)?;
            let (_, value, _) = tlv(rest).ok_or_else(malformed)?;
            if oid == CN {
                out.push(value);
            }
        }
    }
    Ok(out)
}
