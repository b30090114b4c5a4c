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
//!
//! webpki ignores SmtpUTF8Mailbox otherNames (RFC 8398) altogether, so a leaf whose only
//! mailbox is one would slip past every rfc822Name constraint: on every path webpki
//! builds, they are checked here against the constraints of each CA (RFC 8398 section
//! 6), and in the path shape above with the rfc822Names.

use rustls_pki_types::{CertificateDer, Der, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, VerifiedPath};

use crate::info::FailureReason;
use crate::path::chain::ChainVerifier;
use crate::path::der_walk::{OID, SEQUENCE, items, only, tlv, wrap};
use crate::path::names::{dns_syntax_ok, general_names};
use crate::path::rank::reason_of;
use crate::path::usage::Usage;
use crate::path::violation::Rfc5280Violation;
use certgate_x509::CertView;
use certgate_x509::oid::ext::{EXT_KEY_USAGE as EKU, NAME_CONSTRAINTS, SUBJECT_ALT_NAME as SAN};

/// GeneralName tag number of rfc822Name.
const RFC822: u8 = 1;
/// GeneralName tag number of otherName.
const OTHER_NAME: u8 = 0;
/// id-on-SmtpUTF8Mailbox, 1.3.6.1.5.5.7.8.9 (RFC 8398 section 3).
const SMTP_UTF8_MAILBOX: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x09];
/// The tags of an otherName's `[0] EXPLICIT` value and of a UTF8String.
const EXPLICIT_0: u8 = 0xa0;
const UTF8_STRING: u8 = 0x0c;
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
    let mut emails: Vec<Mailbox<'_>> = leaf_emails(leaf_view)?
        .into_iter()
        .map(Mailbox::Rfc822)
        .collect();
    let san = leaf_view.extension(SAN)?;
    emails.extend(
        smtp_utf8_mailboxes(san.value)
            .ok()?
            .into_iter()
            .map(Mailbox::SmtpUtf8),
    );
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
        if view.subject.der() != leaf_view.issuer.der() {
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
        .subject
        .content()
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

/// A mailbox of the leaf, in either form.
#[derive(Clone, Copy, Debug)]
enum Mailbox<'a> {
    /// An rfc822Name (ASCII).
    Rfc822(&'a [u8]),
    /// An SmtpUTF8Mailbox's UTF-8 address (RFC 8398).
    SmtpUtf8(&'a [u8]),
}

impl<'a> Mailbox<'a> {
    /// Local part and host. An SmtpUTF8Mailbox's local part is UTF-8; its host is
    /// compared in A-label (ASCII) form, and one in U-labels is not understood (no host
    /// then: it matches no constraint, so any constraint refuses it).
    fn parts(self) -> Option<(&'a [u8], &'a [u8])> {
        match self {
            Self::Rfc822(address) => mailbox(address),
            Self::SmtpUtf8(address) => {
                let at = address.iter().rposition(|b| *b == b'@')?;
                let (local, host) = (&address[..at], &address[at + 1..]);
                (!local.is_empty() && std::str::from_utf8(local).is_ok() && host_ok(host))
                    .then_some((local, host))
            }
        }
    }

    fn text(self) -> String {
        match self {
            Self::Rfc822(a) | Self::SmtpUtf8(a) => String::from_utf8_lossy(a).into_owned(),
        }
    }
}

/// The addresses of the SmtpUTF8Mailbox otherNames of a subjectAltName value.
fn smtp_utf8_mailboxes(san: &[u8]) -> Result<Vec<&[u8]>, Rfc5280Violation> {
    let malformed = Rfc5280Violation::MalformedExtension {
        extension: "subjectAltName",
        problem: "an SmtpUTF8Mailbox is not an OID and an explicit UTF8String",
    };
    let mut out = Vec::new();
    for (tag, name) in general_names(san)? {
        match tlv(name) {
            Some((OID, SMTP_UTF8_MAILBOX, value)) if tag == OTHER_NAME => {
                match only(value, EXPLICIT_0).and_then(|v| only(v, UTF8_STRING)) {
                    Some(address) => out.push(address),
                    None => return Err(malformed),
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Whether `mailbox` passes the email subtrees of one CA's name constraints.
fn permitted(mailbox: Mailbox<'_>, split: &Split) -> bool {
    !split.excluded.iter().any(|base| within(mailbox, base))
        && (split.permitted.is_empty() || split.permitted.iter().any(|base| within(mailbox, base)))
}

/// The leaf's SmtpUTF8Mailbox names (RFC 8398), or why they cannot be read: read once
/// per verification, as the same leaf heads every candidate path, and reported only
/// where a path is checked (another failure of higher rank may come first).
pub(crate) type LeafMailboxes<'a> = Result<Vec<&'a [u8]>, FailureReason>;

/// [`LeafMailboxes`] of a leaf's view.
pub(crate) fn leaf_smtp_utf8_mailboxes<'a>(leaf: &CertView<'a>) -> LeafMailboxes<'a> {
    match leaf.extension(SAN) {
        Some(san) => smtp_utf8_mailboxes(san.value).map_err(FailureReason::Malformed),
        None => Ok(Vec::new()),
    }
}

/// The leaf's SmtpUTF8Mailbox names (from [`leaf_smtp_utf8_mailboxes`]) against the
/// rfc822Name constraints of every CA on `path` (RFC 8398 section 6), which webpki does
/// not look at. A constraint this module cannot read refuses them (fail closed).
pub(crate) fn check_smtp_utf8_on_path(
    path: &VerifiedPath<'_>,
    mailboxes: &LeafMailboxes<'_>,
) -> Result<(), FailureReason> {
    let mailboxes = mailboxes.as_ref().map_err(Clone::clone)?;
    if mailboxes.is_empty() {
        return Ok(());
    }
    let mut constraints: Vec<Vec<u8>> = Vec::new();
    if let Some(nc) = &path.anchor().name_constraints {
        constraints.push(wrap(SEQUENCE, nc.as_ref()));
    }
    for cert in path.intermediate_certificates() {
        let der = cert.der();
        let view = CertView::parse(&der).map_err(|e| FailureReason::Malformed(e.into()))?;
        if let Some(nc) = view.extension(NAME_CONSTRAINTS) {
            constraints.push(nc.value.to_vec());
        }
    }
    for nc in &constraints {
        for address in mailboxes {
            let mailbox = Mailbox::SmtpUtf8(address);
            if !split_constraints(nc).is_some_and(|split| permitted(mailbox, &split)) {
                return Err(outside(mailbox));
            }
        }
    }
    Ok(())
}

fn outside(mailbox: Mailbox<'_>) -> FailureReason {
    FailureReason::Malformed(Rfc5280Violation::MailboxOutsideNameConstraints {
        mailbox: mailbox.text(),
    })
}

fn host_ok(host: &[u8]) -> bool {
    !host.starts_with(b"*") && dns_syntax_ok(host)
}

/// Whether `address` is within the rfc822Name constraint `base` (RFC 5280 4.2.1.10): a
/// mailbox matches exactly (host without regard to case), a host matches every mailbox
/// on it, a `.domain` every mailbox on a host below it.
fn within(address: Mailbox<'_>, base: &[u8]) -> bool {
    let Some((local, host)) = address.parts() else {
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
            let (subtree, rest) = certgate_x509::der::read_tlv(remaining).ok()?;
            remaining = rest;
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
    emails: &[Mailbox<'_>],
    usage: &Usage,
    now: UnixTime,
) -> Result<usize, FailureReason> {
    let malformed = |extension| {
        FailureReason::Malformed(Rfc5280Violation::MalformedExtension {
            extension,
            problem: "malformed DER",
        })
    };
    // The email constraints.
    if let Some(email) = emails.iter().find(|email| !permitted(**email, split)) {
        return Err(outside(*email));
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
    let (not_before, not_after) = (
        ica.not_before.unix_seconds_u64(),
        ica.not_after.unix_seconds_u64(),
    );
    in_validity(now, not_before, not_after)?;
    if let Some(eku) = ica.extension(EKU) {
        let listed =
            certgate_x509::key_purposes(eku.value).map_err(|_| malformed("extendedKeyUsage"))?;
        if !usage
            .required_purposes()
            .iter()
            .all(|wanted| listed.contains(&wanted.oid()))
        {
            return Err(FailureReason::WrongKeyUsage);
        }
    }
    // Its issuer: an anchor without name constraints, valid now, whose key signed it.
    let (index, anchor) = verifier
        .trust_anchors()
        .iter()
        .enumerate()
        .find(|(_, a)| a.subject.as_ref() == ica.issuer.content())
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
        CertView::parse(anchor_der).map_err(|e| FailureReason::Malformed(e.into()))?;
    let (key_alg, key) = anchor_view.public_key();
    let sig_alg = only(ica.signature_algorithm, SEQUENCE).unwrap_or_default();
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
        subject: Der::from(ica.subject.content()),
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
    verifier.revocation_verdict(leaf_view, ica.public_key().1, ica_der, seconds)?;
    if verifier.checks_chain_revocation() {
        verifier.revocation_verdict(ica, key, anchor_der, seconds)?;
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
    FailureReason::Malformed(Rfc5280Violation::NameConstraintViolation)
}
