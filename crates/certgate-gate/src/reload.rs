//! Reload without restart: watched files polled, SIGHUP; and the metrics endpoint.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::{Response, StatusCode, header};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

use crate::gate::Gate;

/// Polls the watched files every `interval`: a changed CRL file reloads its host's
/// CRLs; any other changed file (the config, a policy, a certificate, a key, a CA)
/// rebuilds the configuration. SIGHUP rebuilds it at once.
pub(crate) async fn watch(gate: Gate, interval: Duration) {
    let mut config_seen = gate.loaded_stamps();
    let mut hangup = signal(SignalKind::hangup()).ok();
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let hup = async {
            match hangup.as_mut() {
                Some(s) => s.recv().await,
                None => std::future::pending().await,
            }
        };
        let forced = tokio::select! {
            _ = tick.tick() => false,
            _ = hup => true,
        };
        let before = gate.config_stamps();
        if forced || before != config_seen {
            // A failed reload keeps the old configuration; it is tried again only when
            // a file changes again.
            let _ = gate.reload();
            // Files as they were before the reload read them (a file written while it
            // was read differs, and is reloaded next time); files new to the
            // configuration as they are now.
            config_seen = gate
                .config_stamps()
                .into_iter()
                .map(|(path, now)| {
                    let seen = before
                        .iter()
                        .find(|(p, _)| *p == path)
                        .map_or(now, |(_, s)| *s);
                    (path, seen)
                })
                .collect();
        }
        gate.reload_crls();
    }
}

/// `/metrics` and `/healthz` over plain HTTP/1.1.
pub(crate) async fn metrics_server(gate: Gate, listener: TcpListener) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let gate = gate.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let gate = gate.clone();
                    async move {
                        let (status, kind, body) = match req.uri().path() {
                            "/metrics" => (
                                StatusCode::OK,
                                "text/plain; version=0.0.4",
                                gate.render_metrics(),
                            ),
                            "/healthz" => (StatusCode::OK, "text/plain", "ok\n".to_owned()),
                            _ => (
                                StatusCode::NOT_FOUND,
                                "text/plain",
                                "not found\n".to_owned(),
                            ),
                        };
                        let mut response = Response::new(Full::new(Bytes::from(body)));
                        *response.status_mut() = status;
                        response
                            .headers_mut()
                            .insert(header::CONTENT_TYPE, http::HeaderValue::from_static(kind));
                        Ok::<_, Infallible>(response)
                    }
                });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .await;
        });
    }
}
