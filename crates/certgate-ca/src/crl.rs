//! Certificate revocation lists (RFC 5280 section 5), signed by a [`CertificateAuthority`].
//!
//! x509-cert's own `CrlBuilder` copies the issuer's *authority* key identifier into the
//! CRL's AKI, which is wrong for any CA that is not self-signed (the CRL's AKI must name
//! the CRL signer's own key), so the list is assembled here: the entries by `crl_der`, the
//! small fields around them with x509-cert's types.

use std::collections::BTreeMap;

use der::Encode;
use der::asn1::{OctetString, Uint};
use time::OffsetDateTime;
use x509_cert::ext::pkix::AuthorityKeyIdentifier;
use x509_cert::ext::pkix::crl::CrlNumber;

use crate::x509::{extension, x509_time};
use crate::{
    CaCertificate, CaError, CaSigner, CertificateAuthority, CrlProblem, IssuingDistributionPoint,
    crl_der, crl_ext, pem,
};

pub use certgate_x509::ReasonCode as RevocationReason;

/// The reason names cfssl accepts, in code order (RFC 5280's names in lower case);
/// [`parse_revocation_reason`] reads them.
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

/// Reads a revocation reason by RFC 5280's or cfssl's name (case-insensitive; `-`, `_`
/// and spaces ignored) or by number.
///
/// # Errors
/// [`CaError::UnknownRevocationReason`] for anything else.
pub fn parse_revocation_reason(s: &str) -> Result<RevocationReason, CaError> {
    RevocationReason::from_name(s).ok_or_else(|| CaError::UnknownRevocationReason {
        value: s.to_owned(),
    })
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
    /// A dedicated CRL-signing key of the CA and its key id, instead of the CA's key.
    crl_signer: Option<(&'a dyn CaSigner, Vec<u8>)>,
    number: u64,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    entries: Vec<RevokedEntry>,
    /// The certificate issuer of entries of other issuers, by entry index.
    issuers: BTreeMap<usize, x509_cert::name::Name>,
    idp: Option<IssuingDistributionPoint>,
    delta_of: Option<u64>,
    freshest: Option<String>,
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
            crl_signer: None,
            number,
            this_update,
            next_update,
            entries: Vec::new(),
            issuers: BTreeMap::new(),
            idp: None,
            delta_of: None,
            freshest: None,
        }
    }
}

impl<'a> CrlBuilder<'a> {
    /// Signs with `signer`, a dedicated CRL-signing key of this CA, instead of the CA's
    /// key: the CRL's issuer stays the CA's name and its AKI becomes `key_id`, the
    /// signer's own key identifier (RFC 5280 5.2.1, 6.3.3). The caller checks that the
    /// signer's certificate has the CA's name as its subject, was issued by the CA and
    /// has cRLSign; verifiers find it by that name and key identifier.
    pub fn with_crl_signer(mut self, signer: &'a dyn CaSigner, key_id: &[u8]) -> Self {
        self.crl_signer = Some((signer, key_id.to_vec()));
        self
    }

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

    /// Adds one revoked certificate of another issuer, for an indirect CRL: the entry
    /// carries a critical certificateIssuer extension naming `issuer`'s subject (RFC 5280
    /// 5.3.3). Verifiers apply an entry's certificateIssuer to the entries after it that
    /// carry none, so the first entry of this CA's own after such an entry is written
    /// with a certificateIssuer naming this CA: entries stay whose they were added as.
    pub fn with_entry_of_issuer(mut self, entry: RevokedEntry, issuer: &CaCertificate) -> Self {
        self.issuers
            .insert(self.entries.len(), issuer.subject_name().clone());
        self.entries.push(entry);
        self
    }

    /// Adds an issuingDistributionPoint extension (critical, RFC 5280 5.2.5) that says
    /// which certificates and reasons this CRL covers and where it is published.
    pub fn with_issuing_distribution_point(mut self, idp: IssuingDistributionPoint) -> Self {
        self.idp = Some(idp);
        self
    }

    /// Makes this a delta CRL updating complete CRL number `base_crl_number`: a critical
    /// deltaCRLIndicator (RFC 5280 5.2.4). Only a delta CRL may list removeFromCRL.
    pub fn with_delta_of(mut self, base_crl_number: u64) -> Self {
        self.delta_of = Some(base_crl_number);
        self
    }

    /// Adds freshestCRL (non-critical, RFC 5280 5.2.6): where delta CRLs for this
    /// complete CRL are published.
    pub fn with_freshest_crl(mut self, uri: impl Into<String>) -> Self {
        self.freshest = Some(uri.into());
        self
    }

    /// The certificateIssuer extension of each entry that needs one, by entry index: the
    /// entries of other issuers, and the first of this CA's own after a run of them
    /// (RFC 5280 5.3.3: an entry without the extension belongs to the issuer of the entry
    /// before it).
    fn entry_issuers(&self) -> Result<BTreeMap<usize, Vec<u8>>, CaError> {
        let mut out = BTreeMap::new();
        for (i, name) in &self.issuers {
            out.insert(*i, crl_ext::certificate_issuer(name)?);
        }
        let back: Vec<usize> = self
            .issuers
            .keys()
            .map(|i| i + 1)
            .filter(|n| *n < self.entries.len() && !self.issuers.contains_key(n))
            .collect();
        if !back.is_empty() {
            let own = crl_ext::certificate_issuer(self.ca.certificate().subject_name())?;
            out.extend(back.into_iter().map(|n| (n, own.clone())));
        }
        Ok(out)
    }

    /// The extensions after AKI and CRL Number, checked against each other and the entries.
    fn scope_extensions(&self) -> Result<Vec<x509_cert::ext::Extension>, CaError> {
        let invalid = |problem| CaError::InvalidCrl {
            problem,
            source: None,
        };
        let mut exts = Vec::new();
        if let Some(base) = self.delta_of {
            if base >= self.number {
                let number = self.number;
                return Err(invalid(CrlProblem::BaseNotBelowDelta { base, number }));
            }
            if self.freshest.is_some() {
                return Err(invalid(CrlProblem::FreshestCrlInDelta));
            }
            exts.push(crl_ext::delta_indicator(base)?);
        } else if let Some(e) = self
            .entries
            .iter()
            .find(|e| e.reason == Some(RevocationReason::RemoveFromCrl))
        {
            let serial = e.serial.clone();
            return Err(invalid(CrlProblem::RemoveFromCrlOutsideDelta { serial }));
        }
        if !self.issuers.is_empty() && !self.idp.as_ref().is_some_and(|i| i.indirect_crl) {
            return Err(invalid(CrlProblem::CertificateIssuerOutsideIndirect));
        }
        if let Some(idp) = &self.idp {
            exts.push(idp.extension()?);
        }
        if let Some(uri) = &self.freshest {
            exts.push(crate::extensions::freshest_crl(uri)?);
        }
        Ok(exts)
    }

    /// Signs the CRL.
    ///
    /// # Errors
    /// [`CaError::InvalidCrl`] when nextUpdate is not after thisUpdate, a serial is
    /// empty or longer than 20 bytes, the issuing distribution point is only for user and
    /// only for CA certificates, a delta CRL's base number is not below its own or it has
    /// freshestCRL, removeFromCRL is listed outside a delta CRL, or an entry names a
    /// certificate issuer outside an indirect CRL; [`CaError::Signing`] when the signer
    /// fails.
    pub fn build(self) -> Result<Crl, CaError> {
        let enc = |e: der::Error| CaError::encoding("CRL", e);
        if self.next_update <= self.this_update {
            return Err(CaError::InvalidCrl {
                problem: CrlProblem::NextUpdateNotAfterThisUpdate,
                source: None,
            });
        }
        let scope = self.scope_extensions()?;
        let issuers = self.entry_issuers()?;
        let issuers = &issuers;
        let revoked =
            crl_der::revoked_certificates(&self.entries, |i| issuers.get(&i).map(Vec::as_slice))?;
        let (signer, key_id) = match &self.crl_signer {
            Some((signer, key_id)) => (*signer, key_id.as_slice()),
            None => (self.ca.signer(), self.ca.certificate().key_id()),
        };
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(key_id).map_err(enc)?),
            ..Default::default()
        };
        let number = CrlNumber(Uint::new(&self.number.to_be_bytes()).map_err(enc)?);
        let algorithm = signer.algorithm().identifier();
        let mut extensions = vec![extension(&aki, false)?, extension(&number, false)?];
        extensions.extend(scope);
        let extensions = extensions.to_der().map_err(enc)?;
        // TBSCertList (RFC 5280 5.1.2): the list is written by `crl_der`, the small
        // fields around it by x509-cert.
        let parts = [
            &[0x02, 0x01, 0x01][..], // version v2
            &algorithm.to_der().map_err(enc)?,
            &self.ca.certificate().subject_name().to_der().map_err(enc)?,
            &x509_time(self.this_update)?.to_der().map_err(enc)?,
            &x509_time(self.next_update)?.to_der().map_err(enc)?,
            &revoked,
        ];
        let tbs_len = parts.iter().map(|p| p.len()).sum::<usize>()
            + crl_der::header_len(extensions.len())
            + extensions.len();
        let mut tbs = Vec::with_capacity(crl_der::header_len(tbs_len) + tbs_len);
        crl_der::push_header(&mut tbs, 0x30, tbs_len);
        for part in parts {
            tbs.extend_from_slice(part);
        }
        crl_der::push_header(&mut tbs, 0xa0, extensions.len()); // [0] EXPLICIT
        tbs.extend_from_slice(&extensions);
        drop(revoked);

        let signature = signer.sign(&tbs)?;
        let algorithm = algorithm.to_der().map_err(enc)?;
        let bits = crl_der::header_len(signature.len() + 1) + signature.len() + 1;
        let len = tbs.len() + algorithm.len() + bits;
        let mut der = Vec::with_capacity(crl_der::header_len(len) + len);
        crl_der::push_header(&mut der, 0x30, len);
        der.extend_from_slice(&tbs);
        drop(tbs);
        der.extend_from_slice(&algorithm);
        crl_der::push_header(&mut der, 0x03, signature.len() + 1);
        der.push(0); // no unused bits
        der.extend_from_slice(&signature);
        Ok(Crl { der })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_parse_by_name_and_number() {
        assert_eq!(
            parse_revocation_reason("keyCompromise").unwrap(),
            RevocationReason::KeyCompromise
        );
        assert_eq!(
            parse_revocation_reason("key-compromise").unwrap(),
            RevocationReason::KeyCompromise
        );
        assert_eq!(
            parse_revocation_reason("8").unwrap(),
            RevocationReason::RemoveFromCrl
        );
        assert!(parse_revocation_reason("7").is_err());
        let e = parse_revocation_reason("stolen").unwrap_err().to_string();
        assert!(e.contains("keycompromise"), "{e}");
        assert_eq!(RevocationReason::AaCompromise.name(), "aACompromise");
    }
}
