//! The mail that carries a code. Every header is fixed text or a value checked before
//! it gets here (the addresses are plain addresses, the host a host name, the subject
//! printable ASCII from the configuration): no header can be injected.

use std::time::{Duration, UNIX_EPOCH};

use crate::login::otp::codes::Code;
use crate::login::otp::config::OtpSettings;
use crate::login::otp::smtp::Envelope;

/// The message for `code` to `to`, to sign in at `host`.
pub(crate) fn compose(
    settings: &OtpSettings,
    to: &str,
    host: &str,
    code: &Code,
    now: u64,
    message_id: &str,
) -> Envelope {
    let (from, subject) = (settings.from.as_str(), settings.subject.as_str());
    let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(now));
    let domain = from.rsplit_once('@').map_or("certgate.invalid", |(_, d)| d);
    let minutes = settings.code_ttl.as_secs().div_ceil(60);
    let validity = if minutes == 1 {
        "1 minute".to_owned()
    } else {
        format!("{minutes} minutes")
    };
    let code = code.as_str();
    let message = format!(
        "From: <{from}>\r\n\
         To: <{to}>\r\n\
         Subject: {subject}\r\n\
         Date: {date}\r\n\
         Message-ID: <{message_id}@{domain}>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\
         Content-Transfer-Encoding: 7bit\r\n\
         Auto-Submitted: auto-generated\r\n\
         \r\n\
         Your code to sign in to {host}:\r\n\
         \r\n\
         {code}\r\n\
         \r\n\
         It is valid for {validity} and works once.\r\n\
         If you did not ask to sign in to {host}, ignore this mail.\r\n"
    );
    Envelope {
        from: from.to_owned(),
        to: to.to_owned(),
        message,
    }
}
