//! PEM as OpenSSL reads it: a request wrapped at 76 columns (as `base64` and some
//! HSM tools write it) or on one line is the same request.

#![allow(clippy::unwrap_used)]

use certgate_ca::CertificateRequest;
use certgate_ca::cfssl::CsrJson;

fn wrapped(der: &[u8], width: usize) -> String {
    let b64 = base64(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(width)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        lines.join("\n")
    )
}

/// The base64 of `der` on one line (certgate-x509's PEM writer, unwrapped).
fn base64(der: &[u8]) -> String {
    certgate_x509::pem::encode("X", der)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect()
}

#[test]
fn a_request_with_76_column_lines_or_one_line_is_read() {
    let json = CsrJson::from_json(br#"{"CN": "phone", "hosts": ["phone.example"]}"#, "t").unwrap();
    let (_, req) = CertificateRequest::generate(&json).unwrap();
    for width in [64, 76, 10_000] {
        let pem = wrapped(req.der(), width);
        let read = CertificateRequest::from_pem(pem.as_bytes(), "req.pem").unwrap();
        assert_eq!(read.der(), req.der(), "width {width}");
    }
}

#[test]
fn an_openssl_request_rewrapped_at_76_columns_is_read() {
    if !certgate_test_support::require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    certgate_test_support::run_ok(
        "openssl",
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "k.pem",
            "-subj",
            "/CN=device",
            "-outform",
            "DER",
            "-out",
            "r.der",
        ],
        dir.path(),
    );
    let der = std::fs::read(dir.path().join("r.der")).unwrap();
    let pem = wrapped(&der, 76);
    let read = CertificateRequest::from_pem(pem.as_bytes(), "r.pem").unwrap();
    assert_eq!(read.der(), der);
    // OpenSSL itself reads the same 76-column file.
    std::fs::write(dir.path().join("r76.pem"), &pem).unwrap();
    certgate_test_support::run_ok(
        "openssl",
        &["req", "-in", "r76.pem", "-noout", "-verify"],
        dir.path(),
    );
}
