//! What the endpoints answer: the response, the outcome for the log and metrics, the
//! mail on its way; and the pages that refuse.

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;

use crate::login::otp::OtpError;
use crate::login::otp::codes::CodeRefusal;
use crate::login::otp::form::{FormProblem, OtpForm};
use crate::login::otp::page;

/// What happened, for one log line and a counter.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtpOutcome {
    /// Start: a code was made and handed to the mailer ([`OtpReply::delivery`]).
    CodeMailed,
    /// Start: the address is not one a policy could admit (or no application covers
    /// `redirect_url`): no mail; the page is the one [`OtpOutcome::CodeMailed`] gets.
    NoMail,
    /// The form was refused.
    BadForm(FormProblem),
    /// Start: the address has had `max_sends_per_address_per_hour` codes (429).
    AddressLimited,
    /// Start: the client has asked for `max_sends_per_client_per_hour` codes (429).
    ClientLimited,
    /// Verify: the code was right; the session is issued.
    SignedIn,
    /// Verify: the code was refused.
    CodeRefused(CodeRefusal),
    /// Verify: the code was right but no session could be signed (500).
    SessionFailed,
}

impl OtpOutcome {
    /// A short, stable id for logs and metrics.
    pub fn id(self) -> &'static str {
        match self {
            Self::CodeMailed => "code-mailed",
            Self::NoMail => "no-mail",
            Self::BadForm(_) => "bad-form",
            Self::AddressLimited => "address-limited",
            Self::ClientLimited => "client-limited",
            Self::SignedIn => "signed-in",
            Self::CodeRefused(_) => "code-refused",
            Self::SessionFailed => "session-failed",
        }
    }
}

/// The answer to a request, with what happened.
#[derive(Debug)]
pub struct OtpReply {
    /// The response to send.
    pub response: Response<Full<Bytes>>,
    /// What happened.
    pub outcome: OtpOutcome,
    /// The address of the form (ASCII lower case), when it was one, for the log line.
    pub email: Option<String>,
    /// The mail being sent, for [`OtpOutcome::CodeMailed`]. Dropping it does not stop
    /// the sending; the result is logged and counted ([`crate::login::otp::OtpLogin::mail_counts`]) anyway.
    pub delivery: Option<Delivery>,
}

/// A mail on its way.
#[derive(Debug)]
pub struct Delivery(pub(crate) DeliveryState);

#[derive(Debug)]
pub(crate) enum DeliveryState {
    Sending(tokio::task::JoinHandle<Result<(), OtpError>>),
    Done(Result<(), OtpError>),
}

impl Delivery {
    /// Waits for the SMTP server's answer.
    ///
    /// # Errors
    /// Why the code was not mailed: the server down ([`OtpError::Connect`]), TLS
    /// refused, a command refused, no room ([`OtpError::Busy`]) ...
    pub async fn wait(self) -> Result<(), OtpError> {
        match self.0 {
            DeliveryState::Done(result) => result,
            DeliveryState::Sending(task) => task.await.unwrap_or(Err(OtpError::NoTask)),
        }
    }
}

/// Mails sent and failed since the start, for metrics.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MailCounts {
    /// Accepted by the SMTP server.
    pub sent: u64,
    /// Not mailed (SMTP error, no room).
    pub failed: u64,
}

pub(crate) fn reply(
    response: Response<Full<Bytes>>,
    outcome: OtpOutcome,
    form: OtpForm,
) -> OtpReply {
    OtpReply {
        response,
        outcome,
        email: Some(form.email),
        delivery: None,
    }
}

pub(crate) fn bad_form(problem: FormProblem) -> OtpReply {
    let (status, title, text) = match problem {
        FormProblem::Method => (
            StatusCode::METHOD_NOT_ALLOWED,
            "Use the form",
            "This address takes a form.",
        ),
        FormProblem::ContentType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Use the form",
            "This address takes a form.",
        ),
        FormProblem::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "Use the form",
            "The form is too large.",
        ),
        FormProblem::CrossSite => (
            StatusCode::FORBIDDEN,
            "Sign in from this site",
            "The form was sent from another site. Open this site and sign in there.",
        ),
        FormProblem::Email => (
            StatusCode::BAD_REQUEST,
            "Not an email address",
            "Type one email address, such as sam@example.com.",
        ),
        FormProblem::Code => (
            StatusCode::BAD_REQUEST,
            "Not a code",
            "The code has six digits.",
        ),
        FormProblem::Redirect | FormProblem::Fields => (
            StatusCode::BAD_REQUEST,
            "Use the form",
            "The form is not one this site sent.",
        ),
    };
    OtpReply {
        response: page::html(status, title, text, &page::start_form("", "/")),
        outcome: OtpOutcome::BadForm(problem),
        email: None,
        delivery: None,
    }
}

pub(crate) fn limited(outcome: OtpOutcome, form: OtpForm) -> OtpReply {
    let text = "Too many codes were asked for. Use the last code you received, or try again \
                in an hour.";
    let response = page::html(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many codes",
        text,
        &page::code_form(&form.email, &form.redirect),
    );
    reply(response, outcome, form)
}

pub(crate) fn refused(refusal: CodeRefusal, form: OtpForm) -> OtpReply {
    let email = page::escape(&form.email);
    let (title, text, retry) = match refusal {
        CodeRefusal::Expired => (
            "This code has expired",
            format!("The code sent to {email} is no longer valid. Ask for a new one."),
            false,
        ),
        CodeRefusal::TooManyAttempts => (
            "Too many wrong codes",
            format!("The code sent to {email} no longer works. Ask for a new one."),
            false,
        ),
        CodeRefusal::Wrong { .. } | CodeRefusal::NoCode => (
            "Wrong code",
            format!(
                "This is not the code sent to {email}, or it was used already. Try again, or ask for a new one."
            ),
            true,
        ),
    };
    let mut forms = String::new();
    if retry {
        forms.push_str(&page::code_form(&form.email, &form.redirect));
    }
    forms.push_str(&page::start_form(&form.email, &form.redirect));
    let response = page::html(StatusCode::UNAUTHORIZED, title, &text, &forms);
    reply(response, OtpOutcome::CodeRefused(refusal), form)
}
