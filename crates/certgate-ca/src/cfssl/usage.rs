//! cfssl's usage strings and what each one sets (cfssl `config.KeyUsage` and `config.ExtKeyUsage`).

pub use certgate_x509::{KeyPurpose, KeyUsageBit};

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

/// What one cfssl usage string sets (the keyUsage bits and key purposes themselves are
/// certgate-x509's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CfsslUsage {
    /// A keyUsage bit.
    Key(KeyUsageBit),
    /// An extended key usage.
    Extended(KeyPurpose),
}

/// Looks a usage string up in cfssl's table (exact and case-sensitive, as cfssl does).
pub fn parse_usage(s: &str) -> Option<CfsslUsage> {
    use KeyPurpose as E;
    use KeyUsageBit as K;
    Some(match s {
        "signing" | "digital signature" => CfsslUsage::Key(K::DigitalSignature),
        "content commitment" => CfsslUsage::Key(K::ContentCommitment),
        "key encipherment" => CfsslUsage::Key(K::KeyEncipherment),
        "data encipherment" => CfsslUsage::Key(K::DataEncipherment),
        "key agreement" => CfsslUsage::Key(K::KeyAgreement),
        "cert sign" => CfsslUsage::Key(K::KeyCertSign),
        "crl sign" => CfsslUsage::Key(K::CrlSign),
        "encipher only" => CfsslUsage::Key(K::EncipherOnly),
        "decipher only" => CfsslUsage::Key(K::DecipherOnly),
        "any" => CfsslUsage::Extended(E::Any),
        "server auth" => CfsslUsage::Extended(E::ServerAuth),
        "client auth" => CfsslUsage::Extended(E::ClientAuth),
        "code signing" => CfsslUsage::Extended(E::CodeSigning),
        "email protection" | "s/mime" => CfsslUsage::Extended(E::EmailProtection),
        "ipsec end system" => CfsslUsage::Extended(E::IpsecEndSystem),
        "ipsec tunnel" => CfsslUsage::Extended(E::IpsecTunnel),
        "ipsec user" => CfsslUsage::Extended(E::IpsecUser),
        "timestamping" => CfsslUsage::Extended(E::TimeStamping),
        "ocsp signing" => CfsslUsage::Extended(E::OcspSigning),
        "microsoft sgc" => CfsslUsage::Extended(E::MicrosoftSgc),
        "netscape sgc" => CfsslUsage::Extended(E::NetscapeSgc),
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
            certgate_x509::oid::dotted(KeyPurpose::ClientAuth.oid()).unwrap(),
            "1.3.6.1.5.5.7.3.2"
        );
    }
}
