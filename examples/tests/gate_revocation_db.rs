//! The gate taking revocations straight from the inventory database
//! (`revocation_db`): a revocation recorded in SQLite (polled) or PostgreSQL (pushed with
//! LISTEN/NOTIFY) refuses the device at a running gate, with no CRL file or URL; a
//! database that cannot be read leaves the CA's devices refused (fail closed) until it
//! can.

#![allow(clippy::unwrap_used)]

mod gate_common;

use std::time::{Duration, Instant};

use certgate_db::{CertStore, DbUrl, NewCertificate};
use certgate_examples::lab::Device;
use certgate_x509::{KeyId, ReasonCode, SerialRef, Timestamp};
use gate_common::{GateProcess, Origin, World, curl, gate_with_config, need_curl_and_python};

/// The gate (report mode: the page names the reason) reading `url`, polling every
/// 200 ms, its lists in force for 2 s without a read.
fn gate_reading(url: &str) -> (World, Origin, GateProcess) {
    gate_with_config("report", "", |config| {
        gate_common::without_crl_files(
            &config,
            &format!(
                "revocation_db = \"{url}\"\nrevocation_db_poll = \"200ms\"\nrevocation_db_max_age = \"2s\""
            ),
        )
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A migrated database at `url` holding the lab's devices, and the runtime its pool
/// lives on (the pool's connections die with the runtime that made them).
fn inventory(url: &str, world: &World) -> (tokio::runtime::Runtime, CertStore) {
    let url = DbUrl::parse(url).unwrap();
    let rt = runtime();
    let store = rt.block_on(async {
        let store = CertStore::open_and_migrate(&url).await.unwrap();
        let devices = [&world.iphone, &world.laptop];
        let records: Vec<NewCertificate> = devices
            .iter()
            .map(|d| NewCertificate::from_der(&d.der, Some("client")).unwrap())
            .collect();
        store.record_batch(&records).await.unwrap();
        store
    });
    (rt, store)
}

fn revoke((rt, store): &(tokio::runtime::Runtime, CertStore), world: &World, device: &Device) {
    let pem = std::fs::read(&world.lab.ca_pem).unwrap();
    let blocks = certgate_x509::pem::parse_blocks(&pem).unwrap();
    let ca = certgate_x509::CertView::parse(&blocks[0].der).unwrap();
    let aki = ca.subject_key_id().unwrap().unwrap().to_vec();
    let leaf = certgate_x509::CertView::parse(&device.der).unwrap();
    rt.block_on(store.revoke(
        KeyId(&aki),
        SerialRef::from_der_content(leaf.serial.as_bytes()).unwrap(),
        ReasonCode::KeyCompromise,
        Timestamp::now(),
    ))
    .unwrap();
}

fn status_of(gate: &GateProcess, world: &World, device: &Device) -> (u16, String) {
    curl(
        gate,
        world,
        Some(device),
        &["-H", "Accept: application/json"],
        "/",
    )
}

fn reads(gate: &GateProcess, result: &str) -> f64 {
    let text = gate.metrics_text();
    text.lines()
        .filter(|l| {
            l.starts_with("certgate_revocation_db_reads_total{")
                && l.contains(&format!("result=\"{result}\""))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Revokes the iPhone in `store` and waits until the gate refuses it; how long that took.
fn revocation_reaches_the_gate(
    gate: &GateProcess,
    world: &World,
    store: &(tokio::runtime::Runtime, CertStore),
) -> Duration {
    assert_eq!(status_of(gate, world, &world.iphone).0, 200);
    let start = Instant::now();
    revoke(store, world, &world.iphone);
    gate_common::wait_until("the revoked iphone refused", || {
        status_of(gate, world, &world.iphone).0 == 403
    });
    let took = start.elapsed();
    let (_, body) = status_of(gate, world, &world.iphone);
    assert!(body.contains("revoked"), "{body}");
    assert_eq!(status_of(gate, world, &world.laptop).0, 200);
    took
}

#[test]
fn a_revocation_in_sqlite_refuses_the_device_at_a_running_gate() {
    if !need_curl_and_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("certs.db").display());
    let (world, _origin, gate) = gate_reading(&url);
    let store = inventory(&url, &world);
    gate_common::wait_until("a good read", || reads(&gate, "ok") >= 1.0);
    let took = revocation_reaches_the_gate(&gate, &world, &store);
    eprintln!("sqlite: revocation enforced after {took:?} (poll 200 ms)");
}

#[test]
fn a_revocation_in_postgresql_is_pushed_to_a_running_gate() {
    if !need_curl_and_python() {
        return;
    }
    let Some(url) = certgate_test_support::postgres_database("gate_feed") else {
        return;
    };
    let (world, _origin, gate) = gate_reading(&url);
    let store = inventory(&url, &world);
    gate_common::wait_until("a good read", || reads(&gate, "ok") >= 1.0);
    let took = revocation_reaches_the_gate(&gate, &world, &store);
    eprintln!("postgresql: revocation enforced after {took:?} (LISTEN/NOTIFY)");
    // The URL's password (if any) never reaches the log or the metrics.
    if let Some(password) = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, p)| p.to_owned())
    {
        let secret = format!(":{password}@");
        assert!(!gate.log().contains(&secret), "{}", gate.log());
        assert!(!gate.metrics_text().contains(&secret));
        assert!(
            gate.metrics_text()
                .contains("certgate_revocation_db_reads_total{db=\"postgres://")
        );
    }
}

#[test]
fn a_database_that_cannot_be_read_leaves_the_devices_refused_until_it_can() {
    if !need_curl_and_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("not-yet.db").display());
    let (world, _origin, gate) = gate_reading(&url);
    // No database file: every read fails, no list is in force, the gate fails closed.
    gate_common::wait_until("failed reads", || reads(&gate, "failed") >= 2.0);
    let (status, body) = status_of(&gate, &world, &world.iphone);
    assert_eq!(status, 403, "{body}");
    assert!(
        gate.log().contains("revocation database unreachable"),
        "{}",
        gate.log()
    );
    // The database appears: the next read puts the (empty) list in force.
    let _store = inventory(&url, &world);
    gate_common::wait_until("the iphone let in", || {
        status_of(&gate, &world, &world.iphone).0 == 200
    });
}
