//! A test PKI made with certgate-ca and in-memory rustls handshakes, shared by the
//! handshake, host-trust and resumption tests (each uses part of it).

#![allow(dead_code)]

use std::ops::DerefMut;
use std::sync::Arc;

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, KeySigner, KeySpec, PrivateKey, RevokedEntry,
    RootCaBuilder,
};
use certgate_verify::{ClientVerifier, RevocationPolicy, RevocationStore};
use rustls::client::Tls12Resumption;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::server::ResolvesServerCert;
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{
    AlertDescription, ClientConfig, ClientConnection, ConnectionCommon, ServerConnection,
    SupportedProtocolVersion,
};
use time::{Duration, OffsetDateTime};

const PROFILES: &str = r#"{"signing": {"profiles": {
  "client": {"usages": ["digital signature", "client auth"], "expiry": "720h"},
  "server": {"usages": ["digital signature", "server auth"], "expiry": "720h"},
  "expired": {"usages": ["digital signature", "client auth"], "not_before": "2020-01-01T00:00:00Z", "not_after": "2021-01-01T00:00:00Z"}}}}"#;

/// A certificate and its key.
pub(crate) type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

pub(crate) struct Ca {
    pub(crate) ca: CertificateAuthority,
    pub(crate) der: CertificateDer<'static>,
}

pub(crate) fn ca(cn: &str) -> Ca {
    let csr = CsrJson::from_json(format!(r#"{{"CN": "{cn}"}}"#).as_bytes(), "t").unwrap();
    let made = RootCaBuilder::new(
        &csr,
        Box::new(KeySigner::new(
            PrivateKey::generate(KeySpec::EcdsaP256).unwrap(),
        )),
    )
    .build()
    .unwrap();
    Ca {
        der: CertificateDer::from(made.certificate.der().to_vec()),
        ca: made.ca,
    }
}

/// A key and a certificate from `ca` under `profile`, with `serial`; `hosts` is the
/// inside of cfssl's JSON list.
pub(crate) fn issue(ca: &Ca, cn: &str, hosts: &str, profile: &str, serial: u8) -> Identity {
    let json = CsrJson::from_json(
        format!(r#"{{"CN": "{cn}", "hosts": [{hosts}]}}"#).as_bytes(),
        "t",
    )
    .unwrap();
    let (key, req) = CertificateRequest::generate(&json).unwrap();
    let config = SigningConfig::from_json(PROFILES.as_bytes(), "profiles").unwrap();
    let cert = ca
        .ca
        .issue(&req, config.profile(profile).unwrap())
        .with_serial(&[serial])
        .build()
        .unwrap();
    (
        vec![CertificateDer::from(cert.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            key.to_pkcs8_der().unwrap().to_vec(),
        )),
    )
}

pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The server's certificate as a resolver.
pub(crate) fn resolver(identity: Identity) -> Arc<dyn ResolvesServerCert> {
    let (chain, key) = identity;
    Arc::new(SingleCertAndKey::from(
        CertifiedKey::from_der(chain, key, &provider()).unwrap(),
    ))
}

/// A client trusting `server_ca`, presenting `client`, on the safe default versions.
pub(crate) fn client_config(server_ca: &Ca, client: Option<Identity>) -> Arc<ClientConfig> {
    client_config_with(
        server_ca,
        client,
        rustls::DEFAULT_VERSIONS,
        Tls12Resumption::SessionIdOrTickets,
    )
}

/// A client trusting `server_ca`, presenting `client`, with these versions and TLS 1.2
/// resumption; it keeps sessions in memory, so reusing the config resumes.
pub(crate) fn client_config_with(
    server_ca: &Ca,
    client: Option<Identity>,
    versions: &[&'static SupportedProtocolVersion],
    tls12: Tls12Resumption,
) -> Arc<ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server_ca.der.clone()).unwrap();
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match client {
        Some((chain, key)) => builder.with_client_auth_cert(chain, key).unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.resumption = rustls::client::Resumption::in_memory_sessions(64).tls12_resumption(tls12);
    Arc::new(config)
}

/// A verifier trusting `anchors`, checking revocation in `store` when given.
pub(crate) fn verifier(anchors: &[&Ca], store: Option<&RevocationStore>) -> Arc<ClientVerifier> {
    let mut builder = ClientVerifier::builder(anchors.iter().map(|a| a.der.clone()).collect());
    if let Some(store) = store {
        builder = builder.with_revocation(store.clone(), RevocationPolicy::default());
    }
    Arc::new(builder.build().unwrap())
}

/// A store holding `ca`'s CRL number `number`, revoking `revoked` serials.
pub(crate) fn crl_store(ca: &Ca, number: u64, revoked: &[u8]) -> RevocationStore {
    let t = OffsetDateTime::now_utc();
    let mut crl = ca
        .ca
        .crl(number, t - Duration::minutes(1), t + Duration::days(1));
    for serial in revoked {
        crl = crl.with_entry(RevokedEntry {
            serial: vec![*serial],
            revoked_at: t - Duration::seconds(1),
            reason: None,
        });
    }
    let crl = crl.build().unwrap();
    RevocationStore::builder([ca.der.as_ref()])
        .unwrap()
        .with_crls(crl.der(), "crl")
        .unwrap()
        .build()
        .unwrap()
}

/// Moves what `from` has to send into `to`, processing as it goes.
fn transfer<A, B, DA, DB>(from: &mut A, to: &mut B) -> Result<(), rustls::Error>
where
    A: DerefMut<Target = ConnectionCommon<DA>>,
    B: DerefMut<Target = ConnectionCommon<DB>>,
{
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf).unwrap();
    }
    let mut rest = buf.as_slice();
    while !rest.is_empty() {
        to.read_tls(&mut rest).unwrap();
        to.process_new_packets()?;
    }
    Ok(())
}

/// Runs a handshake in memory to its end, with what the server sends after it (TLS
/// 1.3 tickets) delivered. On failure, the alert the client received.
pub(crate) fn drive(
    c: &mut ClientConnection,
    s: &mut ServerConnection,
) -> Result<(), Option<AlertDescription>> {
    for _ in 0..20 {
        let server_result = transfer(c, s);
        if let Err(e) = transfer(s, c) {
            return Err(match e {
                rustls::Error::AlertReceived(alert) => Some(alert),
                _ => None,
            });
        }
        if server_result.is_err() {
            return Err(None);
        }
        if !c.is_handshaking() && !s.is_handshaking() {
            return Ok(());
        }
    }
    panic!("handshake did not finish");
}

/// A handshake with `server` as `name`.
pub(crate) fn handshake(
    server: &Arc<rustls::ServerConfig>,
    client: &Arc<ClientConfig>,
    name: &str,
) -> (ServerConnection, Result<(), Option<AlertDescription>>) {
    let name = ServerName::try_from(name.to_owned()).unwrap();
    let mut c = ClientConnection::new(Arc::clone(client), name).unwrap();
    let mut s = ServerConnection::new(Arc::clone(server)).unwrap();
    let result = drive(&mut c, &mut s);
    (s, result)
}
