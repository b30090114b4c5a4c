//! PEM blocks: reading several from one input and writing one.

use crate::{CaError, PemProblem};

/// One PEM block: its label and the DER it holds.
#[derive(Debug)]
pub(crate) struct PemBlock {
    pub(crate) label: String,
    pub(crate) der: Vec<u8>,
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";

/// Splits `input` into its PEM blocks, ignoring text between them (as OpenSSL does).
///
/// # Errors
/// [`CaError::Pem`] when the input is not UTF-8, holds no block, or a block is malformed.
pub(crate) fn parse_blocks(input: &[u8], origin: &str) -> Result<Vec<PemBlock>, CaError> {
    let err = |problem: PemProblem| pem_error(origin, problem, None);
    let text = std::str::from_utf8(input).map_err(|_| err(PemProblem::NotUtf8))?;
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let block = &rest[start..];
        let label_end = block[BEGIN.len()..]
            .find("-----")
            .ok_or_else(|| err(PemProblem::UnterminatedBegin))?;
        let label = &block[BEGIN.len()..BEGIN.len() + label_end];
        let end_line = format!("{END}{label}-----");
        let end = block.find(&end_line).ok_or_else(|| {
            err(PemProblem::NoEndLine {
                label: label.to_owned(),
            })
        })?;
        let pem = &block[..end + end_line.len()];
        let (decoded_label, der) = der::pem::decode_vec(pem.as_bytes()).map_err(|e| {
            let label = label.to_owned();
            pem_error(origin, PemProblem::Malformed { label }, Some(Box::new(e)))
        })?;
        blocks.push(PemBlock {
            label: decoded_label.to_owned(),
            der,
        });
        rest = &block[end + end_line.len()..];
    }
    if blocks.is_empty() {
        return Err(err(PemProblem::NoBlock));
    }
    Ok(blocks)
}

/// The first block whose label is one of `labels`.
///
/// # Errors
/// [`CaError::Pem`] when the input has no such block.
pub(crate) fn find_block(input: &[u8], origin: &str, labels: &[&str]) -> Result<PemBlock, CaError> {
    let blocks = parse_blocks(input, origin)?;
    let found: Vec<String> = blocks.iter().map(|b| b.label.clone()).collect();
    blocks
        .into_iter()
        .find(|b| labels.contains(&b.label.as_str()))
        .ok_or_else(|| {
            let expected = labels.iter().map(|l| (*l).to_owned()).collect();
            pem_error(origin, PemProblem::WrongLabel { expected, found }, None)
        })
}

/// A [`CaError::Pem`] about input from `origin`.
pub(crate) fn pem_error(
    origin: &str,
    problem: PemProblem,
    source: Option<crate::error::BoxError>,
) -> CaError {
    CaError::Pem {
        origin: origin.to_owned(),
        problem,
        source,
    }
}

/// Encodes `der` as one PEM block with LF line endings.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    // The label is a constant of ours and the encoder only fails on bad labels.
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_text_and_reads_several_blocks() {
        let one = encode("CERTIFICATE", b"abc");
        let two = encode("EC PRIVATE KEY", b"defg");
        let input = format!("subject=foo\n{one}junk\n{two}");
        let blocks = parse_blocks(input.as_bytes(), "t").unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[1].label, "EC PRIVATE KEY");
        assert_eq!(blocks[1].der, b"defg");
    }

    #[test]
    fn reports_missing_and_malformed_blocks() {
        let e = parse_blocks(b"hello", "x.pem").unwrap_err().to_string();
        assert!(e.contains("x.pem") && e.contains("no PEM block"), "{e}");
        let e = parse_blocks(b"-----BEGIN X-----\n!!!\n-----END X-----\n", "x.pem")
            .unwrap_err()
            .to_string();
        assert!(e.contains("malformed"), "{e}");
        let e = find_block(
            encode("CERTIFICATE", b"a").as_bytes(),
            "c.pem",
            &["PRIVATE KEY"],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("expected a PEM block labelled PRIVATE KEY, found CERTIFICATE"),
            "{e}"
        );
    }
}
