//! [`CertView`]: a certificate (RFC 5280 4.1) read in one walk over its DER, borrowed,
//! without allocating. Every field is checked as DER of its shape; extension values are
//! read on demand by the accessors, which say when one is malformed.

use crate::der::{self, Reader, tag};
use crate::error::{Problem, Structure, X509Error};
use crate::extension::{AuthorityKeyId, BasicConstraints, Extension, Extensions, subject_key_id};
use crate::general_name::{GeneralNameRef, check_names_in, names_in};
use crate::name::NameView;
use crate::oid::ext;
use crate::serial::SerialRef;
use crate::time::Timestamp;
use crate::usage::{KeyUsage, key_purposes};

const VERSION_TAG: u8 = 0xa0;
const ISSUER_UID_TAG: u8 = 0x81;
const SUBJECT_UID_TAG: u8 = 0x82;
const EXTENSIONS_TAG: u8 = 0xa3;

/// A certificate, borrowed from its DER.
#[non_exhaustive]
#[derive(Clone, Copy, Debug)]
pub struct CertView<'a> {
    /// The whole certificate.
    pub der: &'a [u8],
    /// The tbsCertificate, whole: what the signature covers.
    pub tbs: &'a [u8],
    /// The outer signatureAlgorithm, whole.
    pub signature_algorithm: &'a [u8],
    /// The signature's octets.
    pub signature: &'a [u8],
    /// 0, 1 or 2 (v1, v2, v3).
    pub version: u8,
    /// The serial number.
    pub serial: SerialRef<'a>,
    /// The tbsCertificate's signature algorithm, whole.
    pub tbs_signature_algorithm: &'a [u8],
    /// The issuer.
    pub issuer: NameView<'a>,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// The subject.
    pub subject: NameView<'a>,
    /// The SubjectPublicKeyInfo, whole.
    pub spki: &'a [u8],
    /// issuerUniqueID's content, when present (v2 and v3 only).
    pub issuer_unique_id: Option<&'a [u8]>,
    /// subjectUniqueID's content, when present (v2 and v3 only).
    pub subject_unique_id: Option<&'a [u8]>,
    /// The extensions (v3 only), checked as a list.
    pub extensions: Extensions<'a>,
}

/// AlgorithmIdentifier: a SEQUENCE starting with an OID.
#[inline]
pub(crate) fn check_algorithm(
    r: &mut Reader<'_>,
    structure: Structure,
    field: &'static str,
) -> Result<(), X509Error> {
    let seq = r.expect(tag::SEQUENCE, field)?;
    algorithm_content(seq.value).map_err(|p| X509Error::malformed(structure, field, p))
}

/// An AlgorithmIdentifier's content: an OID and at most one parameters value.
fn algorithm_content(content: &[u8]) -> Result<(), Problem> {
    let (oid, rest) = der::expect_tlv(content, tag::OID)?;
    der::oid(oid.value)?;
    if !rest.is_empty() && !der::read_tlv(rest)?.1.is_empty() {
        return Err(Problem::TrailingData);
    }
    Ok(())
}

/// A Validity or thisUpdate/nextUpdate time.
#[inline]
pub(crate) fn read_time(r: &mut Reader<'_>, field: &'static str) -> Result<Timestamp, X509Error> {
    let t = r.next(field)?;
    Timestamp::from_der_time(t.tag, t.value).map_err(|p| r.error(field, p))
}

/// SubjectPublicKeyInfo: an AlgorithmIdentifier and a BIT STRING of whole octets.
#[inline]
pub(crate) fn check_spki(spki_content: &[u8], structure: Structure) -> Result<(), X509Error> {
    let mut r = Reader::new(spki_content, structure);
    check_algorithm(&mut r, structure, "subjectPublicKeyInfo algorithm")?;
    let bits = r.expect(tag::BIT_STRING, "subjectPublicKey")?;
    der::octet_bits(bits.value).map_err(|p| r.error("subjectPublicKey", p))?;
    r.finish("subjectPublicKeyInfo")
}

impl<'a> CertView<'a> {
    /// Walks the certificate once, checking every field's DER.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] with [`Structure::Certificate`] naming the field.
    pub fn parse(der: &'a [u8]) -> Result<Self, X509Error> {
        const S: Structure = Structure::Certificate;
        let cert = der::single(der, tag::SEQUENCE, S, "Certificate")?;
        let mut outer = Reader::new(cert.value, S);
        let tbs = outer.expect(tag::SEQUENCE, "tbsCertificate")?;
        let rest = outer.rest();
        check_algorithm(&mut outer, S, "signatureAlgorithm")?;
        let signature_algorithm = &rest[..rest.len() - outer.rest().len()];
        let bits = outer.expect(tag::BIT_STRING, "signatureValue")?;
        outer.finish("Certificate")?;
        let signature =
            der::octet_bits(bits.value).map_err(|p| outer.error("signatureValue", p))?;

        let mut r = Reader::new(tbs.value, S);
        let version = match r.optional(VERSION_TAG, "version")? {
            Some(v) => {
                let n = der::single(v.value, tag::INTEGER, S, "version")?;
                match der::small_unsigned(n.value) {
                    Ok(n @ 0..=2) => u8::try_from(n).unwrap_or(0),
                    _ => return Err(r.error("version", Problem::UnsupportedVersion)),
                }
            }
            None => 0,
        };
        let serial = r.expect(tag::INTEGER, "serialNumber")?;
        let serial =
            SerialRef::from_der_content(serial.value).map_err(|p| r.error("serialNumber", p))?;
        let rest = r.rest();
        check_algorithm(&mut r, S, "signature")?;
        let tbs_signature_algorithm = &rest[..rest.len() - r.rest().len()];
        let issuer = NameView::parse(r.expect(tag::SEQUENCE, "issuer")?.whole)?;
        let validity = r.expect(tag::SEQUENCE, "validity")?;
        let mut v = Reader::new(validity.value, S);
        let not_before = read_time(&mut v, "notBefore")?;
        let not_after = read_time(&mut v, "notAfter")?;
        v.finish("validity")?;
        let subject = NameView::parse(r.expect(tag::SEQUENCE, "subject")?.whole)?;
        let spki = r.expect(tag::SEQUENCE, "subjectPublicKeyInfo")?;
        check_spki(spki.value, S)?;
        let issuer_unique_id = r
            .optional(ISSUER_UID_TAG, "issuerUniqueID")?
            .map(|t| t.value);
        let subject_unique_id = r
            .optional(SUBJECT_UID_TAG, "subjectUniqueID")?
            .map(|t| t.value);
        if (issuer_unique_id.is_some() || subject_unique_id.is_some()) && version == 0 {
            return Err(r.error("uniqueID", Problem::UnsupportedVersion));
        }
        let extensions = match r.optional(EXTENSIONS_TAG, "extensions")? {
            Some(e) => {
                if version != 2 {
                    return Err(r.error("extensions", Problem::UnsupportedVersion));
                }
                let seq = der::single(e.value, tag::SEQUENCE, S, "extensions")?;
                Extensions::parse(seq.value, S, "extensions")?
            }
            None => Extensions::default(),
        };
        if let Some(t) = r.peek_tag() {
            return Err(r.error("tbsCertificate", Problem::UnknownTag { found: t }));
        }
        Ok(Self {
            der,
            tbs: tbs.whole,
            signature_algorithm,
            signature,
            version,
            serial,
            tbs_signature_algorithm,
            issuer,
            not_before,
            not_after,
            subject,
            spki: spki.whole,
            issuer_unique_id,
            subject_unique_id,
            extensions,
        })
    }

    /// The extension with this OID.
    #[inline]
    pub fn extension(&self, oid: &[u8]) -> Option<Extension<'a>> {
        self.extensions.get(oid)
    }

    /// The SubjectPublicKeyInfo without its SEQUENCE header (what webpki's trust anchors
    /// hold).
    pub fn spki_content(&self) -> &'a [u8] {
        der::read_tlv(self.spki).map_or(&[], |(t, _)| t.value)
    }

    /// The SPKI's algorithm (the AlgorithmIdentifier's content) and the key's octets.
    pub fn public_key(&self) -> (&'a [u8], &'a [u8]) {
        let mut r = Reader::new(self.spki_content(), Structure::Certificate);
        let alg = r.next("algorithm").map_or(&[][..], |t| t.value);
        let key = r
            .next("subjectPublicKey")
            .ok()
            .and_then(|t| der::octet_bits(t.value).ok())
            .unwrap_or(&[]);
        (alg, key)
    }

    /// Issuer and subject are the same name, octet for octet.
    #[inline]
    pub fn self_issued(&self) -> bool {
        self.issuer.der() == self.subject.der()
    }

    /// basicConstraints, when present.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when its value is malformed.
    #[inline]
    pub fn basic_constraints(&self) -> Result<Option<BasicConstraints>, X509Error> {
        self.extension(ext::BASIC_CONSTRAINTS)
            .map(|e| BasicConstraints::from_extension_value(e.value))
            .transpose()
    }

    /// basicConstraints' cA (false when absent or malformed).
    #[inline]
    pub fn is_ca(&self) -> bool {
        matches!(
            self.basic_constraints(),
            Ok(Some(BasicConstraints { ca: true, .. }))
        )
    }

    /// keyUsage, when present.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when its value is malformed.
    #[inline]
    pub fn key_usage(&self) -> Result<Option<KeyUsage>, X509Error> {
        self.extension(ext::KEY_USAGE)
            .map(|e| KeyUsage::from_extension_value(e.value))
            .transpose()
    }

    /// extKeyUsage's purpose OIDs, when present.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when its value is malformed.
    pub fn key_purposes(&self) -> Result<Option<Vec<&'a [u8]>>, X509Error> {
        self.extension(ext::EXT_KEY_USAGE)
            .map(|e| key_purposes(e.value))
            .transpose()
    }

    /// subjectKeyIdentifier, when present.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when its value is malformed.
    #[inline]
    pub fn subject_key_id(&self) -> Result<Option<&'a [u8]>, X509Error> {
        self.extension(ext::SUBJECT_KEY_IDENTIFIER)
            .map(|e| subject_key_id(e.value))
            .transpose()
    }

    /// authorityKeyIdentifier, when present.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when its value is malformed.
    #[inline]
    pub fn authority_key_id(&self) -> Result<Option<AuthorityKeyId<'a>>, X509Error> {
        self.extension(ext::AUTHORITY_KEY_IDENTIFIER)
            .map(|e| AuthorityKeyId::from_extension_value(e.value))
            .transpose()
    }

    /// subjectAltName's names (empty without the extension).
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when its value is malformed or empty.
    pub fn subject_alt_names(&self) -> Result<Vec<GeneralNameRef<'a>>, X509Error> {
        self.san_content()?.map_or(Ok(Vec::new()), names_in)
    }

    /// Checks subjectAltName as [`subject_alt_names`](Self::subject_alt_names) reads it,
    /// without making the list (a verifier checks it on every certificate of a path).
    ///
    /// # Errors
    /// As [`subject_alt_names`](Self::subject_alt_names).
    #[inline]
    pub fn check_subject_alt_names(&self) -> Result<(), X509Error> {
        self.san_content()?.map_or(Ok(()), check_names_in)
    }

    /// subjectAltName's GeneralNames content, checked to be a non-empty SEQUENCE.
    #[inline]
    fn san_content(&self) -> Result<Option<&'a [u8]>, X509Error> {
        let Some(e) = self.extension(ext::SUBJECT_ALT_NAME) else {
            return Ok(None);
        };
        let seq = der::single(
            e.value,
            tag::SEQUENCE,
            Structure::Extension,
            "subjectAltName",
        )?;
        if seq.value.is_empty() {
            return Err(X509Error::malformed(
                Structure::Extension,
                "subjectAltName",
                Problem::Empty,
            ));
        }
        Ok(Some(seq.value))
    }

    /// The fullName GeneralNames of every cRLDistributionPoints entry (empty without the
    /// extension), for matching a CRL's issuingDistributionPoint: the names of
    /// [`crl_distribution_points`](Self::crl_distribution_points), the one reader of the
    /// extension.
    ///
    /// # Errors
    /// As [`crl_distribution_points`](Self::crl_distribution_points).
    pub fn crl_distribution_point_names(&self) -> Result<Vec<GeneralNameRef<'a>>, X509Error> {
        Ok(self
            .crl_distribution_points()?
            .into_iter()
            .filter_map(|point| point.full_names)
            .flatten()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_garbage() {
        assert!(CertView::parse(&[]).is_err());
        assert!(CertView::parse(&[0x30, 0x00]).is_err());
        assert!(CertView::parse(&[0x30, 0x80, 0x00, 0x00]).is_err());
    }
}
