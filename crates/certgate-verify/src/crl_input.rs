//! What the store reads besides CRLs: the certificates of CRL issuers, names, and the
//! PEM or DER input CRLs come in.

use crate::VerifyError;
use crate::crl::CrlIssuer;
use crate::der_walk::{SEQUENCE, tlv};
use crate::view::CertView;

/// The cRLSign bit of keyUsage (RFC 5280 4.2.1.3).
const KU_CRL_SIGN: u8 = 6;

/// The certificate an issuer of CRLs is known by, read for what CRL checks need.
pub(crate) fn crl_issuer(der: &[u8]) -> Result<CrlIssuer, VerifyError> {
    let view = CertView::parse(der)?;
    let (spki_algorithm, public_key) = view
        .public_key()
        .ok_or_else(|| VerifyError::malformed("subjectPublicKeyInfo", "malformed DER"))?;
    Ok(CrlIssuer {
        subject: view.subject_content().to_vec(),
        spki_algorithm: spki_algorithm.to_vec(),
        public_key: public_key.to_vec(),
        key_id: view.ski().map(<[u8]>::to_vec),
        can_sign_crls: view.key_usage(KU_CRL_SIGN) != Some(false),
    })
}

/// A `Name`'s content: the RDNs without the SEQUENCE header. Content starts with a SET
/// (0x31) or is empty; a whole `Name` starts with 0x30.
pub(crate) fn name_content(name: &[u8]) -> &[u8] {
    match tlv(name) {
        Some((SEQUENCE, content, [])) => content,
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
    CertView::parse(der).ok()?.public_key().map(|(_, key)| key)
}
