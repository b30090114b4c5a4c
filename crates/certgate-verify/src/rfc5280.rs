//! What RFC 5280 forbids and webpki lets through, checked on borrowed DER: one walk over
//! the certificate, no copies. webpki builds the path and checks signatures, validity,
//! basic constraints, name constraints and EKUs; these checks run on the path it built.

use der::asn1::AnyRef;

use crate::names::check_name_constraints;
use der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged};

const SKI: &[u8] = &[0x55, 0x1d, 0x0e];
const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
pub(crate) const SAN: &[u8] = &[0x55, 0x1d, 0x11];
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
pub(crate) const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
const AKI: &[u8] = &[0x55, 0x1d, 0x23];
pub(crate) const EKU: &[u8] = &[0x55, 0x1d, 0x25];
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

/// One extension: its OID's value, criticality and the OCTET STRING's content.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Extension<'a> {
    pub(crate) oid: &'a [u8],
    pub(crate) critical: bool,
    pub(crate) value: &'a [u8],
}

/// The parts of a certificate the checks read, borrowed from its DER.
#[derive(Debug)]
pub(crate) struct CertView<'a> {
    version: u8,
    pub(crate) serial: &'a [u8],
    inner_algorithm: AnyRef<'a>,
    outer_algorithm: AnyRef<'a>,
    pub(crate) issuer: &'a [u8],
    pub(crate) subject: &'a [u8],
    spki: &'a [u8],
    pub(crate) extensions: Vec<Extension<'a>>,
}

pub(crate) fn next<'a>(r: &mut SliceReader<'a>, what: &str) -> Result<AnyRef<'a>, String> {
    r.decode::<AnyRef<'a>>()
        .map_err(|e| format!("{what}: malformed DER: {e}"))
}

fn context(n: u32) -> Tag {
    Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(n),
    }
}

impl<'a> CertView<'a> {
    /// Walks the certificate once.
    pub(crate) fn parse(der: &'a [u8]) -> Result<Self, String> {
        let cert = AnyRef::from_der(der).map_err(|e| format!("certificate: {e}"))?;
        let mut outer = SliceReader::new(cert.value()).map_err(|e| e.to_string())?;
        let tbs = next(&mut outer, "tbsCertificate")?;
        let outer_algorithm = next(&mut outer, "signatureAlgorithm")?;
        let mut r = SliceReader::new(tbs.value()).map_err(|e| e.to_string())?;
        let mut first = next(&mut r, "version")?;
        let mut version = 0;
        if first.tag() == context(0) {
            let v = AnyRef::from_der(first.value()).map_err(|e| format!("version: {e}"))?;
            version = match v.value() {
                [n @ 0..=2] => *n,
                _ => return Err("version: not v1, v2 or v3".into()),
            };
            first = next(&mut r, "serialNumber")?;
        }
        if first.tag() != Tag::Integer {
            return Err("serialNumber: not an INTEGER".into());
        }
        let inner_algorithm = next(&mut r, "signature")?;
        let issuer = next(&mut r, "issuer")?.value();
        next(&mut r, "validity")?;
        let subject = next(&mut r, "subject")?.value();
        let spki = next(&mut r, "subjectPublicKeyInfo")?.value();
        let mut extensions = Vec::new();
        while !r.is_finished() {
            let field = next(&mut r, "tbsCertificate")?;
            if field.tag() == context(3) {
                extensions = read_extensions(field.value())?;
            }
        }
        Ok(Self {
            version,
            serial: first.value(),
            inner_algorithm,
            outer_algorithm,
            issuer,
            subject,
            spki,
            extensions,
        })
    }

    /// The extension with this OID.
    pub(crate) fn extension(&self, oid: &[u8]) -> Option<&Extension<'a>> {
        self.extensions.iter().find(|e| e.oid == oid)
    }

    /// basicConstraints cA.
    pub(crate) fn is_ca(&self) -> bool {
        self.extension(BASIC_CONSTRAINTS)
            .and_then(|e| AnyRef::from_der(e.value).ok())
            .and_then(|seq| SliceReader::new(seq.value()).ok()?.decode::<bool>().ok())
            .unwrap_or(false)
    }

    /// The keyUsage bit `bit`, or `None` without the extension.
    pub(crate) fn key_usage(&self, bit: u8) -> Option<bool> {
        let ext = self.extension(KEY_USAGE)?;
        let bits = AnyRef::from_der(ext.value).ok()?;
        let bytes = bits.value().get(1..)?;
        let byte = bytes.get(usize::from(bit / 8)).copied().unwrap_or(0);
        Some(byte & (0x80 >> (bit % 8)) != 0)
    }

    fn self_issued(&self) -> bool {
        self.issuer == self.subject
    }
}

fn read_extensions(wrapped: &[u8]) -> Result<Vec<Extension<'_>>, String> {
    let seq = AnyRef::from_der(wrapped).map_err(|e| format!("extensions: {e}"))?;
    let mut r = SliceReader::new(seq.value()).map_err(|e| e.to_string())?;
    let mut out: Vec<Extension<'_>> = Vec::new();
    while !r.is_finished() {
        let ext = next(&mut r, "extension")?;
        let mut e = SliceReader::new(ext.value()).map_err(|e| e.to_string())?;
        let oid = next(&mut e, "extnID")?;
        let mut field = next(&mut e, "extension")?;
        let mut critical = false;
        if field.tag() == Tag::Boolean {
            critical = field.value() == [0xff];
            field = next(&mut e, "extnValue")?;
        }
        if field.tag() != Tag::OctetString {
            return Err("extnValue: not an OCTET STRING".into());
        }
        if out.iter().any(|x| x.oid == oid.value()) {
            return Err(format!(
                "extension {} appears twice (RFC 5280 4.2)",
                oid_text(oid.value())
            ));
        }
        out.push(Extension {
            oid: oid.value(),
            critical,
            value: field.value(),
        });
    }
    Ok(out)
}

fn oid_text(value: &[u8]) -> String {
    const_oid::ObjectIdentifier::from_bytes(value)
        .map(|o| o.to_string())
        .unwrap_or_else(|_| "(malformed OID)".into())
}

/// The keyIdentifier of an authorityKeyIdentifier, and whether it names an issuer or serial.
fn aki_parts(value: &[u8]) -> Result<(Option<&[u8]>, bool), String> {
    let seq = AnyRef::from_der(value).map_err(|e| format!("authorityKeyIdentifier: {e}"))?;
    let mut r = SliceReader::new(seq.value()).map_err(|e| e.to_string())?;
    let mut key_id = None;
    let mut names_issuer = false;
    while !r.is_finished() {
        let f = next(&mut r, "authorityKeyIdentifier")?;
        match f.tag() {
            Tag::ContextSpecific { number, .. } if number.value() == 0 => key_id = Some(f.value()),
            _ => names_issuer = true,
        }
    }
    Ok((key_id, names_issuer))
}

fn ski(view: &CertView<'_>) -> Option<Vec<u8>> {
    let ext = view.extension(SKI)?;
    Some(AnyRef::from_der(ext.value).ok()?.value().to_vec())
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
    if !view.extensions.is_empty() && view.version != 2 {
        return Err("extensions in a certificate that is not v3".into());
    }
    if view.issuer.is_empty() {
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
    if view.subject.is_empty() {
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
        if view.subject.is_empty() {
            return Err("CA with an empty subject (RFC 5280 4.1.2.6)".into());
        }
        if ski(view).is_none() {
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
            check_anchor_key(view.spki)?;
            if let Some((key_id, names_issuer)) = aki {
                if names_issuer {
                    return Err(
                        "authorityKeyIdentifier of a trust anchor names an issuer or serial".into(),
                    );
                }
                if view.self_issued() && key_id.map(<[u8]>::to_vec) != ski(view) {
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
    let seq = AnyRef::from_der(value).map_err(|e| bad(&e.to_string()))?;
    if seq.tag() != Tag::Sequence || seq.value().is_empty() {
        return Err(bad("not a non-empty SEQUENCE"));
    }
    let mut r = SliceReader::new(seq.value()).map_err(|e| bad(&e.to_string()))?;
    while !r.is_finished() {
        let desc = next(&mut r, "AccessDescription")?;
        let mut d = SliceReader::new(desc.value()).map_err(|e| bad(&e.to_string()))?;
        let oid = next(&mut d, "accessMethod")?;
        let location = next(&mut d, "accessLocation")?;
        if desc.tag() != Tag::Sequence
            || oid.tag() != Tag::ObjectIdentifier
            || !matches!(location.tag(), Tag::ContextSpecific { .. })
            || !d.is_finished()
        {
            return Err(bad("an AccessDescription is not an OID and a GeneralName"));
        }
    }
    Ok(())
}

/// rsaEncryption, 1.2.840.113549.1.1.1.
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// An anchor's RSA modulus is a whole number of bytes long (as webpki and browsers
/// require of keys they trust).
fn check_anchor_key(spki: &[u8]) -> Result<(), String> {
    let mut r = SliceReader::new(spki).map_err(|e| e.to_string())?;
    let alg = next(&mut r, "algorithm")?;
    let key = next(&mut r, "subjectPublicKey")?;
    let mut a = SliceReader::new(alg.value()).map_err(|e| e.to_string())?;
    if next(&mut a, "algorithm")?.value() != RSA_ENCRYPTION {
        return Ok(());
    }
    let bits = key.value().get(1..).unwrap_or_default();
    let rsa = AnyRef::from_der(bits).map_err(|e| format!("RSA public key: {e}"))?;
    let mut k = SliceReader::new(rsa.value()).map_err(|e| e.to_string())?;
    let modulus = next(&mut k, "modulus")?.value();
    let modulus = match modulus {
        [0, rest @ ..] => rest,
        m => m,
    };
    match modulus.first() {
        Some(top) if top & 0x80 != 0 => Ok(()),
        _ => Err("RSA modulus length is not a multiple of 8 bits".into()),
    }
}
