//! What an imported bundle holds.

use std::fmt;

use zeroize::Zeroizing;

use crate::Pkcs12Error;

/// A private key found in a bundle.
#[non_exhaustive]
pub struct BundleKey {
    pub(crate) pkcs8: Zeroizing<Vec<u8>>,
    /// The key bag's friendlyName.
    pub friendly_name: Option<String>,
    /// The key bag's localKeyId, which names the certificate that goes with it.
    pub local_key_id: Option<Vec<u8>>,
}

impl BundleKey {
    /// The key as a PKCS#8 `PrivateKeyInfo` (wiped from memory when dropped).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The key as a PEM `PRIVATE KEY` block, as `openssl pkcs12 -nodes` prints it
    /// (wiped from memory when dropped). The key is not checked for use: a bundle may
    /// hold a key that certgate would not sign with (an RSA-1024 key, a DSA key).
    ///
    /// # Errors
    /// [`Pkcs12Error::Encoding`] if PEM encoding fails.
    pub fn pkcs8_pem(&self) -> Result<Zeroizing<String>, Pkcs12Error> {
        der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &self.pkcs8)
            .map(Zeroizing::new)
            .map_err(|e| Pkcs12Error::encoding("private key PEM", e))
    }
}

impl fmt::Debug for BundleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundleKey")
            .field("friendly_name", &self.friendly_name)
            .field("local_key_id", &self.local_key_id)
            .finish_non_exhaustive()
    }
}

/// A certificate found in a bundle.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleCertificate {
    /// The certificate's DER.
    pub der: Vec<u8>,
    /// The cert bag's friendlyName.
    pub friendly_name: Option<String>,
    /// The cert bag's localKeyId.
    pub local_key_id: Option<Vec<u8>>,
}

/// How a bundle is protected, as `openssl pkcs12 -info` would describe it.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleInfo {
    /// The MAC digest (`sha1`, `sha256`, ..., `blake2b512`) and its iteration count;
    /// none for a bundle without a MAC.
    pub mac: Option<(String, u32)>,
    /// Each encryption met, in order: the certificate bags' and the keys'.
    pub encryptions: Vec<String>,
    /// How many bags the bundle holds, of every type.
    pub bag_count: usize,
    /// The key-derivation work the import did, in iterations (see
    /// [`crate::MAX_KDF_WORK`]), the MAC's and every decryption's, every password
    /// convention tried included.
    pub kdf_work: u64,
}

/// The contents of a PKCS#12 bundle, MAC checked and decrypted.
#[non_exhaustive]
#[derive(Debug)]
pub struct Pkcs12Bundle {
    /// The private keys (usually one).
    pub keys: Vec<BundleKey>,
    /// The certificates, in the order of the bundle.
    pub certificates: Vec<BundleCertificate>,
    /// How the bundle is protected.
    pub info: BundleInfo,
}

impl Pkcs12Bundle {
    /// The first key, if any.
    pub fn key(&self) -> Option<&BundleKey> {
        self.keys.first()
    }

    /// The certificate that goes with the first key: the one with the same localKeyId,
    /// else the first certificate.
    pub fn leaf(&self) -> Option<&BundleCertificate> {
        let id = self.key().and_then(|k| k.local_key_id.as_ref());
        id.and_then(|id| {
            self.certificates
                .iter()
                .find(|c| c.local_key_id.as_ref() == Some(id))
        })
        .or_else(|| self.certificates.first())
    }
}
