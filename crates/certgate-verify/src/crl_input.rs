//! What the store reads besides CRLs: the certificates of CRL issuers, names, and the
//! PEM or DER input CRLs come in.

use der::Decode;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages, SubjectKeyIdentifier};

use crate::VerifyError;
use crate::crl::CrlIssuer;

/// The certificate an issuer of CRLs is known by, read for what CRL checks need.
pub(crate) fn crl_issuer(der: &[u8]) -> Result<CrlIssuer, VerifyError> {
    let cert = Certificate::from_der(der).map_err(|e| VerifyError::malformed("Certificate", e))?;
    let tbs = cert.tbs_certificate();
    let spki = tbs.subject_public_key_info();
    let alg = der::Encode::to_der(&spki.algorithm)
        .map_err(|e| VerifyError::malformed("subjectPublicKeyInfo", e))?;
    let alg = der::asn1::AnyRef::from_der(&alg)
        .map_err(|e| VerifyError::malformed("subjectPublicKeyInfo", e))?
        .value()
        .to_vec();
    let ku = tbs
        .get_extension::<KeyUsage>()
        .map_err(|e| VerifyError::malformed("keyUsage", e))?
        .map(|(_, ku)| ku);
    Ok(CrlIssuer {
        subject: name_content(
            &der::Encode::to_der(tbs.subject())
                .map_err(|e| VerifyError::malformed("subject", e))?,
        )
        .to_vec(),
        spki_algorithm: alg,
        public_key: spki.subject_public_key.raw_bytes().to_vec(),
        key_id: tbs
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, ski)| ski.0.as_bytes().to_vec()),
        can_sign_crls: ku.is_none_or(|ku| ku.0.contains(KeyUsages::CRLSign)),
    })
}

/// A `Name`'s content: the RDNs without the SEQUENCE header. Content starts with a SET
/// (0x31) or is empty; a whole `Name` starts with 0x30.
pub(crate) fn name_content(name: &[u8]) -> &[u8] {
    match der::asn1::AnyRef::from_der(name) {
        Ok(any) if name.first() == Some(&0x30) => any.value(),
        _ => name,
    }
}

/// Calls `each` with every CRL of the input: the input itself when it is DER, else
/// each `X509 CRL` block of the PEM.
pub(crate) fn for_each_crl(
    input: &[u8],
    origin: &str,
    mut each: impl FnMut(&[u8]) -> Result<(), VerifyError>,
) -> Result<(), VerifyError> {
    if input.first() == Some(&0x30) {
        return each(input);
    }
    let text = std::str::from_utf8(input).map_err(|_| VerifyError::Pem {
        origin: origin.to_owned(),
        reason: "neither DER nor PEM".into(),
    })?;
    let mut rest = text;
    let mut found = false;
    while let Some(start) = rest.find("-----BEGIN X509 CRL-----") {
        let block = &rest[start..];
        let end_marker = "-----END X509 CRL-----";
        let end = block.find(end_marker).ok_or_else(|| VerifyError::Pem {
            origin: origin.to_owned(),
            reason: "X509 CRL block has no END line".into(),
        })?;
        let (_, der) =
            der::pem::decode_vec(&block.as_bytes()[..end + end_marker.len()]).map_err(|e| {
                VerifyError::Pem {
                    origin: origin.to_owned(),
                    reason: format!("malformed PEM: {e}"),
                }
            })?;
        each(&der)?;
        found = true;
        rest = &block[end + end_marker.len()..];
    }
    if !found {
        return Err(VerifyError::Pem {
            origin: origin.to_owned(),
            reason: "no X509 CRL block found".into(),
        });
    }
    Ok(())
}

/// The subjectPublicKey bits of a certificate.
pub(crate) fn subject_public_key(der: &[u8]) -> Option<&[u8]> {
    use der::{Reader, SliceReader, Tagged};
    let cert = der::asn1::AnyRef::from_der(der).ok()?;
    let mut r = SliceReader::new(cert.value()).ok()?;
    let tbs: der::asn1::AnyRef<'_> = r.decode().ok()?;
    let mut t = SliceReader::new(tbs.value()).ok()?;
    let mut field: der::asn1::AnyRef<'_> = t.decode().ok()?;
    if field.tag() != der::Tag::Integer {
        field = t.decode().ok()?; // past [0] version to the serial
    }
    let _ = field;
    for _ in 0..4 {
        let _: der::asn1::AnyRef<'_> = t.decode().ok()?; // signature, issuer, validity, subject
    }
    let spki: der::asn1::AnyRef<'_> = t.decode().ok()?;
    let mut s = SliceReader::new(spki.value()).ok()?;
    let _: der::asn1::AnyRef<'_> = s.decode().ok()?;
    let bits: der::asn1::AnyRef<'_> = s.decode().ok()?;
    bits.value().get(1..)
}
