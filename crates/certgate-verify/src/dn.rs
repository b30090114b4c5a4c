//! Distinguished names as strings: RFC 4514 and OpenSSL's RFC 2253 form.

use std::fmt::Write as _;

use const_oid::ObjectIdentifier;
use der::asn1::{BmpString, Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Decode, Tag, Tagged};
use x509_cert::name::Name;

/// An attribute of a distinguished name: its short name (or dotted OID) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameAttribute {
    /// `CN`, `O`, `OU`, `C`, `L`, `ST`, ... or the dotted OID of an attribute with no short name.
    pub name: String,
    /// The attribute's OID.
    pub oid: ObjectIdentifier,
    /// The value as text (empty when it is not a string type).
    pub value: String,
}

/// Short names of RFC 4514 section 3 (and the few more that verifiers print).
fn short_name(oid: &ObjectIdentifier, rfc2253: bool) -> Option<&'static str> {
    Some(match oid.to_string().as_str() {
        "2.5.4.3" => "CN",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.6" => "C",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "2.5.4.5" => "serialNumber",
        "2.5.4.4" => "SN",
        "2.5.4.42" => "GN",
        "2.5.4.12" => "title",
        // OpenSSL prints emailAddress by name; RFC 4514 has no name for it.
        "1.2.840.113549.1.9.1" if rfc2253 => "emailAddress",
        _ => return None,
    })
}

/// The text of a string-typed value; `None` for other types.
fn value_text(value: &der::Any) -> Option<String> {
    Some(match value.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(value)
            .ok()?
            .as_str()
            .to_owned(),
        Tag::Utf8String => Utf8StringRef::try_from(value).ok()?.as_str().to_owned(),
        Tag::Ia5String => Ia5StringRef::try_from(value).ok()?.as_str().to_owned(),
        Tag::TeletexString => TeletexStringRef::try_from(value).ok()?.as_str().to_owned(),
        Tag::BmpString => BmpString::from_der(&der::Encode::to_der(value).ok()?)
            .ok()?
            .to_string(),
        _ => return None,
    })
}

/// The attributes of a DER `Name`, in the order of the certificate.
pub(crate) fn attributes(der: &[u8]) -> Vec<NameAttribute> {
    let Ok(name) = Name::from_der(der) else {
        return Vec::new();
    };
    name.iter()
        .map(|atv| NameAttribute {
            name: short_name(&atv.oid, true).map_or_else(|| atv.oid.to_string(), str::to_owned),
            oid: atv.oid,
            value: value_text(&atv.value).unwrap_or_default(),
        })
        .collect()
}

/// A DER `Name` as a string: RDNs last to first, `,` between them, `+` inside one.
/// Values that are not strings, or whose type has no short name, are written as
/// `OID=#hex-of-DER` (RFC 4514 2.4).
pub(crate) fn format(der: &[u8], rfc2253: bool) -> String {
    let Ok(name) = Name::from_der(der) else {
        return String::new();
    };
    let mut out = String::new();
    for (i, rdn) in name
        .iter_rdn()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .enumerate()
    {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            match (short_name(&atv.oid, rfc2253), value_text(&atv.value)) {
                (Some(key), Some(text)) => {
                    out.push_str(key);
                    out.push('=');
                    escape(&mut out, &text);
                }
                _ => {
                    let _ = write!(out, "{}=#", atv.oid);
                    for b in der::Encode::to_der(&atv.value).unwrap_or_default() {
                        let _ = write!(out, "{b:02x}");
                    }
                }
            }
        }
    }
    out
}

/// RFC 4514 2.4 escaping.
fn escape(out: &mut String, value: &str) {
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
}
