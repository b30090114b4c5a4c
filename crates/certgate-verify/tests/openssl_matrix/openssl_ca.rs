//! Certificates made by `openssl req` and `openssl ca` with certgate-ca's keys: the
//! encodings certgate-ca does not write (a PrintableString commonName, an emailAddress
//! attribute in the subject), at fixed dates and serials (`openssl ca -startdate
//! -enddate`, a serial file), so the clock of the machine does not matter.

use std::path::Path;

use certgate_ca::PrivateKey;
use certgate_test_support::run_ok;

use super::lab::Ca;

/// The extensions of a CA certificate.
pub(crate) const CA_EXTENSIONS: &str = "basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid";

/// The extensions of a client-auth leaf.
pub(crate) const CLIENT_EXTENSIONS: &str = "basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid";

/// What `openssl ca` is asked to issue.
pub(crate) struct OpensslIssue<'a> {
    /// The subject in `openssl req -subj` syntax (`/CN=.../emailAddress=...`).
    pub(crate) subject: &'a str,
    /// The subject's key.
    pub(crate) key: &'a PrivateKey,
    /// `string_mask` for the request: `default` writes PrintableString where it can,
    /// `utf8only` UTF8String.
    pub(crate) string_mask: &'a str,
    /// The `[ext]` section.
    pub(crate) extensions: &'a str,
    /// The serial number.
    pub(crate) serial: u8,
}

/// The DER of the certificate `openssl ca` issues from `issuer` (its certificate and
/// key) for `what`, valid 2026-05-01 to 2027-05-01, in the fresh directory `dir`.
pub(crate) fn openssl_issue(dir: &Path, issuer: &Ca, what: &OpensslIssue<'_>) -> Vec<u8> {
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write(
        "issuer.pem",
        &certgate_x509::pem::encode("CERTIFICATE", &issuer.der),
    );
    write("issuer-key.pem", &issuer.key.to_pkcs8_pem().unwrap());
    write("subject-key.pem", &what.key.to_pkcs8_pem().unwrap());
    let mask = what.string_mask;
    write(
        "req.cnf",
        &format!("[req]\ndistinguished_name = dn\nstring_mask = {mask}\n[dn]\n"),
    );
    write(
        "ca.cnf",
        &format!(
            "[ca]\ndefault_ca = m\n[m]\ndatabase = index.txt\nnew_certs_dir = .\n\
             serial = serial.txt\ndefault_md = sha256\npolicy = loose\nunique_subject = no\n\
             email_in_dn = yes\npreserve = yes\nstring_mask = {mask}\n\
             [loose]\ncommonName = supplied\nemailAddress = optional\n[ext]\n{}\n",
            what.extensions
        ),
    );
    write("index.txt", "");
    write("serial.txt", &format!("{:02X}\n", what.serial));
    run_ok(
        "openssl",
        &[
            "req",
            "-new",
            "-config",
            "req.cnf",
            "-key",
            "subject-key.pem",
            "-subj",
            what.subject,
            "-out",
            "req.csr",
        ],
        dir,
    );
    run_ok(
        "openssl",
        &[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            "issuer.pem",
            "-keyfile",
            "issuer-key.pem",
            "-in",
            "req.csr",
            "-out",
            "out.pem",
            "-notext",
            "-extensions",
            "ext",
            "-startdate",
            "20260501000000Z",
            "-enddate",
            "20270501000000Z",
        ],
        dir,
    );
    let pem = std::fs::read(dir.join("out.pem")).unwrap();
    certgate_x509::pem::first_labelled(&pem, &["CERTIFICATE"])
        .unwrap()
        .der
}
