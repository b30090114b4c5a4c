//! What the store reads besides CRLs: the certificates of CRL issuers, names, and the
//! PEM or DER input CRLs come in.

use certgate_x509::{CertView, KeyUsageBit, der, pem};

use std::sync::Arc;

use crate::VerifyError;
use crate::revocation::crl::CrlIssuer;

/// The certificate an issuer of CRLs is known by (a CA the store trusts), read for what
/// CRL checks need.
pub(crate) fn crl_issuer(der: &[u8]) -> Result<CrlIssuer, VerifyError> {
    read_issuer(der, true)
}

/// The certificate of a CRL signer: trusted only as far as the CA that issued it.
pub(crate) fn crl_signer(der: &[u8]) -> Result<CrlIssuer, VerifyError> {
    read_issuer(der, false)
}

fn read_issuer(der: &[u8], trusted: bool) -> Result<CrlIssuer, VerifyError> {
    let view = CertView::parse(der)?;
    let (spki_algorithm, public_key) = view.public_key();
    Ok(CrlIssuer {
        der: Arc::from(der),
        issuer: view.issuer.content().to_vec(),
        not_before: view.not_before,
        not_after: view.not_after,
        subject: view.subject.content().to_vec(),
        spki_algorithm: spki_algorithm.to_vec(),
        public_key: public_key.to_vec(),
        key_id: view.subject_key_id()?.map(<[u8]>::to_vec),
        trusted,
        can_sign_crls: view
            .key_usage()?
            .is_none_or(|ku| ku.contains(KeyUsageBit::CrlSign)),
    })
}

/// A `Name`'s content: the RDNs without the SEQUENCE header. Content starts with a SET
/// (0x31) or is empty; a whole `Name` starts with 0x30.
pub(crate) fn name_content(name: &[u8]) -> &[u8] {
    match der::read_tlv(name) {
        Ok((t, [])) if t.tag == der::tag::SEQUENCE => t.value,
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
    if input.first() == Some(&der::tag::SEQUENCE) {
        return each(input);
    }
    let blocks = pem::blocks_labelled(input, &["X509 CRL"]).map_err(|source| VerifyError::Pem {
        origin: origin.to_owned(),
        source,
    })?;
    for block in blocks {
        each(&block.der)?;
    }
    Ok(())
}
