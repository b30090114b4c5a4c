//! What RFC 5280 forbids and webpki lets through, checked on borrowed DER: one walk over
//! the certificate, no copies. webpki builds the path and checks signatures, validity,
//! basic constraints, name constraints and EKUs; these checks run on the path it built.

use der::asn1::AnyRef;
use der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged};

const SKI: &[u8] = &[0x55, 0x1d, 0x0e];
const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
const SAN: &[u8] = &[0x55, 0x1d, 0x11];
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
const AKI: &[u8] = &[0x55, 0x1d, 0x23];
const EKU: &[u8] = &[0x55, 0x1d, 0x25];
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
    serial: &'a [u8],
    inner_algorithm: AnyRef<'a>,
    outer_algorithm: AnyRef<'a>,
    issuer: &'a [u8],
    subject: &'a [u8],
    spki: &'a [u8],
    pub(crate) extensions: Vec<Extension<'a>>,
}

fn next<'a>(r: &mut SliceReader<'a>, what: &str) -> Result<AnyRef<'a>, String> {
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
            if let Some(san) = view.extension(SAN) {
                if san.critical && !view.subject.is_empty() {
                    return Err(
                        "subjectAltName is critical although the subject is not empty \
                         (RFC 5280 4.2.1.6)"
                            .into(),
                    );
                }
                for (tag, value) in general_names(san.value)? {
                    if tag == 2 && !dns_syntax_ok(value) {
                        return Err(format!(
                            "subjectAltName dNSName {:?} is not a host name (RFC 5280 4.2.1.6)",
                            String::from_utf8_lossy(value)
                        ));
                    }
                }
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

/// The (tag number, content) of each GeneralName in a GeneralNames SEQUENCE.
fn general_names(value: &[u8]) -> Result<Vec<(u32, &[u8])>, String> {
    let seq = AnyRef::from_der(value).map_err(|e| format!("GeneralNames: {e}"))?;
    let mut r = SliceReader::new(seq.value()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    while !r.is_finished() {
        let name = next(&mut r, "GeneralName")?;
        match name.tag() {
            Tag::ContextSpecific { number, .. } => out.push((number.value(), name.value())),
            _ => return Err("GeneralName: not context-specific".into()),
        }
    }
    Ok(out)
}

/// A dNSName in the preferred name syntax (letters, digits, hyphens; labels not empty),
/// with at most a whole-label `*` on the left.
fn dns_syntax_ok(name: &[u8]) -> bool {
    let name = name.strip_prefix(b"*.").unwrap_or(name);
    !name.is_empty()
        && name.split(|b| *b == b'.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        })
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

/// nameConstraints: at least one non-empty subtree list; minimum 0 and no maximum
/// (RFC 5280 4.2.1.10); DNS bases are host names, optionally with a leading label cut.
fn check_name_constraints(value: &[u8]) -> Result<(), String> {
    let bad = |why: &str| format!("nameConstraints: {why}");
    let seq = AnyRef::from_der(value).map_err(|e| bad(&e.to_string()))?;
    let mut r = SliceReader::new(seq.value()).map_err(|e| bad(&e.to_string()))?;
    if r.is_finished() {
        return Err(bad("neither permittedSubtrees nor excludedSubtrees"));
    }
    while !r.is_finished() {
        let subtrees = next(&mut r, "GeneralSubtrees")?;
        let mut t = SliceReader::new(subtrees.value()).map_err(|e| bad(&e.to_string()))?;
        if t.is_finished() {
            return Err(bad("an empty list of subtrees"));
        }
        while !t.is_finished() {
            let subtree = next(&mut t, "GeneralSubtree")?;
            let mut f = SliceReader::new(subtree.value()).map_err(|e| bad(&e.to_string()))?;
            let base = next(&mut f, "base")?;
            if !f.is_finished() {
                return Err(bad("a subtree with minimum or maximum"));
            }
            if let Tag::ContextSpecific { number, .. } = base.tag()
                && number.value() == 2
            {
                let name = base.value();
                if name.starts_with(b".") || name.contains(&b'*') || !dns_syntax_ok(name) {
                    return Err(bad(&format!(
                        "dNSName constraint {:?} is not a host name",
                        String::from_utf8_lossy(name)
                    )));
                }
            }
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

/// For a server name check: a subject commonName that names the same host or address as
/// a subjectAltName entry must be a character-for-character copy of it (RFC 5952 text
/// for IPv6), and a commonName holding a domain name is in ASCII (A-labels), as CA/Browser
/// Forum BR 7.1.4.3 requires. (A commonName naming something else is ignored, as
/// RFC 6125 and BetterTLS expect.)
pub(crate) fn check_common_names(view: &CertView<'_>) -> Result<(), String> {
    let names = match view.extension(SAN) {
        Some(san) => general_names(san.value)?,
        None => Vec::new(),
    };
    for cn in common_names(view.subject)? {
        let text = String::from_utf8_lossy(cn);
        if !cn.is_ascii() && cn.contains(&b'.') {
            return Err(format!(
                "commonName {text:?} is an internationalized domain name not in A-label form"
            ));
        }
        for (tag, value) in &names {
            let same_thing = match tag {
                2 => value.eq_ignore_ascii_case(cn),
                7 => loose_ip(&text).is_some_and(|ip| ip_octets(ip) == *value),
                _ => false,
            };
            let exact = match tag {
                7 => ip_text(value).is_some_and(|t| t.as_bytes() == cn),
                _ => *value == cn,
            };
            if same_thing && !exact {
                return Err(format!(
                    "commonName {text:?} names a subjectAltName entry but is not a \
                     character-for-character copy of it"
                ));
            }
        }
    }
    Ok(())
}

/// An IP address in any of the spellings people write: dotted decimal with leading
/// zeros, one hexadecimal number, IPv6 in upper case or uncompressed.
fn loose_ip(text: &str) -> Option<std::net::IpAddr> {
    if let Ok(v6) = text.parse::<std::net::Ipv6Addr>() {
        return Some(v6.into());
    }
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16)
            .ok()
            .map(|n| std::net::Ipv4Addr::from(n).into());
    }
    let parts: Vec<u8> = text
        .split('.')
        .map(|p| p.parse::<u8>().ok())
        .collect::<Option<_>>()?;
    let octets: [u8; 4] = parts.try_into().ok()?;
    Some(std::net::Ipv4Addr::from(octets).into())
}

fn ip_octets(ip: std::net::IpAddr) -> Vec<u8> {
    match ip {
        std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
        std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

fn ip_text(octets: &[u8]) -> Option<String> {
    match octets.len() {
        4 => <[u8; 4]>::try_from(octets)
            .ok()
            .map(|o| std::net::Ipv4Addr::from(o).to_string()),
        16 => <[u8; 16]>::try_from(octets)
            .ok()
            .map(|o| std::net::Ipv6Addr::from(o).to_string()),
        _ => None,
    }
}

/// The values (raw string bytes) of the commonName attributes of a Name's content.
fn common_names(name: &[u8]) -> Result<Vec<&[u8]>, String> {
    const CN: &[u8] = &[0x55, 0x04, 0x03];
    let mut out = Vec::new();
    let mut r = SliceReader::new(name).map_err(|e| e.to_string())?;
    while !r.is_finished() {
        let rdn = next(&mut r, "RelativeDistinguishedName")?;
        let mut set = SliceReader::new(rdn.value()).map_err(|e| e.to_string())?;
        while !set.is_finished() {
            let atv = next(&mut set, "AttributeTypeAndValue")?;
            let mut a = SliceReader::new(atv.value()).map_err(|e| e.to_string())?;
            let oid = next(&mut a, "type")?;
            let value = next(&mut a, "value")?;
            if oid.value() == CN {
                out.push(value.value());
            }
        }
    }
    Ok(out)
}
