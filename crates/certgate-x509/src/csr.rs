//! [`CsrView`]: a PKCS#10 certification request (RFC 2986), borrowed and checked.

use crate::cert::check_spki;
use crate::der::{self, Reader, tag};
use crate::error::{Problem, Structure, X509Error};
use crate::extension::Extensions;
use crate::name::NameView;
use crate::oid::ext;

const S: Structure = Structure::Csr;

/// A certification request, borrowed from its DER.
#[non_exhaustive]
#[derive(Clone, Copy, Debug)]
pub struct CsrView<'a> {
    /// The certificationRequestInfo, whole: what the signature covers.
    pub info: &'a [u8],
    /// The signatureAlgorithm, whole.
    pub signature_algorithm: &'a [u8],
    /// The signature's octets.
    pub signature: &'a [u8],
    /// The requested subject.
    pub subject: NameView<'a>,
    /// The SubjectPublicKeyInfo, whole.
    pub spki: &'a [u8],
    /// The attributes' content (`[0] IMPLICIT SET OF Attribute`).
    attributes: &'a [u8],
    /// The extensions of the extensionRequest attribute (empty without one).
    pub extensions: Extensions<'a>,
}

impl<'a> CsrView<'a> {
    /// Reads and checks a request.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] with [`Structure::Csr`]: not DER of RFC 2986's shape, a
    /// version other than v1, an attribute without values, more than one
    /// extensionRequest, or its extensions malformed or repeated.
    pub fn parse(der: &'a [u8]) -> Result<Self, X509Error> {
        let req = der::single(der, tag::SEQUENCE, S, "CertificationRequest")?;
        let mut outer = Reader::new(req.value, S);
        let info = outer.expect(tag::SEQUENCE, "certificationRequestInfo")?;
        let rest = outer.rest();
        crate::cert::check_algorithm(&mut outer, S, "signatureAlgorithm")?;
        let signature_algorithm = &rest[..rest.len() - outer.rest().len()];
        let bits = outer.expect(tag::BIT_STRING, "signature")?;
        outer.finish("CertificationRequest")?;
        let signature = der::octet_bits(bits.value).map_err(|p| outer.error("signature", p))?;

        let mut r = Reader::new(info.value, S);
        let version = r.expect(tag::INTEGER, "version")?;
        if version.value != [0] {
            return Err(r.error("version", Problem::UnsupportedVersion));
        }
        let subject = NameView::parse(r.expect(tag::SEQUENCE, "subject")?.whole)?;
        let spki = r.expect(tag::SEQUENCE, "subjectPKInfo")?;
        check_spki(spki.value, S)?;
        let attributes = r.expect(0xa0, "attributes")?.value;
        r.finish("certificationRequestInfo")?;
        let extensions = read_attributes(attributes)?;
        Ok(Self {
            info: info.whole,
            signature_algorithm,
            signature,
            subject,
            spki: spki.whole,
            attributes,
            extensions,
        })
    }

    /// The attributes: each type's OID content octets and its values' content (a SET).
    pub fn attributes(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        der::elements(self.attributes).filter_map(|a| {
            let a = a.ok()?;
            let mut r = Reader::new(a.value, S);
            let oid = r.expect(tag::OID, "type").ok()?;
            let values = r.expect(tag::SET, "values").ok()?;
            Some((oid.value, values.value))
        })
    }
}

fn read_attributes(content: &[u8]) -> Result<Extensions<'_>, X509Error> {
    let mut extensions = None;
    for a in der::elements(content) {
        let a = a.map_err(|p| X509Error::malformed(S, "attribute", p))?;
        let mut r = Reader::new(a.value, S);
        if a.tag != tag::SEQUENCE {
            return Err(r.error(
                "attribute",
                Problem::UnexpectedTag {
                    expected: tag::SEQUENCE,
                    found: a.tag,
                },
            ));
        }
        let oid = r.expect(tag::OID, "attribute type")?;
        der::oid(oid.value).map_err(|p| r.error("attribute type", p))?;
        let values = r.expect(tag::SET, "attribute values")?;
        r.finish("attribute")?;
        if values.value.is_empty() {
            return Err(r.error("attribute values", Problem::Empty));
        }
        for v in der::elements(values.value) {
            v.map_err(|p| r.error("attribute value", p))?;
        }
        if oid.value == ext::EXTENSION_REQUEST {
            if extensions.is_some() {
                return Err(r.error("extensionRequest", Problem::Duplicate));
            }
            let seq = der::single(values.value, tag::SEQUENCE, S, "extensionRequest")?;
            extensions = Some(if seq.value.is_empty() {
                Extensions::default()
            } else {
                Extensions::parse(seq.value, S, "extensionRequest")?
            });
        }
    }
    Ok(extensions.unwrap_or_default())
}
