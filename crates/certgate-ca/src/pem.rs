//! PEM through certgate-x509's one reader (any line length, as OpenSSL reads it), with
//! the origin of the input in errors.

pub(crate) use certgate_x509::pem::{PemBlock, encode};
use certgate_x509::{PemProblem, X509Error, pem};

use crate::CaError;

fn pem_error(origin: &str, err: X509Error) -> CaError {
    let problem = match err {
        X509Error::Pem(problem) => problem,
        // The PEM reader reports only PEM problems; anything else is a broken block.
        _ => PemProblem::NoBlock,
    };
    CaError::Pem {
        origin: origin.to_owned(),
        problem,
    }
}

/// The blocks labelled with one of `labels`, in order.
///
/// # Errors
/// [`CaError::Pem`] when the input has no such block.
pub(crate) fn blocks_labelled(
    input: &[u8],
    origin: &str,
    labels: &'static [&'static str],
) -> Result<Vec<PemBlock>, CaError> {
    pem::blocks_labelled(input, labels).map_err(|e| pem_error(origin, e))
}

/// The first block whose label is one of `labels`.
///
/// # Errors
/// [`CaError::Pem`] when the input has no such block.
pub(crate) fn find_block(
    input: &[u8],
    origin: &str,
    labels: &'static [&'static str],
) -> Result<PemBlock, CaError> {
    pem::first_labelled(input, labels).map_err(|e| pem_error(origin, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_origin_and_what_is_wrong() {
        let e = find_block(b"hello", "x.pem", &["X"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.pem") && e.contains("no PEM block"), "{e}");
        let e = find_block(
            b"-----BEGIN X-----\n!!!\n-----END X-----\n",
            "x.pem",
            &["X"],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not valid base64"), "{e}");
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
