//! Distinguished Name comparison (RFC 5280 §7.1): whether an issuer name is a candidate's
//! subject, and whether a name lies within a directoryName subtree (§4.2.1.10).
//!
//! Equal octets are equal at the cost of one `memcmp`, as path building asks this of every
//! (issuer, candidate subject) pair. Otherwise two names are compared RDN by RDN, each RDN
//! as a set of AttributeTypeAndValues. Values that are both of a DirectoryString type
//! (PrintableString, UTF8String, TeletexString, BMPString, UniversalString; and
//! IA5String for emailAddress and domainComponent, whose matching rules ignore case) are
//! compared after normalisation:
//!
//! - decoded to characters: TeletexString is read as Latin-1, as OpenSSL and
//!   certgate-x509 read it (T.61 proper is not implemented by anyone that matters);
//! - leading and trailing white space removed, every inner run of white space one space
//!   (white space is Unicode `White_Space`: RFC 4518 §2.2 maps the separators and the
//!   C0 controls tab to carriage return to SPACE);
//! - ASCII case folded, and only ASCII. RFC 4518 asks for full case folding after NFKC
//!   normalisation; neither table is at hand without a dependency, and a Unicode fold
//!   without NFKC would be neither RFC 4518 nor what others do. OpenSSL and BoringSSL
//!   (their canonical name encoding) fold ASCII only, so names that chain there chain
//!   here, and `É` and `é` stay different names.
//!
//! Values of any other type compare as exact DER (tag and octets). A value that does
//! not decode is equal only to the same octets. A name that is not DER of the `Name`
//! shape, or larger than the limits below, is unequal to every other name and within no
//! subtree ([`within`] says so apart, for name constraints, which must fail closed).

use certgate_x509::der::{self, tag};

/// Largest `Name` (whole DER) compared after normalisation: real names are a few hundred
/// octets; the comparison walks each value several times, so the size is bounded.
pub(crate) const MAX_NAME_OCTETS: usize = 4096;

/// Most RDNs in a `Name` compared after normalisation (real names have under ten).
pub(crate) const MAX_RDNS: usize = 64;

/// Most AttributeTypeAndValues in one RDN: matching two multi-valued RDNs is quadratic
/// in this number (multi-valued RDNs in the wild have two or three).
pub(crate) const MAX_RDN_ATTRIBUTES: usize = 16;

/// pkcs-9 emailAddress, 1.2.840.113549.1.9.1.
const EMAIL_ADDRESS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];
/// domainComponent, 0.9.2342.19200300.100.1.25.
const DOMAIN_COMPONENT: &[u8] = &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19];

/// Whether two DER `Name`s (whole SEQUENCEs) are the same name by RFC 5280 §7.1: equal
/// octets are equal (no allocation, whatever their size); otherwise the same number of
/// RDNs, each RDN the same set of AttributeTypeAndValues, DirectoryString values
/// compared after normalisation (see the module docs). Unreadable names, and names past
/// [`MAX_NAME_OCTETS`], [`MAX_RDNS`] or [`MAX_RDN_ATTRIBUTES`], are unequal.
pub(crate) fn names_match(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let (Some(a), Some(b)) = (rdns(a), rdns(b)) else {
        return false;
    };
    let (mut a, mut b) = (der::elements(a), der::elements(b));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(Ok(x)), Some(Ok(y))) if rdn_match(x.value, y.value) => {}
            _ => return false,
        }
    }
}

/// Whether `name` lies within the directoryName subtree `base` (both whole DER
/// `Name`s): `base`'s RDNs are the first RDNs of `name`, compared as in
/// [`names_match`]. An empty base contains every (readable) name.
#[cfg(test)]
pub(crate) fn name_within(base: &[u8], name: &[u8]) -> bool {
    within(base, name) == Some(true)
}

/// [`name_within`], telling apart "not within" (`Some(false)`) and "cannot tell"
/// (`None`: either name is unreadable or past the limits), so that an excluded subtree
/// refuses what it cannot read.
pub(crate) fn within(base: &[u8], name: &[u8]) -> Option<bool> {
    let (base, name) = (rdns(base)?, rdns(name)?);
    if name.starts_with(base) {
        // Equal octets: equal RDNs (each RDN is one whole TLV, and both were checked).
        return Some(true);
    }
    let mut names = der::elements(name);
    for rdn in der::elements(base) {
        let rdn = rdn.ok()?;
        match names.next() {
            Some(Ok(n)) if rdn_match(rdn.value, n.value) => {}
            Some(Ok(_)) | None => return Some(false),
            Some(Err(_)) => return None,
        }
    }
    Some(true)
}

/// The RDNs (the SEQUENCE's content) of a `Name` within the limits, every RDN a
/// non-empty SET of (OID, one value) SEQUENCEs.
fn rdns(whole: &[u8]) -> Option<&[u8]> {
    if whole.len() > MAX_NAME_OCTETS {
        return None;
    }
    let (seq, rest) = der::read_tlv(whole).ok()?;
    if seq.tag != tag::SEQUENCE || !rest.is_empty() {
        return None;
    }
    let mut count = 0;
    for rdn in der::elements(seq.value) {
        let rdn = rdn.ok()?;
        count += 1;
        if count > MAX_RDNS || rdn.tag != tag::SET || rdn.value.is_empty() {
            return None;
        }
        let mut attributes = 0;
        for atv in der::elements(rdn.value) {
            let atv = atv.ok()?;
            attributes += 1;
            if attributes > MAX_RDN_ATTRIBUTES || atv.tag != tag::SEQUENCE {
                return None;
            }
            attribute(atv.value)?;
        }
    }
    Some(seq.value)
}

/// An AttributeTypeAndValue's OID content and value.
fn attribute(content: &[u8]) -> Option<(&[u8], der::Tlv<'_>)> {
    let (oid, rest) = der::read_tlv(content).ok()?;
    let (value, rest) = der::read_tlv(rest).ok()?;
    (oid.tag == tag::OID && rest.is_empty()).then_some((oid.value, value))
}

/// Whether two RDNs (SET contents, checked by [`rdns`]) hold the same set of
/// attributes: each of `a`'s matched to a distinct one of `b`'s, and as many of each.
/// Attribute equality is an equivalence (same OID and either the same normalised string
/// or the same DER), so matching greedily finds a pairing whenever one exists.
fn rdn_match(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let mut used: u32 = 0;
    let mut count_a = 0usize;
    for x in der::elements(a) {
        let Ok(x) = x else { return false };
        count_a += 1;
        let found = der::elements(b).enumerate().find(|(i, y)| {
            *i < MAX_RDN_ATTRIBUTES
                && used & (1 << i) == 0
                && matches!(y, Ok(y) if atv_match(x.value, y.value))
        });
        match found {
            Some((i, _)) => used |= 1 << i,
            None => return false,
        }
    }
    count_a == der::elements(b).count()
}

/// Whether two AttributeTypeAndValues (SEQUENCE contents) are the same attribute.
fn atv_match(a: &[u8], b: &[u8]) -> bool {
    let (Some((oid_a, value_a)), Some((oid_b, value_b))) = (attribute(a), attribute(b)) else {
        return false;
    };
    if oid_a != oid_b {
        return false;
    }
    if value_a.whole == value_b.whole {
        return true;
    }
    normalises(oid_a, value_a.tag)
        && normalises(oid_b, value_b.tag)
        && normalised_eq(value_a, value_b)
}

/// Whether a value of this type, for this attribute, is compared after normalisation.
fn normalises(oid: &[u8], value_tag: u8) -> bool {
    match value_tag {
        tag::PRINTABLE_STRING
        | tag::UTF8_STRING
        | tag::TELETEX_STRING
        | tag::BMP_STRING
        | tag::UNIVERSAL_STRING => true,
        tag::IA5_STRING => oid == EMAIL_ADDRESS || oid == DOMAIN_COMPONENT,
        _ => false,
    }
}

fn normalised_eq(a: der::Tlv<'_>, b: der::Tlv<'_>) -> bool {
    let (Some(a), Some(b)) = (Decoder::new(a), Decoder::new(b)) else {
        return false;
    };
    let (mut a, mut b) = (Normalised::new(a), Normalised::new(b));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(Some(x)), Some(Some(y))) if x == y => {}
            _ => return false,
        }
    }
}

/// The characters of a string value; `None` for one that does not decode.
enum Decoder<'a> {
    /// PrintableString and IA5String: ASCII.
    Ascii(std::slice::Iter<'a, u8>),
    /// TeletexString, read as Latin-1.
    Latin1(std::slice::Iter<'a, u8>),
    Utf8(std::str::Chars<'a>),
    /// BMPString: UTF-16BE.
    Bmp(std::slice::ChunksExact<'a, u8>),
    /// UniversalString: UTF-32BE.
    Universal(std::slice::ChunksExact<'a, u8>),
}

impl<'a> Decoder<'a> {
    fn new(value: der::Tlv<'a>) -> Option<Self> {
        let v = value.value;
        Some(match value.tag {
            tag::PRINTABLE_STRING | tag::IA5_STRING => Self::Ascii(v.iter()),
            tag::TELETEX_STRING => Self::Latin1(v.iter()),
            tag::UTF8_STRING => Self::Utf8(std::str::from_utf8(v).ok()?.chars()),
            tag::BMP_STRING if v.len().is_multiple_of(2) => Self::Bmp(v.chunks_exact(2)),
            tag::UNIVERSAL_STRING if v.len().is_multiple_of(4) => {
                Self::Universal(v.chunks_exact(4))
            }
            _ => return None,
        })
    }
}

impl Iterator for Decoder<'_> {
    /// A character, or `None` where the octets are not one.
    type Item = Option<char>;

    fn next(&mut self) -> Option<Option<char>> {
        Some(match self {
            Self::Ascii(it) => it.next().map(|b| b.is_ascii().then(|| char::from(*b)))?,
            Self::Latin1(it) => Some(char::from(*it.next()?)),
            Self::Utf8(it) => Some(it.next()?),
            Self::Bmp(it) => {
                let unit = |p: &[u8]| u16::from_be_bytes([p[0], p[1]]);
                let first = unit(it.next()?);
                match first {
                    0xd800..=0xdbff => {
                        let second = it.next().map(unit);
                        second.and_then(|s| char::decode_utf16([first, s]).next()?.ok())
                    }
                    _ => char::decode_utf16([first]).next()?.ok(),
                }
            }
            Self::Universal(it) => {
                let p = it.next()?;
                char::from_u32(u32::from_be_bytes([p[0], p[1], p[2], p[3]]))
            }
        })
    }
}

/// A decoded string with white space trimmed and collapsed and ASCII case folded.
struct Normalised<'a> {
    chars: Decoder<'a>,
    /// A non-space character has been given.
    started: bool,
    /// The character after a collapsed run of white space, given after the space.
    held: Option<char>,
}

impl<'a> Normalised<'a> {
    fn new(chars: Decoder<'a>) -> Self {
        Self {
            chars,
            started: false,
            held: None,
        }
    }
}

impl Iterator for Normalised<'_> {
    /// A character, or `None` where the value does not decode.
    type Item = Option<char>;

    fn next(&mut self) -> Option<Option<char>> {
        if let Some(c) = self.held.take() {
            return Some(Some(c));
        }
        let mut space = false;
        loop {
            let Some(c) = self.chars.next()? else {
                return Some(None);
            };
            if c.is_whitespace() {
                space = self.started;
                continue;
            }
            let c = c.to_ascii_lowercase();
            self.started = true;
            if space {
                self.held = Some(c);
                return Some(Some(' '));
            }
            return Some(Some(c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use certgate_x509::der::wrap;

    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const O: &[u8] = &[0x55, 0x04, 0x0a];
    const C: &[u8] = &[0x55, 0x04, 0x06];

    fn atv(oid: &[u8], value_tag: u8, value: &[u8]) -> Vec<u8> {
        let mut c = wrap(tag::OID, oid);
        c.extend(wrap(value_tag, value));
        wrap(tag::SEQUENCE, &c)
    }

    fn concat<T: AsRef<[u8]>>(parts: &[T]) -> Vec<u8> {
        parts
            .iter()
            .flat_map(|p| p.as_ref().iter().copied())
            .collect()
    }

    fn rdn<T: AsRef<[u8]>>(atvs: &[T]) -> Vec<u8> {
        wrap(tag::SET, &concat(atvs))
    }

    fn name<T: AsRef<[u8]>>(rdns: &[T]) -> Vec<u8> {
        wrap(tag::SEQUENCE, &concat(rdns))
    }

    /// The empty name.
    fn empty() -> Vec<u8> {
        wrap(tag::SEQUENCE, &[])
    }

    /// A one-RDN name `CN=value`.
    fn cn(value_tag: u8, value: &[u8]) -> Vec<u8> {
        name(&[rdn(&[atv(CN, value_tag, value)])])
    }

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    fn utf32(s: &str) -> Vec<u8> {
        s.chars().flat_map(|c| u32::from(c).to_be_bytes()).collect()
    }

    #[test]
    fn string_types_spaces_and_case() {
        let printable = cn(tag::PRINTABLE_STRING, b"Example  CA");
        let utf8 = cn(tag::UTF8_STRING, b"example ca");
        assert!(names_match(&printable, &utf8));
        assert!(names_match(&utf8, &printable));
        // Leading, trailing and inner white space of any kind.
        assert!(names_match(
            &utf8,
            &cn(tag::UTF8_STRING, " \tEXAMPLE \u{a0}\n CA  ".as_bytes())
        ));
        assert!(names_match(
            &utf8,
            &cn(tag::BMP_STRING, &utf16("Example CA"))
        ));
        assert!(names_match(
            &utf8,
            &cn(tag::UNIVERSAL_STRING, &utf32(" example CA"))
        ));
        assert!(names_match(
            &cn(tag::TELETEX_STRING, b"Caf\xe9"),
            &cn(tag::UTF8_STRING, "caf\u{e9}".as_bytes())
        ));
        // Beyond the BMP, through surrogates.
        assert!(names_match(
            &cn(tag::BMP_STRING, &utf16("\u{1f512} lock")),
            &cn(tag::UTF8_STRING, "\u{1f512} LOCK".as_bytes())
        ));
        // Not equal: a letter differs; a space inside a word; ASCII folding only.
        assert!(!names_match(&utf8, &cn(tag::UTF8_STRING, b"example cb")));
        assert!(!names_match(&utf8, &cn(tag::UTF8_STRING, b"exam ple ca")));
        assert!(!names_match(&utf8, &cn(tag::UTF8_STRING, b"example ca x")));
        assert!(!names_match(
            &cn(tag::UTF8_STRING, "\u{c9}cole".as_bytes()),
            &cn(tag::UTF8_STRING, "\u{e9}cole".as_bytes())
        ));
        // Only white space is the empty string.
        assert!(names_match(
            &cn(tag::UTF8_STRING, b"   "),
            &cn(tag::PRINTABLE_STRING, b"")
        ));
    }

    #[test]
    fn other_types_compare_as_der() {
        // IA5String is a DirectoryString only for emailAddress and domainComponent.
        assert!(!names_match(
            &cn(tag::IA5_STRING, b"a"),
            &cn(tag::UTF8_STRING, b"a")
        ));
        assert!(!names_match(
            &cn(tag::IA5_STRING, b"A"),
            &cn(tag::IA5_STRING, b"a")
        ));
        let dc = |t, v: &[u8]| name(&[rdn(&[atv(DOMAIN_COMPONENT, t, v)])]);
        assert!(names_match(
            &dc(tag::IA5_STRING, b"Example"),
            &dc(tag::IA5_STRING, b" example")
        ));
        let email = |v: &[u8]| name(&[rdn(&[atv(EMAIL_ADDRESS, tag::IA5_STRING, v)])]);
        assert!(names_match(
            &email(b"Sam@Example.com"),
            &email(b"sam@example.com")
        ));
        // A NumericString or an OCTET STRING value: exact.
        assert!(names_match(
            &cn(tag::NUMERIC_STRING, b"12"),
            &cn(tag::NUMERIC_STRING, b"12")
        ));
        assert!(!names_match(
            &cn(tag::NUMERIC_STRING, b"12"),
            &cn(tag::UTF8_STRING, b"12")
        ));
        assert!(!names_match(
            &cn(tag::OCTET_STRING, b"a"),
            &cn(tag::OCTET_STRING, b"A")
        ));
        // Another attribute type with the same value.
        assert!(!names_match(
            &cn(tag::UTF8_STRING, b"a"),
            &name(&[rdn(&[atv(O, tag::UTF8_STRING, b"a")])])
        ));
    }

    #[test]
    fn undecodable_values_equal_only_their_octets() {
        let bad_utf8 = cn(tag::UTF8_STRING, b"a\xff");
        assert!(names_match(&bad_utf8, &bad_utf8.to_vec()));
        assert!(!names_match(&bad_utf8, &cn(tag::UTF8_STRING, b"A\xff")));
        assert!(!names_match(
            &cn(tag::BMP_STRING, &[0, b'a', 0]),
            &cn(tag::BMP_STRING, &[0, b'A', 0])
        ));
        // A lone surrogate.
        assert!(!names_match(
            &cn(tag::BMP_STRING, &[0xd8, 0x00, 0, b'a']),
            &cn(tag::BMP_STRING, &[0xd8, 0x00, 0, b'A'])
        ));
        assert!(!names_match(
            &cn(tag::UNIVERSAL_STRING, &[0, 0x11, 0, 0]),
            &cn(tag::UNIVERSAL_STRING, &[0, 0x11, 0, 1])
        ));
        assert!(!names_match(
            &cn(tag::PRINTABLE_STRING, b"\xe9"),
            &cn(tag::TELETEX_STRING, b"\xe9")
        ));
    }

    #[test]
    fn multi_valued_rdns_are_sets() {
        let cn_a = atv(CN, tag::UTF8_STRING, b"a");
        let cn_b = atv(CN, tag::UTF8_STRING, b"b");
        let o_x = atv(O, tag::PRINTABLE_STRING, b"X");
        let o_x_lower = atv(O, tag::UTF8_STRING, b"x");
        assert!(names_match(
            &name(&[rdn(&[&cn_a, &o_x])]),
            &name(&[rdn(&[&o_x_lower, &cn_a])])
        ));
        // A subset, or a value matched twice, is not the same set.
        assert!(!names_match(
            &name(&[rdn(&[&cn_a, &o_x])]),
            &name(&[rdn(&[&cn_a])])
        ));
        assert!(!names_match(
            &name(&[rdn(&[&cn_a])]),
            &name(&[rdn(&[&cn_a, &o_x])])
        ));
        assert!(!names_match(
            &name(&[rdn(&[&cn_a, &cn_a])]),
            &name(&[rdn(&[&cn_a, &cn_b])])
        ));
        assert!(!names_match(
            &name(&[rdn(&[&cn_a, &cn_b])]),
            &name(&[rdn(&[&cn_a, &cn_a])])
        ));
        // Two RDNs are not one multi-valued RDN.
        assert!(!names_match(
            &name(&[rdn(&[&cn_a]), rdn(&[&o_x])]),
            &name(&[rdn(&[&cn_a, &o_x])])
        ));
    }

    #[test]
    fn rdn_count_and_order() {
        let c = rdn(&[atv(C, tag::PRINTABLE_STRING, b"PT")]);
        let o = rdn(&[atv(O, tag::UTF8_STRING, b"Money App Test")]);
        let o_upper = rdn(&[atv(O, tag::PRINTABLE_STRING, b"MONEY APP TEST")]);
        let cn = rdn(&[atv(CN, tag::UTF8_STRING, b"CA")]);
        assert!(names_match(
            &name(&[&c, &o, &cn]),
            &name(&[&c, &o_upper, &cn])
        ));
        assert!(!names_match(&name(&[&c, &o]), &name(&[&c, &o, &cn])));
        assert!(!names_match(&name(&[&c, &o, &cn]), &name(&[&c, &o])));
        assert!(!names_match(&name(&[&o, &c]), &name(&[&c, &o])));
        assert!(names_match(&empty(), &empty()));
        assert!(!names_match(&empty(), &name(&[&c])));
    }

    #[test]
    fn subtrees() {
        let c = rdn(&[atv(C, tag::PRINTABLE_STRING, b"PT")]);
        let o = rdn(&[atv(O, tag::UTF8_STRING, b"Money App Test")]);
        let o_upper = rdn(&[atv(O, tag::PRINTABLE_STRING, b"MONEY  APP TEST")]);
        let cn = rdn(&[atv(CN, tag::UTF8_STRING, b"device")]);
        let device = name(&[&c, &o, &cn]);
        assert!(name_within(&empty(), &device));
        assert!(name_within(&name(&[&c]), &device));
        assert!(name_within(&name(&[&c, &o]), &device));
        assert!(name_within(&name(&[&c, &o_upper]), &device));
        assert!(name_within(&device, &device));
        assert!(!name_within(&name(&[&o]), &device));
        assert!(!name_within(&name(&[&c, &cn]), &device));
        let longer = name(&[&c, &o, &cn, &cn]);
        assert!(!name_within(&longer, &device));
        assert_eq!(within(&name(&[&o]), &device), Some(false));
        assert_eq!(within(b"\x30\x01", &device), None);
        assert_eq!(within(&empty(), b"garbage"), None);
        assert!(!name_within(&empty(), b""));
    }

    #[test]
    fn hostile_sizes_are_unmatched_not_panics() {
        let one = rdn(&[atv(CN, tag::UTF8_STRING, b"x")]);
        let upper = rdn(&[atv(CN, tag::UTF8_STRING, b"X")]);
        let at_limit = |r: &Vec<u8>| name(&vec![r.clone(); MAX_RDNS]);
        assert!(names_match(&at_limit(&one), &at_limit(&upper)));
        let past = |r: &Vec<u8>| name(&vec![r.clone(); MAX_RDNS + 1]);
        assert!(!names_match(&past(&one), &past(&upper)));
        // Equal octets stay equal, whatever the size: the fast path reads nothing.
        assert!(names_match(&past(&one), &past(&one)));
        assert_eq!(within(&name(&[&one]), &past(&one)), None);
        // Too many attributes in one RDN.
        let many = |a: &Vec<u8>| name(&[rdn(&vec![a.clone(); MAX_RDN_ATTRIBUTES + 1])]);
        let (x, big_x) = (
            atv(CN, tag::UTF8_STRING, b"x"),
            atv(CN, tag::UTF8_STRING, b"X"),
        );
        assert!(!names_match(&many(&x), &many(&big_x)));
        let full = |a: &Vec<u8>| name(&[rdn(&vec![a.clone(); MAX_RDN_ATTRIBUTES])]);
        assert!(names_match(&full(&x), &full(&big_x)));
        // Too many octets.
        let long = |v: &[u8]| cn(tag::UTF8_STRING, v);
        let (a, b) = (
            long(&[b'a'; MAX_NAME_OCTETS]),
            long(&[b'A'; MAX_NAME_OCTETS]),
        );
        assert!(!names_match(&a, &b));
        let (a, b) = (long(&[b'a'; 1000]), long(&[b'A'; 1000]));
        assert!(names_match(&a, &b));
        // Malformed DER of every kind: truncated, trailing data, wrong tags, empty.
        let good = cn(tag::UTF8_STRING, b"a");
        for cut in 0..good.len() {
            assert!(!names_match(&good[..cut], &cn(tag::UTF8_STRING, b"A")));
            assert!(!name_within(&good[..cut], &good));
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(!names_match(&trailing, &cn(tag::UTF8_STRING, b"A")));
        assert!(!names_match(
            &wrap(tag::SEQUENCE, &wrap(tag::SEQUENCE, &[])),
            &empty()
        ));
        assert!(!names_match(&name(&[wrap(tag::SET, &[])]), &empty()));
        assert!(!names_match(b"", b"\x30\x00"));
    }
}
