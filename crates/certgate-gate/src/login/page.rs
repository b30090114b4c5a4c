//! The login page, the login-required answers (302 for browsers, 401 JSON for API
//! clients) and the refusal pages.

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;

use super::{LOGIN_PATH, OIDC_START_PREFIX, Refusal, respond};
use crate::login::oidc::form_encode as encode;

/// Whether the client reads HTML: its `Accept` names `text/html` and not
/// `application/json`. API clients (`Accept: application/json`, `*/*`, none) do not.
pub(crate) fn wants_html<B>(req: &Request<B>) -> bool {
    let accept: Vec<&str> = req
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    accept.iter().any(|v| v.contains("text/html"))
        && !accept.iter().any(|v| v.contains("application/json"))
}

/// Escapes text for HTML.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The answer to a request that needs a login: 302 to the login page for a browser,
/// 401 with `{"error":"login-required","login_url":..}` for an API client. `target`
/// is the path and query asked for.
pub(crate) fn login_required<B>(req: &Request<B>, target: &str) -> Response<Full<Bytes>> {
    let login_url = format!("{LOGIN_PATH}?redirect_url={}", encode(target));
    if wants_html(req) {
        let mut response = respond(StatusCode::FOUND, "text/plain; charset=utf-8", "");
        if let Ok(v) = HeaderValue::try_from(login_url) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        return response;
    }
    let body = serde_json::json!({"error": "login-required", "login_url": login_url});
    let mut response = respond(
        StatusCode::UNAUTHORIZED,
        "application/json",
        body.to_string(),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Cookie realm=\"certgate\""),
    );
    response
}

/// The OpenID Connect section: one link per provider (`name`, `display_name`).
pub(crate) fn oidc_section(providers: &[(String, String)], redirect_url: &str) -> String {
    let mut out = String::from("<ul class=\"login-oidc\">\n");
    for (name, display) in providers {
        out.push_str(&format!(
            "<li><a id=\"login-oidc-{name}\" href=\"{OIDC_START_PREFIX}{name}?redirect_url={}\">\
             Sign in with {}</a></li>\n",
            escape(&encode(redirect_url)),
            escape(display),
        ));
    }
    out.push_str("</ul>\n");
    out
}

/// The login page of `host` with the methods' `sections` (HTML fragments).
pub(crate) fn login_page(host: &str, sections: &[String]) -> Response<Full<Bytes>> {
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>Sign in to {host}</title></head>\n\
         <body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
         <h1>Sign in to {host}</h1>\n{}<p><small>certgate</small></p>\n</body></html>\n",
        sections.concat(),
        host = escape(host),
    );
    respond(StatusCode::OK, "text/html; charset=utf-8", body)
}

/// The page for a refused login step: HTML, or JSON when the client asks for it.
pub(crate) fn refusal<B>(req: &Request<B>, refusal: Refusal) -> Response<Full<Bytes>> {
    let status = refusal.status();
    let wants_json = req
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/json"));
    if wants_json {
        let body = serde_json::json!({
            "status": status.as_u16(),
            "error": "login-refused",
            "reason": refusal.id(),
            "message": refusal.message(),
        });
        return respond(status, "application/json", body.to_string());
    }
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{code} Sign-in refused</title></head>\n\
         <body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
         <h1>Sign-in refused</h1>\n<p>{message}</p>\n<p><a href=\"{LOGIN_PATH}\">Sign in again</a></p>\n\
         <p><small>Reason: <code>{id}</code> · certgate</small></p>\n</body></html>\n",
        code = status.as_u16(),
        message = escape(refusal.message()),
        id = refusal.id(),
    );
    respond(status, "text/html; charset=utf-8", body)
}
