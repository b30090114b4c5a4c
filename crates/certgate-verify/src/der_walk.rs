//! A minimal DER reader and writer for the hot paths: certificates read per handshake,
//! CRL entries read by the million. Single-byte tags and definite, minimally encoded
//! lengths only, as DER requires; anything else is refused.

/// DER tags used here.
pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;

/// One TLV at the start of `input`: (tag byte, value, rest).
pub(crate) fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n || rest[0] == 0 {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        if len < 0x80 {
            return None;
        }
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let (value, rest) = rest.split_at(len);
    Some((tag, value, rest))
}

/// A TLV with its bytes and what follows it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    /// Tag, length and value.
    pub(crate) whole: &'a [u8],
    pub(crate) value: &'a [u8],
    /// The input after it.
    pub(crate) rest: &'a [u8],
}

/// One TLV at the start of `input`, whole.
pub(crate) fn whole_tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let (tag, value, rest) = tlv(input)?;
    Some(Tlv {
        tag,
        whole: &input[..input.len() - rest.len()],
        value,
        rest,
    })
}

/// The value of `input` when it is exactly one TLV with tag `tag`.
pub(crate) fn only(input: &[u8], tag: u8) -> Option<&[u8]> {
    match tlv(input)? {
        (t, value, []) if t == tag => Some(value),
        _ => None,
    }
}

/// Iterates over the TLVs of a value, yielding (tag, value) until one does not parse.
pub(crate) fn items(mut input: &[u8]) -> impl Iterator<Item = Option<(u8, &[u8])>> {
    std::iter::from_fn(move || {
        if input.is_empty() {
            return None;
        }
        match tlv(input) {
            Some((tag, value, rest)) => {
                input = rest;
                Some(Some((tag, value)))
            }
            None => {
                input = &[];
                Some(None)
            }
        }
    })
}

/// Appends a DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap_or(0));
        out.extend(bytes);
    }
}

/// `content` wrapped in a TLV with `tag`.
pub(crate) fn wrap(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes_and_refuses_non_der() {
        for len in [0usize, 5, 127, 128, 300, 70_000] {
            let content = vec![7u8; len];
            let tlv_bytes = wrap(OCTET_STRING, &content);
            assert_eq!(only(&tlv_bytes, OCTET_STRING), Some(content.as_slice()));
            let t = whole_tlv(&tlv_bytes).unwrap();
            assert_eq!((t.whole.len(), t.rest.len()), (tlv_bytes.len(), 0));
        }
        assert_eq!(
            tlv(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]),
            None,
            "long form for a short length"
        );
        assert_eq!(
            tlv(&[0x04, 0x82, 0x00, 0x80]),
            None,
            "leading zero in a length"
        );
        assert_eq!(tlv(&[0x04, 0x80]), None, "indefinite length");
        assert_eq!(tlv(&[0x1f, 0x01, 0x00]), None, "multi-byte tag");
        assert_eq!(tlv(&[0x04, 0x03, 1]), None, "short input");
        let pairs: Vec<_> = items(&[0x02, 0x01, 0x05, 0x04, 0x00]).collect();
        assert_eq!(pairs, vec![Some((0x02, &[5u8][..])), Some((0x04, &[][..]))]);
        assert_eq!(items(&[0x02, 0x05]).collect::<Vec<_>>(), vec![None]);
    }
}
