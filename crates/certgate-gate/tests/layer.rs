//! GateLayer as an embedder uses it: the connection's certificate in the extensions,
//! denied requests answered by the layer, allowed ones handed on with the decision and
//! identity headers the client could not forge.

#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{CertificateRequest, KeySigner, KeySpec, PrivateKey, RootCaBuilder};
use certgate_gate::{ConnectionInfo, GateDecision, GateLayer};
use certgate_policy::{PolicyConfig, PolicySet};
use certgate_verify::{ClientCertInfo, ClientVerifier};
use http::{Request, Response};
use http_body_util::BodyExt;
use rustls_pki_types::{CertificateDer, UnixTime};
use tower::{Layer, ServiceExt};

const POLICY: &str = r#"
[[applications]]
name = "money"
domains = ["money.example.com"]
[[applications.policies]]
name = "devices"
decision = "non_identity"
include = [{ certificate = true }]
"#;

fn verified_cert() -> ClientCertInfo {
    let csr = CsrJson::from_json(br#"{"CN": "layer CA"}"#, "t").unwrap();
    let root = RootCaBuilder::new(
        &csr,
        Box::new(KeySigner::new(
            PrivateKey::generate(KeySpec::EcdsaP256).unwrap(),
        )),
    )
    .build()
    .unwrap();
    let json = CsrJson::from_json(br#"{"CN": "Sam's iPhone"}"#, "t").unwrap();
    let (_key, req) = CertificateRequest::generate(&json).unwrap();
    let config = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"client": {"usages": ["digital signature", "client auth"], "expiry": "720h"}}}}"#,
        "t",
    )
    .unwrap();
    let leaf = root
        .ca
        .issue(&req, config.profile("client").unwrap())
        .with_serial(&[7])
        .build()
        .unwrap();
    let anchor = CertificateDer::from(root.certificate.der().to_vec());
    let verifier = ClientVerifier::builder(vec![anchor]).build().unwrap();
    let info = verifier.verify_presented(
        Some(&[CertificateDer::from(leaf.der().to_vec())]),
        UnixTime::now(),
    );
    assert!(info.verified(), "{:?}", info.verdict());
    info
}

fn conn(cert: ClientCertInfo) -> ConnectionInfo {
    ConnectionInfo {
        peer: "192.0.2.7:50000".parse().unwrap(),
        sni: Some("money.example.com".into()),
        cert: Arc::new(cert),
        resumed: false,
    }
}

fn policy() -> PolicySet {
    PolicySet::new(PolicyConfig::from_toml(POLICY, "t").unwrap()).unwrap()
}

/// The inner service: counts calls, answers with what reached it.
fn app(
    calls: Arc<AtomicUsize>,
) -> impl tower::Service<
    Request<String>,
    Response = Response<String>,
    Error = Infallible,
    Future = impl Send,
> + Clone {
    tower::service_fn(move |req: Request<String>| {
        calls.fetch_add(1, Ordering::SeqCst);
        let decision = req.extensions().get::<GateDecision>().cloned();
        let subjects: Vec<String> = req
            .headers()
            .get_all("certgate-subject")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let xff: Vec<String> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        async move {
            Ok::<_, Infallible>(Response::new(format!(
                "policy={:?} subjects={subjects:?} xff={xff:?}",
                decision.and_then(|d| d.policy)
            )))
        }
    })
}

fn request(cert: Option<ClientCertInfo>) -> Request<String> {
    let mut req = Request::builder()
        .uri("/expenses")
        .header("host", "money.example.com")
        .header("Certgate-Subject", "CN=admin")
        .header("CERTGATE-SUBJECT", "CN=root")
        .header("x-forwarded-for", "6.6.6.6")
        .header("accept", "application/json")
        .body(String::new())
        .unwrap();
    if let Some(cert) = cert {
        req.extensions_mut().insert(conn(cert));
    }
    req
}

async fn body<B: http_body::Body>(response: Response<B>) -> String
where
    B::Error: std::fmt::Debug,
{
    String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap()
}

#[tokio::test]
async fn allowed_requests_carry_the_decision_and_only_the_gates_identity() {
    let calls = Arc::new(AtomicUsize::new(0));
    let service = GateLayer::new(policy()).layer(app(Arc::clone(&calls)));
    let response = service
        .oneshot(request(Some(verified_cert())))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = body(response).await;
    assert!(text.contains("policy=Some(\"devices\")"), "{text}");
    assert!(text.contains("subjects=[\"CN=Sam's iPhone\"]"), "{text}");
    assert!(text.contains("xff=[\"192.0.2.7\"]"), "{text}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn without_connection_info_the_layer_fails_closed() {
    let calls = Arc::new(AtomicUsize::new(0));
    let service = GateLayer::new(policy()).layer(app(Arc::clone(&calls)));
    let response = service.oneshot(request(None)).await.unwrap();
    assert_eq!(response.status(), 403);
    let text = body(response).await;
    assert!(text.contains("\"reason\":\"no-certificate\""), "{text}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "the app must not be called"
    );
}

#[tokio::test]
async fn an_unverified_certificate_is_refused_and_the_policies_can_be_swapped() {
    let calls = Arc::new(AtomicUsize::new(0));
    let layer = GateLayer::new(policy());
    // Parsed but never verified: a self-made impostor looks like this.
    let unverified = ClientCertInfo::from_der(verified_cert().der().unwrap()).unwrap();
    let response = layer
        .layer(app(Arc::clone(&calls)))
        .oneshot(request(Some(unverified)))
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(body(response).await.contains("unknown-ca"));
    // A new policy set that lets everyone in, swapped at run time.
    let open = POLICY.replace("{ certificate = true }", "{ everyone = true }");
    layer
        .handle()
        .replace(PolicySet::new(PolicyConfig::from_toml(&open, "t").unwrap()).unwrap());
    let response = layer
        .layer(app(Arc::clone(&calls)))
        .oneshot(request(None))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = body(response).await;
    // No verified certificate: no subject forwarded, the client's copies gone.
    assert!(text.contains("subjects=[]"), "{text}");
}
