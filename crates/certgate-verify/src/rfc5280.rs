//! What RFC 5280 forbids and webpki lets through, checked on the borrowed
//! [`CertView`]. webpki builds the path and checks signatures, validity, basic
//! constraints, name constraints and EKUs; these checks run on the path it built.

use crate::der_walk::{OID, SEQUENCE, items, only, tlv};
use crate::names::check_name_constraints;
pub(crate) use crate::view::CertView;
use crate::view::{AKI, BASIC_CONSTRAINTS, EKU, NAME_CONSTRAINTS, SAN, SKI};

const AIA: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];

/// The keyCertSign bit of keyUsage (RFC 5280 4.2.1.3).
const KU_KEY_CERT_SIGN: u8 = 5;

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

fn oid_text(value: &[u8]) -> String {
    const_oid::ObjectIdentifier::from_bytes(value)
        .map(|o| o.to_string())
        .unwrap_or_else(|_| "(malformed OID)".into())
}

/// The keyIdentifier of an authorityKeyIdentifier, and whether it names an issuer or serial.
fn aki_parts(value: &[u8]) -> Result<(Option<&[u8]>, bool), String> {
    let malformed = || "authorityKeyIdentifier: malformed DER".to_owned();
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

/// Checks one certificate in its role. `Err` says, in words, what RFC 5280 forbids.
pub(crate) fn check(view: &CertView<'_>, role: Role) -> Result<(), String> {
    let serial = match view.serial {
        [0, rest @ ..] if !rest.is_empty() => rest,
        s => s,
    };
    // Anchors are trusted by configuration; some long-lived roots have serial zero.
    if role != Role::Anchor {
        if view.serial.first().is_some_and(|b| b & 0x80 != 0) {
            return Err("serial number is negative (RFC 5280 4.1.2.2)".into());
        }
        if serial.iter().all(|b| *b == 0) || serial.len() > 20 {
            return Err("serial number is zero or longer than 20 octets (RFC 5280 4.1.2.2)".into());
        }
    }
    if view.inner_algorithm != view.outer_algorithm {
        return Err("signature algorithm differs inside and outside tbsCertificate".into());
    }
    if view.has_extensions() && view.version != 2 {
        return Err("extensions in a certificate that is not v3".into());
    }
    let mut seen: Vec<&[u8]> = Vec::new();
    for ext in view.extensions() {
        if seen.contains(&ext.oid) {
            return Err(format!(
                "extension {} appears twice (RFC 5280 4.2)",
                oid_text(ext.oid)
            ));
        }
        seen.push(ext.oid);
    }
    if view.issuer_content().is_empty() {
        return Err("empty issuer name (RFC 5280 4.1.2.4)".into());
    }
    for (oid, name) in [
        (AKI, "authorityKeyIdentifier"),
        (SKI, "subjectKeyIdentifier"),
    ] {
        if view.extension(oid).is_some_and(|e| e.critical) {
            return Err(format!("{name} is critical (RFC 5280 4.2.1.1/4.2.1.2)"));
        }
    }
    if let Some(aia) = view.extension(AIA) {
        if aia.critical {
            return Err("authorityInfoAccess is critical (RFC 5280 4.2.2.1)".into());
        }
        check_aia(aia.value)?;
    }
    if let Some(nc) = view.extension(NAME_CONSTRAINTS) {
        check_name_constraints(nc.value)?;
    }
    if view.subject_content().is_empty() {
        match view.extension(SAN) {
            Some(san) if san.critical => {}
            _ => return Err("empty subject without a critical subjectAltName".into()),
        }
    }
    let aki = match view.extension(AKI) {
        Some(ext) => {
            let (key_id, names_issuer) = aki_parts(ext.value)?;
            if key_id.is_none() {
                return Err("authorityKeyIdentifier without keyIdentifier".into());
            }
            Some((key_id, names_issuer))
        }
        None => None,
    };
    let ca = view.is_ca();
    if role != Role::Leaf {
        if view.subject_content().is_empty() {
            return Err("CA with an empty subject (RFC 5280 4.1.2.6)".into());
        }
        if view.ski().is_none() {
            return Err("CA without subjectKeyIdentifier (RFC 5280 4.2.1.2)".into());
        }
        match view.extension(BASIC_CONSTRAINTS) {
            Some(bc) if !bc.critical => {
                return Err("basicConstraints of a CA is not critical (RFC 5280 4.2.1.9)".into());
            }
            _ => {}
        }
        if view.key_usage(KU_KEY_CERT_SIGN) == Some(false) {
            return Err("CA whose keyUsage lacks keyCertSign".into());
        }
    }
    match role {
        Role::Leaf => {
            if !ca && view.key_usage(KU_KEY_CERT_SIGN) == Some(true) {
                return Err("keyCertSign on a certificate that is not a CA".into());
            }
            if !ca && view.extension(NAME_CONSTRAINTS).is_some() {
                return Err("nameConstraints on a certificate that is not a CA".into());
            }
            if aki.is_none() && !view.self_issued() {
                return Err("no authorityKeyIdentifier (RFC 5280 4.2.1.1)".into());
            }
        }
        Role::Intermediate => {
            if aki.is_none() && !view.self_issued() {
                return Err("no authorityKeyIdentifier (RFC 5280 4.2.1.1)".into());
            }
        }
        Role::Anchor => {
            check_anchor_key(view)?;
            if let Some((key_id, names_issuer)) = aki {
                if names_issuer {
                    return Err(
                        "authorityKeyIdentifier of a trust anchor names an issuer or serial".into(),
                    );
                }
                if view.self_issued() && key_id != view.ski() {
                    return Err(
                        "authorityKeyIdentifier of a self-signed anchor differs from its SKI"
                            .into(),
                    );
                }
            }
        }
    }
    Ok(())
}

/// Whether the leaf has an extendedKeyUsage extension.
pub(crate) fn has_eku(view: &CertView<'_>) -> bool {
    view.extension(EKU).is_some()
}

/// authorityInfoAccess: one or more AccessDescriptions (an OID and a GeneralName).
fn check_aia(value: &[u8]) -> Result<(), String> {
    let bad = |why: &str| format!("authorityInfoAccess is malformed: {why}");
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

/// An anchor's RSA modulus is a whole number of bytes long (as webpki and browsers
/// require of keys they trust).
fn check_anchor_key(view: &CertView<'_>) -> Result<(), String> {
    let (algorithm, key) = view
        .public_key()
        .ok_or("subjectPublicKeyInfo: malformed DER")?;
    if !matches!(tlv(algorithm), Some((OID, RSA_ENCRYPTION, _))) {
        return Ok(());
    }
    let modulus = only(key, SEQUENCE)
        .and_then(tlv)
        .map(|(_, modulus, _)| modulus)
        .ok_or("RSA public key: malformed DER")?;
    let modulus = match modulus {
        [0, rest @ ..] => rest,
        m => m,
    };
    match modulus.first() {
        Some(top) if top & 0x80 != 0 => Ok(()),
        _ => Err("RSA modulus length is not a multiple of 8 bits".into()),
    }
}
