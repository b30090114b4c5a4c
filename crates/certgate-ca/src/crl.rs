//! Certificate revocation lists (RFC 5280 section 5), signed by a [`CertificateAuthority`].
//!
//! x509-cert's own `CrlBuilder` copies the issuer's *authority* key identifier into the
//! CRL's AKI, which is wrong for any CA that is not self-signed (the CRL's AKI must name
//! the CRL signer's own key), so the list is assembled here from x509-cert's types.

use std::fmt;
use std::str::FromStr;

use der::Encode;
use der::asn1::{BitString, OctetString, Uint};
use time::OffsetDateTime;
use x509_cert::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlReason};
use x509_cert::serial_number::SerialNumber;

use crate::x509::{extension, x509_time};
use crate::{CaError, CertificateAuthority, CrlProblem, pem};

/// Why a certificate was revoked (RFC 5280 5.3.1).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// `unspecified` (0); RFC 5280 says to leave the reason out instead, and we do.
    Unspecified,
    /// `keyCompromise` (1).
    KeyCompromise,
    /// `cACompromise` (2).
    CaCompromise,
    /// `affiliationChanged` (3).
    AffiliationChanged,
    /// `superseded` (4).
    Superseded,
    /// `cessationOfOperation` (5).
    CessationOfOperation,
    /// `certificateHold` (6).
    CertificateHold,
    /// `removeFromCRL` (8).
    RemoveFromCrl,
    /// `privilegeWithdrawn` (9).
    PrivilegeWithdrawn,
    /// `aACompromise` (10).
    AaCompromise,
}

/// The reason names accepted by [`RevocationReason::from_str`], as cfssl spells them.
pub const REVOCATION_REASON_NAMES: [&str; 10] = [
    "unspecified",
    "keycompromise",
    "cacompromise",
    "affiliationchanged",
    "superseded",
    "cessationofoperation",
    "certificatehold",
    "removefromcrl",
    "privilegewithdrawn",
    "aacompromise",
];

impl RevocationReason {
    const ALL: [Self; 10] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::CertificateHold,
        Self::RemoveFromCrl,
        Self::PrivilegeWithdrawn,
        Self::AaCompromise,
    ];

    fn to_x509(self) -> CrlReason {
        match self {
            Self::Unspecified => CrlReason::Unspecified,
            Self::KeyCompromise => CrlReason::KeyCompromise,
            Self::CaCompromise => CrlReason::CaCompromise,
            Self::AffiliationChanged => CrlReason::AffiliationChanged,
            Self::Superseded => CrlReason::Superseded,
            Self::CessationOfOperation => CrlReason::CessationOfOperation,
            Self::CertificateHold => CrlReason::CertificateHold,
            Self::RemoveFromCrl => CrlReason::RemoveFromCRL,
            Self::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
            Self::AaCompromise => CrlReason::AaCompromise,
        }
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = Self::ALL.iter().position(|r| r == self).unwrap_or(0);
        f.write_str(REVOCATION_REASON_NAMES[i])
    }
}

impl FromStr for RevocationReason {
    type Err = CaError;

    /// Parses cfssl's names (case-insensitive, `-`, `_` and spaces ignored) or the number.
    ///
    /// # Errors
    /// [`CaError::UnknownRevocationReason`] for anything else.
    fn from_str(s: &str) -> Result<Self, CaError> {
        let key: String = s
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(i) = REVOCATION_REASON_NAMES.iter().position(|n| *n == key) {
            return Ok(Self::ALL[i]);
        }
        let by_number = match key.parse::<u8>() {
            Ok(n @ 0..=6) => Some(usize::from(n)),
            Ok(n @ 8..=10) => Some(usize::from(n) - 1),
            _ => None,
        };
        by_number
            .map(|i| Self::ALL[i])
            .ok_or_else(|| CaError::UnknownRevocationReason {
                value: s.to_owned(),
            })
    }
}

/// One revoked certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    /// The certificate's serial number (big-endian bytes).
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub revoked_at: OffsetDateTime,
    /// Why, if said.
    pub reason: Option<RevocationReason>,
}

/// A signed CRL.
#[derive(Clone, Debug)]
pub struct Crl {
    der: Vec<u8>,
}

impl Crl {
    /// The CRL's DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The CRL as PEM `X509 CRL`.
    pub fn to_pem(&self) -> String {
        pem::encode("X509 CRL", &self.der)
    }
}

/// Builds a v2 CRL with a CRL Number and the signer's AKI; made by [`CertificateAuthority::crl`].
#[derive(Debug)]
pub struct CrlBuilder<'a> {
    ca: &'a CertificateAuthority,
    number: u64,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    entries: Vec<RevokedEntry>,
}

impl CertificateAuthority {
    /// Starts CRL number `number`, valid from `this_update` until `next_update`.
    pub fn crl(
        &self,
        number: u64,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
    ) -> CrlBuilder<'_> {
        CrlBuilder {
            ca: self,
            number,
            this_update,
            next_update,
            entries: Vec::new(),
        }
    }
}

impl CrlBuilder<'_> {
    /// Adds one revoked certificate.
    pub fn with_entry(mut self, entry: RevokedEntry) -> Self {
        self.entries.push(entry);
        self
    }

    /// Adds revoked certificates.
    pub fn with_entries(mut self, entries: impl IntoIterator<Item = RevokedEntry>) -> Self {
        self.entries.extend(entries);
        self
    }

    /// Signs the CRL.
    ///
    /// # Errors
    /// [`CaError::InvalidCrl`] when nextUpdate is not after thisUpdate or a serial is
    /// empty or longer than 20 bytes; [`CaError::Signing`] when the signer fails.
    pub fn build(self) -> Result<Crl, CaError> {
        let enc = |e: der::Error| CaError::encoding("CRL", e);
        if self.next_update <= self.this_update {
            return Err(CaError::InvalidCrl {
                problem: CrlProblem::NextUpdateNotAfterThisUpdate,
                source: None,
            });
        }
        let mut revoked = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            let serial = SerialNumber::<x509_cert::certificate::Rfc5280>::new(&entry.serial)
                .map_err(|e| CaError::InvalidCrl {
                    problem: CrlProblem::UnlistableSerial {
                        serial: entry.serial.clone(),
                    },
                    source: Some(Box::new(e)),
                })?;
            let crl_entry_extensions = match entry.reason {
                None | Some(RevocationReason::Unspecified) => None,
                Some(r) => Some(vec![extension(&r.to_x509(), false)?]),
            };
            revoked.push(RevokedCert {
                serial_number: serial,
                revocation_date: x509_time(entry.revoked_at)?,
                crl_entry_extensions,
            });
        }
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(self.ca.certificate().key_id()).map_err(enc)?),
            ..Default::default()
        };
        let number = CrlNumber(Uint::new(&self.number.to_be_bytes()).map_err(enc)?);
        let tbs = TbsCertList {
            version: Version::V2,
            signature: self.ca.signer().algorithm().identifier(),
            issuer: self.ca.certificate().subject_name().clone(),
            this_update: x509_time(self.this_update)?,
            next_update: Some(x509_time(self.next_update)?),
            revoked_certificates: (!revoked.is_empty()).then_some(revoked),
            crl_extensions: Some(vec![extension(&aki, false)?, extension(&number, false)?]),
        };
        let signature = self.ca.signer().sign(&tbs.to_der().map_err(enc)?)?;
        let list = CertificateList {
            signature_algorithm: tbs.signature.clone(),
            tbs_cert_list: tbs,
            signature: BitString::from_bytes(&signature).map_err(enc)?,
        };
        Ok(Crl {
            der: list.to_der().map_err(enc)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_parse_by_name_and_number() {
        assert_eq!(
            "keyCompromise".parse::<RevocationReason>().unwrap(),
            RevocationReason::KeyCompromise
        );
        assert_eq!(
            "key-compromise".parse::<RevocationReason>().unwrap(),
            RevocationReason::KeyCompromise
        );
        assert_eq!(
            "8".parse::<RevocationReason>().unwrap(),
            RevocationReason::RemoveFromCrl
        );
        assert!("7".parse::<RevocationReason>().is_err());
        let e = "stolen"
            .parse::<RevocationReason>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("keycompromise"), "{e}");
        assert_eq!(RevocationReason::AaCompromise.to_string(), "aacompromise");
    }
}
