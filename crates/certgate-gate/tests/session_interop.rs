//! Session tokens and Python's `cryptography`: it verifies our token against our JWKS,
//! and a token it signs with a key in our JWKS format verifies with ours.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use certgate_gate::access::verify_assertion;
use certgate_gate::{SessionIssuer, SessionKeys, TokenError};
use certgate_policy::{Identity, SessionDuration};
use certgate_test_support::{require_python_module, run_ok, run_with_stdin};

const ISS: &str = "https://money.example.com";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/jwt_interop.py")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn python_verifies_our_token_against_our_jwks() {
    if !require_python_module("cryptography") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(SessionKeys::builder().build().unwrap());
    let thumb = [9u8; 32];
    let session = SessionIssuer::new(Arc::clone(&keys), ISS)
        .issue(
            &Identity::new("sam@example.com", "oidc")
                .unwrap()
                .with_groups(["finance", "admins"]),
            "money",
            SessionDuration::For(Duration::from_secs(600)),
            Some(&thumb),
            now(),
        )
        .unwrap();
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, keys.jwks()).unwrap();
    let script = script();
    let out = run_ok(
        "python3",
        &[
            script.to_str().unwrap(),
            "verify",
            &session.token,
            jwks.to_str().unwrap(),
            "money",
            ISS,
        ],
        dir.path(),
    );
    let claims: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(claims["email"], "sam@example.com");
    assert_eq!(claims["groups"], serde_json::json!(["finance", "admins"]));
    assert_eq!(claims["amr"], serde_json::json!(["oidc"]));
    assert_eq!(
        claims["cnf"]["x5t#S256"],
        "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk"
    );
    // A changed claim does not verify in Python either.
    let mut parts: Vec<String> = session.token.split('.').map(str::to_owned).collect();
    let changed = if parts[1].starts_with("ey") {
        "ez"
    } else {
        "ey"
    };
    parts[1].replace_range(0..2, changed);
    let out = run_with_stdin(
        "python3",
        &[
            script.to_str().unwrap(),
            "verify",
            &parts.join("."),
            jwks.to_str().unwrap(),
            "money",
            ISS,
        ],
        dir.path(),
        b"",
    );
    assert!(!out.success());
}

#[test]
fn a_python_signed_token_verifies_with_ours() {
    if !require_python_module("cryptography") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = now();
    let claims = serde_json::json!({
        "iss": ISS, "sub": "sam@example.com", "email": "sam@example.com",
        "groups": ["finance"], "amr": ["otp"], "aud": "money",
        "iat": t, "nbf": t, "exp": t + 300,
    });
    let script = script();
    let out = run_with_stdin(
        "python3",
        &[script.to_str().unwrap(), "sign"],
        dir.path(),
        claims.to_string().as_bytes(),
    );
    assert!(out.success(), "{}", out.stderr);
    let signed: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let token = signed["token"].as_str().unwrap();
    let jwks = signed["jwks"].to_string();
    let id = verify_assertion(token, jwks.as_bytes(), "money", ISS, t).unwrap();
    assert_eq!(id.email, "sam@example.com");
    assert_eq!(id.groups, ["finance"]);
    assert_eq!(id.auth_methods, ["otp"]);
    assert_eq!(
        verify_assertion(token, jwks.as_bytes(), "other", ISS, t),
        Err(TokenError::WrongAudience)
    );
    assert_eq!(
        verify_assertion(token, jwks.as_bytes(), "money", ISS, t + 300 + 60),
        Err(TokenError::Expired)
    );
}
