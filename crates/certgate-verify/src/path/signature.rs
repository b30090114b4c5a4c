//! A certificate's signature checked by its issuer's key (RFC 5280 6.1.3 (a)(1)) with
//! the algorithms of the configured rustls `CryptoProvider`: no cryptography of our own.
//! An algorithm is used when both its signature algorithm and its public-key algorithm
//! are, byte for byte, the certificate's signatureAlgorithm and the issuer key's
//! algorithm (as webpki matches them). Checks between CA certificates go through the
//! [`LinkCache`]; a leaf's own signature never does.

use rustls_pki_types::SignatureVerificationAlgorithm;

use certgate_x509::CertView;

use crate::info::FailureReason;
use crate::path::link_cache::LinkCache;

/// An issuer's key as the signature check needs it: the SubjectPublicKeyInfo's
/// AlgorithmIdentifier content and the key's octets.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IssuerKey<'a> {
    pub(crate) algorithm: &'a [u8],
    pub(crate) key: &'a [u8],
}

impl<'a> IssuerKey<'a> {
    /// The key of `issuer`.
    pub(crate) fn of(issuer: &CertView<'a>) -> Self {
        let (algorithm, key) = issuer.public_key();
        Self { algorithm, key }
    }
}

/// What a certificate's signature check reads of it: the signed tbsCertificate, the
/// outer signatureAlgorithm (whole) and the signature's octets.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Signed<'a> {
    pub(crate) tbs: &'a [u8],
    pub(crate) algorithm: &'a [u8],
    pub(crate) signature: &'a [u8],
}

impl<'a> Signed<'a> {
    /// The signed parts of `cert`.
    pub(crate) fn of(cert: &CertView<'a>) -> Self {
        Self {
            tbs: cert.tbs,
            algorithm: cert.signature_algorithm,
            signature: cert.signature,
        }
    }
}

/// The content of the AlgorithmIdentifier `whole` (its SEQUENCE header removed).
fn algorithm_content(whole: &[u8]) -> &[u8] {
    certgate_x509::der::read_tlv(whole).map_or(&[], |(t, _)| t.value)
}

/// Checks that `cert` was signed by `issuer`. `cache` is `None` for the leaf.
pub(crate) fn verify_signed_by(
    algorithms: &[&dyn SignatureVerificationAlgorithm],
    cert: Signed<'_>,
    issuer: IssuerKey<'_>,
    cache: Option<&LinkCache>,
) -> Result<(), FailureReason> {
    let wanted = algorithm_content(cert.algorithm);
    let found = algorithms.iter().enumerate().find(|(_, alg)| {
        alg.signature_alg_id().as_ref() == wanted
            && alg.public_key_alg_id().as_ref() == issuer.algorithm
    });
    let Some((index, alg)) = found else {
        return Err(FailureReason::BadSignature);
    };
    let result = match cache {
        Some(cache) => cache.verify(index, *alg, issuer.key, cert.tbs, cert.signature),
        None => alg.verify_signature(issuer.key, cert.tbs, cert.signature),
    };
    result.map_err(|_| FailureReason::BadSignature)
}
