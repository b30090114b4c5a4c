//! Per-host trust: rustls' `Acceptor` reads the ClientHello, `HostTrust` picks the
//! config for the name asked for, and the handshake completes against that host's CA.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use certgate_verify::{HostPatternProblem, HostTrust, Resumption, VerifyError, mtls_server_config};
use common::{Ca, Identity, ca, client_config, drive, issue, resolver, verifier};
use rustls::pki_types::ServerName;
use rustls::server::Acceptor;
use rustls::{AlertDescription, ClientConfig, ClientConnection, ServerConfig};

/// What became of a connection.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The handshake completed.
    Accepted,
    /// The client received this alert (`None`: the failure had no alert).
    Refused(Option<AlertDescription>),
    /// `HostTrust` had no config for it: the server closes without a handshake.
    NoConfig,
}

struct World {
    server_ca: Ca,
    ca_a: Ca,
    ca_b: Ca,
    ca_default: Ca,
    a: Arc<ServerConfig>,
    b: Arc<ServerConfig>,
    default: Arc<ServerConfig>,
}

fn clone_identity(identity: &Identity) -> Identity {
    (identity.0.clone(), identity.1.clone_key())
}

fn world() -> World {
    let server_ca = ca("Server CA");
    let ca_a = ca("CA A");
    let ca_b = ca("CA B");
    let ca_default = ca("Default CA");
    let server = issue(
        &server_ca,
        "server",
        r#""a.example.com", "*.b.example.com", "b.example.com", "y.x.b.example.com", "127.0.0.1""#,
        "server",
        1,
    );
    let config = |ca: &Ca| {
        mtls_server_config(
            verifier(&[ca], None),
            resolver(clone_identity(&server)),
            Resumption::Disabled,
        )
        .unwrap()
    };
    World {
        a: config(&ca_a),
        b: config(&ca_b),
        default: config(&ca_default),
        server_ca,
        ca_a,
        ca_b,
        ca_default,
    }
}

fn trust(w: &World, with_default: bool) -> HostTrust {
    let mut builder = HostTrust::builder()
        .with_host("a.example.com", Arc::clone(&w.a))
        .unwrap()
        .with_host("*.b.example.com", Arc::clone(&w.b))
        .unwrap();
    if with_default {
        builder = builder.with_default(Arc::clone(&w.default));
    }
    builder.build().unwrap()
}

/// A connection as a server with rustls' `Acceptor` runs it: read the ClientHello,
/// select, then hand the rest to the chosen config.
fn connect(trust: &HostTrust, client: &Arc<ClientConfig>, name: ServerName<'static>) -> Outcome {
    let mut c = ClientConnection::new(Arc::clone(client), name).unwrap();
    let mut hello = Vec::new();
    while c.wants_write() {
        c.write_tls(&mut hello).unwrap();
    }
    let mut acceptor = Acceptor::default();
    acceptor.read_tls(&mut hello.as_slice()).unwrap();
    let accepted = acceptor.accept().unwrap().unwrap();
    let Some(config) = trust.select(&accepted.client_hello()) else {
        return Outcome::NoConfig;
    };
    let mut s = accepted.into_connection(config).unwrap();
    match drive(&mut c, &mut s) {
        Ok(()) => {
            assert!(s.peer_certificates().is_some());
            Outcome::Accepted
        }
        Err(alert) => Outcome::Refused(alert),
    }
}

fn dns(name: &str) -> ServerName<'static> {
    ServerName::try_from(name.to_owned()).unwrap()
}

fn client_of(w: &World, ca: &Ca, serial: u8) -> Arc<ClientConfig> {
    client_config(
        &w.server_ca,
        Some(issue(ca, "device", "", "client", serial)),
    )
}

#[test]
fn each_host_trusts_its_own_ca() {
    let w = world();
    let trust = trust(&w, true);
    let from_a = client_of(&w, &w.ca_a, 2);
    let from_b = client_of(&w, &w.ca_b, 3);
    assert_eq!(
        connect(&trust, &from_a, dns("a.example.com")),
        Outcome::Accepted
    );
    assert_eq!(
        connect(&trust, &from_a, dns("x.b.example.com")),
        Outcome::Refused(Some(AlertDescription::UnknownCA))
    );
    assert_eq!(
        connect(&trust, &from_b, dns("x.b.example.com")),
        Outcome::Accepted
    );
    assert_eq!(
        connect(&trust, &from_b, dns("a.example.com")),
        Outcome::Refused(Some(AlertDescription::UnknownCA))
    );
}

#[test]
fn names_ignore_case_and_a_trailing_dot() {
    let w = world();
    let trust = trust(&w, false);
    for name in ["A.Example.COM", "a.example.com.", "A.EXAMPLE.com."] {
        let chosen = trust.select_name(Some(name)).unwrap();
        assert!(Arc::ptr_eq(&chosen, &w.a), "{name}");
    }
    for name in ["X.B.Example.Com", "x.b.example.com."] {
        let chosen = trust.select_name(Some(name)).unwrap();
        assert!(Arc::ptr_eq(&chosen, &w.b), "{name}");
    }
    // Through a real ClientHello as well.
    let from_a = client_of(&w, &w.ca_a, 2);
    assert_eq!(
        connect(&trust, &from_a, dns("A.Example.COM.")),
        Outcome::Accepted
    );
}

#[test]
fn a_wildcard_covers_exactly_one_label() {
    let w = world();
    let trust = trust(&w, true);
    let chosen = trust.select_name(Some("x.b.example.com")).unwrap();
    assert!(Arc::ptr_eq(&chosen, &w.b));
    for name in [
        "b.example.com",
        "y.x.b.example.com",
        ".b.example.com",
        "c.example.com",
    ] {
        let chosen = trust.select_name(Some(name)).unwrap();
        assert!(Arc::ptr_eq(&chosen, &w.default), "{name} gets the default");
    }
    // CA B's client is a stranger there; the default CA's is welcome.
    let from_b = client_of(&w, &w.ca_b, 3);
    let from_default = client_of(&w, &w.ca_default, 4);
    for name in ["b.example.com", "y.x.b.example.com"] {
        assert_eq!(
            connect(&trust, &from_b, dns(name)),
            Outcome::Refused(Some(AlertDescription::UnknownCA)),
            "{name}"
        );
        assert_eq!(
            connect(&trust, &from_default, dns(name)),
            Outcome::Accepted,
            "{name}"
        );
    }
    // Without a default, those names are refused before the handshake.
    let strict = self::trust(&w, false);
    assert_eq!(
        connect(&strict, &from_b, dns("y.x.b.example.com")),
        Outcome::NoConfig
    );
}

#[test]
fn no_sni_gets_the_default_or_is_refused() {
    let w = world();
    let ip = ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into());
    let from_default = client_of(&w, &w.ca_default, 4);
    let from_a = client_of(&w, &w.ca_a, 2);

    let with_default = trust(&w, true);
    assert!(Arc::ptr_eq(
        &with_default.select_name(None).unwrap(),
        &w.default
    ));
    assert_eq!(
        connect(&with_default, &from_default, ip.clone()),
        Outcome::Accepted
    );
    assert_eq!(
        connect(&with_default, &from_a, ip.clone()),
        Outcome::Refused(Some(AlertDescription::UnknownCA))
    );

    let without = trust(&w, false);
    assert!(without.select_name(None).is_none());
    assert!(without.select_name(Some("unknown.example.org")).is_none());
    assert_eq!(connect(&without, &from_default, ip), Outcome::NoConfig);
}

#[test]
fn bad_patterns_and_duplicates_are_refused() {
    let w = world();
    let bad = [
        ("", "empty name"),
        (".", "empty name"),
        ("a..example.com", "empty label"),
        ("*", "bare `*`"),
        ("*.", "bare `*`"),
        ("*.com", "not a bare `*` or `*.tld`"),
        ("*.*.example.com", "whole leftmost label"),
        ("a.*.example.com", "whole leftmost label"),
        ("a*.example.com", "whole leftmost label"),
        ("**.example.com", "whole leftmost label"),
        ("a b.example.com", "not allowed"),
        ("bücher.example", "A-labels"),
    ];
    for (pattern, why) in bad {
        let err = HostTrust::builder()
            .with_host(pattern, Arc::clone(&w.a))
            .unwrap_err();
        assert!(
            matches!(&err, VerifyError::BadHostPattern { pattern: p, .. } if p == pattern),
            "{pattern}: {err}"
        );
        assert!(err.to_string().contains(why), "{pattern}: {err}");
    }
    // The reason is a value a caller can branch on, not only words.
    let problem = |pattern: &str| match HostTrust::builder()
        .with_host(pattern, Arc::clone(&w.a))
        .unwrap_err()
    {
        VerifyError::BadHostPattern { problem, .. } => problem,
        other => panic!("{pattern}: {other:?}"),
    };
    assert_eq!(problem("*.com"), HostPatternProblem::WildcardOverTld);
    assert_eq!(problem("*"), HostPatternProblem::BareWildcard);
    assert_eq!(
        problem("a.*.example.com"),
        HostPatternProblem::MisplacedWildcard
    );
    assert_eq!(
        problem("a b.example.com"),
        HostPatternProblem::CharacterNotAllowed { character: ' ' }
    );

    for (first, second) in [
        ("a.example.com", "A.Example.com."),
        ("*.b.example.com", "*.B.EXAMPLE.COM"),
    ] {
        let err = HostTrust::builder()
            .with_host(first, Arc::clone(&w.a))
            .unwrap()
            .with_host(second, Arc::clone(&w.b))
            .unwrap_err();
        assert!(
            matches!(
                &err,
                VerifyError::BadHostPattern {
                    problem: HostPatternProblem::Duplicate,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("given twice"), "{err}");
        assert!(err.to_string().contains(second), "{err}");
    }
    // An exact name and a wildcard over its parent are different patterns.
    assert!(
        HostTrust::builder()
            .with_host("x.b.example.com", Arc::clone(&w.a))
            .unwrap()
            .with_host("*.b.example.com", Arc::clone(&w.b))
            .is_ok()
    );

    assert!(matches!(
        HostTrust::builder().build(),
        Err(VerifyError::NoHosts)
    ));
    let only_default = HostTrust::builder()
        .with_default(Arc::clone(&w.default))
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(
        &only_default.select_name(Some("a.example.com")).unwrap(),
        &w.default
    ));
}

#[test]
fn an_exact_name_wins_over_a_wildcard() {
    let w = world();
    let trust = HostTrust::builder()
        .with_host("*.b.example.com", Arc::clone(&w.b))
        .unwrap()
        .with_host("x.b.example.com", Arc::clone(&w.a))
        .unwrap()
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(
        &trust.select_name(Some("x.b.example.com")).unwrap(),
        &w.a
    ));
    assert!(Arc::ptr_eq(
        &trust.select_name(Some("z.b.example.com")).unwrap(),
        &w.b
    ));
}
