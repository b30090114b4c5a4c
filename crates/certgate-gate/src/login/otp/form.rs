//! The two forms, read strictly, and the cross-site check.
//!
//! CSRF: no token. The forms are posted to the gate's own host, and a post from another
//! site is refused by the browser's own word: `Sec-Fetch-Site` must be `same-origin`
//! (or `none`, a user's own action); without it, `Origin` must be `https://` this host
//! (port ignored); a request with neither comes from no browser (curl, a script) and
//! cannot be forged cross-site. This is the check Go 1.25's `CrossOriginProtection`
//! makes, and it holds in every browser that sends `Origin` on a POST (all current
//! ones). The session cookie is `SameSite=Lax` besides.

use http::request::Parts;
use http::{Method, header};

use certgate_policy::MAX_EMAIL_LEN;

use crate::login::otp::codes::CODE_DIGITS;
use crate::session::safe_redirect;

/// The largest form body read: an address (254), a code, a redirect path (2048), their
/// percent-encoding (three times), and the field names.
pub const MAX_FORM_BYTES: usize = 8 * 1024;

/// Why a form was refused.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormProblem {
    /// Not a POST.
    Method,
    /// Not `application/x-www-form-urlencoded`.
    ContentType,
    /// Larger than [`MAX_FORM_BYTES`].
    TooLarge,
    /// An unknown, repeated or missing field, or one that is not UTF-8.
    Fields,
    /// The address is not one plain email address.
    Email,
    /// The code is not six digits.
    Code,
    /// `redirect_url` is not a path on this host.
    Redirect,
    /// Posted from another site (`Sec-Fetch-Site`, `Origin`).
    CrossSite,
}

impl FormProblem {
    /// A short, stable id for logs and metrics.
    pub fn id(self) -> &'static str {
        match self {
            Self::Method => "method",
            Self::ContentType => "content-type",
            Self::TooLarge => "too-large",
            Self::Fields => "fields",
            Self::Email => "email",
            Self::Code => "code",
            Self::Redirect => "redirect",
            Self::CrossSite => "cross-site",
        }
    }
}

/// A form read: the address in ASCII lower case, the code when the form has one.
#[derive(Clone, Debug)]
pub(crate) struct OtpForm {
    pub(crate) email: String,
    pub(crate) code: Option<String>,
    pub(crate) redirect: String,
}

/// Checks the request head: POST, the form content type, same-site.
pub(crate) fn check_head(parts: &Parts, body_len: usize, host: &str) -> Result<(), FormProblem> {
    if parts.method != Method::POST {
        return Err(FormProblem::Method);
    }
    let form_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return Err(FormProblem::ContentType);
    }
    if body_len > MAX_FORM_BYTES {
        return Err(FormProblem::TooLarge);
    }
    if cross_site(parts, host) {
        return Err(FormProblem::CrossSite);
    }
    Ok(())
}

/// Whether the head says another site posted this; a header given twice counts only
/// when every copy passes.
fn cross_site(parts: &Parts, host: &str) -> bool {
    let values = |name| {
        parts
            .headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{0}"))
            .collect::<Vec<_>>()
    };
    let sites = values("sec-fetch-site");
    if !sites.is_empty() {
        return !sites.iter().all(|s| matches!(*s, "same-origin" | "none"));
    }
    values(header::ORIGIN.as_str())
        .iter()
        .any(|origin| !same_host(origin, host))
}

/// Whether `origin` is `https://` `host` (any port).
fn same_host(origin: &str, host: &str) -> bool {
    let Some(authority) = origin.strip_prefix("https://") else {
        return false;
    };
    // `host` or `host:port`.
    let origin_host = match authority.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.is_empty() => h,
        _ => authority,
    };
    origin_host.eq_ignore_ascii_case(host.trim_end_matches('.'))
}

/// Reads the body: `email` and `redirect_url`, and `code` when `with_code`.
pub(crate) fn parse(body: &[u8], with_code: bool) -> Result<OtpForm, FormProblem> {
    let (mut email, mut code, mut redirect) = (None, None, None);
    for (name, value) in form_urlencoded::parse(body) {
        let slot = match &*name {
            "email" => &mut email,
            "code" if with_code => &mut code,
            "redirect_url" => &mut redirect,
            _ => return Err(FormProblem::Fields),
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(FormProblem::Fields);
        }
    }
    // form_urlencoded replaces bytes that are not UTF-8; they are never an address.
    let email = email.ok_or(FormProblem::Fields)?;
    let email = email.trim();
    if email.len() > MAX_EMAIL_LEN || certgate_policy::Identity::new(email, "otp").is_err() {
        return Err(FormProblem::Email);
    }
    let code = match (with_code, code) {
        (false, _) => None,
        (true, None) => return Err(FormProblem::Fields),
        (true, Some(c)) => {
            // People type codes with spaces ("123 456").
            let c: String = c.chars().filter(|c| *c != ' ').collect();
            if c.len() != CODE_DIGITS || !c.bytes().all(|b| b.is_ascii_digit()) {
                return Err(FormProblem::Code);
            }
            Some(c)
        }
    };
    let redirect = redirect.unwrap_or_else(|| "/".to_owned());
    if safe_redirect(&redirect).is_none() {
        return Err(FormProblem::Redirect);
    }
    Ok(OtpForm {
        email: email.to_ascii_lowercase(),
        code,
        redirect,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(headers: &[(&str, &str)]) -> Parts {
        let mut b = http::Request::post("/cdn-cgi/access/otp/start")
            .header("content-type", "application/x-www-form-urlencoded");
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn forms_are_read_strictly() {
        let f = parse(b"email=Bob%40Example.com&redirect_url=%2Fexpenses", false).unwrap();
        assert_eq!(f.email, "bob@example.com");
        assert_eq!(f.redirect, "/expenses");
        let f = parse(b"email=bob%40example.com&code=123+456", true).unwrap();
        assert_eq!(f.code.as_deref(), Some("123456"));
        assert_eq!(f.redirect, "/");
        for (body, problem) in [
            (
                &b"email=bob%40evil.com%40example.com"[..],
                FormProblem::Email,
            ),
            (
                b"email=bob%40example.com%0d%0aBcc%3a+x%40evil.com",
                FormProblem::Email,
            ),
            (b"email=", FormProblem::Email),
            (b"email=a%40b.c&email=d%40e.f", FormProblem::Fields),
            (b"email=a%40b.c&admin=1", FormProblem::Fields),
            (b"redirect_url=%2F", FormProblem::Fields),
            (
                b"email=a%40b.c&redirect_url=https%3A%2F%2Fevil.example",
                FormProblem::Redirect,
            ),
            (
                b"email=a%40b.c&redirect_url=%2F%2Fevil.example",
                FormProblem::Redirect,
            ),
        ] {
            assert_eq!(parse(body, false).unwrap_err(), problem, "{body:?}");
        }
        assert_eq!(
            parse(b"email=a%40b.co&code=12345", true).unwrap_err(),
            FormProblem::Code
        );
        assert_eq!(
            parse(b"email=a%40b.co&code=12345x", true).unwrap_err(),
            FormProblem::Code
        );
        assert_eq!(
            parse(b"email=a%40b.co", true).unwrap_err(),
            FormProblem::Fields
        );
    }

    #[test]
    fn posts_from_other_sites_are_refused() {
        let host = "money.example.com";
        assert_eq!(check_head(&head(&[]), 10, host), Ok(()));
        for ok in [
            vec![("sec-fetch-site", "same-origin")],
            vec![("origin", "https://money.example.com")],
            vec![("origin", "https://MONEY.example.com:8443")],
        ] {
            assert_eq!(check_head(&head(&ok), 10, host), Ok(()), "{ok:?}");
        }
        for bad in [
            vec![
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://money.example.com"),
            ],
            vec![("sec-fetch-site", "same-site")],
            vec![("origin", "https://evil.example")],
            vec![("origin", "http://money.example.com")],
            vec![("origin", "null")],
            vec![("origin", "https://money.example.com.evil.example")],
        ] {
            assert_eq!(
                check_head(&head(&bad), 10, host),
                Err(FormProblem::CrossSite),
                "{bad:?}"
            );
        }
        assert_eq!(
            check_head(&head(&[]), MAX_FORM_BYTES + 1, host),
            Err(FormProblem::TooLarge)
        );
        let get = http::Request::get("/").body(()).unwrap().into_parts().0;
        assert_eq!(check_head(&get, 0, host), Err(FormProblem::Method));
    }
}
