//! The one error type of this crate.

/// What can go wrong reading or writing a PKCS#12 bundle.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Pkcs12Error {
    /// The bytes are not a PKCS#12 structure (truncated, not DER, wrong shape).
    #[error("malformed PKCS#12: {what}: {reason}")]
    Malformed {
        /// The structure being read.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The password does not open the bundle (the MAC, or the decrypted padding, says so).
    #[error("wrong password, or a modified bundle (the {checked_by} does not verify)")]
    WrongPassword {
        /// What told us: `MAC`, or `decryption` for bundles without a MAC.
        checked_by: &'static str,
    },

    /// An algorithm we do not implement.
    #[error("unsupported {what} algorithm {oid}")]
    UnsupportedAlgorithm {
        /// Where it is used: `MAC`, `encryption`, `key derivation`, `PRF`.
        what: &'static str,
        /// Its OID.
        oid: String,
    },

    /// A limit protecting against hostile input was exceeded.
    #[error("{what} is {value}, over the limit of {limit}")]
    LimitExceeded {
        /// What was counted.
        what: &'static str,
        /// The value found.
        value: u64,
        /// The limit (see the `MAX_*` constants).
        limit: u64,
    },

    /// A bag whose content is not what its type says.
    #[error("bag {index} ({bag_type}): {reason}")]
    BadBag {
        /// The bag's position, counted across the whole bundle.
        index: usize,
        /// The bag type.
        bag_type: &'static str,
        /// What is wrong.
        reason: String,
    },

    /// Input to export that cannot be used.
    #[error("cannot export: {reason}")]
    InvalidInput {
        /// What is wrong.
        reason: String,
    },

    /// Encryption or encoding failed while writing.
    #[error("cannot encode {what}: {reason}")]
    Encoding {
        /// What was being written.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
}

impl Pkcs12Error {
    pub(crate) fn malformed(what: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Malformed {
            what,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn encoding(what: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Encoding {
            what,
            reason: reason.to_string(),
        }
    }
}
