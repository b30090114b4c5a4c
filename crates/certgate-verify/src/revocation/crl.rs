//! Reading a CRL for the store. certgate-x509's [`CrlView`] checks the DER (strictly:
//! a BER BOOLEAN, a second revokedCertificates list, a repeated extension or a
//! non-minimal serial refuse the whole CRL); here the rules of RFC 5280 the store
//! relies on, the signature checked against the issuer before a single entry is read,
//! and only then the revoked serials into a [`SerialTable`]. The DER is not kept,
//! except for a CRL whose issuer is not known yet: that one is kept as it came, unread,
//! until its issuer is.

use std::collections::HashMap;

use certgate_x509::{CrlView, GeneralNameRef, Timestamp, X509Error, der, oid};
use rustls_pki_types::SignatureVerificationAlgorithm;

use crate::VerifyError;
use std::sync::Arc;

use crate::error::{CrlIssuerProblem, CrlProblem};
use crate::revocation::scope::CrlScope;
use crate::revocation::serials::SerialTable;
use crate::revocation::set::number_order;

/// A signature-checked CRL (or a live list of serials, [`crate::RevocationStore::set_serial_source`]):
/// what lookups need.
#[derive(Clone, Debug)]
pub(crate) struct ParsedCrl {
    /// The issuer's name content (without the SEQUENCE header), as webpki gives names.
    pub(crate) issuer: Vec<u8>,
    pub(crate) number: Vec<u8>,
    /// A delta CRL's BaseCRLNumber: it applies to a complete CRL of the same issuer,
    /// key and scope numbered at least this (and below its own number).
    pub(crate) delta_of: Option<Vec<u8>>,
    pub(crate) this_update: Timestamp,
    pub(crate) next_update: Option<Timestamp>,
    pub(crate) scope: CrlScope,
    pub(crate) revoked: Arc<SerialTable>,
    /// An indirect CRL's entries of other issuers, by the issuer's name content.
    pub(crate) others: Arc<HashMap<Vec<u8>, SerialTable>>,
    /// The public key (subjectPublicKey octets) that verified the signature.
    pub(crate) issuer_key: Vec<u8>,
    /// The certificate of that key: the CA itself, or a CRL signer it delegated to.
    pub(crate) signer: Arc<CrlIssuer>,
    /// A live list from a feed, not a CRL: it takes precedence over the issuer's CRLs.
    pub(crate) live: bool,
}

impl ParsedCrl {
    /// How many serials it lists, other issuers' included.
    pub(crate) fn entry_count(&self) -> usize {
        self.revoked.len() + self.others.values().map(SerialTable::len).sum::<usize>()
    }

    /// The entries of certificates issued by `cert_issuer` (a Name's content).
    pub(crate) fn entries_for(&self, cert_issuer: &[u8]) -> Option<&SerialTable> {
        if cert_issuer == self.issuer {
            Some(&self.revoked)
        } else {
            self.others.get(cert_issuer)
        }
    }
}

/// A CRL whose issuer was not known at load: kept as it came, checked and read when a
/// certificate of that name is first seen on a verified path.
#[derive(Debug)]
pub(crate) struct PendingCrl {
    pub(crate) issuer: Vec<u8>,
    der: Vec<u8>,
}

/// What loading one CRL gives.
#[derive(Debug)]
pub(crate) enum Loaded {
    /// Its signature was checked against a known issuer, and its entries read.
    Verified(Box<ParsedCrl>),
    /// No known certificate has its issuer's name.
    Pending(PendingCrl),
}

/// A certificate that may sign CRLs: a CA's (given as an issuer, or learnt from a
/// verifier), or a CRL signer's ([`crate::RevocationStoreBuilder::with_crl_signers`]).
#[derive(Clone, Debug)]
pub(crate) struct CrlIssuer {
    /// The certificate.
    pub(crate) der: Arc<[u8]>,
    /// Its issuer's name content.
    pub(crate) issuer: Vec<u8>,
    /// Its validity.
    pub(crate) not_before: Timestamp,
    pub(crate) not_after: Timestamp,
    pub(crate) subject: Vec<u8>,
    pub(crate) spki_algorithm: Vec<u8>,
    pub(crate) public_key: Vec<u8>,
    pub(crate) key_id: Option<Vec<u8>>,
    /// Given as a CA the store trusts (an anchor or an intermediate), not as a CRL
    /// signer that must show who issued it.
    pub(crate) trusted: bool,
    pub(crate) can_sign_crls: bool,
}

/// What the header says, checked.
struct Header {
    number: Vec<u8>,
    /// A delta CRL's BaseCRLNumber.
    delta_of: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    scope: CrlScope,
}

fn malformed(origin: &str) -> impl Fn(X509Error) -> VerifyError + '_ {
    move |source| VerifyError::MalformedCrl {
        origin: origin.to_owned(),
        source,
    }
}

fn unsupported(origin: &str, problem: CrlProblem) -> VerifyError {
    VerifyError::UnsupportedCrl {
        origin: origin.to_owned(),
        problem,
    }
}

/// The rules of RFC 5280 section 5 the store relies on, before the signature.
fn check_header(view: &CrlView<'_>, origin: &str) -> Result<Header, VerifyError> {
    if view.version != 1 {
        return Err(unsupported(origin, CrlProblem::Version1));
    }
    if view.tbs_signature_algorithm != view.signature_algorithm {
        return Err(unsupported(origin, CrlProblem::AlgorithmMismatch));
    }
    let number = view
        .crl_number()
        .map_err(malformed(origin))?
        .ok_or_else(|| unsupported(origin, CrlProblem::NoCrlNumber))?
        .to_vec();
    let authority_key_id = view
        .authority_key_id()
        .map_err(malformed(origin))?
        .map(<[u8]>::to_vec);
    let scope = match view
        .issuing_distribution_point()
        .map_err(malformed(origin))?
    {
        Some(idp) => CrlScope::from_idp(&idp).map_err(|p| unsupported(origin, p))?,
        None => CrlScope::default(),
    };
    for e in view.extensions.iter() {
        match e.oid {
            oid::ext::DELTA_CRL_INDICATOR
            | oid::ext::CRL_NUMBER
            | oid::ext::AUTHORITY_KEY_IDENTIFIER
            | oid::ext::ISSUING_DISTRIBUTION_POINT => {}
            other if e.critical => {
                return Err(unsupported(
                    origin,
                    CrlProblem::UnknownCriticalExtension {
                        oid: oid::dotted(other).unwrap_or_default(),
                    },
                ));
            }
            _ => {}
        }
    }
    let delta_of = view
        .delta_crl_indicator()
        .map_err(malformed(origin))?
        .map(<[u8]>::to_vec);
    if let Some(base) = &delta_of
        && number_order(base, &number).is_ge()
    {
        // RFC 5280 5.2.4: a delta's CRL Number is above its base's.
        return Err(unsupported(origin, CrlProblem::DeltaNotAfterBase));
    }
    Ok(Header {
        number,
        delta_of,
        authority_key_id,
        scope,
    })
}

/// Parses `der`, checks its signature against one of `issuers`, then reads its entries;
/// when no issuer has the CRL's issuer name, keeps it unread for later.
pub(crate) fn load(
    der: &[u8],
    issuers: &[CrlIssuer],
    algs: &[&dyn SignatureVerificationAlgorithm],
    origin: &str,
) -> Result<Loaded, VerifyError> {
    let view = CrlView::parse(der).map_err(malformed(origin))?;
    let header = check_header(&view, origin)?;
    let issuer = view.issuer.content();
    if !issuers.iter().any(|i| i.subject == issuer) {
        return Ok(Loaded::Pending(PendingCrl {
            issuer: issuer.to_vec(),
            der: der.to_vec(),
        }));
    }
    let signer = verify_signature(&view, &header, issuers, algs, origin)?;
    read(&view, header, signer, origin).map(|crl| Loaded::Verified(Box::new(crl)))
}

impl PendingCrl {
    /// Checks the signature against `issuer` (a certificate with the CRL's issuer name),
    /// then reads the entries.
    ///
    /// # Errors
    /// As [`load`].
    pub(crate) fn verify(
        &self,
        issuer: &CrlIssuer,
        algs: &[&dyn SignatureVerificationAlgorithm],
    ) -> Result<ParsedCrl, VerifyError> {
        let origin = "pending CRL";
        let view = CrlView::parse(&self.der).map_err(malformed(origin))?;
        let header = check_header(&view, origin)?;
        let signer = verify_signature(&view, &header, std::slice::from_ref(issuer), algs, origin)?;
        read(&view, header, signer, origin)
    }
}

/// The entries, read once the signature holds.
fn read(
    view: &CrlView<'_>,
    header: Header,
    signer: &CrlIssuer,
    origin: &str,
) -> Result<ParsedCrl, VerifyError> {
    let own = view.issuer.content();
    let mut revoked = SerialTable::with_capacity(view.entry_count().map_err(malformed(origin))?);
    let mut others: HashMap<Vec<u8>, SerialTable> = HashMap::new();
    // Whose entries these are (RFC 5280 5.3.3): the CRL issuer's until a
    // certificateIssuer names another, which holds for the entries after it too.
    let mut current = EntryIssuer::Own;
    for entry in view.entries() {
        let entry = entry.map_err(malformed(origin))?;
        if let Some(names) = entry.certificate_issuer {
            if !header.scope.is_indirect() {
                return Err(unsupported(origin, CrlProblem::Indirect));
            }
            current = EntryIssuer::named(names, own).map_err(malformed(origin))?;
        }
        if let Some(oid) = entry.unknown_critical {
            return Err(unsupported(
                origin,
                CrlProblem::UnknownCriticalEntryExtension {
                    oid: oid::dotted(oid).unwrap_or_default(),
                },
            ));
        }
        let reason = entry.reason.map(|r| r.code());
        match &current {
            EntryIssuer::Own => revoked.insert(entry.serial, reason),
            EntryIssuer::Other(name) => match others.get_mut(name) {
                Some(table) => table.insert(entry.serial, reason),
                None => {
                    let mut table = SerialTable::with_capacity(0);
                    table.insert(entry.serial, reason);
                    others.insert(name.clone(), table);
                }
            },
            EntryIssuer::Unmatchable => {}
        }
    }
    let others = others.into_iter().map(|(k, t)| (k, t.seal())).collect();
    Ok(ParsedCrl {
        issuer: view.issuer.content().to_vec(),
        number: header.number,
        delta_of: header.delta_of,
        this_update: view.this_update,
        next_update: view.next_update,
        scope: header.scope,
        revoked: Arc::new(revoked.seal()),
        others: Arc::new(others),
        issuer_key: signer.public_key.clone(),
        signer: Arc::new(signer.clone()),
        live: false,
    })
}

/// Whose an entry of an indirect CRL is.
enum EntryIssuer {
    /// The CRL issuer's own.
    Own,
    /// Another issuer's, by its name's content.
    Other(Vec<u8>),
    /// An issuer named without a directoryName: no certificate's issuer can match.
    Unmatchable,
}

impl EntryIssuer {
    /// The issuer a certificateIssuer extension's GeneralNames name (its first
    /// directoryName), for a CRL issued by `own`.
    fn named(names: &[u8], own: &[u8]) -> Result<Self, X509Error> {
        let found = certgate_x509::general_names(names)?
            .iter()
            .find_map(|n| match n {
                GeneralNameRef::Directory(d) => Some(d.content().to_vec()),
                _ => None,
            });
        Ok(match found {
            Some(name) if name == own => Self::Own,
            Some(name) => Self::Other(name),
            None => Self::Unmatchable,
        })
    }
}

/// Checks the signature against the candidate issuers; the one that verified it.
fn verify_signature<'i>(
    view: &CrlView<'_>,
    header: &Header,
    issuers: &'i [CrlIssuer],
    algs: &[&dyn SignatureVerificationAlgorithm],
    origin: &str,
) -> Result<&'i CrlIssuer, VerifyError> {
    let sig_alg = der::read_tlv(view.signature_algorithm).map_or(&[][..], |(t, _)| t.value);
    let issuer_name = view.issuer.content();
    let candidates = issuers.iter().filter(|i| {
        i.subject == issuer_name
            && match (&header.authority_key_id, &i.key_id) {
                (Some(aki), Some(ski)) => aki == ski,
                _ => true,
            }
    });
    let mut problem = CrlIssuerProblem::NotIssuedByKnownCertificate;
    for issuer in candidates {
        if !issuer.can_sign_crls {
            problem = CrlIssuerProblem::NoCrlSign;
            continue;
        }
        problem = CrlIssuerProblem::BadSignature;
        let ok = algs.iter().any(|alg| {
            alg.signature_alg_id().as_ref() == sig_alg
                && alg.public_key_alg_id().as_ref() == issuer.spki_algorithm.as_slice()
                && alg
                    .verify_signature(&issuer.public_key, view.tbs, view.signature)
                    .is_ok()
        });
        if ok {
            return Ok(issuer);
        }
    }
    Err(VerifyError::CrlIssuer {
        origin: origin.to_owned(),
        problem,
    })
}

/// Whether `cert` (a certificate's DER) is signed by the key `key` whose SPKI algorithm
/// is `spki_algorithm`.
pub(crate) fn signed_by(
    cert: &[u8],
    spki_algorithm: &[u8],
    key: &[u8],
    algs: &[&dyn SignatureVerificationAlgorithm],
) -> bool {
    let Ok(view) = certgate_x509::CertView::parse(cert) else {
        return false;
    };
    let sig_alg = der::read_tlv(view.signature_algorithm).map_or(&[][..], |(t, _)| t.value);
    algs.iter().any(|alg| {
        alg.signature_alg_id().as_ref() == sig_alg
            && alg.public_key_alg_id().as_ref() == spki_algorithm
            && alg.verify_signature(key, view.tbs, view.signature).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Name's content with one CN attribute.
    fn name(cn: &str) -> Vec<u8> {
        let oid = der::wrap(0x06, &[0x55, 0x04, 0x03]);
        let atv = der::wrap(0x30, &[oid, der::wrap(0x0c, cn.as_bytes())].concat());
        der::wrap(0x31, &atv)
    }

    #[test]
    fn an_entrys_issuer_is_its_first_directory_name() {
        let own = name("CRL Authority");
        let other = name("Issuing CA A");
        let names = |parts: &[Vec<u8>]| der::wrap(0x30, &parts.concat());
        let dir = |n: &[u8]| der::wrap(0xa4, &der::wrap(0x30, n));
        let uri = der::wrap(0x86, b"http://ca.example.com");
        let read = |n: Vec<u8>| EntryIssuer::named(&n, &own).unwrap();
        assert!(matches!(read(names(&[dir(&own)])), EntryIssuer::Own));
        assert!(
            matches!(read(names(&[uri.clone(), dir(&other), dir(&own)])), EntryIssuer::Other(n) if n == other)
        );
        assert!(matches!(read(names(&[uri])), EntryIssuer::Unmatchable));
        assert!(EntryIssuer::named(&[0x30, 0x02, 0x05, 0x00], &own).is_err());
    }
}
