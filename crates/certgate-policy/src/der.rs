//! A small DER walker that reads what certificate selectors compare — the attributes of
//! a `Name` — straight from the bytes `ClientCertInfo` holds, without allocating (its
//! `subject_attributes()` builds strings). Anything that does not parse matches nothing.

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;

/// One TLV.
#[derive(Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    value: &'a [u8],
}

/// Reads the next TLV (single-byte tags, definite lengths of up to four bytes).
fn next<'a>(input: &mut &'a [u8]) -> Option<Tlv<'a>> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (len_bytes, tail) = rest.split_at(n);
        rest = tail;
        len_bytes
            .iter()
            .fold(0usize, |acc, b| acc << 8 | usize::from(*b))
    };
    if rest.len() < len {
        return None;
    }
    let (value, tail) = rest.split_at(len);
    *input = tail;
    Some(Tlv { tag, value })
}

fn inside(der: &[u8], tag: u8) -> Option<&[u8]> {
    let mut input = der;
    let tlv = next(&mut input)?;
    (tlv.tag == tag).then_some(tlv.value)
}

/// One attribute of a `Name`: which RDN it is in, its OID's content bytes, and its
/// value's tag and content bytes.
#[derive(Clone, Copy)]
pub(crate) struct Attribute<'a> {
    pub(crate) rdn: usize,
    pub(crate) oid: &'a [u8],
    tag: u8,
    value: &'a [u8],
}

impl Attribute<'_> {
    /// Whether the value is a string equal to `expected`.
    pub(crate) fn value_is(&self, expected: &str) -> bool {
        string_eq(self.tag, self.value, expected)
    }
}

/// The attributes of a DER `Name` (the whole TLV), in certificate order. Stops at the
/// first thing that does not parse.
pub(crate) fn attributes(name_der: &[u8]) -> impl Iterator<Item = Attribute<'_>> {
    let mut rdns = inside(name_der, SEQUENCE).unwrap_or(&[]);
    let mut current: &[u8] = &[];
    let mut index = 0usize;
    let mut started = false;
    std::iter::from_fn(move || {
        loop {
            if let Some(atv) = next(&mut current) {
                let mut parts = (atv.tag == SEQUENCE).then_some(atv.value)?;
                let oid = next(&mut parts).filter(|t| t.tag == OID)?;
                let value = next(&mut parts)?;
                return Some(Attribute {
                    rdn: index,
                    oid: oid.value,
                    tag: value.tag,
                    value: value.value,
                });
            }
            let set = next(&mut rdns).filter(|t| t.tag == SET)?;
            if started {
                index += 1;
            }
            started = true;
            current = set.value;
        }
    })
}

/// The first value of attribute `oid`, compared with `expected`.
pub(crate) fn first_value_is(name_der: &[u8], oid: &[u8], expected: &str) -> bool {
    attributes(name_der)
        .find(|a| a.oid == oid)
        .is_some_and(|a| a.value_is(expected))
}

/// Whether any value of attribute `oid` equals `expected`.
pub(crate) fn any_value_is(name_der: &[u8], oid: &[u8], expected: &str) -> bool {
    attributes(name_der).any(|a| a.oid == oid && a.value_is(expected))
}

/// Whether the `Name` has exactly these RDNs (in DER order; the attributes of one
/// multi-valued RDN in any order).
pub(crate) fn name_equals(name_der: &[u8], rdns: &[Vec<crate::values::DnAttribute>]) -> bool {
    let mut seen_in_rdn = 0usize;
    let mut last_rdn = None;
    for attr in attributes(name_der) {
        if last_rdn != Some(attr.rdn) {
            if let Some(prev) = last_rdn
                && rdns.get(prev).is_none_or(|r| r.len() != seen_in_rdn)
            {
                return false;
            }
            last_rdn = Some(attr.rdn);
            seen_in_rdn = 0;
        }
        let Some(expected) = rdns.get(attr.rdn) else {
            return false;
        };
        if !expected
            .iter()
            .any(|(oid, value)| **oid == *attr.oid && attr.value_is(value))
        {
            return false;
        }
        seen_in_rdn += 1;
    }
    match last_rdn {
        None => rdns.is_empty(),
        Some(last) => last + 1 == rdns.len() && rdns[last].len() == seen_in_rdn,
    }
}

/// Compares a DER string value with `expected`, decoding BMP, Universal and Teletex
/// (as Latin-1) strings on the fly.
fn string_eq(tag: u8, value: &[u8], expected: &str) -> bool {
    match tag {
        // UTF8String, NumericString, PrintableString, IA5String, VisibleString
        0x0c | 0x12 | 0x13 | 0x16 | 0x1a => value == expected.as_bytes(),
        // TeletexString, read as Latin-1
        0x14 => value.iter().map(|b| char::from(*b)).eq(expected.chars()),
        // BMPString: UTF-16BE
        0x1e => {
            value.len().is_multiple_of(2)
                && value
                    .chunks_exact(2)
                    .map(|p| u16::from_be_bytes([p[0], p[1]]))
                    .eq(expected.encode_utf16())
        }
        // UniversalString: UTF-32BE
        0x1c => {
            value.len().is_multiple_of(4)
                && value
                    .chunks_exact(4)
                    .map(|p| u32::from_be_bytes([p[0], p[1], p[2], p[3]]))
                    .eq(expected.chars().map(u32::from))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_of_each_type() {
        assert!(string_eq(0x0c, "Lisboa ã".as_bytes(), "Lisboa ã"));
        assert!(string_eq(0x13, b"PT", "PT"));
        assert!(!string_eq(0x13, b"PT", "pt"));
        assert!(string_eq(0x14, &[0x4c, 0xe3], "Lã"));
        assert!(string_eq(0x1e, &[0, b'h', 0, b'i'], "hi"));
        assert!(string_eq(0x1c, &[0, 0, 0, b'h'], "h"));
        assert!(!string_eq(0x04, b"x", "x"));
    }

    #[test]
    fn garbage_matches_nothing() {
        assert_eq!(attributes(&[0x30, 0x05, 0x31]).count(), 0);
        assert!(!name_equals(&[], &[vec![]]));
    }
}
