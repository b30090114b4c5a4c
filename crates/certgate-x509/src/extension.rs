//! Extensions (RFC 5280 4.1): the list of a certificate, CRL, CRL entry or request,
//! checked once — each an OID, a DER BOOLEAN when present, an OCTET STRING, and no OID
//! twice — and the values certgate reads from them.

use crate::der::{self, Reader, tag};
use crate::error::{Problem, Structure, X509Error};
use crate::limits::MAX_EXTENSIONS;

/// One extension: its OID's content octets, criticality and the OCTET STRING's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The extnID's content octets.
    pub oid: &'a [u8],
    /// Whether it is marked critical.
    pub critical: bool,
    /// The extnValue's content: the extension's own DER.
    pub value: &'a [u8],
}

/// How many extensions an [`Extensions`] indexes (real certificates carry up to about a
/// dozen); a longer list is walked on each lookup.
const INDEXED: usize = 16;

/// Where one extension's parts are in the list's content, as [`Extensions::parse`]
/// found them: a lookup compares the OID's length and last octet before its octets,
/// and returns the value without reading the DER again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Entry {
    oid_start: u16,
    value_start: u16,
    value_len: u16,
    /// The OID's length (under 0x80 in an index), and [`CRITICAL`] when critical.
    oid_len: u8,
    oid_last: u8,
}

/// The bit of [`Entry::oid_len`] that says the extension is critical.
const CRITICAL: u8 = 0x80;

impl Entry {
    fn oid_len(self) -> usize {
        usize::from(self.oid_len & !CRITICAL)
    }

    fn critical(self) -> bool {
        self.oid_len & CRITICAL != 0
    }
}

/// The content of an `Extensions` SEQUENCE, checked, with an index of where each
/// extension's parts are: certgate looks a dozen extensions up per certificate it
/// verifies, most of them absent; an id-ce extension (2.5.29.n) is found by a bit
/// test and, when present, its entry's number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extensions<'a> {
    content: &'a [u8],
    entries: [Entry; INDEXED],
    /// How many of `entries` are set; `None` when the list is not indexed.
    indexed: Option<u8>,
    /// A critical extension outside the id-ce arcs under 64 is in the list (indexed
    /// lists only).
    critical_other: bool,
    /// An extension outside the id-ce arcs under 64 is in the list (indexed lists only).
    other: bool,
    /// Bit n set: an extension 2.5.29.n (n < 64) is in the list (indexed lists only).
    id_ce: u64,
    /// Bit n set: 2.5.29.n is in the list and critical (indexed lists only).
    critical_id_ce: u64,
    /// The entry of 2.5.29.n, a nibble per arc n (low nibble first), where bit n of
    /// `id_ce` is set.
    id_ce_entry: [u8; 32],
}

/// The arc n of an id-ce OID 2.5.29.n with n < 64.
#[inline]
fn id_ce_arc(oid: &[u8]) -> Option<u8> {
    match *oid {
        [0x55, 0x1d, n] if n < 64 => Some(n),
        _ => None,
    }
}

impl<'a> Extensions<'a> {
    /// Checks the content of an `Extensions` SEQUENCE of `structure`.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] naming `field` for an extension that is not DER of its
    /// shape (a BOOLEAN other than 0x00/0xff included), more than
    /// [`MAX_EXTENSIONS`], an OID given twice ([`Problem::Duplicate`]), or an empty list
    /// (RFC 5280 requires at least one when the field is present).
    pub fn parse(
        content: &'a [u8],
        structure: Structure,
        field: &'static str,
    ) -> Result<Self, X509Error> {
        let bad = |p| X509Error::malformed(structure, field, p);
        if content.is_empty() {
            return Err(bad(Problem::Empty));
        }
        // Each OID is compared with the earlier ones: through the index being built, or,
        // past it, by walking the list again (bounded by MAX_EXTENSIONS).
        let mut rest = content;
        let mut count = 0;
        let mut list = Self {
            content,
            ..Self::default()
        };
        // Whether every offset and length in the index is exact (else lists are walked).
        let mut exact = content.len() < usize::from(u16::MAX);
        while !rest.is_empty() {
            let (item, after) = der::read_tlv(rest).map_err(bad)?;
            if item.tag != tag::SEQUENCE {
                return Err(bad(Problem::UnexpectedTag {
                    expected: tag::SEQUENCE,
                    found: item.tag,
                }));
            }
            let ext = read_extension(item.value, structure, field)?;
            count += 1;
            if count > MAX_EXTENSIONS {
                return Err(bad(Problem::TooMany));
            }
            let earlier = &content[..content.len() - rest.len()];
            let arc = id_ce_arc(ext.oid);
            let seen = match list.entries.get(..count - 1).filter(|_| exact) {
                // Within an exact index: an id-ce OID by its arc's bit, another compared
                // with the earlier OIDs where they are.
                Some(_) if let Some(n) = arc => list.id_ce & (1 << n) != 0,
                Some(indexed) => indexed.iter().any(|e| list.oid_is(*e, ext.oid)),
                None => Self::unindexed(earlier).iter().any(|e| e.oid == ext.oid),
            };
            if seen {
                return Err(bad(Problem::Duplicate));
            }
            if let Some(slot) = list.entries.get_mut(count - 1) {
                let offset = |part: &[u8]| part.as_ptr() as usize - content.as_ptr() as usize;
                exact &= ext.oid.len() < 0x80;
                *slot = Entry {
                    oid_start: u16::try_from(offset(ext.oid)).unwrap_or(u16::MAX),
                    value_start: u16::try_from(offset(ext.value)).unwrap_or(u16::MAX),
                    value_len: u16::try_from(ext.value.len()).unwrap_or(u16::MAX),
                    oid_len: u8::try_from(ext.oid.len()).unwrap_or(u8::MAX) & !CRITICAL
                        | if ext.critical { CRITICAL } else { 0 },
                    oid_last: ext.oid.last().copied().unwrap_or(0),
                };
                match arc {
                    Some(n) => {
                        list.id_ce |= 1 << n;
                        list.critical_id_ce |= u64::from(ext.critical) << n;
                        let index = u8::try_from(count - 1).unwrap_or(0);
                        if let Some(pair) = list.id_ce_entry.get_mut(usize::from(n / 2)) {
                            *pair |= index << (4 * (n % 2));
                        }
                    }
                    None => {
                        list.other = true;
                        list.critical_other |= ext.critical;
                    }
                }
            }
            rest = after;
        }
        // Index only what the offsets can say exactly.
        if exact && count <= INDEXED {
            list.indexed = Some(u8::try_from(count).unwrap_or(0));
        } else {
            list = Self::unindexed(content);
        }
        Ok(list)
    }

    /// A checked list without its index.
    fn unindexed(content: &'a [u8]) -> Self {
        Self {
            content,
            ..Self::default()
        }
    }

    /// The indexed entries (empty when the list is not indexed).
    #[inline]
    fn entries(&self) -> &[Entry] {
        self.entries
            .get(..usize::from(self.indexed.unwrap_or(0)))
            .unwrap_or_default()
    }

    /// Whether `entry`'s OID is `oid`: length and last octet first (most OIDs differ
    /// there), then the octets.
    #[inline]
    fn oid_is(&self, entry: Entry, oid: &[u8]) -> bool {
        let start = usize::from(entry.oid_start);
        entry.oid_len() == oid.len()
            && oid.last() == Some(&entry.oid_last)
            && self.content.get(start..start + oid.len()) == Some(oid)
    }

    /// The extension an entry indexes.
    #[inline]
    fn at(&self, entry: Entry) -> Extension<'a> {
        let content = self.content;
        let part = |start: u16, len: usize| {
            let start = usize::from(start);
            content.get(start..start + len).unwrap_or_default()
        };
        Extension {
            oid: part(entry.oid_start, entry.oid_len()),
            critical: entry.critical(),
            value: part(entry.value_start, usize::from(entry.value_len)),
        }
    }

    /// The extensions in order.
    pub fn iter(&self) -> impl Iterator<Item = Extension<'a>> + 'a {
        let this = *self;
        let indexed = this.indexed.is_some();
        let mut next = 0;
        let mut rest = if indexed { &[][..] } else { self.content };
        std::iter::from_fn(move || {
            if indexed {
                let entry = this.entries().get(next)?;
                next += 1;
                return Some(this.at(*entry));
            }
            let (item, after) = der::read_tlv(rest).ok()?;
            rest = after;
            checked_extension(item.value)
        })
    }

    /// The extension with this OID.
    #[inline]
    pub fn get(&self, oid: &[u8]) -> Option<Extension<'a>> {
        // The id-ce extensions of an indexed list, which is nearly every lookup, here
        // (inlined: a bit test and an entry); the rest out of line.
        match id_ce_arc(oid) {
            Some(n) if self.indexed.is_some() => {
                if self.id_ce & (1 << n) == 0 {
                    return None;
                }
                let pair = self.id_ce_entry.get(usize::from(n / 2))?;
                let entry = self
                    .entries
                    .get(usize::from((pair >> (4 * (n % 2))) & 0x0f))?;
                Some(self.at(*entry))
            }
            _ => self.find(oid),
        }
    }

    /// [`get`](Self::get) by comparing OIDs.
    #[inline(never)]
    fn find(&self, oid: &[u8]) -> Option<Extension<'a>> {
        if self.indexed.is_none() {
            return self.iter().find(|e| e.oid == oid);
        }
        if !self.other {
            return None;
        }
        let entry = self.entries().iter().find(|e| self.oid_is(**e, oid))?;
        Some(self.at(*entry))
    }

    /// The first critical extension that is not one of the id-ce extensions 2.5.29.n
    /// whose arcs n (under 64) are the bits set in `known_id_ce`: what a reader that
    /// processes only those must refuse (RFC 5280 4.2). Indexed lists answer from
    /// their bit sets without a walk when there is none.
    #[inline]
    pub fn critical_except(&self, known_id_ce: u64) -> Option<Extension<'a>> {
        if self.indexed.is_some() && self.critical_id_ce & !known_id_ce == 0 && !self.critical_other
        {
            return None;
        }
        self.iter()
            .find(|e| e.critical && id_ce_arc(e.oid).is_none_or(|n| known_id_ce & (1 << n) == 0))
    }

    /// The bit set [`critical_except`](Self::critical_except) takes: bit n for each
    /// id-ce OID 2.5.29.n (n < 64) of `oids`; other OIDs add nothing.
    pub const fn id_ce_arcs(oids: &[&[u8]]) -> u64 {
        let mut bits = 0;
        let mut i = 0;
        while i < oids.len() {
            if let [0x55, 0x1d, n] = *oids[i]
                && n < 64
            {
                bits |= 1 << n;
            }
            i += 1;
        }
        bits
    }

    /// Whether there is no extension.
    pub fn is_empty(&self) -> bool {
        self.content.is_empty()
    }
}

fn read_extension<'a>(
    body: &'a [u8],
    structure: Structure,
    field: &'static str,
) -> Result<Extension<'a>, X509Error> {
    // One walk with the raw reader (this runs for every extension of every certificate
    // and CRL entry read); the error names the structure and field as Reader's would.
    let read = || -> Result<Extension<'a>, Problem> {
        let (oid, rest) = der::expect_tlv(body, tag::OID)?;
        let oid = der::oid(oid.value)?;
        let (critical, rest) = match der::next_tlv(rest)? {
            (b, after) if b.tag == tag::BOOLEAN => (der::boolean(b.value)?, after),
            _ => (false, rest),
        };
        let (value, rest) = der::expect_tlv(rest, tag::OCTET_STRING)?;
        if !rest.is_empty() {
            return Err(Problem::TrailingData);
        }
        Ok(Extension {
            oid,
            critical,
            value: value.value,
        })
    };
    read().map_err(|p| X509Error::malformed(structure, field, p))
}

/// An extension of a list [`Extensions::parse`] has checked: its three parts split
/// without checking them again (every lookup walks the list, several per certificate).
fn checked_extension(body: &[u8]) -> Option<Extension<'_>> {
    let (oid, rest) = der::read_tlv(body).ok()?;
    let (critical, rest) = match der::read_tlv(rest).ok()? {
        (b, after) if b.tag == tag::BOOLEAN => (b.value == [0xff], der::read_tlv(after).ok()?.0),
        (value, _) => (false, value),
    };
    Some(Extension {
        oid: oid.value,
        critical,
        value: rest.value,
    })
}

/// basicConstraints (RFC 5280 4.2.1.9): `cA` and `pathLenConstraint`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BasicConstraints {
    /// Whether the subject is a CA.
    pub ca: bool,
    /// The most intermediates that may follow, when limited.
    pub path_len: Option<u32>,
}

impl BasicConstraints {
    /// Reads the extension's value.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when it is not DER of its shape.
    pub fn from_extension_value(value: &[u8]) -> Result<Self, X509Error> {
        let seq = der::single(
            value,
            tag::SEQUENCE,
            Structure::Extension,
            "basicConstraints",
        )?;
        let mut r = Reader::new(seq.value, Structure::Extension);
        let bad = |p| X509Error::malformed(Structure::Extension, "basicConstraints", p);
        let ca = match r.optional(tag::BOOLEAN, "basicConstraints cA")? {
            Some(b) => der::boolean(b.value).map_err(bad)?,
            None => false,
        };
        let path_len = match r.optional(tag::INTEGER, "pathLenConstraint")? {
            Some(n) => Some(der::small_unsigned(n.value).map_err(bad)?),
            None => None,
        };
        r.finish("basicConstraints")?;
        Ok(Self { ca, path_len })
    }
}

/// authorityKeyIdentifier (RFC 5280 4.2.1.1), borrowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuthorityKeyId<'a> {
    /// `[0] keyIdentifier`.
    pub key_id: Option<&'a [u8]>,
    /// Whether `[1] authorityCertIssuer` or `[2] authorityCertSerialNumber` is present.
    pub has_issuer_and_serial: bool,
}

impl<'a> AuthorityKeyId<'a> {
    /// Reads the extension's value.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when it is not DER of its shape, or has only one of
    /// authorityCertIssuer and authorityCertSerialNumber.
    pub fn from_extension_value(value: &'a [u8]) -> Result<Self, X509Error> {
        let seq = der::single(
            value,
            tag::SEQUENCE,
            Structure::Extension,
            "authorityKeyIdentifier",
        )?;
        let mut r = Reader::new(seq.value, Structure::Extension);
        let key_id = r.optional(0x80, "keyIdentifier")?.map(|t| t.value);
        let issuer = r.optional(0xa1, "authorityCertIssuer")?;
        let serial = r.optional(0x82, "authorityCertSerialNumber")?;
        r.finish("authorityKeyIdentifier")?;
        if issuer.is_some() != serial.is_some() {
            return Err(r.error("authorityKeyIdentifier", Problem::Missing));
        }
        if let Some(s) = serial {
            der::integer(s.value).map_err(|p| r.error("authorityCertSerialNumber", p))?;
        }
        Ok(Self {
            key_id,
            has_issuer_and_serial: issuer.is_some(),
        })
    }
}

/// A subjectKeyIdentifier's value: the OCTET STRING's content.
///
/// # Errors
/// [`X509Error::Malformed`] when it is not one OCTET STRING.
pub fn subject_key_id(value: &[u8]) -> Result<&[u8], X509Error> {
    der::single(
        value,
        tag::OCTET_STRING,
        Structure::Extension,
        "subjectKeyIdentifier",
    )
    .map(|t| t.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::wrap;

    fn ext(oid: &[u8], critical: Option<&[u8]>, value: &[u8]) -> Vec<u8> {
        let mut c = wrap(tag::OID, oid);
        if let Some(b) = critical {
            c.extend(wrap(tag::BOOLEAN, b));
        }
        c.extend(wrap(tag::OCTET_STRING, value));
        wrap(tag::SEQUENCE, &c)
    }

    #[test]
    fn strict_lists() {
        let ok = [
            ext(&[0x55, 0x1d, 0x13], Some(&[0xff]), &[0x30, 0x00]),
            ext(&[0x55, 0x1d, 0x0e], None, &[0x04, 0x01, 0x07]),
        ]
        .concat();
        let exts = Extensions::parse(&ok, Structure::Certificate, "extensions").unwrap();
        assert_eq!(exts.iter().count(), 2);
        assert!(exts.get(&[0x55, 0x1d, 0x13]).unwrap().critical);
        assert_eq!(
            subject_key_id(exts.get(&[0x55, 0x1d, 0x0e]).unwrap().value),
            Ok(&[7u8][..])
        );
        let ber_true = ext(&[0x55, 0x1d, 0x13], Some(&[0x01]), &[0x30, 0x00]);
        let e = Extensions::parse(&ber_true, Structure::Crl, "crlExtensions").unwrap_err();
        assert_eq!(e.problem(), Some(Problem::NonDerBoolean));
        let twice = [
            ext(&[0x55, 0x1d, 0x14], None, &[2, 1, 1]),
            ext(&[0x55, 0x1d, 0x14], None, &[2, 1, 2]),
        ]
        .concat();
        let e = Extensions::parse(&twice, Structure::Crl, "crlExtensions").unwrap_err();
        assert_eq!(e.problem(), Some(Problem::Duplicate));
        let many: Vec<u8> = (0..=MAX_EXTENSIONS)
            .flat_map(|i| {
                ext(
                    &[
                        0x2a,
                        u8::try_from(i % 128).unwrap(),
                        u8::try_from(i / 128).unwrap(),
                    ],
                    None,
                    &[],
                )
            })
            .collect();
        assert_eq!(
            Extensions::parse(&many, Structure::Crl, "x")
                .unwrap_err()
                .problem(),
            Some(Problem::TooMany)
        );
        assert!(Extensions::parse(&[], Structure::Crl, "x").is_err());
    }

    #[test]
    fn values() {
        let bc = BasicConstraints::from_extension_value(&wrap(
            tag::SEQUENCE,
            &[0x01, 0x01, 0xff, 0x02, 0x01, 0x00],
        ))
        .unwrap();
        assert_eq!(
            bc,
            BasicConstraints {
                ca: true,
                path_len: Some(0)
            }
        );
        assert!(
            BasicConstraints::from_extension_value(&wrap(tag::SEQUENCE, &[0x01, 0x01, 0x01]))
                .is_err()
        );
        let aki_der = wrap(tag::SEQUENCE, &wrap(0x80, &[1, 2]));
        let aki = AuthorityKeyId::from_extension_value(&aki_der).unwrap();
        assert_eq!(aki.key_id, Some(&[1u8, 2][..]));
        assert!(
            AuthorityKeyId::from_extension_value(&wrap(tag::SEQUENCE, &wrap(0x82, &[1]))).is_err()
        );
    }

    /// `n` extensions with distinct OIDs (2.5.29.i, or a long OID when `long`), each
    /// with its index as the value; every third critical.
    fn list(n: u8, long: bool) -> Vec<u8> {
        let mut content = Vec::new();
        for i in 0..n {
            let mut oid = vec![0x55, 0x1d, i];
            if long {
                oid.extend(std::iter::repeat_n(0x01, 130));
            }
            let mut body = wrap(tag::OID, &oid);
            if i % 3 == 0 {
                body.extend([tag::BOOLEAN, 1, 0xff]);
            }
            body.extend(wrap(tag::OCTET_STRING, &[i]));
            content.extend(wrap(tag::SEQUENCE, &body));
        }
        content
    }

    #[test]
    fn lookups_find_each_extension_indexed_or_not() {
        for (n, long) in [(3, false), (16, false), (17, false), (40, false), (4, true)] {
            let content = list(n, long);
            let exts = Extensions::parse(&content, Structure::Certificate, "t").unwrap();
            assert_eq!(exts.indexed.is_some(), n <= 16 && !long, "{n} {long}");
            for i in 0..n {
                let mut oid = vec![0x55, 0x1d, i];
                if long {
                    oid.extend(std::iter::repeat_n(0x01, 130));
                }
                let e = exts.get(&oid).unwrap();
                assert_eq!((e.value, e.critical), (&[i][..], i % 3 == 0));
                assert_eq!(exts.iter().nth(usize::from(i)), Some(e));
            }
            assert!(exts.get(&[0x55, 0x1d, n]).is_none());
            assert!(exts.get(&[0x55, 0x1d]).is_none());
        }
    }

    #[test]
    fn critical_except_finds_the_unknown_critical_one_indexed_or_not() {
        // list(): 2.5.29.i, every third critical (0, 3, 6, ...).
        for (n, long) in [(5, false), (30, false), (4, true)] {
            let content = list(n, long);
            let exts = Extensions::parse(&content, Structure::Certificate, "t").unwrap();
            let known_all = if long {
                0
            } else {
                Extensions::id_ce_arcs(&[&[0x55, 0x1d, 0], &[0x55, 0x1d, 3]]) | (u64::MAX << 4)
            };
            // Past the index, and long OIDs (not id-ce), are found by the walk.
            let found = exts.critical_except(known_all).map(|e| e.value);
            match (n, long) {
                (5, false) | (30, false) => assert_eq!(found, None, "{n}"),
                _ => assert_eq!(found, Some(&[0][..])),
            }
            let known_first = Extensions::id_ce_arcs(&[&[0x55, 0x1d, 0], &[0x2a, 0x03]]);
            let found = exts.critical_except(known_first).map(|e| e.value);
            assert_eq!(found, Some(if long { &[0][..] } else { &[3][..] }), "{n}");
        }
    }

    #[test]
    fn a_repeated_oid_is_refused_inside_and_past_the_index() {
        for (n, repeat) in [(5, 2), (16, 0), (17, 3), (30, 20), (3, 2)] {
            let mut content = list(n, false);
            // The extension `repeat` once more, at the end.
            let again = list(repeat + 1, false);
            let mut rest = &again[..];
            let mut final_ext = Vec::new();
            while let Ok((t, after)) = der::read_tlv(rest) {
                final_ext = t.whole.to_vec();
                rest = after;
            }
            content.extend(final_ext);
            let err = Extensions::parse(&content, Structure::Certificate, "t").unwrap_err();
            assert!(
                format!("{err:?}").contains("Duplicate"),
                "{n} {repeat}: {err:?}"
            );
        }
    }
}
