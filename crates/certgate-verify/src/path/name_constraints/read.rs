//! Reading a nameConstraints extension (RFC 5280 4.2.1.10) strictly: its DER shape,
//! and every base checked for its form.

use super::{Base, Form, HostOrMailbox, MAX_SUBTREES, Subtrees, host_syntax_ok, mailbox};
use crate::path::dn;
use crate::path::violation::Rfc5280Violation as V;
use certgate_x509::der::{self, tag};
use certgate_x509::{GeneralNameRef, IpNet};

/// A NameConstraints SEQUENCE, every base read and checked.
pub(super) fn read_constraints(value: &[u8]) -> Result<Subtrees<'_>, V> {
    let (seq, rest) = der::read_tlv(value).map_err(|_| malformed("malformed DER"))?;
    if seq.tag != tag::SEQUENCE || !rest.is_empty() {
        return Err(malformed("not a SEQUENCE"));
    }
    if seq.value.is_empty() {
        return Err(V::EmptyNameConstraints);
    }
    let mut out = Subtrees::default();
    let mut last = None;
    let mut count = 0usize;
    for list in der::elements(seq.value) {
        let list = list.map_err(|_| malformed("malformed DER"))?;
        let into = match (list.tag, last) {
            (PERMITTED, None) => &mut out.permitted,
            (EXCLUDED, None | Some(PERMITTED)) => &mut out.excluded,
            _ => return Err(malformed("not permittedSubtrees then excludedSubtrees")),
        };
        last = Some(list.tag);
        if list.value.is_empty() {
            return Err(V::EmptyNameConstraints);
        }
        for subtree in der::elements(list.value) {
            let subtree = subtree.map_err(|_| malformed("malformed DER"))?;
            count += 1;
            if count > MAX_SUBTREES {
                return Err(malformed("more subtrees than certgate reads (1024)"));
            }
            if subtree.tag != tag::SEQUENCE {
                return Err(malformed("a GeneralSubtree is not a SEQUENCE"));
            }
            let (name, rest) =
                der::read_tlv(subtree.value).map_err(|_| malformed("malformed DER"))?;
            if !rest.is_empty() {
                return Err(V::SubtreeWithMinimumOrMaximum);
            }
            let name = GeneralNameRef::from_tlv(name)
                .map_err(|_| malformed("a GeneralName is malformed"))?;
            into.push(read_base(name)?);
        }
    }
    Ok(out)
}

/// The tags of permittedSubtrees and excludedSubtrees.
pub(super) const PERMITTED: u8 = 0xa0;
pub(super) const EXCLUDED: u8 = 0xa1;

fn malformed(problem: &'static str) -> V {
    V::MalformedExtension {
        extension: "nameConstraints",
        problem,
    }
}

fn read_base(name: GeneralNameRef<'_>) -> Result<Base<'_>, V> {
    Ok(match name {
        GeneralNameRef::Dns(s) => {
            if !s.is_empty() && !host_syntax_ok(s.as_bytes()) {
                return Err(V::DnsConstraintNotHostName { base: s.to_owned() });
            }
            Base::Dns(s.as_bytes())
        }
        GeneralNameRef::Rfc822(s) => {
            let b = s.as_bytes();
            Base::Email(if b.contains(&b'@') {
                let (local, host) = mailbox(b, false).ok_or_else(|| {
                    malformed("an rfc822Name constraint is not a mailbox, a host or a .domain")
                })?;
                HostOrMailbox::Mailbox { local, host }
            } else {
                host_or_domain(b).ok_or_else(|| {
                    malformed("an rfc822Name constraint is not a mailbox, a host or a .domain")
                })?
            })
        }
        GeneralNameRef::Uri(s) => Base::Uri(host_or_domain(s.as_bytes()).ok_or_else(|| {
            malformed("a uniformResourceIdentifier constraint is not a host or a .domain")
        })?),
        GeneralNameRef::Ip(octets) => {
            if !matches!(octets.len(), 8 | 32) {
                return Err(malformed(
                    "an iPAddress constraint is not an address and a mask",
                ));
            }
            if IpNet::from_constraint(octets).is_none() {
                return Err(V::InvalidNetworkMask);
            }
            let (addr, mask) = octets.split_at(octets.len() / 2);
            Base::Ip { addr, mask }
        }
        GeneralNameRef::Directory(name) => {
            if dn::within(name.der(), name.der()).is_none() {
                return Err(malformed(
                    "a directoryName constraint is larger than certgate compares",
                ));
            }
            Base::Directory(name.der())
        }
        GeneralNameRef::OtherName { type_id, .. } => Base::Other(type_id),
        GeneralNameRef::RegisteredId(_) => Base::Unread(Form::RegisteredId),
        GeneralNameRef::Unsupported { tag: 0xa3, .. } => Base::Unread(Form::X400),
        GeneralNameRef::Unsupported { .. } => Base::Unread(Form::EdiParty),
        _ => return Err(malformed("a GeneralName certgate does not read")),
    })
}

/// `host` or `.domain`, as rfc822Name and URI constraints write them.
fn host_or_domain(base: &[u8]) -> Option<HostOrMailbox<'_>> {
    match base.strip_prefix(b".") {
        Some(domain) => host_syntax_ok(domain).then_some(HostOrMailbox::Below(domain)),
        None => host_syntax_ok(base).then_some(HostOrMailbox::Host(base)),
    }
}
