//! Danger: options and shortcuts that weaken verification, each saying what it gives up.
//! Use them knowing why; a server that follows the defaults needs none of them.

#[cfg(feature = "rustls")]
use crate::ClientVerifierBuilder;
use crate::info::{ClientCertInfo, Verdict};

/// Accepts leaves without an extendedKeyUsage extension (webpki's behaviour). By
/// default certgate requires clientAuth to be listed.
#[cfg(feature = "rustls")]
pub fn allow_leaf_without_eku(builder: ClientVerifierBuilder) -> ClientVerifierBuilder {
    builder.allowing_leaf_without_eku()
}

/// The same certificate with a verdict reached elsewhere, unchecked: for tools and tests
/// that verified it by other means (`certgate policy explain --chain-verified`) or want
/// to see what a policy makes of a verdict. Whatever reads the result trusts the verdict
/// as given: a server takes verdicts from its verifier
/// (`ClientVerifier::verify_presented`), never from this.
pub fn assert_verdict(info: ClientCertInfo, verdict: Verdict) -> ClientCertInfo {
    info.with_verdict(verdict)
}
