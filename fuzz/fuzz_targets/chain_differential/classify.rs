//! Why certgate-verify may accept a chain webpki refuses: the places where certgate
//! does more than webpki (policies, every form of name constraint, RFC 5280 7.1 name
//! comparison, self-issued certificates) or is lenient where RFC 5280 6 asks a relying
//! party to be. Each category is a small test over certgate-x509's `CertView`s of the
//! chain: the leaf first, then the presented intermediates, the anchor last.

use std::fmt;

use certgate_x509::der;
use certgate_x509::oid::ext;
use certgate_x509::{CertView, NameView};

/// A known reason for certgate to accept what webpki refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Category {
    /// A critical certificatePolicies, policyMappings, policyConstraints or
    /// inhibitAnyPolicy: webpki refuses unknown critical extensions, certgate processes
    /// them (RFC 5280 6.1.3 (d)-(f), 6.1.4 (a)-(b), (i)-(j)).
    Policy,
    /// A directoryName, URI or rfc822Name (email) name constraint, or a directoryName
    /// in a subjectAltName under name constraints: webpki does not evaluate those forms
    /// (it refuses any name of a constrained form it does not implement, email
    /// included), certgate does (RFC 5280 4.2.1.10).
    DnUriConstraints,
    /// An issuer equal to a subject by RFC 5280 7.1 but not octet for octet: webpki
    /// compares names by their octets.
    NameLeniency,
    /// A self-issued intermediate: RFC 5280 6.1.4 (l) leaves it out of path lengths
    /// and 6.1.3 (b) out of name constraints; webpki counts it like any other.
    SelfIssued,
    /// A CA whose basicConstraints is not critical or whose pathLenConstraint is above
    /// 255 (RFC 5280: INTEGER (0..MAX); webpki reads it as one octet), unique
    /// identifiers, a certificate that is not v3, a validity time before 2000, or a
    /// critical key identifier
    /// extension (RFC 5280 4.2.1.1-2 tell the CA to mark them non-critical; certgate
    /// checks the CA's duties only under `Rfc5280Rules::Strict`, webpki refuses them as
    /// unknown critical extensions): what RFC 5280 6 lets a relying party accept and
    /// webpki refuses.
    RelyingPartyLeniency,
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The policy extensions webpki refuses when critical.
const POLICY_EXTENSIONS: [&[u8]; 4] = [
    ext::CERTIFICATE_POLICIES,
    ext::POLICY_MAPPINGS,
    ext::POLICY_CONSTRAINTS,
    ext::INHIBIT_ANY_POLICY,
];

/// 2000-01-01T00:00:00Z.
const YEAR_2000: u64 = 946_684_800;

/// Context tags of GeneralName.
const DIRECTORY_NAME: u8 = 0xa4;
const URI: u8 = 0x86;
const RFC822_NAME: u8 = 0x81;

/// Every category the chain falls in.
pub(crate) fn classify(chain: &[CertView<'_>]) -> Vec<Category> {
    let mut found = Vec::new();
    let checks: [(Category, fn(&[CertView<'_>]) -> bool); 5] = [
        (Category::Policy, has_critical_policy_extension),
        (Category::DnUriConstraints, has_dn_or_uri_constraints),
        (Category::NameLeniency, has_lenient_name_link),
        (Category::SelfIssued, has_self_issued_intermediate),
        (Category::RelyingPartyLeniency, has_relying_party_leniency),
    ];
    for (category, check) in checks {
        if check(chain) {
            found.push(category);
        }
    }
    found
}

fn has_critical_policy_extension(chain: &[CertView<'_>]) -> bool {
    chain.iter().any(|c| {
        c.extensions
            .iter()
            .any(|e| e.critical && POLICY_EXTENSIONS.contains(&e.oid))
    })
}

/// The GeneralName tags of the subtrees of a nameConstraints value; `None` when it
/// does not read.
fn constraint_forms(value: &[u8]) -> Option<Vec<u8>> {
    let (seq, _) = der::read_tlv(value).ok()?;
    let mut forms = Vec::new();
    for subtrees in der::elements(seq.value) {
        for subtree in der::elements(subtrees.ok()?.value) {
            let (base, _) = der::read_tlv(subtree.ok()?.value).ok()?;
            forms.push(base.tag);
        }
    }
    Some(forms)
}

fn has_dn_or_uri_constraints(chain: &[CertView<'_>]) -> bool {
    let constraints: Vec<_> = chain
        .iter()
        .skip(1)
        .filter_map(|c| c.extension(ext::NAME_CONSTRAINTS))
        .collect();
    if constraints.is_empty() {
        return false;
    }
    // An unreadable nameConstraints counts: which forms it holds is unknown.
    let dn_or_uri = constraints.iter().any(|e| {
        constraint_forms(e.value).is_none_or(|f| {
            f.iter()
                .any(|t| [DIRECTORY_NAME, URI, RFC822_NAME].contains(t))
        })
    });
    let dn_in_san = chain.iter().any(|c| {
        c.extension(ext::SUBJECT_ALT_NAME).is_some_and(|e| {
            der::read_tlv(e.value).is_ok_and(|(seq, _)| {
                der::elements(seq.value).any(|n| n.is_ok_and(|n| n.tag == DIRECTORY_NAME))
            })
        })
    });
    dn_or_uri || dn_in_san
}

/// A name as RFC 5280 7.1 compares it, roughly (RFC 4518's insignificant space and
/// case folding, each RDN as a set): per RDN, its sorted (type, folded text)
/// pairs. Values that are not text stay octets.
pub(crate) fn folded(name: &NameView<'_>) -> Vec<Vec<(Vec<u8>, String)>> {
    let mut rdns: Vec<Vec<(Vec<u8>, String)>> = Vec::new();
    for a in name.attributes() {
        let text = match a.text() {
            Some(t) => t
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase(),
            None => certgate_x509::hex::lower(a.value_der),
        };
        if rdns.len() <= a.rdn {
            rdns.resize(a.rdn + 1, Vec::new());
        }
        rdns[a.rdn].push((a.oid.to_vec(), text));
    }
    for rdn in &mut rdns {
        rdn.sort();
    }
    rdns
}

/// A certificate whose issuer matches no subject of the chain octet for octet but
/// matches one once folded.
fn has_lenient_name_link(chain: &[CertView<'_>]) -> bool {
    chain.iter().any(|c| {
        let exact = chain.iter().any(|i| i.subject.der() == c.issuer.der());
        let issuer = folded(&c.issuer);
        !exact && chain.iter().any(|i| folded(&i.subject) == issuer)
    })
}

fn has_self_issued_intermediate(chain: &[CertView<'_>]) -> bool {
    let intermediates = &chain[1.min(chain.len())..chain.len().saturating_sub(1)];
    intermediates
        .iter()
        .any(|c| c.self_issued() || folded(&c.issuer) == folded(&c.subject))
}

fn has_relying_party_leniency(chain: &[CertView<'_>]) -> bool {
    let lenient_ca = chain.iter().skip(1).any(|c| {
        c.extension(ext::BASIC_CONSTRAINTS)
            .is_some_and(|e| !e.critical)
    });
    let critical_key_id = chain.iter().any(|c| {
        c.extensions.iter().any(|e| {
            e.critical
                && [ext::AUTHORITY_KEY_IDENTIFIER, ext::SUBJECT_KEY_IDENTIFIER].contains(&e.oid)
        })
    });
    let long_path_len = chain.iter().any(|c| {
        matches!(c.basic_constraints(), Ok(Some(bc)) if bc.path_len.is_some_and(|n| n > 255))
    });
    lenient_ca
        || long_path_len
        || critical_key_id
        || chain.iter().any(|c| {
            c.version != 2
                || c.issuer_unique_id.is_some()
                || c.subject_unique_id.is_some()
                || c.not_before.unix_seconds_u64() < YEAR_2000
                || c.not_after.unix_seconds_u64() < YEAR_2000
        })
}
