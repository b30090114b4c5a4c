//! What a certificate must be good for: the extended key usages a path must allow.

/// The extended key usages a path must allow.
///
/// Every listed usage must be in the leaf's extendedKeyUsage; when the leaf has no such
/// extension it is refused, unless the usage was made with
/// [`Usage::allowing_leaf_without_eku`] (RFC 5280 reads a missing extension as "any
/// purpose"; certgate does not, by default). An intermediate that lists usages must list
/// each of them too (EKU chaining, as browsers and webpki do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    required: Vec<KeyPurpose>,
    leaf_must_list: bool,
    key_usage: Vec<KeyUsageBit>,
}

pub use certgate_x509::{KeyPurpose, KeyUsageBit};

impl Usage {
    /// TLS client authentication: id-kp-clientAuth listed in the leaf, and
    /// digitalSignature allowed by its keyUsage when it has one (the client signs the
    /// handshake).
    pub fn client_auth() -> Self {
        Self::required([KeyPurpose::ClientAuth]).with_key_usage(KeyUsageBit::DigitalSignature)
    }

    /// TLS server authentication (id-kp-serverAuth). A leaf without extendedKeyUsage is
    /// accepted, as RFC 5280, OpenSSL's `sslserver` purpose and webpki accept it.
    pub fn server_auth() -> Self {
        Self::required([KeyPurpose::ServerAuth]).allowing_leaf_without_eku()
    }

    /// Each of `purposes` must be listed in the leaf.
    pub fn required(purposes: impl IntoIterator<Item = KeyPurpose>) -> Self {
        Self {
            required: purposes.into_iter().collect(),
            leaf_must_list: true,
            key_usage: Vec::new(),
        }
    }

    /// No extended key usage is required (a leaf that has the extension must still have a
    /// well-formed, non-empty one).
    pub fn any() -> Self {
        Self {
            required: Vec::new(),
            leaf_must_list: false,
            key_usage: Vec::new(),
        }
    }

    /// Accepts a leaf without an extendedKeyUsage extension.
    pub fn allowing_leaf_without_eku(mut self) -> Self {
        self.leaf_must_list = false;
        self
    }

    /// The leaf's keyUsage, when it has one, must allow `bit` as well.
    pub fn with_key_usage(mut self, bit: KeyUsageBit) -> Self {
        self.key_usage.push(bit);
        self
    }

    /// The keyUsage bits the leaf must allow.
    pub(crate) fn key_usage(&self) -> &[KeyUsageBit] {
        &self.key_usage
    }

    /// Whether the leaf must carry the extension.
    pub(crate) fn leaf_must_list(&self) -> bool {
        self.leaf_must_list && !self.required.is_empty()
    }

    /// The extended key usages required.
    pub fn required_purposes(&self) -> &[KeyPurpose] {
        &self.required
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usages_name_certgate_x509s_key_purposes() {
        assert_eq!(
            Usage::client_auth().required_purposes(),
            [KeyPurpose::ClientAuth]
        );
        assert_eq!(
            Usage::server_auth().required_purposes(),
            [KeyPurpose::ServerAuth]
        );
        assert!(Usage::any().required_purposes().is_empty());
        let both = Usage::required([KeyPurpose::ClientAuth, KeyPurpose::EmailProtection]);
        assert!(both.leaf_must_list());
        assert_eq!(
            both.required_purposes()
                .iter()
                .map(|p| p.oid())
                .collect::<Vec<_>>(),
            [
                &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02][..],
                &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04][..]
            ]
        );
    }
}
