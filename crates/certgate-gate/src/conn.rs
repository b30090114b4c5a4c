//! What a connection carries into each of its requests: the peer, the server name, and
//! the client certificate's verdict, reached once per full handshake and refreshed only
//! when the CRLs (or the configuration) change or the certificate expires.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use certgate_verify::{ClientCertInfo, ClientVerifier};
use rustls_pki_types::{CertificateDer, UnixTime};

use crate::headers::CertHeaders;

/// The connection a request came on, as [`crate::GateLayer`] reads it from the request's
/// extensions.
#[derive(Clone, Debug)]
pub struct ConnectionInfo {
    /// The client's address.
    pub peer: SocketAddr,
    /// The server name the client asked for (SNI), lowercased.
    pub sni: Option<String>,
    /// The client certificate: verdict and fields, current for this request.
    pub cert: Arc<ClientCertInfo>,
    /// Whether the TLS session was resumed.
    pub resumed: bool,
}

/// A connection's verdict and what it was reached under.
#[derive(Debug)]
pub(crate) struct ConnVerdict {
    chain: Vec<CertificateDer<'static>>,
    state: Mutex<VerdictState>,
}

#[derive(Debug)]
struct VerdictState {
    /// The verifier it was reached with (a reload brings another).
    verifier: Arc<ClientVerifier>,
    generation: u64,
    info: Arc<ClientCertInfo>,
    /// The identity headers of `info`, encoded once.
    headers: Arc<CertHeaders>,
}

impl ConnVerdict {
    /// The verdict of a finished handshake: the one the handshake reached (or, for a
    /// resumed session, one reached now).
    pub(crate) fn after_handshake(
        verifier: &Arc<ClientVerifier>,
        presented: Option<&[CertificateDer<'_>]>,
    ) -> Self {
        let generation = verifier.generation();
        let info = verifier.handshake_info(presented, UnixTime::now());
        let chain = presented
            .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
            .unwrap_or_default();
        Self {
            chain,
            state: Mutex::new(VerdictState {
                verifier: Arc::clone(verifier),
                generation,
                headers: Arc::new(CertHeaders::of(&info)),
                info: Arc::new(info),
            }),
        }
    }

    /// The certificates the client sent after its own (for `Client-Cert-Chain`).
    pub(crate) fn intermediates(&self) -> &[CertificateDer<'static>] {
        self.chain.get(1..).unwrap_or_default()
    }

    /// The verdict for a request now, under `verifier`: the connection's, unless the
    /// verifier or its CRLs changed since, or the certificate has expired, in which case
    /// the chain is verified again (once per change, not per request).
    pub(crate) fn current(&self, verifier: &Arc<ClientVerifier>) -> Arc<ClientCertInfo> {
        self.current_with_headers(verifier).0
    }

    /// [`current`](Self::current), with the identity headers of that verdict.
    pub(crate) fn current_with_headers(
        &self,
        verifier: &Arc<ClientVerifier>,
    ) -> (Arc<ClientCertInfo>, Arc<CertHeaders>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = UnixTime::now();
        let expired = state
            .info
            .not_after()
            .is_some_and(|t| t.unix_seconds_u64() < now.as_secs());
        let stale = !Arc::ptr_eq(&state.verifier, verifier)
            || state.generation != verifier.generation()
            || (expired && state.info.verified());
        if stale {
            let generation = verifier.generation();
            let presented = (!self.chain.is_empty()).then_some(self.chain.as_slice());
            let info = verifier.verify_presented(presented, now);
            *state = VerdictState {
                verifier: Arc::clone(verifier),
                generation,
                headers: Arc::new(CertHeaders::of(&info)),
                info: Arc::new(info),
            };
        }
        (Arc::clone(&state.info), Arc::clone(&state.headers))
    }
}

impl ConnectionInfo {
    /// A connection nobody described: no certificate, unspecified peer. Requests that
    /// reach [`crate::GateLayer`] without a [`ConnectionInfo`] are decided as this.
    pub fn missing() -> Self {
        Self {
            peer: SocketAddr::from(([0, 0, 0, 0], 0)),
            sni: None,
            cert: Arc::new(ClientCertInfo::not_presented()),
            resumed: false,
        }
    }
}
