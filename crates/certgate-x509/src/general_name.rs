//! GeneralName (RFC 5280 4.2.1.6): subjectAltName entries and the names of name
//! constraints and distribution points, borrowed and checked.

use std::fmt;
use std::net::IpAddr;

use crate::der::{self, Reader, Tlv, tag};
use crate::error::{Problem, Structure, X509Error};
use crate::name::NameView;

/// One GeneralName, borrowed from DER.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneralNameRef<'a> {
    /// `[0] otherName`: a type OID and its value's DER.
    OtherName {
        /// The type's OID content octets.
        type_id: &'a [u8],
        /// The `[0] EXPLICIT` value's inner DER.
        value: Tlv<'a>,
    },
    /// `[1] rfc822Name` (ASCII).
    Rfc822(&'a str),
    /// `[2] dNSName` (ASCII).
    Dns(&'a str),
    /// `[4] directoryName`.
    Directory(NameView<'a>),
    /// `[6] uniformResourceIdentifier` (ASCII).
    Uri(&'a str),
    /// `[7] iPAddress`: 4 or 16 octets in a SAN, 8 or 32 (address and mask) in a
    /// name constraint.
    Ip(&'a [u8]),
    /// `[8] registeredID`.
    RegisteredId(&'a [u8]),
    /// `[3] x400Address` or `[5] ediPartyName`, which certgate does not read: its tag
    /// and content.
    Unsupported {
        /// The tag.
        tag: u8,
        /// The content.
        value: &'a [u8],
    },
}

impl<'a> GeneralNameRef<'a> {
    /// Reads one GeneralName.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] with [`Structure::GeneralNames`].
    pub fn from_tlv(t: Tlv<'a>) -> Result<Self, X509Error> {
        let bad = |p| X509Error::malformed(Structure::GeneralNames, "GeneralName", p);
        let ascii = |v: &'a [u8]| -> Result<&'a str, X509Error> {
            if !v.is_ascii() {
                return Err(bad(Problem::BadString));
            }
            std::str::from_utf8(v).map_err(|_| bad(Problem::BadString))
        };
        Ok(match t.tag {
            0xa0 => {
                let mut r = Reader::new(t.value, Structure::GeneralNames);
                let oid = r.expect(tag::OID, "otherName type-id")?;
                let type_id = der::oid(oid.value).map_err(bad)?;
                let wrapped = r.expect(0xa0, "otherName value")?;
                r.finish("otherName")?;
                let value = der::single(
                    wrapped.value,
                    wrapped.value.first().copied().unwrap_or(0),
                    Structure::GeneralNames,
                    "otherName value",
                )?;
                Self::OtherName { type_id, value }
            }
            0x81 => Self::Rfc822(ascii(t.value)?),
            0x82 => Self::Dns(ascii(t.value)?),
            0xa4 => {
                let inner = der::single(
                    t.value,
                    tag::SEQUENCE,
                    Structure::GeneralNames,
                    "directoryName",
                )?;
                Self::Directory(NameView::parse(inner.whole)?)
            }
            0x86 => Self::Uri(ascii(t.value)?),
            0x87 => Self::Ip(t.value),
            0x88 => Self::RegisteredId(der::oid(t.value).map_err(bad)?),
            0xa3 | 0xa5 => Self::Unsupported {
                tag: t.tag,
                value: t.value,
            },
            found => return Err(bad(Problem::UnknownTag { found })),
        })
    }

    /// An SmtpUTF8Mailbox otherName's address (RFC 8398), when this is one.
    pub fn smtp_utf8_mailbox(&self) -> Option<&'a str> {
        match self {
            Self::OtherName { type_id, value }
                if *type_id == crate::oid::SMTP_UTF8_MAILBOX && value.tag == tag::UTF8_STRING =>
            {
                std::str::from_utf8(value.value).ok()
            }
            _ => None,
        }
    }
}

/// The GeneralNames of a `SEQUENCE OF GeneralName` (its whole DER), each checked.
///
/// # Errors
/// [`X509Error::Malformed`] for the first that is not DER of its shape.
pub fn general_names(whole: &[u8]) -> Result<Vec<GeneralNameRef<'_>>, X509Error> {
    let seq = der::single(
        whole,
        tag::SEQUENCE,
        Structure::GeneralNames,
        "GeneralNames",
    )?;
    names_in(seq.value)
}

/// The GeneralNames of a SEQUENCE's content.
pub(crate) fn names_in(content: &[u8]) -> Result<Vec<GeneralNameRef<'_>>, X509Error> {
    each_name_in(content).collect()
}

/// Checks the GeneralNames of a SEQUENCE's content as [`names_in`] reads them, keeping none.
pub(crate) fn check_names_in(content: &[u8]) -> Result<(), X509Error> {
    each_name_in(content).try_for_each(|name| name.map(|_| ()))
}

fn each_name_in(content: &[u8]) -> impl Iterator<Item = Result<GeneralNameRef<'_>, X509Error>> {
    der::elements(content).map(|t| {
        let t = t.map_err(|p| X509Error::malformed(Structure::GeneralNames, "GeneralName", p))?;
        GeneralNameRef::from_tlv(t)
    })
}

/// A subjectAltName entry certgate shows and matches, owned.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SanEntry {
    /// A dNSName.
    Dns(String),
    /// An rfc822Name (email address).
    Email(String),
    /// A uniformResourceIdentifier, such as a SPIFFE ID.
    Uri(String),
    /// An iPAddress.
    Ip(IpAddr),
}

impl SanEntry {
    /// The entry for a GeneralName of a subjectAltName, when it is one of the kinds
    /// above (an iPAddress must have 4 or 16 octets).
    pub fn from_general_name(name: &GeneralNameRef<'_>) -> Option<Self> {
        Some(match name {
            GeneralNameRef::Dns(s) => Self::Dns((*s).to_owned()),
            GeneralNameRef::Rfc822(s) => Self::Email((*s).to_owned()),
            GeneralNameRef::Uri(s) => Self::Uri((*s).to_owned()),
            GeneralNameRef::Ip(b) => Self::Ip(ip_from_octets(b)?),
            _ => return None,
        })
    }
}

impl fmt::Display for SanEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(s) | Self::Email(s) | Self::Uri(s) => f.write_str(s),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// An address of 4 or 16 octets.
pub fn ip_from_octets(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::wrap;

    #[test]
    fn reads_each_kind() {
        let mut c = wrap(0x82, b"a.example");
        c.extend(wrap(0x81, b"a@example.com"));
        c.extend(wrap(0x86, b"spiffe://x/y"));
        c.extend(wrap(0x87, &[10, 0, 0, 1]));
        let mut other = wrap(tag::OID, crate::oid::SMTP_UTF8_MAILBOX);
        other.extend(wrap(
            0xa0,
            &wrap(tag::UTF8_STRING, "ö@example.com".as_bytes()),
        ));
        c.extend(wrap(0xa0, &other));
        c.extend(wrap(0xa4, &wrap(tag::SEQUENCE, &[])));
        let der = wrap(tag::SEQUENCE, &c);
        let names = general_names(&der).unwrap();
        assert_eq!(names.len(), 6);
        assert_eq!(names[4].smtp_utf8_mailbox(), Some("ö@example.com"));
        let sans: Vec<_> = names
            .iter()
            .filter_map(SanEntry::from_general_name)
            .collect();
        assert_eq!(sans.len(), 4);
        assert_eq!(sans[3].to_string(), "10.0.0.1");
        assert!(general_names(&wrap(tag::SEQUENCE, &wrap(0x82, &[0xc3, 0xb6]))).is_err());
        assert!(general_names(&wrap(tag::SEQUENCE, &wrap(0x89, b"x"))).is_err());
        let mut two_values = wrap(tag::OID, crate::oid::SMTP_UTF8_MAILBOX);
        two_values.extend(wrap(0xa0, &[0x0c, 0x01, b'a', 0x0c, 0x00]));
        assert!(general_names(&wrap(tag::SEQUENCE, &wrap(0xa0, &two_values))).is_err());
    }
}
