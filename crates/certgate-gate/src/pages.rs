//! The pages the gate answers with itself: denied, bad request, wrong host, origin
//! failures. HTML by default, JSON when the client asks for it. They name the reason
//! class and the request id; details go to the log only.

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;

/// Why the gate answered itself, as a person reads it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DenyClass {
    /// No client certificate was presented.
    NoCertificate,
    /// The certificate is not from a CA this site trusts.
    UnknownCa,
    /// The certificate has expired (or is not valid yet).
    Expired,
    /// The certificate has been revoked.
    Revoked,
    /// The certificate was refused for another reason (usage, malformed, CRL out of date).
    InvalidCertificate,
    /// The policies do not let this request in.
    Policy,
    /// The path could mean something else to the application: refused (400).
    BadPath,
    /// The `Host` is not the host this connection was made for (421).
    Misdirected,
    /// The application could not be reached (502).
    OriginUnreachable,
    /// The application did not answer in time (504).
    OriginTimeout,
}

impl DenyClass {
    /// A short, stable id for logs, metrics and the JSON page.
    pub fn id(self) -> &'static str {
        match self {
            Self::NoCertificate => "no-certificate",
            Self::UnknownCa => "unknown-ca",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::InvalidCertificate => "invalid-certificate",
            Self::Policy => "policy",
            Self::BadPath => "bad-path",
            Self::Misdirected => "misdirected",
            Self::OriginUnreachable => "origin-unreachable",
            Self::OriginTimeout => "origin-timeout",
        }
    }

    /// The HTTP status the gate answers with.
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadPath => StatusCode::BAD_REQUEST,
            Self::Misdirected => StatusCode::MISDIRECTED_REQUEST,
            Self::OriginUnreachable => StatusCode::BAD_GATEWAY,
            Self::OriginTimeout => StatusCode::GATEWAY_TIMEOUT,
            _ => StatusCode::FORBIDDEN,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::NoCertificate => "This site needs a device certificate",
            Self::UnknownCa => "Your certificate is not from a trusted issuer",
            Self::Expired => "Your certificate has expired",
            Self::Revoked => "Your certificate has been revoked",
            Self::InvalidCertificate => "Your certificate was not accepted",
            Self::Policy => "You do not have access to this page",
            Self::BadPath => "This address is not allowed",
            Self::Misdirected => "Wrong host for this connection",
            Self::OriginUnreachable => "The application cannot be reached",
            Self::OriginTimeout => "The application did not answer in time",
        }
    }

    fn advice(self) -> &'static str {
        match self {
            Self::NoCertificate => {
                "Your browser or device did not present a client certificate. Install the \
                 .p12 bundle you were given (on an iPhone: open it, then Settings, Profile \
                 Downloaded, Install; in Chrome or Firefox: Settings, Certificates, Import), \
                 then open this page again and choose the certificate when asked."
            }
            Self::UnknownCa => "Use the certificate issued for this site.",
            Self::Expired | Self::Revoked | Self::InvalidCertificate => {
                "Ask the site's owner for a new certificate."
            }
            Self::Policy => "Ask the site's owner for access.",
            Self::BadPath => "Remove path parameters, encoded characters and trailing dots.",
            Self::Misdirected => "Open the address again in a new window.",
            Self::OriginUnreachable | Self::OriginTimeout => "Try again in a moment.",
        }
    }
}

fn wants_json<B>(req: &Request<B>) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/json"))
}

/// The page for `class`, for this request, with its id.
pub fn page<B>(req: &Request<B>, class: DenyClass, request_id: &str) -> Response<Full<Bytes>> {
    let (body, kind) = if wants_json(req) {
        let json = serde_json::json!({
            "status": class.status().as_u16(),
            "reason": class.id(),
            "message": class.title(),
            "request_id": request_id,
        });
        (json.to_string(), "application/json")
    } else {
        (
            format!(
                "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width\">\
                 <title>{status} {title}</title></head>\n<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
                 <h1>{title}</h1>\n<p>{advice}</p>\n<p><small>Reason: <code>{id}</code> · \
                 Request id: <code>{request_id}</code> · certgate</small></p>\n</body></html>\n",
                status = class.status().as_u16(),
                title = class.title(),
                advice = class.advice(),
                id = class.id(),
            ),
            "text/html; charset=utf-8",
        )
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = class.status();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(id) = HeaderValue::try_from(request_id) {
        headers.insert("certgate-request-id", id);
    }
    response
}
