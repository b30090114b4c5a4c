//! Who is signed in: what the gate in front says in request headers.
//!
//! The gate verifies the device's certificate, strips any copies of these headers that
//! a client sent, and forwards the identity: `Certgate-Subject` (the subject DN in
//! RFC 4514 form), `Cf-Client-Cert-Sha256` (the certificate's SHA-256 fingerprint, hex),
//! `Certgate-Policy` (the policy that let it in) and, where configured, RFC 9440's
//! `Client-Cert` (the certificate itself, `:base64 DER:`), from which the common name is
//! read with certgate-x509. The app trusts them because only the gate can reach it.

use axum::http::HeaderMap;
use certgate_x509::{CertView, Sha256Fingerprint, pem};

use super::form::parse_fingerprint;

/// The subject DN header.
pub const SUBJECT_HEADER: &str = "certgate-subject";
/// The fingerprint header (Cloudflare's name).
pub const FINGERPRINT_HEADER: &str = "cf-client-cert-sha256";
/// The policy header.
pub const POLICY_HEADER: &str = "certgate-policy";
/// The verified email header (set by [`super::access`] after it checked the assertion).
pub const EMAIL_HEADER: &str = certgate_gate::access::EMAIL_HEADER;
/// RFC 9440's certificate header.
pub const CLIENT_CERT_HEADER: &str = "client-cert";

/// The signed-in device, as far as the headers say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// The subject DN, as forwarded (RFC 4514).
    pub subject: Option<String>,
    /// The subject's common name, read from the forwarded certificate.
    pub common_name: Option<String>,
    /// The certificate's SHA-256 fingerprint, lowercase hex.
    pub fingerprint: Option<String>,
    /// The policy that let the request in.
    pub policy: Option<String>,
    /// The signed-in email, from the gate's assertion as the app verified it
    /// ([`super::access`]); never a client's header (the app drops those).
    pub email: Option<String>,
}

impl Identity {
    /// Reads the gate's headers; a header that is not valid is left out.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let der = text(CLIENT_CERT_HEADER).and_then(|value| certificate_der(&value));
        let common_name = der.as_deref().and_then(|der| {
            let cert = CertView::parse(der).ok()?;
            cert.subject.common_name().map(|cn| cn.into_owned())
        });
        let fingerprint = text(FINGERPRINT_HEADER)
            .and_then(|v| parse_fingerprint(&v))
            .or_else(|| der.map(|der| Sha256Fingerprint::of(&der).to_hex()));
        Self {
            subject: text(SUBJECT_HEADER),
            common_name,
            fingerprint,
            policy: text(POLICY_HEADER),
            email: text(EMAIL_HEADER),
        }
    }

    /// Whether a gate said anything at all.
    pub fn is_signed_in(&self) -> bool {
        self.subject.is_some()
            || self.common_name.is_some()
            || self.fingerprint.is_some()
            || self.email.is_some()
    }

    /// The name to show: the common name, else the whole subject DN, else the email.
    pub fn display_name(&self) -> Option<&str> {
        self.common_name
            .as_deref()
            .or(self.subject.as_deref())
            .or(self.email.as_deref())
    }
}

/// The DER of an RFC 9440 `Client-Cert` value (`:base64:`), through certgate-x509's PEM
/// reader, the one base64 decoder of the workspace.
fn certificate_der(value: &str) -> Option<Vec<u8>> {
    let b64 = value.strip_prefix(':')?.strip_suffix(':')?;
    if !b64
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return None;
    }
    let text = format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n");
    pem::first_labelled(text.as_bytes(), &["CERTIFICATE"])
        .ok()
        .map(|block| block.der)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn no_headers_no_identity() {
        let id = Identity::from_headers(&HeaderMap::new());
        assert!(!id.is_signed_in());
        assert_eq!(id.display_name(), None);
    }

    #[test]
    fn string_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            SUBJECT_HEADER,
            HeaderValue::from_static("CN=Sam's iPhone,O=Sam"),
        );
        headers.insert(POLICY_HEADER, HeaderValue::from_static("phone-only"));
        headers.insert(FINGERPRINT_HEADER, HeaderValue::from_static("not hex"));
        let id = Identity::from_headers(&headers);
        assert!(id.is_signed_in());
        assert_eq!(id.display_name(), Some("CN=Sam's iPhone,O=Sam"));
        assert_eq!(id.policy.as_deref(), Some("phone-only"));
        assert_eq!(id.fingerprint, None);
        assert_eq!(certificate_der(":not<base64>:"), None);
        assert_eq!(certificate_der("AAAA"), None);
    }
}
