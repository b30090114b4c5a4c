//! Danger: options and shortcuts that weaken verification, each saying what it gives up.
//! Use them knowing why; a server that follows the defaults needs none of them.

#[cfg(feature = "rustls")]
use crate::ClientVerifierBuilder;
use crate::PolicySets;
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

/// The same certificate with certificate policy sets reached elsewhere, unchecked: for
/// tools and tests that processed the path's policies by other means, or want to see
/// what a `policy` rule makes of them. They are reported by
/// [`ClientCertInfo::policies`] only while the verdict says verified. As with
/// [`assert_verdict`], whatever reads the result trusts the sets as given: a server takes
/// them from its verifier, never from this.
pub fn assert_policies(info: ClientCertInfo, policies: PolicySets) -> ClientCertInfo {
    info.with_policies(policies)
}
