//! Certificate serial numbers (RFC 5280 4.1.2.2): signed INTEGERs, compared as the
//! integers they are. `0x00FF` (255) and `0xFF` (−1) are different serials.

use std::fmt;

use crate::der;
use crate::error::{ParseProblem, Problem, X509Error};
use crate::hex;
use crate::limits::MAX_SERIAL_OCTETS;

/// A serial number borrowed from DER: the INTEGER's content octets, checked minimal, so
/// equal octets mean equal integers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SerialRef<'a>(&'a [u8]);

/// An owned serial number; see [`SerialRef`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial(Vec<u8>);

/// A serial as a fixed-width key: the two's-complement integer sign-extended to
/// [`MAX_SERIAL_OCTETS`] octets, so every integer that fits has exactly one key.
pub type SerialKey = [u8; MAX_SERIAL_OCTETS];

impl<'a> SerialRef<'a> {
    /// Reads an INTEGER's content octets.
    ///
    /// # Errors
    /// [`Problem::EmptyInteger`] or [`Problem::NonMinimalInteger`].
    pub fn from_der_content(value: &'a [u8]) -> Result<Self, Problem> {
        der::integer(value).map(Self)
    }

    /// A serial already checked by [`SerialRef::from_der_content`].
    pub(crate) fn from_checked(value: &'a [u8]) -> Self {
        Self(value)
    }

    /// The INTEGER's content octets (big-endian two's complement, minimal).
    pub fn as_bytes(self) -> &'a [u8] {
        self.0
    }

    /// Below zero (RFC 5280 forbids it; some CAs issued them).
    pub fn is_negative(self) -> bool {
        self.0[0] & 0x80 != 0
    }

    /// Zero (RFC 5280 forbids it).
    pub fn is_zero(self) -> bool {
        self.0 == [0]
    }

    /// The magnitude's octets of a non-negative serial (no sign octet); `None` when
    /// negative.
    pub fn magnitude(self) -> Option<&'a [u8]> {
        if self.is_negative() {
            return None;
        }
        Some(match self.0 {
            [0, rest @ ..] if !rest.is_empty() => rest,
            v => v,
        })
    }

    /// Octets of magnitude, as RFC 5280's "no longer than 20 octets" counts them.
    pub fn octet_len(self) -> usize {
        self.magnitude().map_or(self.0.len(), <[u8]>::len)
    }

    /// The fixed-width key, or `None` when longer than [`MAX_SERIAL_OCTETS`].
    pub fn fixed_key(self) -> Option<SerialKey> {
        if self.0.len() > MAX_SERIAL_OCTETS {
            return None;
        }
        let fill = if self.is_negative() { 0xff } else { 0x00 };
        let mut key = [fill; MAX_SERIAL_OCTETS];
        key[MAX_SERIAL_OCTETS - self.0.len()..].copy_from_slice(self.0);
        Some(key)
    }

    /// Lower-case hex of the magnitude, as certgate prints serials (`-` before a
    /// negative serial's two's-complement octets).
    pub fn to_hex(self) -> String {
        match self.magnitude() {
            Some(m) => hex::lower(m),
            None => format!("-{}", hex::lower(self.0)),
        }
    }

    /// Decimal, as cfssl prints serials (negative serials as their two's complement
    /// octets read unsigned, prefixed with `-`).
    pub fn to_decimal(self) -> String {
        match self.magnitude() {
            Some(m) => hex::decimal(m),
            None => format!("-{}", hex::decimal(self.0)),
        }
    }

    /// An owned copy.
    pub fn to_owned(self) -> Serial {
        Serial(self.0.to_vec())
    }
}

impl Serial {
    /// Reads an INTEGER's content octets.
    ///
    /// # Errors
    /// As [`SerialRef::from_der_content`].
    pub fn from_der_content(value: &[u8]) -> Result<Self, Problem> {
        SerialRef::from_der_content(value).map(SerialRef::to_owned)
    }

    /// The non-negative serial with these big-endian magnitude octets (leading zeros
    /// ignored).
    pub fn from_magnitude(bytes: &[u8]) -> Self {
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        let bytes = &bytes[start..];
        let mut v = Vec::with_capacity(bytes.len() + 1);
        if bytes.first().is_none_or(|b| b & 0x80 != 0) {
            v.push(0);
        }
        v.extend_from_slice(bytes);
        Self(v)
    }

    /// Reads a serial as people write them: hex with or without colons, optionally
    /// `0x`-prefixed (`0a:ff`, `0x0aff`), or decimal when every character is a digit
    /// and `decimal` is true. Serials given this way are non-negative.
    ///
    /// # Errors
    /// [`X509Error::Parse`] naming what is wrong; longer than
    /// [`MAX_SERIAL_OCTETS`] octets is [`ParseProblem::TooLong`].
    pub fn parse(s: &str, decimal: bool) -> Result<Self, X509Error> {
        let t = s.trim();
        let err = |problem| X509Error::Parse {
            what: "serial",
            input: s.to_owned(),
            problem,
        };
        // Bounded before it is parsed: hex with a colon between octets (or decimal, which
        // is shorter than that for the same value) fits in three characters per octet.
        if t.len() > 3 * MAX_SERIAL_OCTETS + 2 {
            return Err(err(ParseProblem::TooLong));
        }
        let magnitude = if decimal && !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            from_decimal(t).ok_or_else(|| err(ParseProblem::TooLong))?
        } else {
            let t = t
                .strip_prefix("0x")
                .or_else(|| t.strip_prefix("0X"))
                .unwrap_or(t);
            hex::parse("serial", t)?
        };
        let serial = Self::from_magnitude(&magnitude);
        if serial.0.len() > MAX_SERIAL_OCTETS {
            return Err(err(ParseProblem::TooLong));
        }
        Ok(serial)
    }

    /// The borrowed form.
    pub fn as_ref(&self) -> SerialRef<'_> {
        SerialRef(&self.0)
    }
}

/// Decimal digits to big-endian octets; `None` past [`MAX_SERIAL_OCTETS`].
fn from_decimal(digits: &str) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::new();
    for d in digits.bytes() {
        let mut carry = u32::from(d - b'0');
        for b in out.iter_mut().rev() {
            let v = u32::from(*b) * 10 + carry;
            *b = u8::try_from(v & 0xff).ok()?;
            carry = v >> 8;
        }
        while carry > 0 {
            out.insert(0, u8::try_from(carry & 0xff).ok()?);
            carry >>= 8;
        }
        if out.len() > MAX_SERIAL_OCTETS {
            return None;
        }
    }
    Some(out)
}

impl fmt::Debug for SerialRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Serial({})", self.to_hex())
    }
}

impl fmt::Display for SerialRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.as_ref(), f)
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.as_ref(), f)
    }
}

impl PartialEq<SerialRef<'_>> for Serial {
    fn eq(&self, other: &SerialRef<'_>) -> bool {
        self.0 == other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_serials_are_distinct() {
        let plus = SerialRef::from_der_content(&[0x00, 0xff]).unwrap();
        let minus = SerialRef::from_der_content(&[0xff]).unwrap();
        assert_ne!(plus, minus);
        assert_ne!(plus.fixed_key(), minus.fixed_key());
        assert_eq!(plus.to_hex(), "ff");
        assert_eq!(minus.to_hex(), "-ff");
        assert!(minus.is_negative() && !plus.is_negative());
        assert_eq!(plus.octet_len(), 1);
        assert!(SerialRef::from_der_content(&[0x00, 0x7f]).is_err());
        assert!(SerialRef::from_der_content(&[0, 0, 1]).is_err());
        assert!(SerialRef::from_der_content(&[0]).unwrap().is_zero());
    }

    #[test]
    fn parses_what_people_write() {
        let s = Serial::parse("00:ff", true).unwrap();
        assert_eq!(s.as_ref().as_bytes(), [0x00, 0xff]);
        assert_eq!(Serial::parse("0xFF", true).unwrap(), s);
        assert_eq!(Serial::parse("255", true).unwrap(), s);
        assert!(
            Serial::parse("255", false).is_err(),
            "hex digits come in pairs"
        );
        assert_eq!(Serial::parse("0", true).unwrap().as_ref().as_bytes(), [0]);
        assert_eq!(
            Serial::parse(&"9".repeat(60), true).unwrap_err(),
            X509Error::Parse {
                what: "serial",
                input: "9".repeat(60),
                problem: ParseProblem::TooLong
            }
        );
        assert!(Serial::parse("", true).is_err());
        assert!(Serial::parse("zz", true).is_err());
        let big = Serial::parse("340282366920938463463374607431768211456", true).unwrap();
        assert_eq!(
            big.as_ref().to_decimal(),
            "340282366920938463463374607431768211456"
        );
        assert_eq!(
            Serial::from_magnitude(&[0x80]).as_ref().as_bytes(),
            [0, 0x80]
        );
    }
}
