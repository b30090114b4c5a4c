//! The session cookie, the JWKS and logout endpoints, and the redirect check.

use std::time::Duration;

use http::HeaderMap;

/// The session cookie's name, Cloudflare Access's: an origin or a tool that knows Access
/// finds it where it expects it.
pub const COOKIE_NAME: &str = "CF_Authorization";
/// Where every host answers the gate's public keys (a JWKS), as Access does.
pub const JWKS_PATH: &str = "/cdn-cgi/access/certs";
/// Where every host ends the session: the cookie cleared, then a redirect to the
/// same-host path in `redirect_url`, if it is one.
pub const LOGOUT_PATH: &str = "/cdn-cgi/access/logout";
/// The longest redirect path taken after logout.
const MAX_REDIRECT_LEN: usize = 2048;

/// The `Set-Cookie` value keeping `token` for `lifetime`: host-only (no `Domain`),
/// `Secure`, `HttpOnly`, `SameSite=Lax`, `Path=/`.
pub(crate) fn set_cookie(token: &str, lifetime: Duration) -> String {
    format!(
        "{COOKIE_NAME}={token}; Max-Age={}; Path=/; Secure; HttpOnly; SameSite=Lax",
        lifetime.as_secs()
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax")
}

/// The session token in a request's `Cookie` fields (the first `CF_Authorization`), as
/// octets: a request that repeats its connection's token is compared with it, not
/// checked character by character again (a token is a kilobyte).
pub(crate) fn session_token(headers: &HeaderMap) -> Option<&[u8]> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b';'))
        .find_map(|pair| {
            let pair = pair.trim_ascii();
            let value = pair
                .strip_prefix(COOKIE_NAME.as_bytes())?
                .strip_prefix(b"=")?;
            (!value.is_empty()).then_some(value)
        })
}

/// `target` if it is a path on this host (`/...`), else `None`: an absolute URL, a
/// scheme-relative `//host`, `/\host` (which browsers read as `//host`), or any
/// backslash, control character or space is refused, so a logout link cannot send a
/// user to another site.
pub fn safe_redirect(target: &str) -> Option<&str> {
    let bytes = target.as_bytes();
    let ok = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && target.len() <= MAX_REDIRECT_LEN
        && bytes.iter().all(|&b| b.is_ascii_graphic() && b != b'\\');
    ok.then_some(target)
}

/// The `redirect_url` of a query string, percent-decoded.
pub(crate) fn redirect_param(query: Option<&str>) -> Option<String> {
    let query = query?;
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        // Bounded before it is decoded: three characters per octet at the most.
        (name == "redirect_url" && value.len() <= 3 * MAX_REDIRECT_LEN)
            .then(|| percent_decode(value))?
    })
}

/// Percent-decodes `text` (`+` is a space); `None` for a broken escape or non-UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let hi = (bytes.next()? as char).to_digit(16)?;
                let lo = (bytes.next()? as char).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_the_host() {
        for good in ["/", "/expenses?month=2026-11", "/a/b#top"] {
            assert_eq!(safe_redirect(good), Some(good));
        }
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example/",
            "/a\\b",
            "evil.example",
            "",
            "/a b",
            "/\t/evil",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_redirect(bad), None, "{bad:?}");
        }
        assert_eq!(
            redirect_param(Some("x=1&redirect_url=%2F%2Fevil.example")).as_deref(),
            Some("//evil.example")
        );
        assert_eq!(redirect_param(Some("redirect_url=%zz")), None);
    }

    #[test]
    fn the_cookie_is_host_only_and_secure() {
        let c = set_cookie("abc", Duration::from_secs(3600));
        assert_eq!(
            c,
            "CF_Authorization=abc; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax"
        );
        assert!(!c.contains("Domain"));
        let mut h = HeaderMap::new();
        h.append(
            http::header::COOKIE,
            http::HeaderValue::from_static("a=1; CF_Authorization=tok; b=2"),
        );
        assert_eq!(session_token(&h), Some(&b"tok"[..]));
    }
}
