//! Lets a [`CaSigner`] drive x509-cert's builders, which want the RustCrypto signer traits.

use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SubjectPublicKeyInfoRef,
};

use crate::{CaError, CaSigner};

/// The public half that x509-cert asks a signer for.
#[derive(Clone, Debug)]
pub(crate) struct SpkiKey(der::Document);

impl EncodePublicKey for SpkiKey {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(self.0.clone())
    }
}

/// Wraps a [`CaSigner`]; the signature itself is made by the caller between
/// `Builder::finalize` and `Builder::assemble`, so no `Signer` impl is needed.
#[derive(Debug)]
pub(crate) struct BuilderSigner<'a> {
    signer: &'a dyn CaSigner,
    public_key: SpkiKey,
}

impl<'a> BuilderSigner<'a> {
    pub(crate) fn new(signer: &'a dyn CaSigner) -> Result<Self, CaError> {
        let der = signer.public_key_der();
        // Checks that the signer's key is a well-formed SPKI before it goes anywhere.
        der::Decode::from_der(&der)
            .map(|_: SubjectPublicKeyInfoRef<'_>| ())
            .map_err(|e| CaError::encoding("signer public key", e))?;
        let doc =
            der::Document::try_from(der).map_err(|e| CaError::encoding("signer public key", e))?;
        Ok(Self {
            signer,
            public_key: SpkiKey(doc),
        })
    }
}

impl signature::Keypair for BuilderSigner<'_> {
    type VerifyingKey = SpkiKey;

    fn verifying_key(&self) -> SpkiKey {
        self.public_key.clone()
    }
}

impl DynSignatureAlgorithmIdentifier for BuilderSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.signer.algorithm().identifier())
    }
}
