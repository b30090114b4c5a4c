//! Hex and decimal forms of octet strings: the one place certgate writes and reads them.

use crate::error::{ParseProblem, X509Error};

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex without separators (`0a1b`).
pub fn lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Upper-case hex with colons between octets, as cfssl and OpenSSL print key ids (`0A:1B`).
pub fn colon_upper(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push(char::from(DIGITS[usize::from(b >> 4)].to_ascii_uppercase()));
        out.push(char::from(
            DIGITS[usize::from(b & 0xf)].to_ascii_uppercase(),
        ));
    }
    out
}

/// Big-endian unsigned octets in decimal (`[1, 0]` is `256`).
pub fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0];
    for &byte in bytes {
        let mut carry = u32::from(byte);
        for d in &mut digits {
            let v = u32::from(*d) * 256 + carry;
            *d = u8::try_from(v % 10).unwrap_or(0);
            carry = v / 10;
        }
        while carry > 0 {
            digits.push(u8::try_from(carry % 10).unwrap_or(0));
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

/// Reads hex, with or without `:` between octet pairs (`0a1b`, `0A:1B`), case-insensitive.
/// `what` names the value in errors.
///
/// # Errors
/// [`X509Error::Parse`] for an empty input, a non-hex character, an odd digit count,
/// or colons that do not separate octet pairs.
pub fn parse(what: &'static str, s: &str) -> Result<Vec<u8>, X509Error> {
    let err = |problem| X509Error::Parse {
        what,
        input: s.to_owned(),
        problem,
    };
    let t = s.trim();
    if t.is_empty() {
        return Err(err(ParseProblem::Empty));
    }
    let colons = t.contains(':');
    let groups: Vec<&str> = if colons {
        t.split(':').collect()
    } else {
        vec![t]
    };
    let mut out = Vec::with_capacity(t.len() / 2);
    for g in groups {
        if g.is_empty() || g.len() % 2 != 0 || (colons && g.len() != 2) {
            return Err(err(if g.bytes().all(|b| b.is_ascii_hexdigit()) {
                ParseProblem::OddDigits
            } else {
                ParseProblem::NotHex
            }));
        }
        for pair in g.as_bytes().chunks_exact(2) {
            let hi = nibble(pair[0]).ok_or_else(|| err(ParseProblem::NotHex))?;
            let lo = nibble(pair[1]).ok_or_else(|| err(ParseProblem::NotHex))?;
            out.push(hi << 4 | lo);
        }
    }
    Ok(out)
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(lower(&[0x0a, 0xff]), "0aff");
        assert_eq!(colon_upper(&[0x0a, 0xff]), "0A:FF");
        assert_eq!(decimal(&[0]), "0");
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[1, 0]), "256");
        assert_eq!(decimal(&[0xff; 9]), "4722366482869645213695");
        assert_eq!(parse("x", "0A:ff").unwrap(), [0x0a, 0xff]);
        assert_eq!(parse("x", "0aff").unwrap(), [0x0a, 0xff]);
        assert!(parse("x", "").is_err());
        assert!(parse("x", "abc").is_err());
        assert!(parse("x", "0g").is_err());
        assert!(parse("x", "0:aff").is_err());
        assert!(parse("x", "0a::ff").is_err());
    }
}
