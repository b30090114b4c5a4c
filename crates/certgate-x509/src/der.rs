//! One strict DER reader (ITU-T X.690, DER): single-octet tags, definite lengths of at
//! most four octets in their shortest form, minimal INTEGERs, BOOLEANs of 0x00 or 0xff,
//! and nothing after a value that ends a structure. Everything certgate reads goes
//! through it; it never allocates.

use crate::error::{Problem, Structure, X509Error};

/// Universal and common tags, as the single octet DER writes.
pub mod tag {
    /// BOOLEAN.
    pub const BOOLEAN: u8 = 0x01;
    /// INTEGER.
    pub const INTEGER: u8 = 0x02;
    /// BIT STRING.
    pub const BIT_STRING: u8 = 0x03;
    /// OCTET STRING.
    pub const OCTET_STRING: u8 = 0x04;
    /// NULL.
    pub const NULL: u8 = 0x05;
    /// OBJECT IDENTIFIER.
    pub const OID: u8 = 0x06;
    /// ENUMERATED.
    pub const ENUMERATED: u8 = 0x0a;
    /// UTF8String.
    pub const UTF8_STRING: u8 = 0x0c;
    /// NumericString.
    pub const NUMERIC_STRING: u8 = 0x12;
    /// PrintableString.
    pub const PRINTABLE_STRING: u8 = 0x13;
    /// TeletexString (T61String).
    pub const TELETEX_STRING: u8 = 0x14;
    /// IA5String.
    pub const IA5_STRING: u8 = 0x16;
    /// UTCTime.
    pub const UTC_TIME: u8 = 0x17;
    /// GeneralizedTime.
    pub const GENERALIZED_TIME: u8 = 0x18;
    /// VisibleString.
    pub const VISIBLE_STRING: u8 = 0x1a;
    /// UniversalString.
    pub const UNIVERSAL_STRING: u8 = 0x1c;
    /// BMPString.
    pub const BMP_STRING: u8 = 0x1e;
    /// SEQUENCE (constructed).
    pub const SEQUENCE: u8 = 0x30;
    /// SET (constructed).
    pub const SET: u8 = 0x31;

    /// A context-specific tag `[number]`, primitive or constructed.
    pub const fn context(number: u8, constructed: bool) -> u8 {
        0x80 | if constructed { 0x20 } else { 0 } | (number & 0x1f)
    }
}

/// One DER value: its tag, its content, and all its octets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag octet.
    pub tag: u8,
    /// The content octets.
    pub value: &'a [u8],
    /// Tag, length and content.
    pub whole: &'a [u8],
}

/// Universal tag numbers that no X.509 structure holds, as a bit set: end-of-contents
/// (0, BER only), ObjectDescriptor (7), EXTERNAL (8), EMBEDDED PDV (11), TIME (14), the
/// reserved 15 and CHARACTER STRING (29). Found by the x509_view fuzz target: a primitive
/// tag 11 as key algorithm parameters, which x509-cert refuses and a lenient reader
/// would carry along.
const NOT_IN_X509: u32 = 1 | 1 << 7 | 1 << 8 | 1 << 11 | 1 << 14 | 1 << 15 | 1 << 29;

/// The universal tags read_tlv accepts, as bits of the tag's low six bits (form and
/// number): not a multi-octet tag, a number X.509 holds, and SEQUENCE and SET
/// constructed, everything else primitive (DER has no constructed strings; a
/// constructed OID or INTEGER is no value at all).
const UNIVERSAL_OK: u64 = {
    let mut bits = 0u64;
    let mut tag = 0;
    while tag < 64 {
        let number = tag & 0x1f;
        let constructed = tag & 0x20 != 0;
        if number != 0x1f
            && (NOT_IN_X509 >> number) & 1 == 0
            && constructed == (number == 0x10 || number == 0x11)
        {
            bits |= 1 << tag;
        }
        tag += 1;
    }
    bits
};

/// Why read_tlv refuses the tag `tag`.
#[cold]
fn tag_problem(tag: u8) -> Problem {
    if tag & 0x1f == 0x1f {
        Problem::MultiByteTag
    } else if (NOT_IN_X509 >> (tag & 0x1f)) & 1 != 0 {
        Problem::UnknownUniversalTag
    } else {
        Problem::WrongConstruction
    }
}

/// Reads the value at the start of `input`; returns it and what follows.
///
/// # Errors
/// The [`Problem`] with the tag or length.
#[inline]
pub fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), Problem> {
    let (&tag, rest) = input.split_first().ok_or(Problem::Truncated)?;
    let refused = if tag & 0xc0 == 0 {
        (UNIVERSAL_OK >> (tag & 0x3f)) & 1 == 0
    } else {
        tag & 0x1f == 0x1f
    };
    if refused {
        return Err(tag_problem(tag));
    }
    let (&first, rest) = rest.split_first().ok_or(Problem::Truncated)?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 {
            return Err(Problem::IndefiniteLength);
        }
        if n > 4 {
            return Err(Problem::LengthTooLarge);
        }
        let bytes = rest.get(..n).ok_or(Problem::Truncated)?;
        if bytes[0] == 0 {
            return Err(Problem::NonMinimalLength);
        }
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        if len < 0x80 {
            return Err(Problem::NonMinimalLength);
        }
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(Problem::Truncated);
    }
    let (value, after) = rest.split_at(len);
    let whole = &input[..input.len() - after.len()];
    Ok((Tlv { tag, value, whole }, after))
}

/// Reads the values of one structure in order, naming the structure and field in errors.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
    structure: Structure,
}

impl<'a> Reader<'a> {
    /// A reader over `input` (usually a SEQUENCE's content).
    #[inline]
    pub fn new(input: &'a [u8], structure: Structure) -> Self {
        Self {
            rest: input,
            structure,
        }
    }

    /// An error about `field` of this reader's structure.
    #[cold]
    pub fn error(&self, field: &'static str, problem: Problem) -> X509Error {
        X509Error::malformed(self.structure, field, problem)
    }

    /// Whether every value has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next value, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// What is left.
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// The next value, whatever its tag.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] naming `field` when there is none or it is not DER.
    #[inline(always)]
    pub fn next(&mut self, field: &'static str) -> Result<Tlv<'a>, X509Error> {
        let (tlv, rest) = next_tlv(self.rest).map_err(|p| self.error(field, p))?;
        self.rest = rest;
        Ok(tlv)
    }

    /// The next value, which must have `tag`.
    ///
    /// # Errors
    /// As [`Reader::next`], and [`Problem::UnexpectedTag`] for another tag.
    #[inline(always)]
    pub fn expect(&mut self, tag: u8, field: &'static str) -> Result<Tlv<'a>, X509Error> {
        let tlv = self.next(field)?;
        if tlv.tag != tag {
            return Err(self.error(
                field,
                Problem::UnexpectedTag {
                    expected: tag,
                    found: tlv.tag,
                },
            ));
        }
        Ok(tlv)
    }

    /// The next value if it has `tag`; nothing read otherwise.
    ///
    /// # Errors
    /// As [`Reader::next`] when the value with that tag is not DER.
    #[inline(always)]
    pub fn optional(&mut self, tag: u8, field: &'static str) -> Result<Option<Tlv<'a>>, X509Error> {
        if self.peek_tag() == Some(tag) {
            self.next(field).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Ends the structure: nothing may follow.
    ///
    /// # Errors
    /// [`Problem::TrailingData`] naming `field` when something does.
    #[inline]
    pub fn finish(&self, field: &'static str) -> Result<(), X509Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.error(field, Problem::TrailingData))
        }
    }
}

/// The value when `input` is exactly one DER value with `tag`.
///
/// # Errors
/// [`X509Error::Malformed`] naming `structure` and `field`.
#[inline(always)]
pub fn single<'a>(
    input: &'a [u8],
    tag: u8,
    structure: Structure,
    field: &'static str,
) -> Result<Tlv<'a>, X509Error> {
    single_value(input, tag).map_err(|p| X509Error::malformed(structure, field, p))
}

/// [`single`] without naming the field: the problems a [`Reader`] would report.
#[inline]
fn single_value(input: &[u8], tag: u8) -> Result<Tlv<'_>, Problem> {
    let (tlv, rest) = expect_tlv(input, tag)?;
    if !rest.is_empty() {
        return Err(Problem::TrailingData);
    }
    Ok(tlv)
}

/// The next value of `input` and what follows, as [`Reader::next`] reads it but
/// without naming a field: [`Problem::Missing`] when there is none.
///
/// # Errors
/// [`Problem::Missing`], or the [`Problem`] of [`read_tlv`].
#[inline]
pub(crate) fn next_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), Problem> {
    if input.is_empty() {
        return Err(Problem::Missing);
    }
    read_tlv(input)
}

/// [`next_tlv`], which must have `tag` ([`Reader::expect`] without naming a field).
///
/// # Errors
/// As [`next_tlv`], and [`Problem::UnexpectedTag`] for another tag.
#[inline]
pub(crate) fn expect_tlv(input: &[u8], tag: u8) -> Result<(Tlv<'_>, &[u8]), Problem> {
    let (tlv, rest) = next_tlv(input)?;
    if tlv.tag != tag {
        return Err(Problem::UnexpectedTag {
            expected: tag,
            found: tlv.tag,
        });
    }
    Ok((tlv, rest))
}

/// Iterates over the values of a SEQUENCE OF or SET OF (its content), each checked.
pub fn elements(input: &[u8]) -> impl Iterator<Item = Result<Tlv<'_>, Problem>> {
    let mut rest = input;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match read_tlv(rest) {
            Ok((tlv, after)) => {
                rest = after;
                Some(Ok(tlv))
            }
            Err(p) => {
                rest = &[];
                Some(Err(p))
            }
        }
    })
}

/// The content of an INTEGER, checked to be minimal (X.690 8.3.2).
///
/// # Errors
/// [`Problem::EmptyInteger`] or [`Problem::NonMinimalInteger`].
#[inline]
pub fn integer(value: &[u8]) -> Result<&[u8], Problem> {
    match value {
        [] => Err(Problem::EmptyInteger),
        [0x00, next, ..] if next & 0x80 == 0 => Err(Problem::NonMinimalInteger),
        [0xff, next, ..] if next & 0x80 != 0 => Err(Problem::NonMinimalInteger),
        _ => Ok(value),
    }
}

/// The magnitude of a non-negative minimal INTEGER (without the sign octet).
///
/// # Errors
/// As [`integer`], and [`Problem::NegativeInteger`].
pub fn unsigned_integer(value: &[u8]) -> Result<&[u8], Problem> {
    let value = integer(value)?;
    if value[0] & 0x80 != 0 {
        return Err(Problem::NegativeInteger);
    }
    Ok(match value {
        [0, rest @ ..] if !rest.is_empty() => rest,
        v => v,
    })
}

/// A small non-negative INTEGER or ENUMERATED (at most `u32`).
///
/// # Errors
/// As [`unsigned_integer`], and [`Problem::IntegerTooLarge`].
pub fn small_unsigned(value: &[u8]) -> Result<u32, Problem> {
    let magnitude = unsigned_integer(value)?;
    if magnitude.len() > 4 {
        return Err(Problem::IntegerTooLarge);
    }
    Ok(magnitude
        .iter()
        .fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
}

/// A BOOLEAN's content: exactly 0x00 or 0xff (X.690 11.1).
///
/// # Errors
/// [`Problem::NonDerBoolean`] for anything else, such as BER's 0x01.
#[inline]
pub fn boolean(value: &[u8]) -> Result<bool, Problem> {
    match value {
        [0x00] => Ok(false),
        [0xff] => Ok(true),
        _ => Err(Problem::NonDerBoolean),
    }
}

/// A BIT STRING's content: the count of unused bits and the octets, the unused bits zero.
///
/// # Errors
/// [`Problem::BadBitString`].
#[inline]
pub fn bit_string(value: &[u8]) -> Result<(u8, &[u8]), Problem> {
    match value {
        [0, bits @ ..] => Ok((0, bits)),
        [unused @ 1..=7, .., last] if last & ((1u8 << unused) - 1) == 0 => {
            Ok((*unused, &value[1..]))
        }
        _ => Err(Problem::BadBitString),
    }
}

/// A BIT STRING that holds whole octets (a signature, a public key).
///
/// # Errors
/// [`Problem::PartialOctets`] or [`Problem::BadBitString`].
#[inline]
pub fn octet_bits(value: &[u8]) -> Result<&[u8], Problem> {
    match bit_string(value)? {
        (0, octets) => Ok(octets),
        _ => Err(Problem::PartialOctets),
    }
}

/// Checks an OBJECT IDENTIFIER's content: non-empty, minimal base-128 arcs, the last
/// complete.
///
/// # Errors
/// [`Problem::BadOid`].
pub fn oid(value: &[u8]) -> Result<&[u8], Problem> {
    if value.is_empty() || value.last().is_some_and(|b| b & 0x80 != 0) {
        return Err(Problem::BadOid);
    }
    // A subidentifier may not start with 0x80 (a leading zero group); walked without
    // branches (every OID of every certificate read comes here).
    let mut start = true;
    let mut bad = false;
    for &b in value {
        bad |= start & (b == 0x80);
        start = b < 0x80;
    }
    if bad { Err(Problem::BadOid) } else { Ok(value) }
}

/// Appends a DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | u8::try_from(bytes.len() - skip).unwrap_or(0));
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// `content` wrapped in a DER value with `tag`.
pub fn wrap(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::tag::*;
    use super::*;

    #[test]
    fn reads_what_it_writes_and_refuses_non_der() {
        for len in [0usize, 5, 127, 128, 300, 70_000] {
            let content = vec![7u8; len];
            let bytes = wrap(OCTET_STRING, &content);
            let t = single(&bytes, OCTET_STRING, Structure::Der, "x").unwrap();
            assert_eq!((t.value, t.whole.len()), (content.as_slice(), bytes.len()));
        }
        let p = |b: &[u8]| read_tlv(b).map(|_| ()).unwrap_err();
        // Tags no X.509 structure holds, in either form.
        for tag in [0x00, 0x07, 0x08, 0x0b, 0x0e, 0x0f, 0x1d, 0x28, 0x2b, 0x3d] {
            assert_eq!(
                read_tlv(&[tag, 0x00]).map(|(t, _)| t.tag),
                Err(Problem::UnknownUniversalTag),
                "tag {tag:#04x}"
            );
        }
        // The string types X.509 names may hold stay readable, GraphicString and
        // UniversalString among them.
        for tag in [0x0c, 0x12, 0x13, 0x14, 0x16, 0x19, 0x1a, 0x1b, 0x1c, 0x1e] {
            assert!(read_tlv(&[tag, 0x00]).is_ok(), "tag {tag:#04x}");
        }
        // Found by the x509_view fuzz target: a constructed OID as algorithm parameters.
        assert_eq!(p(&[0x26, 0x01, 0x2a]), Problem::WrongConstruction);
        assert_eq!(p(&[0x24, 0x00]), Problem::WrongConstruction); // constructed OCTET STRING
        assert_eq!(p(&[0x10, 0x00]), Problem::WrongConstruction); // primitive SEQUENCE
        assert!(read_tlv(&[0x30, 0x00]).is_ok() && read_tlv(&[0x31, 0x00]).is_ok());
        assert!(read_tlv(&[0xa0, 0x00]).is_ok() && read_tlv(&[0x80, 0x00]).is_ok());
        assert_eq!(
            p(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]),
            Problem::NonMinimalLength
        );
        assert_eq!(p(&[0x04, 0x82, 0x00, 0x80]), Problem::NonMinimalLength);
        assert_eq!(p(&[0x04, 0x80]), Problem::IndefiniteLength);
        assert_eq!(p(&[0x1f, 0x01, 0x00]), Problem::MultiByteTag);
        assert_eq!(p(&[0x04, 0x03, 1]), Problem::Truncated);
        assert_eq!(p(&[0x04, 0x85, 1, 1, 1, 1, 1]), Problem::LengthTooLarge);
        let e = single(&[0x04, 0x00, 0x00], OCTET_STRING, Structure::Der, "x").unwrap_err();
        assert_eq!(e.problem(), Some(Problem::TrailingData));
    }

    /// The table read_tlv consults says of every tag what the rules say, one by one.
    #[test]
    fn every_tag_is_judged_as_the_rules_say() {
        for tag in 0..=255u8 {
            let expected = if tag & 0x1f == 0x1f {
                Err(Problem::MultiByteTag)
            } else if tag & 0xc0 == 0 && (NOT_IN_X509 >> (tag & 0x1f)) & 1 != 0 {
                Err(Problem::UnknownUniversalTag)
            } else if tag & 0xc0 == 0 && (tag & 0x20 != 0) != matches!(tag & 0x1f, 0x10 | 0x11) {
                Err(Problem::WrongConstruction)
            } else {
                Ok(())
            };
            assert_eq!(read_tlv(&[tag, 0x00]).map(|_| ()), expected, "{tag:#04x}");
        }
    }

    #[test]
    fn integers_booleans_bits_oids() {
        assert_eq!(integer(&[0x00, 0xff]), Ok(&[0x00, 0xff][..]));
        assert_eq!(integer(&[0x00, 0x7f]), Err(Problem::NonMinimalInteger));
        assert_eq!(integer(&[0xff, 0x80]), Err(Problem::NonMinimalInteger));
        assert_eq!(integer(&[0xff]), Ok(&[0xff][..]));
        assert_eq!(integer(&[]), Err(Problem::EmptyInteger));
        assert_eq!(unsigned_integer(&[0x00, 0x80]), Ok(&[0x80][..]));
        assert_eq!(unsigned_integer(&[0x80]), Err(Problem::NegativeInteger));
        assert_eq!(small_unsigned(&[0x01, 0x00]), Ok(256));
        assert_eq!(boolean(&[0xff]), Ok(true));
        assert_eq!(boolean(&[0x00]), Ok(false));
        assert_eq!(boolean(&[0x01]), Err(Problem::NonDerBoolean));
        assert_eq!(boolean(&[0xff, 0xff]), Err(Problem::NonDerBoolean));
        assert_eq!(bit_string(&[0x07, 0x80]), Ok((7, &[0x80][..])));
        assert_eq!(bit_string(&[0x07, 0x81]), Err(Problem::BadBitString));
        assert_eq!(bit_string(&[0x01]), Err(Problem::BadBitString));
        assert_eq!(octet_bits(&[0x01, 0x02]), Err(Problem::PartialOctets));
        assert_eq!(oid(&[0x55, 0x1d, 0x13]), Ok(&[0x55, 0x1d, 0x13][..]));
        assert_eq!(oid(&[0x55, 0x80, 0x01]), Err(Problem::BadOid));
        assert_eq!(oid(&[0x55, 0x81]), Err(Problem::BadOid));
        assert_eq!(oid(&[]), Err(Problem::BadOid));
        let items: Vec<_> = elements(&[0x02, 0x01, 0x05, 0x04, 0x00]).collect();
        assert_eq!(items.len(), 2);
        assert!(elements(&[0x02, 0x05]).next().unwrap().is_err());
    }
}
