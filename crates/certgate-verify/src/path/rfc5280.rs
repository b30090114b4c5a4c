//! The rules of RFC 5280 on one certificate's own fields and extensions, checked on the
//! borrowed [`CertView`] of each certificate a path is built from (signatures,
//! validity, basic constraints, name constraints, policies and EKUs are the path
//! validation's, in `build` and `validate`).
//!
//! Each rule is either the relying party's (checked always: a path cannot be verified
//! soundly without it) or the CA's duty ("conforming CAs MUST ..."), checked only with
//! [`Rfc5280Rules::Strict`]; [`crate::Rfc5280Violation::is_producer_side`] says which.

use crate::path::der_walk::{OID, SEQUENCE, items, only, tlv};
use crate::path::names::check_name_constraints;
use crate::path::violation::Rfc5280Violation as V;
pub(crate) use certgate_x509::CertView;
use certgate_x509::KeyUsageBit;
use certgate_x509::oid::ext::{
    AUTHORITY_KEY_IDENTIFIER as AKI, BASIC_CONSTRAINTS, EXT_KEY_USAGE as EKU, NAME_CONSTRAINTS,
    SUBJECT_ALT_NAME as SAN, SUBJECT_KEY_IDENTIFIER as SKI,
};

const AIA: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];

/// Which rules of RFC 5280 a verifier enforces.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rfc5280Rules {
    /// The relying party's rules (the default): what a path cannot be verified soundly
    /// without. Certificates from CAs that skip some of their own duties (rcgen's CA
    /// certificates have no authorityKeyIdentifier, for one) are accepted, as webpki,
    /// OpenSSL and nginx accept them; paths are built by name and signature.
    #[default]
    RelyingParty,
    /// Also the duties RFC 5280 and the CA/Browser Forum's Baseline Requirements put on
    /// the CA (key identifiers, criticality, serial numbers, EKU and key pedantry): for
    /// checking what a CA issues, and for conformance suites.
    Strict,
}

/// Where a certificate sits on a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// The end entity.
    Leaf,
    /// A CA between the leaf and the anchor.
    Intermediate,
    /// A trust anchor given as a certificate.
    Anchor,
}

/// The rules in force: a producer-side violation counts only in strict mode.
#[derive(Clone, Copy)]
struct Rules(Rfc5280Rules);

impl Rules {
    /// Whether the CA's duties are checked too: checks made of producer-side rules only
    /// are skipped, not just forgiven, when they are not.
    fn strict(self) -> bool {
        self.0 == Rfc5280Rules::Strict
    }

    fn refuse(self, violation: V) -> Result<(), V> {
        if self.0 == Rfc5280Rules::Strict || !violation.is_producer_side() {
            Err(violation)
        } else {
            Ok(())
        }
    }
}

/// The keyIdentifier of an authorityKeyIdentifier, and whether it names an issuer or serial.
fn aki_parts(value: &[u8]) -> Result<(Option<&[u8]>, bool), V> {
    let malformed = || V::MalformedExtension {
        extension: "authorityKeyIdentifier",
        problem: "malformed DER",
    };
    let body = only(value, SEQUENCE).ok_or_else(malformed)?;
    let mut key_id = None;
    let mut names_issuer = false;
    for item in items(body) {
        match item.ok_or_else(malformed)? {
            (0x80, id) => key_id = Some(id),
            _ => names_issuer = true,
        }
    }
    Ok((key_id, names_issuer))
}

/// Checks one certificate in its role under `rules`.
///
/// # Errors
/// The first rule in force that it breaks.
pub(crate) fn check(view: &CertView<'_>, role: Role, rules: Rfc5280Rules) -> Result<(), V> {
    let rules = Rules(rules);
    check_fields(view, role, rules)?;
    check_extensions(view, rules)?;
    // In relying-party mode a leaf's or intermediate's AKI matters only for the CA's
    // duties below, which are not in force; its shape is checked with the other
    // extensions path validation reads (build::check_common).
    let aki = match view.extension(AKI) {
        Some(ext) if rules.strict() || role == Role::Anchor => Some(aki_parts(ext.value)?),
        _ => None,
    };
    if aki.is_some_and(|(key_id, _)| key_id.is_none()) {
        rules.refuse(V::AkiWithoutKeyIdentifier)?;
    }
    if rules.strict() && view.extension(AKI).is_none() && !view.self_issued() {
        rules.refuse(V::MissingAki)?;
    }
    if role != Role::Leaf {
        check_ca(view, rules)?;
    }
    match role {
        Role::Leaf => check_leaf(view, rules),
        Role::Intermediate => Ok(()),
        Role::Anchor => {
            check_anchor_key(view)?;
            if let Some((key_id, names_issuer)) = aki {
                if names_issuer {
                    rules.refuse(V::AnchorAkiNamesIssuer)?;
                }
                if view.self_issued() && key_id.is_some() && key_id != ski(view) {
                    rules.refuse(V::AnchorAkiMismatch)?;
                }
            }
            if view.extension(EKU).is_some() {
                rules.refuse(V::EkuInAnchor)?;
            }
            Ok(())
        }
    }
}

/// The fields before the extensions: serial, algorithms, version, issuer, and
/// duplicate extensions.
fn check_fields(view: &CertView<'_>, role: Role, rules: Rules) -> Result<(), V> {
    // Anchors are trusted by configuration; some long-lived roots have serial zero.
    // (certgate-x509 has already refused repeated extensions, and extensions before v3.)
    if role != Role::Anchor {
        if view.serial.is_negative() {
            rules.refuse(V::NegativeSerial)?;
        }
        if view.serial.is_zero() || view.serial.octet_len() > 20 {
            rules.refuse(V::SerialZeroOrTooLong)?;
        }
    }
    if view.tbs_signature_algorithm != view.signature_algorithm {
        return Err(V::SignatureAlgorithmMismatch);
    }
    if view.issuer.is_empty() {
        return Err(V::EmptyIssuer);
    }
    Ok(())
}

/// Criticality and shape of the extensions every certificate may carry.
fn check_extensions(view: &CertView<'_>, rules: Rules) -> Result<(), V> {
    if view.extension(AKI).is_some_and(|e| e.critical) {
        rules.refuse(V::CriticalAki)?;
    }
    if view.extension(SKI).is_some_and(|e| e.critical) {
        rules.refuse(V::CriticalSki)?;
    }
    if let Some(aia) = view.extension(AIA) {
        if aia.critical {
            rules.refuse(V::CriticalAia)?;
        }
        check_aia(aia.value)?;
    }
    if let Some(nc) = view.extension(NAME_CONSTRAINTS) {
        check_name_constraints(nc.value)?;
        if !nc.critical {
            rules.refuse(V::NonCriticalNameConstraints)?;
        }
    }
    if view
        .extension(certgate_x509::oid::ext::POLICY_CONSTRAINTS)
        .is_some_and(|e| !e.critical)
    {
        rules.refuse(V::NonCriticalPolicyConstraints)?;
    }
    if view.subject.is_empty() {
        match view.extension(SAN) {
            Some(san) if san.critical => {}
            _ => rules.refuse(V::EmptySubjectWithoutCriticalSan)?,
        }
    }
    Ok(())
}

/// What a CA (intermediate or anchor) must be.
fn check_ca(view: &CertView<'_>, rules: Rules) -> Result<(), V> {
    if view.subject.is_empty() {
        return Err(V::CaWithEmptySubject);
    }
    if rules.strict() && ski(view).is_none() {
        rules.refuse(V::CaWithoutSki)?;
    }
    if view
        .extension(BASIC_CONSTRAINTS)
        .is_some_and(|bc| !bc.critical)
    {
        rules.refuse(V::NonCriticalBasicConstraints)?;
    }
    if key_cert_sign(view) == Some(false) {
        return Err(V::CaWithoutKeyCertSign);
    }
    Ok(())
}

/// anyExtendedKeyUsage, 2.5.29.37.0.
const ANY_EKU: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

/// What an end entity must be (every rule here is the CA's duty).
fn check_leaf(view: &CertView<'_>, rules: Rules) -> Result<(), V> {
    if !rules.strict() {
        return Ok(());
    }
    let ca = view.is_ca();
    if !ca && key_cert_sign(view) == Some(true) {
        rules.refuse(V::KeyCertSignWithoutCa)?;
    }
    if !ca && view.extension(NAME_CONSTRAINTS).is_some() {
        rules.refuse(V::NameConstraintsWithoutCa)?;
    }
    match view.extension(EKU) {
        None => rules.refuse(V::EndEntityWithoutEku)?,
        Some(eku) => {
            if eku.critical {
                rules.refuse(V::CriticalEkuInEndEntity)?;
            }
            let any = only(eku.value, SEQUENCE).is_some_and(|body| {
                items(body).any(|item| matches!(item, Some((OID, oid)) if oid == ANY_EKU))
            });
            if any {
                rules.refuse(V::AnyEkuInEndEntity)?;
            }
        }
    }
    if !end_entity_key_ok(view) {
        rules.refuse(V::WeakEndEntityKey)?;
    }
    Ok(())
}

/// The subjectKeyIdentifier (none when absent or malformed).
fn ski<'a>(view: &CertView<'a>) -> Option<&'a [u8]> {
    view.subject_key_id().ok().flatten()
}

/// keyUsage's keyCertSign (none without a readable keyUsage).
fn key_cert_sign(view: &CertView<'_>) -> Option<bool> {
    view.key_usage()
        .ok()
        .flatten()
        .map(|ku| ku.contains(KeyUsageBit::KeyCertSign))
}

/// Whether the leaf has an extendedKeyUsage extension.
pub(crate) fn has_eku(view: &CertView<'_>) -> bool {
    view.extension(EKU).is_some()
}

/// authorityInfoAccess: one or more AccessDescriptions (an OID and a GeneralName).
fn check_aia(value: &[u8]) -> Result<(), V> {
    let bad = |problem| V::MalformedExtension {
        extension: "authorityInfoAccess",
        problem,
    };
    let body = only(value, SEQUENCE).ok_or_else(|| bad("not a SEQUENCE"))?;
    if body.is_empty() {
        return Err(bad("no AccessDescription"));
    }
    for item in items(body) {
        let description = match item {
            Some((SEQUENCE, description)) => description,
            _ => return Err(bad("an AccessDescription is not a SEQUENCE")),
        };
        let well_formed = match tlv(description) {
            Some((OID, _, rest)) => {
                matches!(tlv(rest), Some((tag, _, [])) if tag & 0xc0 == 0x80)
            }
            _ => false,
        };
        if !well_formed {
            return Err(bad("an AccessDescription is not an OID and a GeneralName"));
        }
    }
    Ok(())
}

/// rsaEncryption, 1.2.840.113549.1.1.1.
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// id-ecPublicKey, 1.2.840.10045.2.1.
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// The named curves P-256 (1.2.840.10045.3.1.7), P-384 (1.3.132.0.34) and P-521
/// (1.3.132.0.35).
const NAMED_CURVES: [&[u8]; 3] = [
    &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
    &[0x2b, 0x81, 0x04, 0x00, 0x22],
    &[0x2b, 0x81, 0x04, 0x00, 0x23],
];
/// id-Ed25519, 1.3.101.112.
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// The smallest RSA modulus the CA/Browser Forum allows (BR 6.1.5), in bits.
const MIN_RSA_BITS: usize = 2048;

/// The RSA modulus of a key, without leading zero octets.
fn rsa_modulus(key: &[u8]) -> Result<&[u8], V> {
    let modulus = only(key, SEQUENCE)
        .and_then(tlv)
        .map(|(_, modulus, _)| modulus)
        .ok_or_else(|| V::Unreadable {
            field: "RSA public key",
            detail: "malformed DER".into(),
        })?;
    let start = modulus
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(modulus.len());
    Ok(&modulus[start..])
}

/// The leaf's key is RSA (2048 bits or more, a multiple of 8), ECDSA on a named NIST
/// curve or Ed25519.
fn end_entity_key_ok(view: &CertView<'_>) -> bool {
    let (algorithm, key) = view.public_key();
    match tlv(algorithm) {
        Some((OID, RSA_ENCRYPTION, _)) => rsa_modulus(key).is_ok_and(|m| {
            let top = m.first().copied().unwrap_or(0);
            let leading_zeros = (0..8).take_while(|i| top & (0x80 >> i) == 0).count();
            let bits = (m.len() * 8).saturating_sub(leading_zeros);
            bits >= MIN_RSA_BITS && bits % 8 == 0
        }),
        Some((OID, EC_PUBLIC_KEY, params)) => {
            matches!(tlv(params), Some((OID, curve, [])) if NAMED_CURVES.contains(&curve))
        }
        Some((OID, ED25519, [])) => true,
        _ => false,
    }
}

/// An anchor's RSA modulus is a whole number of bytes long (as webpki and browsers
/// require of keys they trust).
fn check_anchor_key(view: &CertView<'_>) -> Result<(), V> {
    let (algorithm, key) = view.public_key();
    if !matches!(tlv(algorithm), Some((OID, RSA_ENCRYPTION, _))) {
        return Ok(());
    }
    match rsa_modulus(key)?.first() {
        Some(top) if top & 0x80 != 0 => Ok(()),
        _ => Err(V::AnchorRsaModulusNotWholeOctets),
    }
}
