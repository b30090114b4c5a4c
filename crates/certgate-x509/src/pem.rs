//! PEM (RFC 7468) as OpenSSL reads it: text between blocks ignored, any line length,
//! CRLF or LF, whitespace inside the base64 ignored. One reader for every crate.

use base64ct::{Base64, Encoding};

use crate::error::{PemProblem, X509Error};
use crate::limits::MAX_PEM_INPUT;

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// One PEM block: its label and the DER it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PemBlock {
    /// The label (`CERTIFICATE`, `X509 CRL`, ...).
    pub label: String,
    /// The decoded octets.
    pub der: Vec<u8>,
}

/// Every PEM block of `input`, in order.
///
/// # Errors
/// [`X509Error::Pem`]: input past [`MAX_PEM_INPUT`], no block, a BEGIN without its
/// END, RFC 1421 headers (legacy encryption), or base64 that does not decode.
pub fn parse_blocks(input: &[u8]) -> Result<Vec<PemBlock>, X509Error> {
    if input.len() > MAX_PEM_INPUT {
        return Err(X509Error::Pem(PemProblem::TooLarge));
    }
    // PEM is ASCII; bytes outside it can only be in the text around blocks.
    let text = String::from_utf8_lossy(input);
    let mut blocks = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find(BEGIN) {
        let after_begin = &rest[start + BEGIN.len()..];
        let line_end = after_begin.find('\n').unwrap_or(after_begin.len());
        let begin_line = after_begin[..line_end].trim_end();
        let Some(label) = begin_line.strip_suffix(DASHES) else {
            // Not a BEGIN line after all (no closing dashes): keep looking.
            rest = after_begin;
            continue;
        };
        let body_start = &after_begin[line_end..];
        let end_line = format!("{END}{label}{DASHES}");
        let end = body_start.find(&end_line).ok_or_else(|| {
            X509Error::Pem(PemProblem::Unterminated {
                label: label.to_owned(),
            })
        })?;
        let body = &body_start[..end];
        if body.contains(':') {
            return Err(X509Error::Pem(PemProblem::Headers {
                label: label.to_owned(),
            }));
        }
        let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = Base64::decode_vec(&compact).map_err(|_| {
            X509Error::Pem(PemProblem::BadBase64 {
                label: label.to_owned(),
            })
        })?;
        blocks.push(PemBlock {
            label: label.to_owned(),
            der,
        });
        rest = &body_start[end + end_line.len()..];
    }
    if blocks.is_empty() {
        return Err(X509Error::Pem(PemProblem::NoBlock));
    }
    Ok(blocks)
}

/// The blocks labelled with one of `labels`, in order.
///
/// # Errors
/// As [`parse_blocks`], and [`PemProblem::WrongLabel`] when none has such a label.
pub fn blocks_labelled(
    input: &[u8],
    labels: &'static [&'static str],
) -> Result<Vec<PemBlock>, X509Error> {
    let blocks = parse_blocks(input)?;
    let found: Vec<String> = blocks.iter().map(|b| b.label.clone()).collect();
    let wanted: Vec<PemBlock> = blocks
        .into_iter()
        .filter(|b| labels.contains(&b.label.as_str()))
        .collect();
    if wanted.is_empty() {
        return Err(X509Error::Pem(PemProblem::WrongLabel {
            expected: labels,
            found,
        }));
    }
    Ok(wanted)
}

/// The first block labelled with one of `labels`.
///
/// # Errors
/// As [`blocks_labelled`].
pub fn first_labelled(
    input: &[u8],
    labels: &'static [&'static str],
) -> Result<PemBlock, X509Error> {
    let mut blocks = blocks_labelled(input, labels)?;
    Ok(blocks.swap_remove(0))
}

/// `der` as one PEM block: 64-column base64 lines, LF endings.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = Base64::encode_string(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + label.len() * 2 + 40);
    out.push_str(BEGIN);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(END);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_line_length_and_text_between() {
        let der: Vec<u8> = (0..=255u8).cycle().take(700).collect();
        let one = encode("CERTIFICATE REQUEST", &der);
        let b64 = Base64::encode_string(&der);
        let wrapped76: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let seventy_six = format!(
            "-----BEGIN CERTIFICATE REQUEST-----\r\n{}\r\n-----END CERTIFICATE REQUEST-----\r\n",
            wrapped76.join("\r\n")
        );
        let single_line = format!("-----BEGIN X509 CRL-----\n{b64}\n-----END X509 CRL-----\n");
        let input = format!("subject=foo\n{one}junk\n{seventy_six}\n{single_line}");
        let blocks = parse_blocks(input.as_bytes()).unwrap();
        assert_eq!(blocks.len(), 3);
        assert!(blocks.iter().all(|b| b.der == der));
        assert_eq!(blocks[2].label, "X509 CRL");
        let crls = blocks_labelled(input.as_bytes(), &["X509 CRL"]).unwrap();
        assert_eq!(crls.len(), 1);
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(
            parse_blocks(b"hello"),
            Err(X509Error::Pem(PemProblem::NoBlock))
        );
        assert!(matches!(
            parse_blocks(b"-----BEGIN X-----\n!!!\n-----END X-----\n"),
            Err(X509Error::Pem(PemProblem::BadBase64 { .. }))
        ));
        assert!(matches!(
            parse_blocks(b"-----BEGIN X-----\nAAAA\n"),
            Err(X509Error::Pem(PemProblem::Unterminated { .. }))
        ));
        assert!(matches!(
            parse_blocks(b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"),
            Err(X509Error::Pem(PemProblem::Headers { .. }))
        ));
        let e =
            first_labelled(encode("CERTIFICATE", b"a").as_bytes(), &["PRIVATE KEY"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected a PEM block labelled PRIVATE KEY, found CERTIFICATE"
        );
    }
}
