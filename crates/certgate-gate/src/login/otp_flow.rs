//! The gate's side of one-time codes: [`otp::START_PATH`] and [`otp::VERIFY_PATH`] on
//! every host, routed to [`otp::OtpLogin`] with the form read within
//! [`otp::MAX_FORM_BYTES`]; each answer counted in `certgate_gate_logins_total` and, for
//! a sign-in or a refusal, logged as the OpenID Connect steps are (the address only in
//! the "signed in" line, never the code).

use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};

use super::otp::{
    self, FormProblem, MAX_FORM_BYTES, OtpLogin, OtpOutcome, OtpReply, OtpRequest, START_PATH,
    VERIFY_PATH,
};
use super::{LoginContext, OTP_METHOD, issuer, respond};

/// How much of a form past [`MAX_FORM_BYTES`] is still read (and dropped) before the 413,
/// so that the client, still sending, gets the answer.
const DRAIN_BYTES: usize = 64 * 1024;

/// Whether `path` is one of the two paths of one-time codes.
pub(crate) fn is_otp_path(path: &str) -> bool {
    path == START_PATH || path == VERIFY_PATH
}

/// Answers a request for [`START_PATH`] or [`VERIFY_PATH`] with the detail its decision
/// line names: the form's body is read within [`MAX_FORM_BYTES`] (413 past it) and
/// `read_timeout` (408 after), then handed to `login` with the host's policies, the
/// client's address and the certificate's SHA-256 when the connection has a verified
/// one (the session is bound to it).
pub(crate) async fn otp_endpoint<B>(
    req: Request<B>,
    login: &OtpLogin,
    ctx: &LoginContext<'_>,
    read_timeout: Duration,
) -> (Response<Full<Bytes>>, &'static str)
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_BYTES as u64) {
        return account(otp::bad_form(FormProblem::TooLarge), ctx);
    }
    // Read up to DRAIN_BYTES: a form a little too large is read to its end before the 413
    // (answering while the client still sends makes HTTP/2 reset the stream, and the
    // client sees no answer at all); past that, the stream is cut.
    let read = tokio::time::timeout(read_timeout, Limited::new(body, DRAIN_BYTES).collect());
    let bytes = match read.await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<LengthLimitError>() => {
            return account(otp::bad_form(FormProblem::TooLarge), ctx);
        }
        Ok(Err(_)) => {
            let response = respond(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=utf-8",
                "The form could not be read.\n",
            );
            return (response, "form-unreadable");
        }
        Err(_) => {
            let response = respond(
                StatusCode::REQUEST_TIMEOUT,
                "text/plain; charset=utf-8",
                "The form took too long to arrive.\n",
            );
            return (response, "form-timeout");
        }
    };
    if bytes.len() > MAX_FORM_BYTES {
        return account(otp::bad_form(FormProblem::TooLarge), ctx);
    }
    let thumbprint = crate::session::cert_binding(&ctx.conn.cert);
    let mut request = OtpRequest::new(
        &parts,
        &bytes,
        ctx.host,
        ctx.conn.peer.ip(),
        &ctx.state.policy,
    );
    if let Some(thumbprint) = &thumbprint {
        request = request.with_cert_thumbprint(thumbprint);
    }
    let reply = if parts.uri.path() == VERIFY_PATH {
        let reply = login.verify(&request, &issuer(ctx.keys, ctx.host));
        if reply.outcome == OtpOutcome::SignedIn {
            tracing::info!(target: "certgate_gate::login", host = ctx.host, method = OTP_METHOD, email = reply.email.as_deref().unwrap_or(""), bound = thumbprint.is_some(), "signed in");
        }
        reply
    } else {
        login.start(&request)
    };
    account(reply, ctx)
}

/// Counts `reply` in `certgate_gate_logins_total{method="otp"}`, logs a refusal, and
/// gives the response with its result id.
fn account(reply: OtpReply, ctx: &LoginContext<'_>) -> (Response<Full<Bytes>>, &'static str) {
    let result = result_id(reply.outcome);
    ctx.metrics.login(OTP_METHOD, result);
    let refused = !matches!(
        reply.outcome,
        OtpOutcome::SignedIn | OtpOutcome::CodeMailed | OtpOutcome::NoMail
    );
    if refused {
        tracing::warn!(target: "certgate_gate::login", host = ctx.host, method = OTP_METHOD, reason = result, "login refused");
    }
    (reply.response, result)
}

/// The result of an answer, for the metric and the decision line: `ok` for a sign-in,
/// `code-mailed` or `no-mail` for a start that was taken (the client sees the same page
/// for both), else why it was refused.
fn result_id(outcome: OtpOutcome) -> &'static str {
    match outcome {
        OtpOutcome::SignedIn => "ok",
        OtpOutcome::CodeRefused(refusal) => refusal.id(),
        OtpOutcome::BadForm(problem) => match problem {
            FormProblem::Method => "form-method",
            FormProblem::ContentType => "form-content-type",
            FormProblem::TooLarge => "form-too-large",
            FormProblem::Fields => "form-fields",
            FormProblem::Email => "form-email",
            FormProblem::Code => "form-code",
            FormProblem::Redirect => "form-redirect",
            FormProblem::CrossSite => "form-cross-site",
        },
        other => other.id(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::otp::CodeRefusal;

    #[test]
    fn results_name_the_reason() {
        assert_eq!(result_id(OtpOutcome::SignedIn), "ok");
        assert_eq!(result_id(OtpOutcome::NoMail), "no-mail");
        assert_eq!(result_id(OtpOutcome::CodeMailed), "code-mailed");
        assert_eq!(
            result_id(OtpOutcome::CodeRefused(CodeRefusal::Wrong {
                attempts_left: 2
            })),
            "wrong-code"
        );
        assert_eq!(
            result_id(OtpOutcome::BadForm(FormProblem::TooLarge)),
            "form-too-large"
        );
        assert!(is_otp_path("/cdn-cgi/access/otp/start"));
        assert!(is_otp_path("/cdn-cgi/access/otp/verify"));
        assert!(!is_otp_path("/cdn-cgi/access/otp/"));
    }
}
