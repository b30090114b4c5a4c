//! [`serve_mtls`]: any tower service (an axum `Router`) behind mTLS, with the
//! connection's verified certificate in each request's extensions.

use std::future::Future;
use std::sync::Arc;

use certgate_verify::ClientVerifier;
use certgate_verify::rustls::ServerConfig;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::conn::{ConnVerdict, ConnectionInfo};

/// Serves `service` over TLS with `tls` (whose client verifier is `verifier`, built
/// [`with_handshake_verdicts`](certgate_verify::ClientVerifierBuilder::with_handshake_verdicts)
/// so each full handshake is verified once) until `shutdown` resolves, then drains.
/// Each request carries a [`ConnectionInfo`] in its extensions — the verdict of its
/// connection's handshake, verified again only when the verifier's CRLs change — for
/// [`crate::GateLayer`] or the application to read.
///
/// # Errors
/// The I/O error of the listener, if accepting fails for good.
pub async fn serve_mtls<S, B>(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    verifier: Arc<ClientVerifier>,
    service: S,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    S: tower::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let limits = crate::server::default_limits();
    let acceptor = TlsAcceptor::from(tls);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => accepted?,
            () = &mut shutdown => break,
        };
        let acceptor = acceptor.clone();
        let verifier = Arc::clone(&verifier);
        let service = service.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let Ok(Ok(stream)) =
                tokio::time::timeout(limits.handshake_timeout, acceptor.accept(tcp)).await
            else {
                return;
            };
            let session = stream.get_ref().1;
            let sni = session.server_name().map(str::to_ascii_lowercase);
            let resumed = matches!(
                session.handshake_kind(),
                Some(rustls::HandshakeKind::Resumed)
            );
            let verdict = Arc::new(ConnVerdict::after_handshake(
                &verifier,
                session.peer_certificates(),
            ));
            let per_request =
                tower::ServiceExt::map_request(service, move |mut req: Request<Incoming>| {
                    req.extensions_mut().insert(ConnectionInfo {
                        peer,
                        sni: sni.clone(),
                        cert: verdict.current(&verifier),
                        resumed,
                    });
                    req
                });
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let hyper_service = hyper_util::service::TowerToHyperService::new(per_request);
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), hyper_service);
            if let Err(e) = watcher.watch(conn.into_owned()).await {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace over");
    }
    Ok(())
}
