//! rfc822Name (email) name constraints, which rustls-webpki does not implement: it fails
//! closed on any certificate with an email address below a CA with email constraints
//! (rustls/webpki#445). Device certificates with email SANs under a CA limited to one
//! domain are a case certgate must serve, so one path shape is checked here:
//!
//! leaf ← intermediate with rfc822Name constraints ← trust anchor without constraints.
//!
//! webpki still checks the leaf (signature, validity, EKU, basic constraints and the
//! intermediate's other name constraints) against the intermediate taken as an anchor
//! with its email subtrees removed; this module checks those email subtrees and the
//! intermediate itself (RFC 5280 checks, CA, validity, signature by the anchor, EKU
//! chaining, revocation), and refuses any other shape.

use rustls_pki_types::{CertificateDer, Der, TrustAnchor, UnixTime};
use webpki::EndEntityCert;

use crate::chain::{ChainVerifier, reason_of};
use crate::der_walk::{OID, SEQUENCE, items, only, tlv, whole_tlv, wrap};
use crate::info::FailureReason;
use crate::names::{dns_syntax_ok, general_names};
use crate::usage::Usage;
use crate::view::{CertView, EKU, NAME_CONSTRAINTS, SAN};

/// GeneralName tag number of rfc822Name.
const RFC822: u8 = 1;
/// pkcs-9 emailAddress, as it appears in a subject: OID 1.2.840.113549.1.9.1.
const EMAIL_ADDRESS_OID: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01,
];

/// Checks `leaf` through an email-constrained intermediate. `None` when the path is not
/// of the one supported shape (the caller keeps webpki's refusal); otherwise the index
/// of the anchor, or why it fails.
pub(crate) fn verify(
    verifier: &ChainVerifier,
    leaf: &EndEntityCert<'_>,
    leaf_view: &CertView<'_>,
    presented: &[CertificateDer<'_>],
    usage: &Usage,
    now: UnixTime,
) -> Option<Result<usize, FailureReason>> {
    let emails = leaf_emails(leaf_view)?;
    if verifier.max_intermediates() == Some(0) {
        return None;
    }
    let candidates = presented.iter().map(|c| c.as_ref()).chain(
        verifier
            .configured_intermediates()
            .iter()
            .map(|c| c.as_ref()),
    );
    for der in candidates {
        let Ok(view) = CertView::parse(der) else {
            continue;
        };
        if view.subject != leaf_view.issuer {
            continue;
        }
        let Some(nc) = view.extension(NAME_CONSTRAINTS) else {
            continue;
        };
        let Some(split) = split_constraints(nc.value) else {
            continue;
        };
        if split.permitted.is_empty() && split.excluded.is_empty() {
            continue;
        }
        return Some(through(
            verifier, leaf, leaf_view, der, &view, &split, &emails, usage, now,
        ));
    }
    None
}

/// The leaf's email addresses, when all are plain mailboxes and the subject has no
/// emailAddress attribute (RFC 5280 applies email constraints to it too; not handled).
fn leaf_emails<'a>(view: &CertView<'a>) -> Option<Vec<&'a [u8]>> {
    if view
        .subject_content()
        .windows(EMAIL_ADDRESS_OID.len())
        .any(|w| w == EMAIL_ADDRESS_OID)
    {
        return None;
    }
    let san = view.extension(SAN)?;
    let emails: Vec<&[u8]> = general_names(san.value)
        .ok()?
        .into_iter()
        .filter(|(tag, _)| *tag == RFC822)
        .map(|(_, v)| v)
        .collect();
    (!emails.is_empty() && emails.iter().all(|e| mailbox(e).is_some())).then_some(emails)
}

/// A mailbox's local part and host: one `@`, printable ASCII without spaces, a host name.
fn mailbox(address: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = address.iter().position(|b| *b == b'@')?;
    let (local, host) = (&address[..at], &address[at + 1..]);
    let printable = |b: &u8| b.is_ascii_graphic() && *b != b'@';
    (!local.is_empty() && local.iter().all(printable) && host_ok(host)).then_some((local, host))
}

fn host_ok(host: &[u8]) -> bool {
    !host.starts_with(b"*") && dns_syntax_ok(host)
}

/// Whether `address` is within the rfc822Name constraint `base` (RFC 5280 4.2.1.10): a
/// mailbox matches exactly (host without regard to case), a host matches every mailbox
/// on it, a `.domain` every mailbox on a host below it.
fn within(address: &[u8], base: &[u8]) -> bool {
    let Some((local, host)) = mailbox(address) else {
        return false;
    };
    if base.contains(&b'@') {
        return mailbox(base).is_some_and(|(bl, bh)| bl == local && bh.eq_ignore_ascii_case(host));
    }
    if let Some(domain) = base.strip_prefix(b".") {
        return host.len() > domain.len()
            && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
            && host[host.len() - domain.len() - 1] == b'.';
    }
    host.eq_ignore_ascii_case(base)
}

/// A constraint's email subtrees, and its other subtrees re-encoded for webpki.
struct Split {
    permitted: Vec<Vec<u8>>,
    excluded: Vec<Vec<u8>>,
    /// The NameConstraints content without email subtrees; `None` when nothing is left.
    rest: Option<Vec<u8>>,
}

fn split_constraints(value: &[u8]) -> Option<Split> {
    let mut split = Split {
        permitted: Vec::new(),
        excluded: Vec::new(),
        rest: None,
    };
    let mut rest = Vec::new();
    for subtrees in items(only(value, SEQUENCE)?) {
        let (tag, subtrees) = subtrees?;
        let emails = match tag {
            0xa0 => &mut split.permitted,
            0xa1 => &mut split.excluded,
            _ => return None,
        };
        let mut kept = Vec::new();
        let mut remaining = subtrees;
        while !remaining.is_empty() {
            let subtree = whole_tlv(remaining)?;
            remaining = subtree.rest;
            match tlv(subtree.value)? {
                // An rfc822Name base, [1] IA5String.
                (0x81, base, _) => {
                    // A constraint that is not a mailbox, host or .domain: no opinion.
                    let ok = if base.contains(&b'@') {
                        mailbox(base).is_some()
                    } else {
                        host_ok(base.strip_prefix(b".").unwrap_or(base))
                    };
                    if !ok {
                        return None;
                    }
                    emails.push(base.to_vec());
                }
                _ => kept.extend_from_slice(subtree.whole),
            }
        }
        if !kept.is_empty() {
            rest.extend(wrap(tag, &kept));
        }
    }
    split.rest = (!rest.is_empty()).then_some(rest);
    Some(split)
}

#[allow(clippy::too_many_arguments)]
fn through(
    verifier: &ChainVerifier,
    leaf: &EndEntityCert<'_>,
    leaf_view: &CertView<'_>,
    ica_der: &[u8],
    ica: &CertView<'_>,
    split: &Split,
    emails: &[&[u8]],
    usage: &Usage,
    now: UnixTime,
) -> Result<usize, FailureReason> {
    let malformed = |why: &str| FailureReason::Malformed(why.to_owned());
    // The email constraints.
    for email in emails {
        if split.excluded.iter().any(|base| within(email, base))
            || (!split.permitted.is_empty()
                && !split.permitted.iter().any(|base| within(email, base)))
        {
            return Err(malformed(
                "an email address is outside the issuer's name constraints",
            ));
        }
    }
    // The intermediate as a CA: what the path hook checks of intermediates, and what
    // webpki checks of issuers.
    verifier
        .check_intermediate(ica_der)
        .map_err(FailureReason::Malformed)?;
    let ica_cert = CertificateDer::from(ica_der);
    EndEntityCert::try_from(&ica_cert).map_err(|e| reason_of(&e))?;
    if !ica.is_ca() {
        return Err(FailureReason::UnknownIssuer);
    }
    let (not_before, not_after) = ica
        .validity()
        .map_err(|e| FailureReason::Malformed(e.to_string()))?;
    in_validity(now, not_before, not_after)?;
    if let Some(eku) = ica.extension(EKU) {
        let listed = eku_oids(eku.value).ok_or_else(|| malformed("extendedKeyUsage"))?;
        if !usage
            .required_ekus()
            .iter()
            .all(|wanted| listed.contains(wanted))
        {
            return Err(FailureReason::WrongKeyUsage);
        }
    }
    // Its issuer: an anchor without name constraints, valid now, whose key signed it.
    let (index, anchor) = verifier
        .trust_anchors()
        .iter()
        .enumerate()
        .find(|(_, a)| a.subject.as_ref() == ica.issuer_content())
        .ok_or(FailureReason::UnknownIssuer)?;
    if anchor.name_constraints.is_some() {
        return Err(reason_nc());
    }
    let (not_before, not_after) = verifier
        .anchor_validity(index)
        .ok_or(FailureReason::UnknownIssuer)?;
    in_validity(now, not_before, not_after)?;
    let anchor_der = verifier
        .anchors()
        .get(index)
        .ok_or(FailureReason::UnknownIssuer)?;
    let anchor_view =
        CertView::parse(anchor_der).map_err(|e| FailureReason::Malformed(e.to_string()))?;
    let (key_alg, key) = anchor_view
        .public_key()
        .ok_or_else(|| malformed("anchor key"))?;
    let sig_alg = only(ica.outer_algorithm, SEQUENCE).unwrap_or_default();
    let signed = verifier.algorithms().iter().any(|alg| {
        alg.signature_alg_id().as_ref() == sig_alg
            && alg.public_key_alg_id().as_ref() == key_alg
            && alg.verify_signature(key, ica.tbs, ica.signature).is_ok()
    });
    if !signed {
        return Err(FailureReason::BadSignature);
    }
    // The leaf under the intermediate taken as an anchor, its email subtrees removed.
    let stand_in = TrustAnchor {
        subject: Der::from(ica.subject_content()),
        subject_public_key_info: Der::from(ica.spki_content()),
        name_constraints: split.rest.as_deref().map(Der::from),
    };
    leaf.verify_for_usage(
        verifier.algorithms(),
        std::slice::from_ref(&stand_in),
        &[],
        now,
        usage.validator(),
        None,
        None,
    )
    .map_err(|e| reason_of(&e))?;
    // Revocation: the leaf by the intermediate, and the intermediate by the anchor.
    let seconds = now.as_secs();
    verifier.revocation_verdict(leaf_view.der, ica_der, seconds)?;
    if verifier.checks_chain_revocation() {
        verifier.revocation_verdict(ica_der, anchor_der, seconds)?;
    }
    Ok(index)
}

fn in_validity(now: UnixTime, not_before: u64, not_after: u64) -> Result<(), FailureReason> {
    match now.as_secs() {
        t if t > not_after => Err(FailureReason::Expired),
        t if t < not_before => Err(FailureReason::NotYetValid),
        _ => Ok(()),
    }
}

fn reason_nc() -> FailureReason {
    FailureReason::Malformed("NameConstraintViolation".into())
}

/// The OIDs (values) of an extendedKeyUsage extension.
fn eku_oids(value: &[u8]) -> Option<Vec<&[u8]>> {
    items(only(value, SEQUENCE)?)
        .map(|item| match item? {
            (OID, oid) => Some(oid),
            _ => None,
        })
        .collect()
}
