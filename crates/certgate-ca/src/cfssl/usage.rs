//! cfssl's usage strings and what each one sets (cfssl `config.KeyUsage` and `config.ExtKeyUsage`).

use const_oid::ObjectIdentifier;

/// cfssl's 23 usage strings, in the order of its tables.
pub const USAGE_NAMES: [&str; 23] = [
    "signing",
    "digital signature",
    "content commitment",
    "key encipherment",
    "data encipherment",
    "key agreement",
    "cert sign",
    "crl sign",
    "encipher only",
    "decipher only",
    "any",
    "server auth",
    "client auth",
    "code signing",
    "email protection",
    "s/mime",
    "ipsec end system",
    "ipsec tunnel",
    "ipsec user",
    "timestamping",
    "ocsp signing",
    "microsoft sgc",
    "netscape sgc",
];

/// A bit of the keyUsage extension (RFC 5280 4.2.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyUsageBit {
    /// digitalSignature (0).
    DigitalSignature,
    /// contentCommitment, formerly nonRepudiation (1).
    ContentCommitment,
    /// keyEncipherment (2).
    KeyEncipherment,
    /// dataEncipherment (3).
    DataEncipherment,
    /// keyAgreement (4).
    KeyAgreement,
    /// keyCertSign (5).
    KeyCertSign,
    /// cRLSign (6).
    CrlSign,
    /// encipherOnly (7).
    EncipherOnly,
    /// decipherOnly (8).
    DecipherOnly,
}

impl KeyUsageBit {
    /// The bit's number in the KeyUsage BIT STRING.
    pub fn bit(self) -> u8 {
        match self {
            Self::DigitalSignature => 0,
            Self::ContentCommitment => 1,
            Self::KeyEncipherment => 2,
            Self::DataEncipherment => 3,
            Self::KeyAgreement => 4,
            Self::KeyCertSign => 5,
            Self::CrlSign => 6,
            Self::EncipherOnly => 7,
            Self::DecipherOnly => 8,
        }
    }
}

/// An extended key usage (RFC 5280 4.2.1.12) that cfssl can name.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExtendedKeyUsage {
    /// anyExtendedKeyUsage.
    Any,
    /// id-kp-serverAuth.
    ServerAuth,
    /// id-kp-clientAuth.
    ClientAuth,
    /// id-kp-codeSigning.
    CodeSigning,
    /// id-kp-emailProtection (cfssl's `email protection` and `s/mime`).
    EmailProtection,
    /// id-kp-ipsecEndSystem.
    IpsecEndSystem,
    /// id-kp-ipsecTunnel.
    IpsecTunnel,
    /// id-kp-ipsecUser.
    IpsecUser,
    /// id-kp-timeStamping.
    TimeStamping,
    /// id-kp-OCSPSigning.
    OcspSigning,
    /// Microsoft Server Gated Crypto.
    MicrosoftSgc,
    /// Netscape Server Gated Crypto.
    NetscapeSgc,
}

impl ExtendedKeyUsage {
    /// The usage's OID.
    pub fn oid(self) -> ObjectIdentifier {
        let s = match self {
            Self::Any => "2.5.29.37.0",
            Self::ServerAuth => "1.3.6.1.5.5.7.3.1",
            Self::ClientAuth => "1.3.6.1.5.5.7.3.2",
            Self::CodeSigning => "1.3.6.1.5.5.7.3.3",
            Self::EmailProtection => "1.3.6.1.5.5.7.3.4",
            Self::IpsecEndSystem => "1.3.6.1.5.5.7.3.5",
            Self::IpsecTunnel => "1.3.6.1.5.5.7.3.6",
            Self::IpsecUser => "1.3.6.1.5.5.7.3.7",
            Self::TimeStamping => "1.3.6.1.5.5.7.3.8",
            Self::OcspSigning => "1.3.6.1.5.5.7.3.9",
            Self::MicrosoftSgc => "1.3.6.1.4.1.311.10.3.3",
            Self::NetscapeSgc => "2.16.840.1.113730.4.1",
        };
        ObjectIdentifier::new_unwrap(s)
    }
}

/// What one usage string sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// A keyUsage bit.
    Key(KeyUsageBit),
    /// An extended key usage.
    Extended(ExtendedKeyUsage),
}

/// Looks a usage string up in cfssl's table (exact and case-sensitive, as cfssl does).
pub fn parse_usage(s: &str) -> Option<Usage> {
    use ExtendedKeyUsage as E;
    use KeyUsageBit as K;
    Some(match s {
        "signing" | "digital signature" => Usage::Key(K::DigitalSignature),
        "content commitment" => Usage::Key(K::ContentCommitment),
        "key encipherment" => Usage::Key(K::KeyEncipherment),
        "data encipherment" => Usage::Key(K::DataEncipherment),
        "key agreement" => Usage::Key(K::KeyAgreement),
        "cert sign" => Usage::Key(K::KeyCertSign),
        "crl sign" => Usage::Key(K::CrlSign),
        "encipher only" => Usage::Key(K::EncipherOnly),
        "decipher only" => Usage::Key(K::DecipherOnly),
        "any" => Usage::Extended(E::Any),
        "server auth" => Usage::Extended(E::ServerAuth),
        "client auth" => Usage::Extended(E::ClientAuth),
        "code signing" => Usage::Extended(E::CodeSigning),
        "email protection" | "s/mime" => Usage::Extended(E::EmailProtection),
        "ipsec end system" => Usage::Extended(E::IpsecEndSystem),
        "ipsec tunnel" => Usage::Extended(E::IpsecTunnel),
        "ipsec user" => Usage::Extended(E::IpsecUser),
        "timestamping" => Usage::Extended(E::TimeStamping),
        "ocsp signing" => Usage::Extended(E::OcspSigning),
        "microsoft sgc" => Usage::Extended(E::MicrosoftSgc),
        "netscape sgc" => Usage::Extended(E::NetscapeSgc),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cfssl_usage_string_is_known() {
        for name in USAGE_NAMES {
            assert!(parse_usage(name).is_some(), "{name}");
        }
        assert_eq!(parse_usage("s/mime"), parse_usage("email protection"));
        assert_eq!(parse_usage("signing"), parse_usage("digital signature"));
        assert_eq!(parse_usage("Client Auth"), None);
        assert_eq!(
            ExtendedKeyUsage::ClientAuth.oid().to_string(),
            "1.3.6.1.5.5.7.3.2"
        );
    }
}
