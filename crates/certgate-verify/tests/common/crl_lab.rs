//! A PKI for the enterprise-CRL tests, made with certgate-ca at a fixed clock with fixed
//! serials, written to a directory for `openssl verify`, and the one comparison every
//! test makes: certgate-verify's `ChainVerifier` verdict against OpenSSL's on the same
//! files.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use certgate_ca::cfssl::SigningConfig;
use certgate_ca::{
    CaCertificate, CertificateAuthority, CertificateRequest, Crl, KeySigner, KeySpec, PrivateKey,
    RevocationReason, RevokedEntry, RootCaBuilder, SubjectName,
};
use certgate_verify::{
    ChainVerifier, FailureReason, RevocationPolicy, RevocationStore, RevocationStoreBuilder, Usage,
};
use certgate_x509::{CertView, der};
use rustls_pki_types::{CertificateDer, UnixTime};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The fixed clock.
pub(crate) const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

const CONFIG: &str = r#"{"signing": {"profiles": {
  "client": {"usages": ["digital signature", "client auth"], "expiry": "720h"},
  "ca": {"usages": ["cert sign", "crl sign"], "expiry": "8760h", "ca_constraint": {"is_ca": true}},
  "crl_signer": {"usages": ["crl sign"], "expiry": "8760h"},
  "no_crl_sign": {"usages": ["digital signature"], "expiry": "8760h"},
  "expired_signer": {"usages": ["crl sign"], "not_before": "2025-01-01T00:00:00Z",
                     "not_after": "2026-01-01T00:00:00Z"}}}}"#;

fn config() -> SigningConfig {
    SigningConfig::from_json(CONFIG.as_bytes(), "config").unwrap()
}

/// A CA and its certificate's DER.
pub(crate) struct Ca {
    pub(crate) ca: CertificateAuthority,
    pub(crate) der: Vec<u8>,
    /// Its subject's common name (its whole subject).
    pub(crate) cn: String,
}

impl Ca {
    /// The CA's certificate as certgate-ca reads it.
    pub(crate) fn cert(&self) -> &CaCertificate {
        self.ca.certificate()
    }

    /// Its subject as a whole DER Name.
    pub(crate) fn name_der(&self) -> Vec<u8> {
        CertView::parse(&self.der).unwrap().subject.der().to_vec()
    }

    /// A CRL of this CA numbered `number`, current at [`NOW`] (thisUpdate an hour
    /// before, nextUpdate a week after) unless changed.
    pub(crate) fn crl(&self, number: u64) -> certgate_ca::CrlBuilder<'_> {
        self.ca
            .crl(number, NOW - Duration::hours(1), NOW + Duration::days(7))
    }
}

/// A key and a signer over a copy of it.
pub(crate) fn key_pair() -> (PrivateKey, KeySigner) {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let copy = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap();
    (key, KeySigner::new(copy))
}

/// A self-signed root named `cn`, serial 1.
pub(crate) fn root(cn: &str) -> Ca {
    let csr =
        certgate_ca::cfssl::CsrJson::from_json(format!(r#"{{"CN": "{cn}"}}"#).as_bytes(), "t")
            .unwrap();
    let made = RootCaBuilder::new(&csr, Box::new(key_pair().1))
        .with_now(NOW - Duration::days(1))
        .with_serial(&[1])
        .build()
        .unwrap();
    Ca {
        der: made.certificate.der().to_vec(),
        ca: made.ca,
        cn: cn.to_owned(),
    }
}

/// A certificate for a fresh key, subject `subject`, issued by `ca` under `profile`.
pub(crate) fn issue_named(
    ca: &Ca,
    subject: &SubjectName,
    profile: &str,
    serial: u8,
) -> (PrivateKey, Vec<u8>) {
    let (key, signer) = key_pair();
    let csr = CertificateRequest::create(&signer, subject, &[]).unwrap();
    let config = config();
    let cert = ca
        .ca
        .issue(&csr, config.profile(profile).unwrap())
        .with_now(NOW - Duration::hours(12))
        .with_serial(&[serial])
        .build()
        .unwrap();
    (key, cert.der().to_vec())
}

/// A client certificate `cn` of `ca` with `serial`.
pub(crate) fn leaf(ca: &Ca, cn: &str, serial: u8) -> Vec<u8> {
    issue_named(ca, &SubjectName::with_common_name(cn), "client", serial).1
}

/// An intermediate CA `cn` issued by `parent`.
pub(crate) fn intermediate(parent: &Ca, cn: &str, serial: u8) -> Ca {
    let (key, der) = issue_named(parent, &SubjectName::with_common_name(cn), "ca", serial);
    let cert = CaCertificate::from_der(&der, "intermediate").unwrap();
    Ca {
        ca: CertificateAuthority::new(cert, Box::new(KeySigner::new(key))).unwrap(),
        der,
        cn: cn.to_owned(),
    }
}

/// A certificate for a key of its own with `ca`'s very subject (a dedicated CRL signer
/// of that CA, when `issuer` is `ca`), issued by `issuer` under `profile`: the key, its
/// certificate and its key identifier.
pub(crate) fn crl_signer(ca: &Ca, issuer: &Ca, profile: &str, serial: u8) -> Signer {
    let subject = SubjectName::with_common_name(&ca.cn);
    let (key, der) = issue_named(issuer, &subject, profile, serial);
    assert_eq!(
        CertView::parse(&der).unwrap().subject.der(),
        ca.name_der(),
        "the signer has the CA's very subject"
    );
    let key_id = CertView::parse(&der)
        .unwrap()
        .subject_key_id()
        .unwrap()
        .unwrap()
        .to_vec();
    Signer {
        signer: KeySigner::new(key),
        der,
        key_id,
    }
}

/// A CRL signer: its key, certificate and key identifier.
pub(crate) struct Signer {
    pub(crate) signer: KeySigner,
    pub(crate) der: Vec<u8>,
    pub(crate) key_id: Vec<u8>,
}

/// A revoked entry for `serial`, an hour before [`NOW`].
pub(crate) fn entry(serial: u8, reason: Option<RevocationReason>) -> RevokedEntry {
    RevokedEntry {
        serial: vec![serial],
        revoked_at: NOW - Duration::hours(2),
        reason,
    }
}

/// One point of a cRLDistributionPoints extension, as [`with_distribution_points`]
/// writes it.
#[derive(Default)]
pub(crate) struct Point<'a> {
    pub(crate) uris: &'a [&'a str],
    /// ReasonFlags bits (bit 1 keyCompromise ... bit 8 aACompromise).
    pub(crate) reasons: Option<u16>,
    /// cRLIssuer: a whole DER Name.
    pub(crate) crl_issuer: Option<Vec<u8>>,
}

/// A ReasonFlags BIT STRING's content for `bits`.
fn reason_bits(bits: u16) -> Vec<u8> {
    let high = u8::try_from(bits.reverse_bits() >> 8).unwrap();
    let low = u8::try_from(bits.reverse_bits() & 0xff).unwrap();
    let octets: Vec<u8> = if low == 0 {
        vec![high]
    } else {
        vec![high, low]
    };
    let last = *octets.last().unwrap();
    let unused = if last == 0 { 0 } else { last.trailing_zeros() };
    let mut out = vec![u8::try_from(unused).unwrap()];
    out.extend(octets);
    out
}

/// The DER of a cRLDistributionPoints extension (non-critical) with these points.
pub(crate) fn distribution_points(points: &[Point<'_>]) -> Vec<u8> {
    let mut seq = Vec::new();
    for p in points {
        let mut dp = Vec::new();
        if !p.uris.is_empty() {
            let names: Vec<u8> = p
                .uris
                .iter()
                .flat_map(|u| der::wrap(0x86, u.as_bytes()))
                .collect();
            dp.extend(der::wrap(0xa0, &der::wrap(0xa0, &names)));
        }
        if let Some(bits) = p.reasons {
            dp.extend(der::wrap(0x81, &reason_bits(bits)));
        }
        if let Some(name) = &p.crl_issuer {
            dp.extend(der::wrap(0xa2, &der::wrap(0xa4, name)));
        }
        seq.extend(der::wrap(0x30, &dp));
    }
    let value = der::wrap(0x30, &seq);
    let oid = der::wrap(0x06, certgate_x509::oid::ext::CRL_DISTRIBUTION_POINTS);
    der::wrap(0x30, &[oid, der::wrap(0x04, &value)].concat())
}

/// `cert` (issued by `ca`) with `extension` (a whole Extension's DER) added, signed
/// again by `ca`.
pub(crate) fn with_extension(ca: &Ca, cert: &[u8], extension: &[u8]) -> Vec<u8> {
    let view = CertView::parse(cert).unwrap();
    let (tbs, _) = der::read_tlv(view.tbs).unwrap();
    let mut fields = Vec::new();
    for t in der::elements(tbs.value) {
        let t = t.unwrap();
        if t.tag == 0xa3 {
            let (exts, _) = der::read_tlv(t.value).unwrap();
            let all = [exts.value, extension].concat();
            fields.extend(der::wrap(0xa3, &der::wrap(0x30, &all)));
        } else {
            fields.extend_from_slice(t.whole);
        }
    }
    let tbs = der::wrap(0x30, &fields);
    let signature = certgate_ca::CaSigner::sign(ca.ca.signer(), &tbs).unwrap();
    let bits = [&[0u8][..], &signature].concat();
    der::wrap(
        0x30,
        &[
            tbs,
            view.signature_algorithm.to_vec(),
            der::wrap(0x03, &bits),
        ]
        .concat(),
    )
}

/// `cert` re-signed by `ca` with cRLDistributionPoints `points`.
pub(crate) fn with_points(ca: &Ca, cert: &[u8], points: &[Point<'_>]) -> Vec<u8> {
    with_extension(ca, cert, &distribution_points(points))
}

/// PEM of a certificate.
pub(crate) fn cert_pem(der: &[u8]) -> String {
    certgate_x509::pem::encode("CERTIFICATE", der)
}

/// Writes `contents` to `dir/name`.
pub(crate) fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), contents).unwrap();
}

/// The PEM of several CRLs, one file.
pub(crate) fn crls_pem(crls: &[&Crl]) -> String {
    crls.iter().map(|c| c.to_pem()).collect()
}

/// `UnixTime` of [`NOW`] plus `offset`.
pub(crate) fn at(offset: Duration) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from((NOW + offset).unix_timestamp()).unwrap(),
    ))
}

/// One case: anchors, intermediates the verifier knows, the leaf and what the leaf's
/// peer sends, the CRLs, the CRL signers, the time.
pub(crate) struct Case<'a> {
    pub(crate) anchors: Vec<&'a [u8]>,
    pub(crate) intermediates: Vec<&'a [u8]>,
    pub(crate) leaf: &'a [u8],
    pub(crate) crls: Vec<&'a Crl>,
    pub(crate) signers: Vec<&'a [u8]>,
    pub(crate) offset: Duration,
    pub(crate) policy: RevocationPolicy,
}

impl<'a> Case<'a> {
    /// A leaf under `anchor` and `crls`, at [`NOW`], the default policy (whole chain,
    /// unknown status refused, stale CRLs refused).
    pub(crate) fn new(anchor: &'a [u8], leaf: &'a [u8], crls: Vec<&'a Crl>) -> Self {
        Self {
            anchors: vec![anchor],
            intermediates: Vec::new(),
            leaf,
            crls,
            signers: Vec::new(),
            offset: Duration::ZERO,
            policy: RevocationPolicy::default(),
        }
    }

    /// The store's builder with the anchors, intermediates and signers, before CRLs.
    pub(crate) fn store_builder(&self) -> RevocationStoreBuilder {
        let issuers = self.anchors.iter().chain(&self.intermediates).copied();
        RevocationStore::builder(issuers)
            .unwrap()
            .with_crl_signers(self.signers.iter().copied())
            .unwrap()
    }

    /// The store with the CRLs.
    pub(crate) fn store(&self) -> Result<RevocationStore, certgate_verify::VerifyError> {
        let pem = crls_pem(&self.crls);
        self.store_builder()
            .with_crls(pem.as_bytes(), "crls.pem")?
            .build()
    }

    /// certgate-verify's verdict.
    pub(crate) fn certgate(&self) -> Result<(), FailureReason> {
        let der = |d: &&[u8]| CertificateDer::from(d.to_vec());
        let verifier = ChainVerifier::builder(self.anchors.iter().map(der).collect())
            .with_intermediates(self.intermediates.iter().map(der).collect())
            .with_check_time(at(self.offset))
            .with_revocation(self.store().unwrap(), self.policy)
            .build()
            .unwrap();
        verifier
            .verify_chain(
                &CertificateDer::from(self.leaf.to_vec()),
                &[],
                &Usage::client_auth(),
                None,
                at(self.offset),
            )
            .map(|_| ())
    }

    /// `openssl verify` with `flags` (`-crl_check` or `-crl_check_all`, ...) on the same files: whether it
    /// accepted, and what it said.
    pub(crate) fn openssl(&self, flags: &[&str]) -> (bool, String) {
        let dir = tempfile::tempdir().unwrap();
        // CRL_LAB_KEEP=1 leaves the files behind, for running OpenSSL by hand.
        let kept = std::env::var_os("CRL_LAB_KEEP").map(|_| dir.path().to_path_buf());
        let d = dir.path();
        let pems = |certs: &[&[u8]]| certs.iter().map(|c| cert_pem(c)).collect::<String>();
        write(d, "anchors.pem", pems(&self.anchors));
        let untrusted: Vec<&[u8]> = self
            .intermediates
            .iter()
            .chain(&self.signers)
            .copied()
            .collect();
        write(d, "untrusted.pem", pems(&untrusted));
        write(d, "leaf.pem", cert_pem(self.leaf));
        write(d, "crls.pem", crls_pem(&self.crls));
        let attime = (NOW + self.offset).unix_timestamp().to_string();
        let mut args = vec![
            "verify",
            "-attime",
            &attime,
            "-purpose",
            "sslclient",
            "-CAfile",
            "anchors.pem",
            "-CRLfile",
            "crls.pem",
        ];
        if !untrusted.is_empty() {
            args.extend(["-untrusted", "untrusted.pem"]);
        }
        args.extend_from_slice(flags);
        args.push("leaf.pem");
        let out = std::process::Command::new("openssl")
            .args(&args)
            .current_dir(d)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(path) = kept {
            let _ = dir.keep();
            eprintln!("files in {}: openssl {}", path.display(), args.join(" "));
        }
        (out.status.success(), text)
    }

    /// Runs both; asserts they agree on accept or refuse, and returns certgate's verdict
    /// and OpenSSL's words.
    pub(crate) fn agree(&self, flags: &[&str]) -> (Result<(), FailureReason>, String) {
        let ours = self.certgate();
        let (ok, text) = self.openssl(flags);
        assert_eq!(
            ours.is_ok(),
            ok,
            "certgate {ours:?}, OpenSSL {flags:?}: {text}"
        );
        (ours, text)
    }
}
