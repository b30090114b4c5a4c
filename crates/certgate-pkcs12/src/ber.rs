//! BER to DER, and a lazy walk over a SEQUENCE's elements.
//!
//! NSS (Firefox's certificate backup, `pk12util -o`) writes PKCS#12 in BER: indefinite
//! lengths, and OCTET STRINGs in constructed form, at every level, and inside the
//! OCTET STRINGs that hold the next level. Import converts each level to DER before
//! decoding it (X.690 8.1.3 and 8.7.3): indefinite lengths become definite, long-form
//! lengths become minimal, and constructed strings become primitive ones. Nesting is
//! bounded by [`MAX_NESTING_DEPTH`], so a crafted file cannot exhaust the stack, and
//! the output by [`MAX_BUNDLE_SIZE`]. DER input comes out unchanged.

use der::{Decode, Tagged};

use crate::Pkcs12Error;
use crate::error::{BerProblem, Limit, MalformedProblem};
use crate::limits::{MAX_BUNDLE_SIZE, MAX_NESTING_DEPTH};

/// OCTET STRING's tag number.
const OCTET_STRING: u8 = 4;

/// Universal string types whose constructed form is a list of OCTET STRING segments
/// (X.690 8.7.3 and 8.23.6): OCTET STRING and the restricted character strings.
const STRING_TYPES: [u8; 12] = [4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30];

/// Converts one BER element (the whole input) to DER.
pub(crate) fn to_der(input: &[u8], what: &'static str) -> Result<Vec<u8>, Pkcs12Error> {
    let mut reader = Reader {
        input,
        pos: 0,
        what,
    };
    let mut out = Vec::with_capacity(input.len());
    reader.element(input.len(), &mut out, 1)?;
    if reader.pos != input.len() {
        return Err(reader.malformed(BerProblem::TrailingData));
    }
    Ok(out)
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    what: &'static str,
}

/// An element's identifier and length.
struct Header {
    /// Where the identifier octets are in the input.
    tag: (usize, usize),
    constructed: bool,
    /// A universal string type, whose constructed form we flatten.
    string: bool,
    /// None for an indefinite length.
    length: Option<usize>,
}

impl Reader<'_> {
    fn malformed(&self, problem: BerProblem) -> Pkcs12Error {
        Pkcs12Error::malformed(
            self.what,
            MalformedProblem::Ber {
                offset: self.pos,
                problem,
            },
        )
    }

    fn byte(&mut self, end: usize) -> Result<u8, Pkcs12Error> {
        if self.pos >= end {
            return Err(self.malformed(BerProblem::Truncated));
        }
        let b = self.input[self.pos];
        self.pos += 1;
        Ok(b)
    }

    fn at_end_of_contents(&self, end: usize) -> bool {
        self.pos + 2 <= end && self.input[self.pos] == 0 && self.input[self.pos + 1] == 0
    }

    /// Reads a header whose element must end by `end`.
    fn header(&mut self, end: usize) -> Result<Header, Pkcs12Error> {
        let start = self.pos;
        let first = self.byte(end)?;
        if first & 0x1f == 0x1f {
            // High tag number: base-128, minimal (X.690 8.1.2.4.2), at most 4 octets.
            let mut count = 0;
            loop {
                let b = self.byte(end)?;
                count += 1;
                if (count == 1 && b == 0x80) || count > 4 {
                    return Err(self.malformed(BerProblem::InvalidTagNumber));
                }
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let tag_end = self.pos;
        let constructed = first & 0x20 != 0;
        let string = first & 0xc0 == 0 && STRING_TYPES.contains(&(first & 0x1f));
        let length = match self.byte(end)? {
            short @ 0..=0x7f => Some(usize::from(short)),
            0x80 if constructed => None,
            0x80 => return Err(self.malformed(BerProblem::IndefinitePrimitive)),
            long => {
                let count = usize::from(long & 0x7f);
                if count > 4 {
                    return Err(self.malformed(BerProblem::LengthTooLong));
                }
                let mut len = 0usize;
                for _ in 0..count {
                    len = (len << 8) | usize::from(self.byte(end)?);
                }
                Some(len)
            }
        };
        if length.is_some_and(|len| len > end - self.pos) {
            return Err(self.malformed(BerProblem::LengthBeyondEnclosing));
        }
        Ok(Header {
            tag: (start, tag_end),
            constructed,
            string,
            length,
        })
    }

    /// Converts the element at the reader's position, which must end by `end`, onto `out`.
    fn element(&mut self, end: usize, out: &mut Vec<u8>, depth: usize) -> Result<(), Pkcs12Error> {
        if depth > MAX_NESTING_DEPTH {
            return Err(Pkcs12Error::limit(
                Limit::NestingDepth,
                depth as u64,
                MAX_NESTING_DEPTH as u64,
            ));
        }
        if self.at_end_of_contents(end) {
            return Err(self.malformed(BerProblem::StrayEndOfContents));
        }
        let header = self.header(end)?;
        let tag = &self.input[header.tag.0..header.tag.1];
        let start = out.len();
        if !header.constructed {
            let len = header.length.unwrap_or(0);
            out.extend_from_slice(tag);
            push_length(out, len);
            out.extend_from_slice(&self.input[self.pos..self.pos + len]);
            self.pos += len;
            return check_size(out);
        }
        let content_end = header.length.map(|len| self.pos + len);
        let mut identifier = tag.to_vec();
        if header.string {
            self.segments(content_end, end, out, depth + 1)?;
            identifier[0] &= !0x20;
        } else {
            self.children(content_end, end, out, depth + 1)?;
        }
        let mut prefix = identifier;
        push_length(&mut prefix, out.len() - start);
        out.splice(start..start, prefix);
        check_size(out)
    }

    /// Converts the children of a constructed element: up to `content_end` when the
    /// length is definite, else up to the end-of-contents (which must come by `end`).
    fn children(
        &mut self,
        content_end: Option<usize>,
        end: usize,
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), Pkcs12Error> {
        match content_end {
            Some(content_end) => {
                while self.pos < content_end {
                    self.element(content_end, out, depth)?;
                }
            }
            None => loop {
                if self.at_end_of_contents(end) {
                    self.pos += 2;
                    break;
                }
                if self.pos >= end {
                    return Err(self.malformed(BerProblem::NoEndOfContents));
                }
                self.element(end, out, depth)?;
            },
        }
        Ok(())
    }

    /// Appends the octets of a constructed string's segments (themselves OCTET STRINGs,
    /// primitive or constructed) to `out`.
    fn segments(
        &mut self,
        content_end: Option<usize>,
        end: usize,
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), Pkcs12Error> {
        let limit = content_end.unwrap_or(end);
        loop {
            if content_end.is_some_and(|content_end| self.pos >= content_end) {
                return Ok(());
            }
            if content_end.is_none() && self.at_end_of_contents(end) {
                self.pos += 2;
                return Ok(());
            }
            if depth > MAX_NESTING_DEPTH {
                return Err(Pkcs12Error::limit(
                    Limit::NestingDepth,
                    depth as u64,
                    MAX_NESTING_DEPTH as u64,
                ));
            }
            let header = self.header(limit)?;
            if self.input[header.tag.0] & !0x20 != OCTET_STRING {
                return Err(self.malformed(BerProblem::MixedConstructedString));
            }
            match (header.constructed, header.length) {
                (false, Some(len)) => {
                    out.extend_from_slice(&self.input[self.pos..self.pos + len]);
                    self.pos += len;
                    check_size(out)?;
                }
                (_, length) => {
                    let inner_end = length.map(|len| self.pos + len);
                    self.segments(inner_end, limit, out, depth + 1)?;
                }
            }
        }
    }
}

/// Appends a DER length: short form below 128, else the fewest octets.
fn push_length(out: &mut Vec<u8>, len: usize) {
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let significant = &bytes[skip..];
    match significant {
        [] => out.push(0),
        [short] if *short < 0x80 => out.push(*short),
        _ => {
            // At most 8 octets, so the count fits in the low 7 bits.
            out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0x7f));
            out.extend_from_slice(significant);
        }
    }
}

fn check_size(out: &[u8]) -> Result<(), Pkcs12Error> {
    if out.len() > MAX_BUNDLE_SIZE {
        return Err(Pkcs12Error::limit(
            Limit::BundleSize,
            out.len() as u64,
            MAX_BUNDLE_SIZE as u64,
        ));
    }
    Ok(())
}

/// The elements of a DER constructed element (a SEQUENCE, a SET, a constructed `[n]`),
/// each as its own DER, read one at a time so that a caller can count them before
/// decoding them.
pub(crate) fn elements<'a>(
    der: &'a [u8],
    what: &'static str,
) -> Result<impl Iterator<Item = Result<&'a [u8], Pkcs12Error>> + 'a, Pkcs12Error> {
    let any = der::asn1::AnyRef::from_der(der).map_err(|e| Pkcs12Error::not_der(what, e))?;
    if !any.tag().is_constructed() {
        return Err(Pkcs12Error::malformed(what, MalformedProblem::NotASequence));
    }
    let mut reader =
        der::SliceReader::new(any.value()).map_err(|e| Pkcs12Error::not_der(what, e))?;
    let mut failed = false;
    Ok(std::iter::from_fn(move || {
        use der::Reader as _;
        if failed || reader.is_finished() {
            return None;
        }
        let next = reader
            .tlv_bytes()
            .map_err(|e| Pkcs12Error::not_der(what, e));
        failed = next.is_err();
        Some(next)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn indefinite_lengths_and_constructed_strings_become_der() {
        // SEQUENCE (indefinite) { INTEGER 3, OCTET STRING (constructed, indefinite)
        // { "ab", (constructed, definite) { "c" } }, [0] (indefinite) { NULL } }
        let ber =
            hex("30 80 02 01 03 24 80 04 02 61 62 24 03 04 01 63 00 00 a0 80 05 00 00 00 00 00");
        let der = to_der(&ber, "test").unwrap();
        assert_eq!(der, hex("30 0c 02 01 03 04 03 61 62 63 a0 02 05 00"));
        // DER comes out unchanged; a long-form length becomes minimal.
        assert_eq!(to_der(&der, "test").unwrap(), der);
        assert_eq!(
            to_der(&hex("04 81 01 61"), "test").unwrap(),
            hex("04 01 61")
        );
        // A constructed BMPString's segments are OCTET STRINGs.
        assert_eq!(
            to_der(&hex("3e 80 04 02 00 61 00 00"), "test").unwrap(),
            hex("1e 02 00 61")
        );
        // Long contents get long-form lengths.
        let mut big = hex("24 80 04 82 01 00");
        big.extend([7u8; 256]);
        big.extend([0, 0]);
        let der = to_der(&big, "test").unwrap();
        assert_eq!(&der[..4], &hex("04 82 01 00")[..]);
        assert_eq!(der.len(), 260);
    }

    #[test]
    fn broken_ber_is_malformed() {
        for (bad, why) in [
            ("30 80 02 01 03", BerProblem::NoEndOfContents),
            ("30 03 02 01", BerProblem::LengthBeyondEnclosing),
            ("04 80 61 00 00", BerProblem::IndefinitePrimitive),
            ("30 02 00 00", BerProblem::StrayEndOfContents),
            ("30 00 00", BerProblem::TrailingData),
            ("24 80 02 01 03 00 00", BerProblem::MixedConstructedString),
            ("30 85 00 00 00 00 01 00", BerProblem::LengthTooLong),
            ("1f 80 01 00", BerProblem::InvalidTagNumber),
        ] {
            let err = to_der(&hex(bad), "test").unwrap_err();
            assert!(
                matches!(
                    &err,
                    Pkcs12Error::Malformed {
                        problem: MalformedProblem::Ber { problem, .. },
                        source: None,
                        ..
                    } if *problem == why
                ),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing_further() {
        for (open, close) in [("30 80", "00 00"), ("24 80", "00 00")] {
            let depth = 100_000;
            let mut ber = hex(&open.repeat(depth));
            ber.extend(hex(&close.repeat(depth)));
            let err = to_der(&ber, "test").unwrap_err();
            assert!(
                matches!(
                    err,
                    Pkcs12Error::LimitExceeded {
                        limit: Limit::NestingDepth,
                        ..
                    }
                ),
                "{err}"
            );
        }
        let mut ok = hex(&"30 80".repeat(MAX_NESTING_DEPTH));
        ok.extend(hex(&"00 00".repeat(MAX_NESTING_DEPTH)));
        assert!(to_der(&ok, "test").is_ok());
    }

    #[test]
    fn elements_are_read_one_at_a_time() {
        let der = hex("30 06 02 01 01 02 01 02");
        let all: Vec<_> = elements(&der, "test").unwrap().collect();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].as_ref().unwrap(), &hex("02 01 02"));
        // A broken element ends the walk with one error, after the good ones.
        let der = hex("30 05 02 01 01 02 05");
        let all: Vec<_> = elements(&der, "test").unwrap().collect();
        assert!(all[0].is_ok() && all[1].is_err() && all.len() == 2);
    }
}
