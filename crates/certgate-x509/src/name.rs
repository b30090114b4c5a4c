//! Distinguished names (RFC 5280 4.1.2.4): a borrowed view that walks the attributes
//! without allocating, string values of every X.520 string type, one attribute table,
//! and the RFC 4514 and RFC 2253 (OpenSSL) string forms.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::der::{self, Tlv, tag};
use crate::error::{Problem, Structure, X509Error};
use crate::{hex, oid};

/// A known attribute type: its OID and the names it is written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttributeType {
    /// The OID's DER content octets.
    pub oid: &'static [u8],
    /// The short name of RFC 4514 section 3 (or the one in common use).
    pub short_name: &'static str,
    /// Whether RFC 4514 strings use the short name; when not (`emailAddress`), they
    /// write the dotted OID, as RFC 4514 asks, while OpenSSL's RFC 2253 form uses the name.
    pub in_rfc4514: bool,
}

/// The attribute types certgate names, in one table used for reading, writing and
/// policy selectors.
pub const ATTRIBUTE_TYPES: &[AttributeType] = &[
    at(&[0x55, 0x04, 0x03], "CN", true),
    at(&[0x55, 0x04, 0x07], "L", true),
    at(&[0x55, 0x04, 0x08], "ST", true),
    at(&[0x55, 0x04, 0x0a], "O", true),
    at(&[0x55, 0x04, 0x0b], "OU", true),
    at(&[0x55, 0x04, 0x06], "C", true),
    at(&[0x55, 0x04, 0x09], "STREET", true),
    at(
        &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19],
        "DC",
        true,
    ),
    at(
        &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01],
        "UID",
        true,
    ),
    at(&[0x55, 0x04, 0x05], "serialNumber", true),
    at(&[0x55, 0x04, 0x04], "SN", true),
    at(&[0x55, 0x04, 0x2a], "GN", true),
    at(&[0x55, 0x04, 0x0c], "title", true),
    at(
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01],
        "emailAddress",
        false,
    ),
];

const fn at(oid: &'static [u8], short_name: &'static str, in_rfc4514: bool) -> AttributeType {
    AttributeType {
        oid,
        short_name,
        in_rfc4514,
    }
}

/// The OID of commonName.
pub const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

impl AttributeType {
    /// The known type with this OID.
    pub fn by_oid(oid: &[u8]) -> Option<&'static Self> {
        ATTRIBUTE_TYPES.iter().find(|t| t.oid == oid)
    }

    /// The known type with this short name (any case; `email` for `emailAddress`).
    pub fn by_name(name: &str) -> Option<&'static Self> {
        let name = if name.eq_ignore_ascii_case("email") {
            "emailAddress"
        } else {
            name
        };
        ATTRIBUTE_TYPES
            .iter()
            .find(|t| t.short_name.eq_ignore_ascii_case(name))
    }
}

/// The OID content octets of an attribute written as a short name or a dotted OID.
pub fn attribute_oid(name: &str) -> Option<Cow<'static, [u8]>> {
    match AttributeType::by_name(name) {
        Some(t) => Some(Cow::Borrowed(t.oid)),
        None => oid::from_dotted(name).map(Cow::Owned),
    }
}

/// A `Name`, borrowed from DER and checked: a SEQUENCE of non-empty SETs of
/// (OID, value) SEQUENCEs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NameView<'a> {
    whole: &'a [u8],
    rdns: &'a [u8],
}

/// One attribute of a name: which RDN it is in, its type and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttributeRef<'a> {
    /// The RDN's index, in DER order (the country usually first).
    pub rdn: usize,
    /// The type's OID content octets.
    pub oid: &'a [u8],
    /// The value's tag.
    pub tag: u8,
    /// The value's content octets.
    pub value: &'a [u8],
    /// The value's whole DER (for `#hex` forms).
    pub value_der: &'a [u8],
}

/// An attribute of a name, owned: its short name (or dotted OID) and its text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NameAttribute {
    /// `CN`, `O`, `OU`, `C`, ... or the dotted OID of a type with no short name.
    pub name: String,
    /// The type's dotted OID.
    pub oid: String,
    /// The value as text (empty when it is not a string).
    pub value: String,
}

impl<'a> NameView<'a> {
    /// Reads and checks a `Name` (its whole DER, SEQUENCE header included).
    ///
    /// # Errors
    /// [`X509Error::Malformed`] with [`Structure::Name`].
    pub fn parse(whole: &'a [u8]) -> Result<Self, X509Error> {
        let seq = der::single(whole, tag::SEQUENCE, Structure::Name, "Name")?;
        for set in der::elements(seq.value) {
            let set = set.map_err(|p| X509Error::malformed(Structure::Name, "RDN", p))?;
            check_rdn(set)?;
        }
        Ok(Self {
            whole,
            rdns: seq.value,
        })
    }

    /// A view of a name already checked by [`NameView::parse`].
    #[inline]
    pub(crate) fn from_checked(whole: &'a [u8]) -> Self {
        let rdns = der::read_tlv(whole).map_or(&[][..], |(t, _)| t.value);
        Self { whole, rdns }
    }

    /// The whole DER.
    pub fn der(&self) -> &'a [u8] {
        self.whole
    }

    /// The RDNs' octets, without the SEQUENCE header (how webpki keys names).
    pub fn content(&self) -> &'a [u8] {
        self.rdns
    }

    /// Whether the name has no RDN.
    pub fn is_empty(&self) -> bool {
        self.rdns.is_empty()
    }

    /// The attributes in DER order.
    #[inline]
    pub fn attributes(&self) -> impl Iterator<Item = AttributeRef<'a>> + 'a {
        let mut sets = der::elements(self.rdns).enumerate();
        let mut current: Option<(usize, &'a [u8])> = None;
        std::iter::from_fn(move || {
            loop {
                if let Some((index, rest)) = current.as_mut()
                    && !rest.is_empty()
                {
                    let (atv, after) = der::read_tlv(rest).ok()?;
                    *rest = after;
                    // Checked at parse: a lean walk, no error values built.
                    let (oid, value_rest) = der::read_tlv(atv.value).ok()?;
                    let (value_tlv, _) = der::read_tlv(value_rest).ok()?;
                    let oid = oid.value;
                    return Some(AttributeRef {
                        rdn: *index,
                        oid,
                        tag: value_tlv.tag,
                        value: value_tlv.value,
                        value_der: value_tlv.whole,
                    });
                }
                let (index, set) = sets.next()?;
                current = Some((index, set.ok()?.value));
            }
        })
    }

    /// The first value of the attribute `oid`, as text.
    pub fn first(&self, oid: &[u8]) -> Option<Cow<'a, str>> {
        self.attributes().find(|a| a.oid == oid)?.text()
    }

    /// The first commonName.
    pub fn common_name(&self) -> Option<Cow<'a, str>> {
        self.first(COMMON_NAME)
    }

    /// Every attribute, owned.
    pub fn to_attributes(&self) -> Vec<NameAttribute> {
        self.attributes()
            .map(|a| NameAttribute {
                name: AttributeType::by_oid(a.oid)
                    .map(|t| t.short_name.to_owned())
                    .or_else(|| oid::dotted(a.oid))
                    .unwrap_or_default(),
                oid: oid::dotted(a.oid).unwrap_or_default(),
                value: a.text().map(Cow::into_owned).unwrap_or_default(),
            })
            .collect()
    }

    /// RFC 4514: RDNs last to first, `,` between them, `+` inside one; types without
    /// an RFC 4514 name as dotted OIDs; values that are not strings as `#hex`.
    pub fn to_rfc4514(&self) -> String {
        self.format(false)
    }

    /// As OpenSSL prints with `-nameopt RFC2253` (`emailAddress=` by name).
    pub fn to_rfc2253(&self) -> String {
        self.format(true)
    }

    fn format(&self, rfc2253: bool) -> String {
        let mut rdns: Vec<Vec<AttributeRef<'a>>> = Vec::new();
        for a in self.attributes() {
            match rdns.last_mut() {
                Some(last) if last.first().is_some_and(|f| f.rdn == a.rdn) => last.push(a),
                _ => rdns.push(vec![a]),
            }
        }
        let mut out = String::new();
        for (i, rdn) in rdns.iter().rev().enumerate() {
            if i > 0 {
                out.push(',');
            }
            for (j, a) in rdn.iter().enumerate() {
                if j > 0 {
                    out.push('+');
                }
                let known = AttributeType::by_oid(a.oid).filter(|t| rfc2253 || t.in_rfc4514);
                match (known, a.text()) {
                    (Some(t), Some(text)) => {
                        out.push_str(t.short_name);
                        out.push('=');
                        escape(&mut out, &text);
                    }
                    _ => {
                        let _ = write!(
                            out,
                            "{}=#{}",
                            oid::dotted(a.oid).unwrap_or_default(),
                            hex::lower(a.value_der)
                        );
                    }
                }
            }
        }
        out
    }
}

fn check_rdn(set: Tlv<'_>) -> Result<(), X509Error> {
    let bad = |p| X509Error::malformed(Structure::Name, "RDN", p);
    if set.tag != tag::SET {
        return Err(bad(Problem::UnexpectedTag {
            expected: tag::SET,
            found: set.tag,
        }));
    }
    if set.value.is_empty() {
        return Err(bad(Problem::Empty));
    }
    for atv in der::elements(set.value) {
        let atv = atv.map_err(bad)?;
        if atv.tag != tag::SEQUENCE {
            return Err(bad(Problem::UnexpectedTag {
                expected: tag::SEQUENCE,
                found: atv.tag,
            }));
        }
        atv_parts(atv.value)?;
    }
    Ok(())
}

/// An AttributeTypeAndValue's OID and value.
#[inline]
fn atv_parts(content: &[u8]) -> Result<(&[u8], Tlv<'_>), X509Error> {
    // One walk with the raw reader (every name of every certificate read comes here);
    // the error names the field as a Reader's would.
    let bad = |field| move |p| X509Error::malformed(Structure::Name, field, p);
    let (oid, rest) = der::expect_tlv(content, tag::OID).map_err(bad("AttributeType"))?;
    let oid = der::oid(oid.value).map_err(bad("AttributeType"))?;
    let (value, after) = der::next_tlv(rest).map_err(bad("AttributeValue"))?;
    if !after.is_empty() {
        return Err(bad("AttributeTypeAndValue")(Problem::TrailingData));
    }
    Ok((oid, value))
}

impl<'a> AttributeRef<'a> {
    /// The value as text when it is a string type and its octets are valid for it.
    pub fn text(&self) -> Option<Cow<'a, str>> {
        string_text(self.tag, self.value)
    }

    /// Whether the value is a string equal to `expected`, compared without allocating.
    #[inline]
    pub fn value_is(&self, expected: &str) -> bool {
        string_eq(self.tag, self.value, expected)
    }
}

/// The text of a DER string value: UTF8String (valid UTF-8), PrintableString,
/// IA5String, VisibleString and NumericString (ASCII), TeletexString (read as Latin-1,
/// as OpenSSL does), BMPString (UTF-16BE) and UniversalString (UTF-32BE).
pub fn string_text(tag: u8, value: &[u8]) -> Option<Cow<'_, str>> {
    match tag {
        tag::UTF8_STRING => std::str::from_utf8(value).ok().map(Cow::Borrowed),
        tag::PRINTABLE_STRING | tag::IA5_STRING | tag::VISIBLE_STRING | tag::NUMERIC_STRING => {
            value
                .is_ascii()
                .then(|| std::str::from_utf8(value).ok().map(Cow::Borrowed))
                .flatten()
        }
        tag::TELETEX_STRING => Some(match std::str::from_utf8(value) {
            Ok(s) if value.is_ascii() => Cow::Borrowed(s),
            _ => Cow::Owned(value.iter().map(|b| char::from(*b)).collect()),
        }),
        tag::BMP_STRING => {
            if !value.len().is_multiple_of(2) {
                return None;
            }
            let units = value
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
                .map(Cow::Owned)
        }
        tag::UNIVERSAL_STRING => {
            if !value.len().is_multiple_of(4) {
                return None;
            }
            value
                .chunks_exact(4)
                .map(|p| char::from_u32(u32::from_be_bytes([p[0], p[1], p[2], p[3]])))
                .collect::<Option<String>>()
                .map(Cow::Owned)
        }
        _ => None,
    }
}

/// Compares a DER string value with `expected`, decoding on the fly.
#[inline]
pub fn string_eq(tag: u8, value: &[u8], expected: &str) -> bool {
    match tag {
        tag::UTF8_STRING => value == expected.as_bytes(),
        tag::PRINTABLE_STRING | tag::IA5_STRING | tag::VISIBLE_STRING | tag::NUMERIC_STRING => {
            value.is_ascii() && value == expected.as_bytes()
        }
        tag::TELETEX_STRING => value.iter().map(|b| char::from(*b)).eq(expected.chars()),
        tag::BMP_STRING => {
            value.len().is_multiple_of(2)
                && char::decode_utf16(
                    value
                        .chunks_exact(2)
                        .map(|p| u16::from_be_bytes([p[0], p[1]])),
                )
                .map(|c| c.ok())
                .eq(expected.chars().map(Some))
        }
        tag::UNIVERSAL_STRING => {
            value.len().is_multiple_of(4)
                && value
                    .chunks_exact(4)
                    .map(|p| char::from_u32(u32::from_be_bytes([p[0], p[1], p[2], p[3]])))
                    .eq(expected.chars().map(Some))
        }
        _ => false,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::wrap;

    fn atv(oid: &[u8], t: u8, v: &[u8]) -> Vec<u8> {
        let mut c = wrap(tag::OID, oid);
        c.extend(wrap(t, v));
        wrap(tag::SEQUENCE, &c)
    }

    fn name(rdns: &[Vec<Vec<u8>>]) -> Vec<u8> {
        let mut c = Vec::new();
        for rdn in rdns {
            c.extend(wrap(tag::SET, &rdn.concat()));
        }
        wrap(tag::SEQUENCE, &c)
    }

    #[test]
    fn forms_and_string_types() {
        let bmp: Vec<u8> = "Zoë".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let der = name(&[
            vec![atv(&[0x55, 4, 6], tag::PRINTABLE_STRING, b"PT")],
            vec![atv(&[0x55, 4, 10], tag::BMP_STRING, &bmp)],
            vec![
                atv(&[0x55, 4, 11], tag::UTF8_STRING, b"a,b"),
                atv(&[0x55, 4, 11], tag::TELETEX_STRING, &[0x4c, 0xe3]),
            ],
            vec![atv(
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01],
                tag::IA5_STRING,
                b"a@b.c",
            )],
            vec![atv(&[0x55, 4, 3], tag::UTF8_STRING, b" Rhea ")],
        ]);
        let n = NameView::parse(&der).unwrap();
        assert_eq!(
            n.to_rfc2253(),
            "CN=\\ Rhea\\ ,emailAddress=a@b.c,OU=a\\,b+OU=Lã,O=Zoë,C=PT"
        );
        assert_eq!(
            n.to_rfc4514(),
            "CN=\\ Rhea\\ ,1.2.840.113549.1.9.1=#16056140622e63,OU=a\\,b+OU=Lã,O=Zoë,C=PT"
        );
        assert_eq!(n.common_name().as_deref(), Some(" Rhea "));
        let attrs: Vec<_> = n.attributes().collect();
        assert_eq!(attrs.len(), 6);
        assert_eq!((attrs[2].rdn, attrs[3].rdn), (2, 2));
        assert!(attrs[1].value_is("Zoë") && !attrs[1].value_is("Zoe"));
        assert!(attrs[3].value_is("Lã"));
        assert_eq!(n.to_attributes()[1].name, "O");
        assert_eq!(
            AttributeType::by_name("email").unwrap().short_name,
            "emailAddress"
        );
        assert_eq!(attribute_oid("2.5.4.3").as_deref(), Some(COMMON_NAME));
    }

    #[test]
    fn refuses_malformed_names() {
        assert!(NameView::parse(&wrap(tag::SEQUENCE, &wrap(tag::SET, &[]))).is_err());
        assert!(NameView::parse(&wrap(tag::SEQUENCE, &wrap(tag::SEQUENCE, &[]))).is_err());
        let bad_oid = name(&[vec![atv(&[0x55, 0x84], tag::UTF8_STRING, b"x")]]);
        assert!(NameView::parse(&bad_oid).is_err());
        let mut trailing = name(&[vec![atv(&[0x55, 4, 3], tag::UTF8_STRING, b"x")]]);
        trailing.push(0);
        assert!(NameView::parse(&trailing).is_err());
        assert!(
            NameView::parse(&wrap(tag::SEQUENCE, &[]))
                .unwrap()
                .is_empty()
        );
        // Invalid strings are not text, and equal nothing.
        assert_eq!(string_text(tag::UTF8_STRING, &[0xff]), None);
        assert_eq!(string_text(tag::BMP_STRING, &[0xd8, 0x00]), None);
        assert!(!string_eq(tag::BMP_STRING, &[0xd8, 0x00], "\u{fffd}"));
        assert_eq!(
            string_text(tag::UNIVERSAL_STRING, &[0, 0, 0, b'h']).as_deref(),
            Some("h")
        );
    }
}
