//! The pages of the code login: "check your mail" with the code form, and the refusals.
//! Everything a request brought (the address, the redirect path) is HTML-escaped; the
//! code itself is never in a page.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

use crate::login::otp::{START_PATH, VERIFY_PATH};

/// `text` with `& < > " '` escaped, for an element or a quoted attribute.
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

/// A page with `status`, `title`, a paragraph (HTML already escaped) and a form.
pub(crate) fn html(
    status: StatusCode,
    title: &str,
    text: &str,
    form: &str,
) -> Response<Full<Bytes>> {
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head>\n<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
         <h1>{title}</h1>\n<p>{text}</p>\n{form}<p><small>certgate</small></p>\n</body></html>\n"
    );
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    response
}

/// The form that asks for a code (for `email`, if known), back to `redirect`.
pub(crate) fn start_form(email: &str, redirect: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{START_PATH}\">\
         <input type=\"hidden\" name=\"redirect_url\" value=\"{redirect}\">\
         <label>Email <input type=\"email\" name=\"email\" value=\"{email}\" autocomplete=\"email\" required></label> \
         <button type=\"submit\">Send me a code</button></form>\n",
        redirect = escape(redirect),
        email = escape(email),
    )
}

/// The form that takes the code mailed to `email`.
pub(crate) fn code_form(email: &str, redirect: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{VERIFY_PATH}\">\
         <input type=\"hidden\" name=\"email\" value=\"{email}\">\
         <input type=\"hidden\" name=\"redirect_url\" value=\"{redirect}\">\
         <label>Code <input name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" \
         pattern=\"[0-9 ]{{6,7}}\" required autofocus></label> \
         <button type=\"submit\">Sign in</button></form>\n",
        redirect = escape(redirect),
        email = escape(email),
    )
}

/// The answer to every accepted start form, whether or not a code was mailed.
pub(crate) fn code_on_its_way(
    host: &str,
    email: &str,
    redirect: &str,
    minutes: u64,
) -> Response<Full<Bytes>> {
    let text = format!(
        "If {email} may sign in to {host}, a code is on its way to it. \
         It is valid for {minutes} minutes. Type it here:",
        email = escape(email),
        host = escape(host),
    );
    html(
        StatusCode::OK,
        "Check your email",
        &text,
        &code_form(email, redirect),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_text_is_escaped() {
        assert_eq!(escape("<script>\"'&"), "&lt;script&gt;&quot;&#39;&amp;");
        let form = start_form("a\"><script>@x.y", "/a?b=\"c\"");
        assert!(!form.contains("<script>"));
        assert!(form.contains("/a?b=&quot;c&quot;"));
    }
}
