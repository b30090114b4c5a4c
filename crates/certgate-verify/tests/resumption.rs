//! Session resumption against revocation, in real rustls handshakes: a resumed session
//! skips the verifier, so without a guard a revoked client keeps getting in. Each way
//! of resuming is tried: TLS 1.2 session ids and tickets, TLS 1.3 stateful tickets (kept
//! in the session storage) and stateless ones (from a ticketer).

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use certgate_verify::{Resumption, RevocationStore, apply_resumption, mtls_server_config};
use common::{
    Ca, Identity, ca, client_config_with, crl_store, handshake, issue, provider, resolver, verifier,
};
use rustls::client::Tls12Resumption;
use rustls::server::NoServerSessionStorage;
use rustls::{AlertDescription, ClientConfig, HandshakeKind, ProtocolVersion, ServerConfig};

/// The client's certificate serial, revoked halfway through each test.
const CLIENT_SERIAL: u8 = 7;

/// One way of resuming.
#[derive(Clone, Copy, Debug)]
enum Case {
    /// TLS 1.2, session id in the server's storage; no tickets on either side.
    Tls12SessionId,
    /// TLS 1.2, RFC 5077 ticket from a ticketer; the server stores no sessions.
    Tls12Ticket,
    /// TLS 1.3, tickets whose state is in the server's storage (no ticketer).
    Tls13Stateful,
    /// TLS 1.3, tickets from a ticketer.
    Tls13Ticketer,
}

const CASES: [Case; 4] = [
    Case::Tls12SessionId,
    Case::Tls12Ticket,
    Case::Tls13Stateful,
    Case::Tls13Ticketer,
];

impl Case {
    fn version(self) -> ProtocolVersion {
        match self {
            Case::Tls12SessionId | Case::Tls12Ticket => ProtocolVersion::TLSv1_2,
            Case::Tls13Stateful | Case::Tls13Ticketer => ProtocolVersion::TLSv1_3,
        }
    }

    fn ticketer(self) -> bool {
        matches!(self, Case::Tls12Ticket | Case::Tls13Ticketer)
    }

    /// A fresh client (empty session cache) speaking this case's version.
    fn client(self, w: &World) -> Arc<ClientConfig> {
        let identity = Some(issue(&w.client_ca, "phone", "", "client", CLIENT_SERIAL));
        match self {
            Case::Tls12SessionId => client_config_with(
                &w.server_ca,
                identity,
                &[&rustls::version::TLS12],
                Tls12Resumption::SessionIdOnly,
            ),
            Case::Tls12Ticket => client_config_with(
                &w.server_ca,
                identity,
                &[&rustls::version::TLS12],
                Tls12Resumption::SessionIdOrTickets,
            ),
            Case::Tls13Stateful | Case::Tls13Ticketer => client_config_with(
                &w.server_ca,
                identity,
                &[&rustls::version::TLS13],
                Tls12Resumption::Disabled,
            ),
        }
    }

    /// The server: revocation checked in `store`, resumption guarded by `resumption`
    /// (`None`: rustls' defaults, the control).
    fn server(
        self,
        w: &World,
        store: &RevocationStore,
        resumption: Option<Resumption>,
    ) -> Arc<ServerConfig> {
        let verifier = verifier(&[&w.client_ca], Some(store));
        let resolver = resolver(w.server_identity());
        if let (false, Some(resumption)) = (self.ticketer(), resumption.clone()) {
            return mtls_server_config(verifier, resolver, resumption).unwrap();
        }
        let mut config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_cert_resolver(resolver);
        if self.ticketer() {
            config.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().unwrap();
            // Only the ticket can resume, so it is the ticket path that is tested.
            config.session_storage = Arc::new(NoServerSessionStorage {});
        }
        if let Some(resumption) = resumption {
            apply_resumption(&mut config, resumption);
        }
        Arc::new(config)
    }
}

struct World {
    server_ca: Ca,
    client_ca: Ca,
    server: Identity,
}

impl World {
    fn server_identity(&self) -> Identity {
        (self.server.0.clone(), self.server.1.clone_key())
    }
}

fn world() -> World {
    let server_ca = ca("Server CA");
    World {
        server: issue(&server_ca, "localhost", r#""localhost""#, "server", 1),
        client_ca: ca("Client CA"),
        server_ca,
    }
}

/// A handshake that must succeed; returns how it went.
fn connect(case: Case, server: &Arc<ServerConfig>, client: &Arc<ClientConfig>) -> HandshakeKind {
    let (conn, result) = handshake(server, client, "localhost");
    assert_eq!(result, Ok(()), "{case:?}");
    assert_eq!(conn.protocol_version(), Some(case.version()), "{case:?}");
    assert!(conn.peer_certificates().is_some(), "{case:?}");
    conn.handshake_kind().unwrap()
}

/// Revokes the client: a new CRL, swapped into `store`.
fn revoke_client(w: &World, store: &RevocationStore) {
    let before = store.generation();
    store.replace_with(&crl_store(&w.client_ca, 2, &[CLIENT_SERIAL]));
    assert_ne!(store.generation(), before);
}

#[test]
fn tied_sessions_resume_until_the_crls_change() {
    let w = world();
    for case in CASES {
        let store = crl_store(&w.client_ca, 1, &[]);
        let server = case.server(&w, &store, Some(Resumption::TiedTo(store.clone())));
        let client = case.client(&w);
        assert_eq!(connect(case, &server, &client), HandshakeKind::Full);
        assert_eq!(
            connect(case, &server, &client),
            HandshakeKind::Resumed,
            "{case:?}: resumption works while the CRLs stay"
        );

        revoke_client(&w, &store);
        let (conn, result) = handshake(&server, &client, "localhost");
        assert_eq!(
            result,
            Err(Some(AlertDescription::CertificateRevoked)),
            "{case:?}"
        );
        assert_eq!(conn.handshake_kind(), Some(HandshakeKind::Full), "{case:?}");
    }
}

#[test]
fn control_plain_sessions_outlive_revocation() {
    let w = world();
    for case in CASES {
        let store = crl_store(&w.client_ca, 1, &[]);
        let server = case.server(&w, &store, None);
        let client = case.client(&w);
        assert_eq!(connect(case, &server, &client), HandshakeKind::Full);

        revoke_client(&w, &store);
        assert_eq!(
            connect(case, &server, &client),
            HandshakeKind::Resumed,
            "{case:?}: without the guard a revoked client resumes"
        );
        // A full handshake does see the revocation.
        let (_, result) = handshake(&server, &case.client(&w), "localhost");
        assert_eq!(
            result,
            Err(Some(AlertDescription::CertificateRevoked)),
            "{case:?}"
        );
    }
}

#[test]
fn disabled_resumption_is_always_a_full_handshake() {
    let w = world();
    for case in CASES {
        let store = crl_store(&w.client_ca, 1, &[]);
        let server = case.server(&w, &store, Some(Resumption::Disabled));
        let client = case.client(&w);
        for _ in 0..3 {
            assert_eq!(
                connect(case, &server, &client),
                HandshakeKind::Full,
                "{case:?}"
            );
        }
        revoke_client(&w, &store);
        let (_, result) = handshake(&server, &client, "localhost");
        assert_eq!(
            result,
            Err(Some(AlertDescription::CertificateRevoked)),
            "{case:?}"
        );
    }
}

#[test]
fn a_reload_from_files_also_ends_sessions() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client-ca.crl");
    let t = time::OffsetDateTime::now_utc();
    let crl = |number: u64, revoked: bool| {
        let mut builder = w.client_ca.ca.crl(
            number,
            t - time::Duration::minutes(1),
            t + time::Duration::days(1),
        );
        if revoked {
            builder = builder.with_entry(certgate_ca::RevokedEntry {
                serial: vec![CLIENT_SERIAL],
                revoked_at: t - time::Duration::seconds(1),
                reason: None,
            });
        }
        builder.build().unwrap().to_pem()
    };
    std::fs::write(&path, crl(1, false)).unwrap();
    let store = RevocationStore::builder([w.client_ca.der.as_ref()])
        .unwrap()
        .with_crl_file(&path)
        .build()
        .unwrap();
    let case = Case::Tls13Stateful;
    let server = case.server(&w, &store, Some(Resumption::TiedTo(store.clone())));
    let client = case.client(&w);
    assert_eq!(connect(case, &server, &client), HandshakeKind::Full);
    assert_eq!(connect(case, &server, &client), HandshakeKind::Resumed);

    std::fs::write(&path, crl(2, true)).unwrap();
    let before = store.generation();
    store.reload().unwrap();
    assert_ne!(store.generation(), before);
    let (_, result) = handshake(&server, &client, "localhost");
    assert_eq!(result, Err(Some(AlertDescription::CertificateRevoked)));
}

#[test]
fn any_change_of_generation_ends_sessions_of_good_clients_too() {
    let w = world();
    let store = crl_store(&w.client_ca, 1, &[]);
    let case = Case::Tls12SessionId;
    let server = case.server(&w, &store, Some(Resumption::TiedTo(store.clone())));
    let client = case.client(&w);
    assert_eq!(connect(case, &server, &client), HandshakeKind::Full);
    // The same CRLs again: the client is still good, verified afresh, then resumes.
    store.replace_with(&crl_store(&w.client_ca, 2, &[]));
    assert_eq!(connect(case, &server, &client), HandshakeKind::Full);
    assert_eq!(connect(case, &server, &client), HandshakeKind::Resumed);
}
