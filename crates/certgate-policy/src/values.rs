//! Parsing of the values selectors and applications carry: digests in hex or base64,
//! durations, attribute names and RFC 4514 distinguished names. Each returns a
//! [`ValueProblem`]; callers add the file and the path.

use std::time::Duration;

use crate::error::{DnProblem, ValueProblem};

/// A SHA-256 digest: 64 hex digits (colons allowed, either case) or 44 characters of
/// base64.
pub(crate) fn parse_sha256(s: &str) -> Result<[u8; 32], ValueProblem> {
    let bad = || ValueProblem::BadSha256 { value: s.into() };
    let bytes = if s.len() == 44 && s.ends_with('=') {
        base64(s).ok_or_else(bad)?
    } else {
        certgate_x509::hex::parse("hex value", s).map_err(|_| bad())?
    };
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| bad())
}

/// Standard or URL-safe base64 (one alphabet, padded, canonical): the workspace's
/// `base64` crate, not a decoder of our own.
fn base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    STANDARD.decode(s).or_else(|_| URL_SAFE.decode(s)).ok()
}

/// A duration as Go writes it (`0s`, `30m`, `24h`, `1h30m`), plus `d` for days.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, ValueProblem> {
    let bad = || ValueProblem::BadDuration { value: s.into() };
    let mut total: u64 = 0;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (number, tail) = rest.split_at(digits);
        let number: u64 = number.parse().map_err(|_| bad())?;
        let unit_len = tail.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, tail) = tail.split_at(unit_len);
        let (scale_ms, per) = match unit {
            "ms" => (1, 1000),
            "s" => (1000, 1),
            "m" => (60_000, 1),
            "h" => (3_600_000, 1),
            "d" => (86_400_000, 1),
            _ => return Err(bad()),
        };
        let ms = number
            .checked_mul(scale_ms)
            .ok_or_else(bad)?
            .checked_div(per)
            .ok_or_else(bad)?;
        total = total.checked_add(ms).ok_or_else(bad)?;
        rest = tail;
    }
    Ok(Duration::from_millis(total))
}

/// The OID (content octets) of a DN attribute: a short name (either case) or a dotted OID.
pub(crate) fn attribute_oid(name: &str) -> Result<Box<[u8]>, ValueProblem> {
    certgate_x509::attribute_oid(name)
        .map(|oid| Box::from(&*oid))
        .ok_or_else(|| ValueProblem::UnknownAttribute { name: name.into() })
}

/// A certificate policy OID, dotted, in its canonical form (as certgate-verify writes
/// the policy sets): `1.2.840.113549` stays, `1.02` or `1.2.` is refused.
pub(crate) fn parse_policy_oid(s: &str) -> Result<Box<str>, ValueProblem> {
    certgate_x509::oid::from_dotted(s)
        .and_then(|der| certgate_x509::oid::dotted(&der))
        .filter(|canonical| canonical == s)
        .map(String::into_boxed_str)
        .ok_or_else(|| ValueProblem::BadPolicyOid { value: s.into() })
}

/// One attribute of a parsed DN: the OID's DER content bytes and the value.
pub(crate) type DnAttribute = (Box<[u8]>, Box<str>);

/// An RFC 4514 string as RDNs in certificate (DER) order, each a list of attributes.
pub(crate) fn parse_dn(s: &str) -> Result<Vec<Vec<DnAttribute>>, ValueProblem> {
    let bad = |problem| ValueProblem::BadDn {
        value: s.into(),
        problem,
    };
    let mut rdns = Vec::new();
    let mut rdn = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        // type
        let mut key = String::new();
        for c in chars.by_ref() {
            if c == '=' {
                break;
            }
            key.push(c);
        }
        let key = key.trim();
        if key.is_empty() {
            return Err(bad(DnProblem::NoType));
        }
        let oid = attribute_oid(key)?;
        // value
        let mut value = Vec::<u8>::new();
        let mut trailing_spaces = 0usize;
        let mut end = None;
        let mut started = false;
        while let Some(c) = chars.next() {
            match c {
                ',' | ';' | '+' => {
                    end = Some(c);
                    break;
                }
                '\\' => {
                    let next = chars.next().ok_or_else(|| bad(DnProblem::DanglingEscape))?;
                    if next.is_ascii_hexdigit() {
                        let low = chars
                            .next()
                            .filter(char::is_ascii_hexdigit)
                            .ok_or_else(|| bad(DnProblem::BadHexEscape))?;
                        let pair = [next, low].iter().collect::<String>();
                        value.push(
                            u8::from_str_radix(&pair, 16)
                                .map_err(|_| bad(DnProblem::BadHexEscape))?,
                        );
                    } else {
                        let mut buf = [0; 4];
                        value.extend_from_slice(next.encode_utf8(&mut buf).as_bytes());
                    }
                    trailing_spaces = 0;
                    started = true;
                }
                ' ' if !started => {}
                '#' if !started => {
                    return Err(bad(DnProblem::HexValue));
                }
                c => {
                    trailing_spaces = if c == ' ' { trailing_spaces + 1 } else { 0 };
                    let mut buf = [0; 4];
                    value.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    started = true;
                }
            }
        }
        value.truncate(value.len() - trailing_spaces);
        let value = String::from_utf8(value).map_err(|_| bad(DnProblem::NotUtf8))?;
        rdn.push((oid, value.into_boxed_str()));
        match end {
            Some('+') => {}
            Some(_) => rdns.push(std::mem::take(&mut rdn)),
            None => {
                rdns.push(rdn);
                break;
            }
        }
    }
    rdns.reverse();
    Ok(rdns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_serial_digest_duration() {
        assert_eq!(
            parse_sha256("abc"),
            Err(ValueProblem::BadSha256 {
                value: "abc".into()
            })
        );
        let hex = "ab".repeat(32);
        assert_eq!(parse_sha256(&hex).unwrap(), [0xab; 32]);
        let b64 = "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=";
        assert_eq!(parse_sha256(b64).unwrap(), [0xab; 32]);
        assert_eq!(
            parse_sha256("__________________________________________8=").unwrap(),
            [0xff; 32]
        );
        // What the hand-written decoder let through: two alphabets in one value, and
        // set bits past the last octet (a second spelling of the same digest).
        assert!(parse_sha256("+_urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=").is_err());
        assert!(parse_sha256("q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6t=").is_err());
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_duration("7d").unwrap(),
            Duration::from_secs(7 * 86400)
        );
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn distinguished_names() {
        let dn = parse_dn("CN=Sam Money App,OU=Sam Projects,O=Money App Test\\, Lda,C=PT").unwrap();
        assert_eq!(dn.len(), 4);
        assert_eq!(&*dn[0][0].1, "PT");
        assert_eq!(&*dn[1][0].1, "Money App Test, Lda");
        assert_eq!(&*dn[3][0].1, "Sam Money App");
        let multi = parse_dn("CN=a+UID=b , O = x\\41").unwrap();
        assert_eq!(multi[0][0].1.as_ref(), "xA");
        assert_eq!(multi[1].len(), 2);
        let problem = |s: &str| match parse_dn(s) {
            Err(ValueProblem::BadDn { problem, .. }) => Some(problem),
            _ => None,
        };
        assert_eq!(problem("=x"), Some(DnProblem::NoType));
        assert_eq!(problem("CN=#0403"), Some(DnProblem::HexValue));
        assert_eq!(problem("CN=a\\"), Some(DnProblem::DanglingEscape));
        assert_eq!(problem("CN=a\\4"), Some(DnProblem::BadHexEscape));
        assert_eq!(problem("CN=a\\ff"), Some(DnProblem::NotUtf8));
        assert_eq!(
            parse_dn("FOO=x"),
            Err(ValueProblem::UnknownAttribute { name: "FOO".into() })
        );
    }
}
