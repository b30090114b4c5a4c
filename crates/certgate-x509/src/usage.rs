//! Key usage (RFC 5280 4.2.1.3) and extended key usage (4.2.1.12).

use crate::der::{self, tag};
use crate::error::{Problem, Structure, X509Error};

/// A keyUsage bit.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyUsageBit {
    /// digitalSignature (0): TLS handshake signatures.
    DigitalSignature,
    /// contentCommitment, once nonRepudiation (1).
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
    /// Every bit, in bit order.
    pub const ALL: [Self; 9] = [
        Self::DigitalSignature,
        Self::ContentCommitment,
        Self::KeyEncipherment,
        Self::DataEncipherment,
        Self::KeyAgreement,
        Self::KeyCertSign,
        Self::CrlSign,
        Self::EncipherOnly,
        Self::DecipherOnly,
    ];

    /// The bit's number in the BIT STRING.
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

    /// RFC 5280's name (`digitalSignature`, `keyCertSign`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::DigitalSignature => "digitalSignature",
            Self::ContentCommitment => "contentCommitment",
            Self::KeyEncipherment => "keyEncipherment",
            Self::DataEncipherment => "dataEncipherment",
            Self::KeyAgreement => "keyAgreement",
            Self::KeyCertSign => "keyCertSign",
            Self::CrlSign => "cRLSign",
            Self::EncipherOnly => "encipherOnly",
            Self::DecipherOnly => "decipherOnly",
        }
    }
}

/// The set of keyUsage bits a certificate asserts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyUsage(u16);

impl KeyUsage {
    /// Reads a keyUsage extension's value (a BIT STRING).
    ///
    /// # Errors
    /// [`X509Error::Malformed`] for a malformed BIT STRING, or bits past decipherOnly.
    pub fn from_extension_value(value: &[u8]) -> Result<Self, X509Error> {
        let t = der::single(value, tag::BIT_STRING, Structure::Extension, "keyUsage")?;
        let bad = |p| X509Error::malformed(Structure::Extension, "keyUsage", p);
        let (_, octets) = der::bit_string(t.value).map_err(bad)?;
        if octets.len() > 2 || octets.get(1).is_some_and(|b| b & 0x7f != 0) {
            return Err(bad(Problem::OutOfRange));
        }
        let hi = u16::from(octets.first().copied().unwrap_or(0));
        let lo = u16::from(octets.get(1).copied().unwrap_or(0));
        Ok(Self((hi << 8) | lo))
    }

    /// The set of these bits.
    pub fn of(bits: &[KeyUsageBit]) -> Self {
        Self(bits.iter().fold(0, |acc, b| acc | (0x8000 >> b.bit())))
    }

    /// Whether `bit` is set.
    pub fn contains(self, bit: KeyUsageBit) -> bool {
        self.0 & (0x8000 >> bit.bit()) != 0
    }

    /// The bits set, in bit order.
    pub fn bits(self) -> impl Iterator<Item = KeyUsageBit> {
        KeyUsageBit::ALL
            .into_iter()
            .filter(move |b| self.contains(*b))
    }

    /// Whether no bit is set (RFC 5280: at least one must be).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// A key purpose (extended key usage) certgate names.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyPurpose {
    /// anyExtendedKeyUsage, 2.5.29.37.0.
    Any,
    /// id-kp-serverAuth, 1.3.6.1.5.5.7.3.1.
    ServerAuth,
    /// id-kp-clientAuth, 1.3.6.1.5.5.7.3.2.
    ClientAuth,
    /// id-kp-codeSigning, 1.3.6.1.5.5.7.3.3.
    CodeSigning,
    /// id-kp-emailProtection, 1.3.6.1.5.5.7.3.4.
    EmailProtection,
    /// id-kp-ipsecEndSystem, 1.3.6.1.5.5.7.3.5.
    IpsecEndSystem,
    /// id-kp-ipsecTunnel, 1.3.6.1.5.5.7.3.6.
    IpsecTunnel,
    /// id-kp-ipsecUser, 1.3.6.1.5.5.7.3.7.
    IpsecUser,
    /// id-kp-timeStamping, 1.3.6.1.5.5.7.3.8.
    TimeStamping,
    /// id-kp-OCSPSigning, 1.3.6.1.5.5.7.3.9.
    OcspSigning,
    /// Microsoft Server Gated Crypto, 1.3.6.1.4.1.311.10.3.3.
    MicrosoftSgc,
    /// Netscape Server Gated Crypto, 2.16.840.1.113730.4.1.
    NetscapeSgc,
}

impl KeyPurpose {
    /// Every purpose named here.
    pub const ALL: [Self; 12] = [
        Self::Any,
        Self::ServerAuth,
        Self::ClientAuth,
        Self::CodeSigning,
        Self::EmailProtection,
        Self::IpsecEndSystem,
        Self::IpsecTunnel,
        Self::IpsecUser,
        Self::TimeStamping,
        Self::OcspSigning,
        Self::MicrosoftSgc,
        Self::NetscapeSgc,
    ];

    /// The OID's DER content octets.
    pub fn oid(self) -> &'static [u8] {
        match self {
            Self::Any => &[0x55, 0x1d, 0x25, 0x00],
            Self::ServerAuth => &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01],
            Self::ClientAuth => &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02],
            Self::CodeSigning => &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03],
            Self::EmailProtection => &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04],
            Self::IpsecEndSystem => &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x05],
            Self::IpsecTunnel => &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x06],
            Self::IpsecUser => &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x07],
            Self::TimeStamping => &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08],
            Self::OcspSigning => &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09],
            Self::MicrosoftSgc => &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0a, 0x03, 0x03],
            Self::NetscapeSgc => &[0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x04, 0x01],
        }
    }

    /// The purpose with this OID, if certgate names it.
    pub fn from_oid(oid: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.oid() == oid)
    }
}

/// The key purpose OIDs of an extKeyUsage extension's value, each checked.
///
/// # Errors
/// [`X509Error::Malformed`] when it is not a non-empty SEQUENCE OF OBJECT IDENTIFIER.
pub fn key_purposes(value: &[u8]) -> Result<Vec<&[u8]>, X509Error> {
    Ok(KeyPurposes::check(value)?.iter().collect())
}

/// An extKeyUsage extension's purposes, checked once and walked in place (no list is
/// made: a verifier looks at them on every certificate of every path).
#[derive(Clone, Copy, Debug)]
pub struct KeyPurposes<'a>(&'a [u8]);

impl<'a> KeyPurposes<'a> {
    /// Checks an extKeyUsage extension's value.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when it is not a non-empty SEQUENCE OF OBJECT IDENTIFIER.
    pub fn check(value: &'a [u8]) -> Result<Self, X509Error> {
        let seq = der::single(value, tag::SEQUENCE, Structure::Extension, "extKeyUsage")?;
        let bad = |p| X509Error::malformed(Structure::Extension, "extKeyUsage", p);
        if seq.value.is_empty() {
            return Err(bad(Problem::Empty));
        }
        for t in der::elements(seq.value) {
            let t = t.map_err(bad)?;
            if t.tag != tag::OID {
                return Err(bad(Problem::UnexpectedTag {
                    expected: tag::OID,
                    found: t.tag,
                }));
            }
            der::oid(t.value).map_err(bad)?;
        }
        Ok(Self(seq.value))
    }

    /// The purpose OIDs' content octets, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        der::elements(self.0).filter_map(|t| t.ok().map(|t| t.value))
    }

    /// Whether `oid` (content octets) is among them.
    pub fn contains(&self, oid: &[u8]) -> bool {
        self.iter().any(|o| o == oid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::wrap;

    #[test]
    fn bits_and_purposes() {
        let ku = KeyUsage::from_extension_value(&wrap(tag::BIT_STRING, &[0x01, 0x86])).unwrap();
        assert!(ku.contains(KeyUsageBit::DigitalSignature));
        assert!(ku.contains(KeyUsageBit::KeyCertSign));
        assert!(ku.contains(KeyUsageBit::CrlSign));
        assert!(!ku.contains(KeyUsageBit::KeyEncipherment));
        assert_eq!(
            ku,
            KeyUsage::of(&[
                KeyUsageBit::DigitalSignature,
                KeyUsageBit::KeyCertSign,
                KeyUsageBit::CrlSign
            ])
        );
        let dec =
            KeyUsage::from_extension_value(&wrap(tag::BIT_STRING, &[0x07, 0x00, 0x80])).unwrap();
        assert_eq!(dec.bits().collect::<Vec<_>>(), [KeyUsageBit::DecipherOnly]);
        assert!(KeyUsage::from_extension_value(&wrap(tag::BIT_STRING, &[0x00, 0, 0, 1])).is_err());
        let mut c = wrap(tag::OID, KeyPurpose::ClientAuth.oid());
        c.extend(wrap(tag::OID, &[0x2a, 0x03]));
        let eku = wrap(tag::SEQUENCE, &c);
        let purposes = key_purposes(&eku).unwrap();
        assert_eq!(
            KeyPurpose::from_oid(purposes[0]),
            Some(KeyPurpose::ClientAuth)
        );
        assert_eq!(KeyPurpose::from_oid(purposes[1]), None);
        assert!(key_purposes(&wrap(tag::SEQUENCE, &[])).is_err());
    }
}
