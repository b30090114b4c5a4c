//! Parsing of the values selectors and applications carry: digests in hex or base64,
//! durations, attribute names and RFC 4514 distinguished names. Each returns the reason
//! in words; callers add the file and the path.

use std::time::Duration;

/// Hex with optional `:` separators, either case.
fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    certgate_x509::hex::parse("hex value", s).map_err(|e| e.to_string())
}

/// A SHA-256 digest: 64 hex digits (colons allowed) or 44 characters of base64.
pub(crate) fn parse_sha256(s: &str) -> Result<[u8; 32], String> {
    let bytes = if s.len() == 44 && s.ends_with('=') {
        base64(s).ok_or_else(|| format!("{s:?} is not base64"))?
    } else {
        parse_hex(s)?
    };
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("{s:?} is not a SHA-256 digest (32 bytes in hex or base64)"))
}

/// Standard or URL-safe base64 (one alphabet, padded, canonical): the workspace's
/// `base64` crate, not a decoder of our own.
fn base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    STANDARD.decode(s).or_else(|_| URL_SAFE.decode(s)).ok()
}

/// A duration as Go writes it (`0s`, `30m`, `24h`, `1h30m`), plus `d` for days.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("{s:?} is not a duration (such as 0s, 30m, 24h, 7d)");
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
pub(crate) fn attribute_oid(name: &str) -> Result<Box<[u8]>, String> {
    certgate_x509::attribute_oid(name)
        .map(|oid| Box::from(&*oid))
        .ok_or_else(|| format!("{name:?} is not a DN attribute name (CN, O, OU, C, ...) or an OID"))
}

/// One attribute of a parsed DN: the OID's DER content bytes and the value.
pub(crate) type DnAttribute = (Box<[u8]>, Box<str>);

/// An RFC 4514 string as RDNs in certificate (DER) order, each a list of attributes.
pub(crate) fn parse_dn(s: &str) -> Result<Vec<Vec<DnAttribute>>, String> {
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
            return Err(format!("{s:?} is not an RFC 4514 name (TYPE=value,...)"));
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
                    let next = chars
                        .next()
                        .ok_or_else(|| format!("{s:?}: dangling '\\'"))?;
                    if next.is_ascii_hexdigit() {
                        let low = chars
                            .next()
                            .filter(char::is_ascii_hexdigit)
                            .ok_or_else(|| format!("{s:?}: bad \\XX escape"))?;
                        let pair = [next, low].iter().collect::<String>();
                        value.push(u8::from_str_radix(&pair, 16).map_err(|e| e.to_string())?);
                    } else {
                        let mut buf = [0; 4];
                        value.extend_from_slice(next.encode_utf8(&mut buf).as_bytes());
                    }
                    trailing_spaces = 0;
                    started = true;
                }
                ' ' if !started => {}
                '#' if !started => {
                    return Err(format!("{s:?}: #hex values are not supported"));
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
        let value =
            String::from_utf8(value).map_err(|_| format!("{s:?}: escapes are not UTF-8"))?;
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
        assert!(parse_hex("abc").is_err());
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
        assert!(parse_dn("=x").is_err());
        assert!(parse_dn("FOO=x").is_err());
        assert!(parse_dn("CN=#0403").is_err());
    }
}
