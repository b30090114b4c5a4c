//! Revocation on a path: what the store and the verifier's policy say of one
//! certificate, given its issuer.

use certgate_x509::CertView;

use crate::info::FailureReason;
use crate::path::chain::ChainVerifier;

impl ChainVerifier {
    /// What the revocation store and policy say of `cert`, issued by the certificate
    /// `issuer_der` whose key is `issuer_key`. `Ok` without a store.
    pub(crate) fn revocation_verdict(
        &self,
        cert: &CertView<'_>,
        issuer_key: &[u8],
        issuer_der: &[u8],
        seconds: u64,
    ) -> Result<(), FailureReason> {
        let Some((store, policy)) = self.revocation() else {
            return Ok(());
        };
        policy.verdict(store.status_on_path(
            cert,
            issuer_key,
            issuer_der,
            seconds,
            policy.expiration,
        ))
    }
}
