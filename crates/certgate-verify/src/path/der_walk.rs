//! Shorthands over certgate-x509's strict DER reader for the checks that walk an
//! extension's value by hand (name constraints, AIA, keys): the reader is x509's; these
//! only give its results the tuple shape those walks match on.

pub(crate) use certgate_x509::der::tag::{OID, SEQUENCE};

/// One DER value at the start of `input`: (tag, content, rest).
pub(crate) fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    certgate_x509::der::read_tlv(input)
        .ok()
        .map(|(t, rest)| (t.tag, t.value, rest))
}

/// The content of `input` when it is exactly one value with `tag`.
pub(crate) fn only(input: &[u8], tag: u8) -> Option<&[u8]> {
    match tlv(input)? {
        (t, value, []) if t == tag => Some(value),
        _ => None,
    }
}

/// The values of a SEQUENCE's content as (tag, content), `None` at the first that does
/// not parse.
pub(crate) fn items(input: &[u8]) -> impl Iterator<Item = Option<(u8, &[u8])>> {
    certgate_x509::der::elements(input).map(|t| t.ok().map(|t| (t.tag, t.value)))
}
