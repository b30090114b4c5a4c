//! Re-encoding a certificate's TBS and signing it again with the issuer's key: how the
//! matrix makes what certgate-ca rightly never writes (a non-critical basicConstraints,
//! unique identifiers, an issuer name in another encoding, UTCTime years before 2000,
//! an intermediate whose validity ended) while everything else stays as issued.

use certgate_x509::der::{read_tlv, wrap};

use super::lab::Ca;

/// basicConstraints, 2.5.29.19, as DER content octets.
pub(crate) const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
/// commonName, 2.5.4.3.
pub(crate) const CN: &[u8] = &[0x55, 0x04, 0x03];

/// The PrintableString tag, for [`cn_name`].
pub(crate) const PRINTABLE_STRING: u8 = 0x13;
/// The UTF8String tag, for [`cn_name`].
pub(crate) const UTF8_STRING: u8 = 0x0c;
const UTC_TIME: u8 = 0x17;

/// A certificate's TBS as its top-level fields: version, serial, signature algorithm,
/// issuer, validity, subject, subjectPublicKeyInfo, then the optional [1], [2], [3].
pub(crate) struct Tbs {
    fields: Vec<Vec<u8>>,
}

const ISSUER: usize = 3;
const VALIDITY: usize = 4;
const SUBJECT: usize = 5;
const SPKI: usize = 6;

impl Tbs {
    /// The TBS of `cert`.
    pub(crate) fn of(cert: &[u8]) -> Self {
        let (certificate, _) = read_tlv(cert).unwrap();
        let (tbs, _) = read_tlv(certificate.value).unwrap();
        let mut fields = Vec::new();
        let mut rest = tbs.value;
        while !rest.is_empty() {
            let (field, after) = read_tlv(rest).unwrap();
            fields.push(field.whole.to_vec());
            rest = after;
        }
        assert_eq!(fields[0][0], 0xa0, "a v3 certificate");
        Self { fields }
    }

    /// Replaces the issuer name.
    pub(crate) fn with_issuer(mut self, name: Vec<u8>) -> Self {
        self.fields[ISSUER] = name;
        self
    }

    /// Replaces the subject name.
    pub(crate) fn with_subject(mut self, name: Vec<u8>) -> Self {
        self.fields[SUBJECT] = name;
        self
    }

    /// The validity as two UTCTimes (`YYMMDDHHMMSSZ`).
    pub(crate) fn with_utc_validity(mut self, not_before: &str, not_after: &str) -> Self {
        let mut both = wrap(UTC_TIME, not_before.as_bytes());
        both.extend(wrap(UTC_TIME, not_after.as_bytes()));
        self.fields[VALIDITY] = wrap(0x30, &both);
        self
    }

    /// issuerUniqueID [1] and subjectUniqueID [2] (IMPLICIT BIT STRINGs, no unused
    /// bits) after the subjectPublicKeyInfo (RFC 5280 4.1.2.8).
    pub(crate) fn with_unique_ids(mut self, issuer: &[u8], subject: &[u8]) -> Self {
        let bits = |tag: u8, id: &[u8]| {
            let mut content = vec![0];
            content.extend_from_slice(id);
            wrap(tag, &content)
        };
        self.fields.insert(SPKI + 1, bits(0x81, issuer));
        self.fields.insert(SPKI + 2, bits(0x82, subject));
        self
    }

    /// The extension `oid` (content octets) with its critical flag set to `critical`
    /// (FALSE is the DEFAULT, so left out).
    pub(crate) fn with_criticality(mut self, oid: &[u8], critical: bool) -> Self {
        let at = self.fields.len() - 1;
        let (outer, _) = read_tlv(&self.fields[at]).unwrap();
        assert_eq!(outer.tag, 0xa3, "extensions last");
        let (list, _) = read_tlv(outer.value).unwrap();
        let mut rest = list.value;
        let mut out = Vec::new();
        let mut found = false;
        while !rest.is_empty() {
            let (ext, after) = read_tlv(rest).unwrap();
            rest = after;
            let (id, mut inner) = read_tlv(ext.value).unwrap();
            if id.value != oid {
                out.extend_from_slice(ext.whole);
                continue;
            }
            found = true;
            let (first, after_first) = read_tlv(inner).unwrap();
            if first.tag == 0x01 {
                inner = after_first;
            }
            let mut content = id.whole.to_vec();
            if critical {
                content.extend_from_slice(&[0x01, 0x01, 0xff]);
            }
            content.extend_from_slice(inner);
            out.extend(wrap(0x30, &content));
        }
        assert!(found, "no such extension");
        self.fields[at] = wrap(0xa3, &wrap(0x30, &out));
        self
    }

    /// The extension `oid` (content octets), critical, with `value` as its extnValue's
    /// content (in place when present, else appended).
    pub(crate) fn with_critical_extension(mut self, oid: &[u8], value: &[u8]) -> Self {
        let at = self.fields.len() - 1;
        let (outer, _) = read_tlv(&self.fields[at]).unwrap();
        assert_eq!(outer.tag, 0xa3, "extensions last");
        let (list, _) = read_tlv(outer.value).unwrap();
        let mut content = wrap(0x06, oid);
        content.extend_from_slice(&[0x01, 0x01, 0xff]);
        content.extend(wrap(0x04, value));
        let new = wrap(0x30, &content);
        let mut rest = list.value;
        let mut out = Vec::new();
        let mut found = false;
        while !rest.is_empty() {
            let (ext, after) = read_tlv(rest).unwrap();
            rest = after;
            let (id, _) = read_tlv(ext.value).unwrap();
            if id.value == oid {
                found = true;
                out.extend_from_slice(&new);
            } else {
                out.extend_from_slice(ext.whole);
            }
        }
        if !found {
            out.extend(new);
        }
        self.fields[at] = wrap(0xa3, &wrap(0x30, &out));
        self
    }

    /// The certificate: this TBS signed by `issuer`'s key.
    pub(crate) fn signed_by(&self, issuer: &Ca) -> Vec<u8> {
        let tbs = wrap(0x30, &self.fields.concat());
        let mut bits = vec![0];
        bits.extend(issuer.ca.signer().sign(&tbs).unwrap());
        let algorithm = self.fields[2].clone();
        let mut body = tbs;
        body.extend(algorithm);
        body.extend(wrap(0x03, &bits));
        wrap(0x30, &body)
    }
}

/// A name of one RDN: commonName `cn` as a PrintableString or a UTF8String (`tag`).
pub(crate) fn cn_name(tag: u8, cn: &str) -> Vec<u8> {
    let mut attribute = wrap(0x06, CN);
    attribute.extend(wrap(tag, cn.as_bytes()));
    wrap(0x30, &wrap(0x31, &wrap(0x30, &attribute)))
}

/// `cert` with one bit of its signature value flipped (the last octet of an ECDSA
/// signature is inside `s`, so the DER still parses; only the check fails).
pub(crate) fn with_bad_signature(cert: &[u8]) -> Vec<u8> {
    let mut out = cert.to_vec();
    let last = out.len() - 1;
    out[last] ^= 0x01;
    out
}
