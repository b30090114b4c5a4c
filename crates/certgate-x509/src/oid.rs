//! Object identifiers: the DER content octets of the ones certgate reads, and their
//! dotted form.

use std::fmt::Write as _;

/// Extension OIDs (RFC 5280 4.2, 5.2, 5.3), as DER content octets.
pub mod ext {
    /// subjectKeyIdentifier, 2.5.29.14.
    pub const SUBJECT_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x0e];
    /// keyUsage, 2.5.29.15.
    pub const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
    /// subjectAltName, 2.5.29.17.
    pub const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
    /// issuerAltName, 2.5.29.18.
    pub const ISSUER_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x12];
    /// basicConstraints, 2.5.29.19.
    pub const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
    /// cRLNumber, 2.5.29.20.
    pub const CRL_NUMBER: &[u8] = &[0x55, 0x1d, 0x14];
    /// reasonCode (CRL entries), 2.5.29.21.
    pub const REASON_CODE: &[u8] = &[0x55, 0x1d, 0x15];
    /// invalidityDate (CRL entries), 2.5.29.24.
    pub const INVALIDITY_DATE: &[u8] = &[0x55, 0x1d, 0x18];
    /// deltaCRLIndicator, 2.5.29.27.
    pub const DELTA_CRL_INDICATOR: &[u8] = &[0x55, 0x1d, 0x1b];
    /// issuingDistributionPoint, 2.5.29.28.
    pub const ISSUING_DISTRIBUTION_POINT: &[u8] = &[0x55, 0x1d, 0x1c];
    /// certificateIssuer (CRL entries), 2.5.29.29.
    pub const CERTIFICATE_ISSUER: &[u8] = &[0x55, 0x1d, 0x1d];
    /// nameConstraints, 2.5.29.30.
    pub const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
    /// cRLDistributionPoints, 2.5.29.31.
    pub const CRL_DISTRIBUTION_POINTS: &[u8] = &[0x55, 0x1d, 0x1f];
    /// certificatePolicies, 2.5.29.32.
    pub const CERTIFICATE_POLICIES: &[u8] = &[0x55, 0x1d, 0x20];
    /// policyMappings, 2.5.29.33.
    pub const POLICY_MAPPINGS: &[u8] = &[0x55, 0x1d, 0x21];
    /// authorityKeyIdentifier, 2.5.29.35.
    pub const AUTHORITY_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x23];
    /// policyConstraints, 2.5.29.36.
    pub const POLICY_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x24];
    /// extKeyUsage, 2.5.29.37.
    pub const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
    /// freshestCRL, 2.5.29.46.
    pub const FRESHEST_CRL: &[u8] = &[0x55, 0x1d, 0x2e];
    /// inhibitAnyPolicy, 2.5.29.54.
    pub const INHIBIT_ANY_POLICY: &[u8] = &[0x55, 0x1d, 0x36];
    /// authorityInfoAccess, 1.3.6.1.5.5.7.1.1.
    pub const AUTHORITY_INFO_ACCESS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];
    /// subjectInfoAccess, 1.3.6.1.5.5.7.1.11.
    pub const SUBJECT_INFO_ACCESS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0b];
    /// PKCS#9 extensionRequest (in a CSR's attributes), 1.2.840.113549.1.9.14.
    pub const EXTENSION_REQUEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e];
}

/// id-on-SmtpUTF8Mailbox (RFC 8398), 1.3.6.1.5.5.7.8.9: an otherName holding an
/// internationalized email address.
pub const SMTP_UTF8_MAILBOX: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x09];

/// The dotted form of an OID's content octets (`2.5.29.19`), or `None` when malformed.
pub fn dotted(content: &[u8]) -> Option<String> {
    crate::der::oid(content).ok()?;
    let mut out = String::new();
    let mut value: u128 = 0;
    let mut first = true;
    for &b in content {
        value = value.checked_mul(128)? | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            if first {
                let (a, rest) = match value {
                    0..=39 => (0, value),
                    40..=79 => (1, value - 40),
                    _ => (2, value - 80),
                };
                let _ = write!(out, "{a}.{rest}");
                first = false;
            } else {
                let _ = write!(out, ".{value}");
            }
            value = 0;
        }
    }
    Some(out)
}

/// The content octets of a dotted OID (`2.5.4.3`), or `None` when it is not one.
pub fn from_dotted(s: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u128> = s
        .split('.')
        .map(|a| {
            if a.is_empty() || (a.len() > 1 && a.starts_with('0')) {
                None
            } else {
                a.parse().ok()
            }
        })
        .collect::<Option<_>>()?;
    let (&a, rest) = arcs.split_first()?;
    let (&b, rest) = rest.split_first()?;
    if a > 2 || (a < 2 && b > 39) {
        return None;
    }
    let mut out = Vec::new();
    for arc in std::iter::once(a * 40 + b).chain(rest.iter().copied()) {
        let mut groups = vec![u8::try_from(arc & 0x7f).ok()?];
        let mut v = arc >> 7;
        while v > 0 {
            groups.push(u8::try_from(v & 0x7f).ok()? | 0x80);
            v >>= 7;
        }
        out.extend(groups.iter().rev());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_forms() {
        assert_eq!(dotted(ext::BASIC_CONSTRAINTS).as_deref(), Some("2.5.29.19"));
        assert_eq!(
            dotted(ext::EXTENSION_REQUEST).as_deref(),
            Some("1.2.840.113549.1.9.14")
        );
        assert_eq!(dotted(&[0x88, 0x37, 0x03]).as_deref(), Some("2.999.3"));
        assert_eq!(dotted(&[0x80, 0x01]), None);
        for s in [
            "2.5.29.19",
            "1.2.840.113549.1.9.14",
            "2.999.3",
            "0.9.2342.19200300.100.1.25",
        ] {
            assert_eq!(dotted(&from_dotted(s).unwrap()).as_deref(), Some(s));
        }
        assert_eq!(from_dotted("1.40"), None);
        assert_eq!(from_dotted("1..2"), None);
        assert_eq!(from_dotted("3.1"), None);
        assert_eq!(from_dotted("1.02"), None);
    }
}
