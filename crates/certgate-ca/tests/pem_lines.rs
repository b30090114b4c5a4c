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

fn base64(der: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in der.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
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
