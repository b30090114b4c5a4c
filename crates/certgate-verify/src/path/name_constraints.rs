//! Name constraints across a path (RFC 5280 §4.2.1.10, §6.1.3 (b) and (c), §6.1.4 (g)),
//! without computing intersections, as Go and BoringSSL do: each CA's nameConstraints is
//! kept as it is, and a name is checked against every one of them. For each CA whose
//! permittedSubtrees has subtrees of the name's form, the name must lie within one of
//! them; it must lie within none of any CA's excludedSubtrees of its form. A name of a
//! form no constraint speaks of passes.
//!
//! The forms and what "within" means for each:
//!
//! - **dNSName**: a constraint `example.com` holds `example.com` and every name below it
//!   (`a.b.example.com`), without regard to case; an empty constraint holds every name
//!   (the CA/Browser Forum's way to exclude all). A constraint with a leading `.` or a
//!   `*` is malformed (RFC 5280 defines neither; x509-limbo
//!   `rfc5280::nc::invalid-dnsname-leading-period` expects a refusal). A wildcard name
//!   `*.example.com` is within a permitted subtree when every name it stands for is
//!   (`example.com` or above it), and is refused by an excluded subtree when any name it
//!   stands for is (`bar.example.com` excludes `*.example.com`: x509-limbo
//!   `rfc5280::nc::nc-forbids-dnsname-wildcard-san`).
//! - **rfc822Name** (and the subject's emailAddress attributes, and SmtpUTF8Mailbox
//!   otherNames, RFC 9598 §6): a constraint `local@host` holds that mailbox (local part
//!   exact, host without regard to case), `host` every mailbox at that host,
//!   `.example.com` every mailbox at a host below `example.com`. Characters are literal
//!   (`*@example.com` holds only that mailbox). A mailbox whose host is not an ASCII
//!   host name (an SmtpUTF8Mailbox with U-labels) cannot be compared and is refused.
//! - **uniformResourceIdentifier**: the URI's host (after `scheme://`, without user
//!   information and port): a constraint `host` holds that host, `.example.com` hosts
//!   below `example.com`. A URI with no host (`urn:`, `mailto:`) or an IP-literal host
//!   is refused under URI constraints.
//! - **iPAddress**: address and mask, of the same family only (an IPv4 name is outside
//!   an IPv6 subtree); a mask that is not a prefix is malformed.
//! - **directoryName**: [`dn::within`] (RFC 5280 §7.1 comparison), against the subject
//!   (when not empty) and the subjectAltName directoryNames.
//! - **otherName**, **x400Address**, **ediPartyName**, **registeredID**: not compared. A
//!   name of one of these forms under a constraint of its form is refused (RFC 5280:
//!   "process the constraint or reject the certificate"); for otherNames the form is the
//!   type-id, and an otherName under permitted otherName subtrees of other types only is
//!   outside them.
//!
//! The subject commonName of the leaf is checked as a dNSName (or an iPAddress, when it
//! is an IP address) only when the leaf has no subjectAltName extension at all, and only
//! when it looks like a host name (ASCII letters, digits, `-` and `_` in dot-separated
//! labels, at least two labels). With a subjectAltName, x509-limbo's BetterTLS cases
//! (`bettertls::nameconstraints::tc5194` and 87 more) expect the commonName to be left
//! alone even when the subjectAltName holds no dNSName, and webpki never reads it; without
//! one, a relying party that still reads a host from the commonName (OpenSSL and
//! BoringSSL check it) must not be given a host outside the constraints. A commonName
//! that names a device ("Sam's iPhone", "device-42") is not a host name and is not
//! checked.
//!
//! Every subtree visited costs one unit of the caller's budget (as webpki counts), so a
//! hostile path cannot make the check quadratic without limit.

use std::net::IpAddr;

use certgate_x509::der::tag;
use certgate_x509::oid::ext::SUBJECT_ALT_NAME;
use certgate_x509::{COMMON_NAME, CertView, GeneralNameRef};

use crate::FailureReason;
use crate::path::dn;
use crate::path::violation::{OtherFailure, Rfc5280Violation as V};
use read::read_constraints;
#[cfg(test)]
use read::{EXCLUDED, PERMITTED};

/// Name comparisons allowed for one verification: webpki's limit (its
/// `Budget::name_constraint_comparisons`), ample for any real path and a bound on a
/// hostile one (many subtrees times many names times many CAs).
pub(crate) const NAME_COMPARISON_BUDGET: usize = 250_000;

/// Most subtrees read from one nameConstraints extension: real constrained CAs list a
/// few dozen; each is kept in memory for the whole path.
pub(crate) const MAX_SUBTREES: usize = 1024;

/// pkcs-9 emailAddress, 1.2.840.113549.1.9.1.
const EMAIL_ADDRESS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

/// The GeneralName forms, numbered by their tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    OtherName = 0,
    Rfc822 = 1,
    Dns = 2,
    X400 = 3,
    Directory = 4,
    EdiParty = 5,
    Uri = 6,
    Ip = 7,
    RegisteredId = 8,
}

impl Form {
    fn label(self) -> &'static str {
        match self {
            Self::OtherName => "otherName",
            Self::Rfc822 => "rfc822Name",
            Self::Dns => "dNSName",
            Self::X400 => "x400Address",
            Self::Directory => "directoryName",
            Self::EdiParty => "ediPartyName",
            Self::Uri => "uniformResourceIdentifier",
            Self::Ip => "iPAddress",
            Self::RegisteredId => "registeredID",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// One subtree's base, read and checked.
#[derive(Clone, Copy, Debug)]
enum Base<'a> {
    /// A host name (no leading dot, no wildcard); empty for every name.
    Dns(&'a [u8]),
    Email(HostOrMailbox<'a>),
    Uri(HostOrMailbox<'a>),
    /// Address and mask, of equal lengths (4 or 16).
    Ip {
        addr: &'a [u8],
        mask: &'a [u8],
    },
    /// A whole DER `Name`.
    Directory(&'a [u8]),
    /// An otherName's type-id (its OID content).
    Other(&'a [u8]),
    /// x400Address, ediPartyName or registeredID.
    Unread(Form),
}

/// An rfc822Name or URI constraint: a mailbox (rfc822Name only), a host, or `.domain`.
#[derive(Clone, Copy, Debug)]
enum HostOrMailbox<'a> {
    Mailbox {
        local: &'a [u8],
        host: &'a [u8],
    },
    Host(&'a [u8]),
    /// The domain, without its leading dot.
    Below(&'a [u8]),
}

impl Base<'_> {
    fn form(&self) -> Form {
        match self {
            Self::Dns(_) => Form::Dns,
            Self::Email(_) => Form::Rfc822,
            Self::Uri(_) => Form::Uri,
            Self::Ip { .. } => Form::Ip,
            Self::Directory(_) => Form::Directory,
            Self::Other(_) => Form::OtherName,
            Self::Unread(form) => *form,
        }
    }
}

/// A name of a certificate, to be checked.
#[derive(Clone, Copy, Debug)]
enum Name<'a> {
    Dns(&'a [u8]),
    /// An address; `utf8` for an SmtpUTF8Mailbox (its local part may be UTF-8).
    Mailbox {
        address: &'a [u8],
        utf8: bool,
    },
    Uri(&'a [u8]),
    Ip(&'a [u8]),
    Directory(&'a [u8]),
    Other(&'a [u8]),
    Unread(Form),
}

impl Name<'_> {
    fn form(&self) -> Form {
        match self {
            Self::Dns(_) => Form::Dns,
            Self::Mailbox { .. } => Form::Rfc822,
            Self::Uri(_) => Form::Uri,
            Self::Ip(_) => Form::Ip,
            Self::Directory(_) => Form::Directory,
            Self::Other(_) => Form::OtherName,
            Self::Unread(form) => *form,
        }
    }
}

/// One CA's nameConstraints.
#[derive(Debug, Default)]
struct Subtrees<'a> {
    permitted: Vec<Base<'a>>,
    excluded: Vec<Base<'a>>,
}

/// The nameConstraints of the CAs seen so far on a path, each kept whole.
#[derive(Debug, Default)]
pub(crate) struct NameConstraints<'a> {
    cas: Vec<Subtrees<'a>>,
    /// The forms some subtree speaks of ([`Form::bit`]).
    forms: u16,
}

impl<'a> NameConstraints<'a> {
    /// No constraints (no allocation).
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Whether there is nothing to check.
    pub(crate) fn is_empty(&self) -> bool {
        self.cas.is_empty()
    }

    /// RFC 5280 6.1.4 (g): adds a CA's nameConstraints extension value (the extnValue's
    /// contents, the NameConstraints SEQUENCE).
    ///
    /// # Errors
    /// The rule the value breaks: not DER of its shape, no or empty subtree lists,
    /// minimum or maximum present, a dNSName that is not a host name, an rfc822Name or
    /// URI that is not a mailbox, host or `.domain`, an iPAddress mask that is not a
    /// prefix, more than [`MAX_SUBTREES`] subtrees.
    pub(crate) fn add(&mut self, value: &'a [u8]) -> Result<(), V> {
        let subtrees = read_constraints(value)?;
        for base in subtrees.permitted.iter().chain(&subtrees.excluded) {
            self.forms |= base.form().bit();
        }
        self.cas.push(subtrees);
        Ok(())
    }

    /// RFC 5280 6.1.3 (b), (c): checks `cert`, a certificate below every CA added so far
    /// (the caller skips self-issued intermediates): its subject (when not empty) as a
    /// directoryName, its subject's emailAddress attributes as rfc822Names, every
    /// subjectAltName entry, and for the leaf without subjectAltName a commonName that
    /// is a host name (see the module docs). `budget` loses one per subtree visited.
    ///
    /// # Errors
    /// `Malformed(NameOutsideConstraints { form })` for a name outside the constraints,
    /// `Malformed(NameNotCheckable { form })` for a name that cannot be compared with
    /// the constraints of its form, `Malformed(..)` for an unreadable subjectAltName,
    /// `Other(PathBuildingBudget)` when the budget runs out.
    pub(crate) fn check(
        &self,
        cert: &CertView<'_>,
        is_leaf: bool,
        budget: &mut usize,
    ) -> Result<(), FailureReason> {
        if self.is_empty() {
            return Ok(());
        }
        if !cert.subject.is_empty() {
            self.check_name(Name::Directory(cert.subject.der()), budget)?;
        }
        for email in cert.subject.attributes().filter(|a| a.oid == EMAIL_ADDRESS) {
            let address = email.value;
            self.check_name(
                Name::Mailbox {
                    address,
                    utf8: false,
                },
                budget,
            )?;
        }
        let sans = cert
            .subject_alt_names()
            .map_err(|e| FailureReason::Malformed(e.into()))?;
        for san in &sans {
            self.check_name(san_name(san)?, budget)?;
        }
        if is_leaf && cert.extension(SUBJECT_ALT_NAME).is_none() {
            for cn in cert.subject.attributes().filter(|a| a.oid == COMMON_NAME) {
                let Some(text) = cn.text() else { continue };
                match text.parse::<IpAddr>() {
                    Ok(IpAddr::V4(ip)) => self.check_name(Name::Ip(&ip.octets()), budget)?,
                    Ok(IpAddr::V6(ip)) => self.check_name(Name::Ip(&ip.octets()), budget)?,
                    Err(_) if text.contains('.') && host_syntax_ok(text.as_bytes()) => {
                        self.check_name(Name::Dns(text.as_bytes()), budget)?;
                    }
                    Err(_) => {}
                }
            }
        }
        Ok(())
    }

    /// One name against every CA's subtrees of its form.
    fn check_name(&self, name: Name<'_>, budget: &mut usize) -> Result<(), FailureReason> {
        let form = name.form();
        if self.forms & form.bit() == 0 {
            return Ok(());
        }
        let outside = || FailureReason::Malformed(V::NameOutsideConstraints { form: form.label() });
        let unknown = || FailureReason::Malformed(V::NameNotCheckable { form: form.label() });
        for ca in &self.cas {
            let mut constrained = false;
            let mut permitted = false;
            for base in &ca.permitted {
                spend(budget)?;
                if base.form() != form {
                    continue;
                }
                constrained = true;
                match within(name, base, Subtree::Permitted) {
                    Some(true) => {
                        permitted = true;
                        break;
                    }
                    Some(false) => {}
                    None => return Err(unknown()),
                }
            }
            if constrained && !permitted {
                return Err(outside());
            }
            for base in &ca.excluded {
                spend(budget)?;
                if base.form() != form {
                    continue;
                }
                match within(name, base, Subtree::Excluded) {
                    Some(false) => {}
                    Some(true) => return Err(outside()),
                    None => return Err(unknown()),
                }
            }
        }
        Ok(())
    }
}

fn spend(budget: &mut usize) -> Result<(), FailureReason> {
    *budget = budget
        .checked_sub(1)
        .ok_or(FailureReason::Other(OtherFailure::PathBuildingBudget))?;
    Ok(())
}

/// The name to check for a subjectAltName entry.
fn san_name<'a>(san: &GeneralNameRef<'a>) -> Result<Name<'a>, FailureReason> {
    Ok(match san {
        GeneralNameRef::Dns(s) => Name::Dns(s.as_bytes()),
        GeneralNameRef::Rfc822(s) => Name::Mailbox {
            address: s.as_bytes(),
            utf8: false,
        },
        GeneralNameRef::Uri(s) => Name::Uri(s.as_bytes()),
        GeneralNameRef::Ip(octets) => Name::Ip(octets),
        GeneralNameRef::Directory(name) => Name::Directory(name.der()),
        // RFC 9598 §6: checked against rfc822Name constraints. One that is not a
        // UTF8String is no mailbox at all, so it is refused by them.
        GeneralNameRef::OtherName { type_id, value }
            if *type_id == certgate_x509::oid::SMTP_UTF8_MAILBOX =>
        {
            let address = if value.tag == tag::UTF8_STRING {
                value.value
            } else {
                &[]
            };
            Name::Mailbox {
                address,
                utf8: true,
            }
        }
        GeneralNameRef::OtherName { type_id, .. } => Name::Other(type_id),
        GeneralNameRef::RegisteredId(_) => Name::Unread(Form::RegisteredId),
        GeneralNameRef::Unsupported { tag: 0xa3, .. } => Name::Unread(Form::X400),
        GeneralNameRef::Unsupported { .. } => Name::Unread(Form::EdiParty),
        _ => {
            return Err(FailureReason::Malformed(V::NameNotCheckable {
                form: "GeneralName",
            }));
        }
    })
}

/// Whether `base` holds `name` (both of the same form): `None` when it cannot be told.
/// For an excluded subtree, a wildcard dNSName is held when any name it stands for is.
fn within(name: Name<'_>, base: &Base<'_>, subtree: Subtree) -> Option<bool> {
    match (name, *base) {
        (Name::Dns(name), Base::Dns(base)) => dns_within(name, base, subtree),
        (Name::Mailbox { address, utf8 }, Base::Email(base)) => {
            let (local, host) = mailbox(address, utf8)?;
            Some(match base {
                HostOrMailbox::Mailbox { local: l, host: h } => {
                    l == local && h.eq_ignore_ascii_case(host)
                }
                HostOrMailbox::Host(h) => h.eq_ignore_ascii_case(host),
                HostOrMailbox::Below(domain) => below(host, domain),
            })
        }
        (Name::Uri(uri), Base::Uri(base)) => {
            let host = uri_host(uri)?;
            Some(match base {
                HostOrMailbox::Host(h) => h.eq_ignore_ascii_case(host),
                HostOrMailbox::Below(domain) => below(host, domain),
                HostOrMailbox::Mailbox { .. } => false,
            })
        }
        (Name::Ip(ip), Base::Ip { addr, mask }) => {
            if !matches!(ip.len(), 4 | 16) {
                return None;
            }
            Some(
                ip.len() == addr.len()
                    && ip
                        .iter()
                        .zip(addr)
                        .zip(mask)
                        .all(|((i, a), m)| i & m == a & m),
            )
        }
        (Name::Directory(name), Base::Directory(base)) => dn::within(base, name),
        (Name::Other(type_id), Base::Other(base)) => (type_id != base).then_some(false),
        (Name::Unread(_), Base::Unread(_)) => None,
        _ => Some(false),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Subtree {
    Permitted,
    Excluded,
}

fn dns_within(name: &[u8], base: &[u8], subtree: Subtree) -> Option<bool> {
    let wildcard = name.strip_prefix(b"*.");
    if !host_syntax_ok(wildcard.unwrap_or(name)) {
        return None;
    }
    let held =
        |host: &[u8]| base.is_empty() || host.eq_ignore_ascii_case(base) || below(host, base);
    Some(match wildcard {
        None => held(name),
        // Every name one label below `parent`: all held when `parent` is; one held when
        // the base itself is one label below `parent`.
        Some(parent) => {
            held(parent)
                || (subtree == Subtree::Excluded
                    && below(base, parent)
                    && !base[..base.len() - parent.len() - 1].contains(&b'.'))
        }
    })
}

/// Whether `host` is strictly below `domain` (`a.example.com` below `example.com`),
/// without regard to case.
fn below(host: &[u8], domain: &[u8]) -> bool {
    host.len() > domain.len() + 1
        && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
        && host[host.len() - domain.len() - 1] == b'.'
}

/// A host name: dot-separated labels of 1 to 63 ASCII letters, digits, `-` or `_` (the
/// `_` of device names certgate-ca issues), at most 253 octets. No wildcard, no
/// trailing dot.
fn host_syntax_ok(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split(|b| *b == b'.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        })
}

/// A mailbox's local part and host: one `@`, a local part of printable characters
/// (UTF-8 ones too for an SmtpUTF8Mailbox) without spaces, and a host name.
fn mailbox(address: &[u8], utf8: bool) -> Option<(&[u8], &[u8])> {
    let at = address.iter().position(|b| *b == b'@')?;
    let (local, host) = (&address[..at], &address[at + 1..]);
    let local_ok = if utf8 {
        std::str::from_utf8(local).is_ok_and(|s| {
            s.chars()
                .all(|c| !c.is_control() && !c.is_whitespace() && c != '@')
        })
    } else {
        local.iter().all(|b| b.is_ascii_graphic() && *b != b'@')
    };
    (!local.is_empty() && local_ok && host_syntax_ok(host)).then_some((local, host))
}

/// The host of a URI with an authority (`scheme://[userinfo@]host[:port]...`), when it
/// is a host name (not an IP literal or address).
fn uri_host(uri: &[u8]) -> Option<&[u8]> {
    let colon = uri.iter().position(|b| *b == b':')?;
    let (scheme, rest) = (&uri[..colon], &uri[colon + 1..]);
    let scheme_ok = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(b));
    let rest = rest.strip_prefix(b"//").filter(|_| scheme_ok)?;
    let end = rest
        .iter()
        .position(|b| b"/?#".contains(b))
        .unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = match authority.iter().rposition(|b| *b == b'@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let host = match host_port.iter().rposition(|b| *b == b':') {
        Some(c) if host_port[c + 1..].iter().all(u8::is_ascii_digit) => &host_port[..c],
        Some(_) => return None,
        None => host_port,
    };
    let is_address = std::str::from_utf8(host)
        .ok()
        .is_some_and(|h| h.parse::<std::net::Ipv4Addr>().is_ok());
    (host_syntax_ok(host) && !is_address).then_some(host)
}

mod read;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
