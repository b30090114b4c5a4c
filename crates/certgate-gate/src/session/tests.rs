//! The token and the keys: a round trip, every refusal, rotation and persistence.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use certgate_policy::{Identity, SessionDuration};

use super::*;
use crate::access::{Jwks, verify_assertion};

const NOW: u64 = 1_800_000_000;
const ISS: &str = "https://money.example.com";
/// The host `ISS` names (the session cache takes the request's host).
const HOST: &str = "money.example.com";

fn keys() -> Arc<SessionKeys> {
    Arc::new(SessionKeys::builder().build().unwrap())
}

fn sam() -> Identity {
    Identity::new("sam@example.com", "otp")
        .unwrap()
        .with_groups(["finance"])
}

fn issue(keys: &Arc<SessionKeys>, cert: Option<&[u8; 32]>) -> IssuedSession {
    SessionIssuer::new(Arc::clone(keys), ISS)
        .issue(
            &sam(),
            "money",
            SessionDuration::For(Duration::from_secs(3600)),
            cert,
            NOW,
        )
        .unwrap()
}

fn verify(keys: &SessionKeys, token: &str, now: u64) -> Result<crate::AccessIdentity, TokenError> {
    verify_assertion(token, keys.jwks().as_bytes(), "money", ISS, now)
}

/// A token with this header and these claims, signed by `keys`' current key.
fn forge(keys: &SessionKeys, header: &str, claims: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let (_, sig) = keys.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

fn claims_json(extra: &str) -> String {
    format!(
        r#"{{"iss":"{ISS}","sub":"sam@example.com","email":"sam@example.com","groups":[],"amr":["otp"],"aud":["money"],"iat":{NOW},"nbf":{NOW},"exp":{}{extra}}}"#,
        NOW + 3600
    )
}

#[test]
fn round_trip() {
    let keys = keys();
    let thumb = [7u8; 32];
    let s = issue(&keys, Some(&thumb));
    let cookie = s.set_cookie.unwrap();
    assert!(cookie.starts_with(&format!("CF_Authorization={}; Max-Age=3600;", s.token)));
    let id = verify(&keys, &s.token, NOW + 10).unwrap();
    assert_eq!(id.email, "sam@example.com");
    assert_eq!(id.groups, ["finance"]);
    assert_eq!(id.auth_methods, ["otp"]);
    assert_eq!(id.audience, "money");
    assert_eq!(id.expires_at, NOW + 3600);
    assert_eq!(id.cert_thumbprint, Some(thumb));
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(s.token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], keys.current_kid().unwrap());
}

#[test]
fn zero_duration_sets_no_cookie() {
    let keys = keys();
    let s = SessionIssuer::new(Arc::clone(&keys), ISS)
        .issue(
            &sam(),
            "money",
            SessionDuration::ExpiresImmediately,
            None,
            NOW,
        )
        .unwrap();
    assert_eq!(s.set_cookie, None);
    assert!(s.expires_at <= NOW + 60);
    assert!(verify(&keys, &s.token, NOW).is_ok());
}

#[test]
fn refuses_alg_none() {
    let keys = keys();
    let kid = keys.current_kid().unwrap();
    let header = format!(r#"{{"alg":"none","kid":"{kid}","typ":"JWT"}}"#);
    let token = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims_json(""))
    );
    assert_eq!(
        verify(&keys, &token, NOW),
        Err(TokenError::UnsupportedAlgorithm)
    );
}

#[test]
fn refuses_hs256_with_the_public_key_as_secret() {
    use aws_lc_rs::hmac;
    let keys = keys();
    let kid = keys.current_kid().unwrap();
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"HS256","kid":"{kid}","typ":"JWT"}}"#)),
        URL_SAFE_NO_PAD.encode(claims_json(""))
    );
    for secret in [keys.public_key(&kid).unwrap(), keys.jwks().into_bytes()] {
        let tag = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, &secret),
            input.as_bytes(),
        );
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));
        assert_eq!(
            verify(&keys, &token, NOW),
            Err(TokenError::UnsupportedAlgorithm)
        );
    }
}

#[test]
fn refuses_unknown_kid_and_bad_signature() {
    let keys = keys();
    let other = SessionKeys::builder().build().unwrap();
    let s = issue(&keys, None);
    assert_eq!(verify(&other, &s.token, NOW), Err(TokenError::UnknownKey));
    // The other key's signature under our kid.
    let kid = keys.current_kid().unwrap();
    let forged = forge(
        &other,
        &format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"JWT"}}"#),
        &claims_json(""),
    );
    assert_eq!(verify(&keys, &forged, NOW), Err(TokenError::BadSignature));
    // Our signature over other claims.
    let mut parts: Vec<&str> = s.token.split('.').collect();
    let changed = URL_SAFE_NO_PAD.encode(claims_json(r#","x":1"#));
    parts[1] = &changed;
    assert_eq!(
        verify(&keys, &parts.join("."), NOW),
        Err(TokenError::BadSignature)
    );
    let short = format!(
        "{}.{}.{}",
        parts[0],
        changed,
        URL_SAFE_NO_PAD.encode([1u8; 63])
    );
    assert_eq!(verify(&keys, &short, NOW), Err(TokenError::BadSignature));
}

#[test]
fn refuses_wrong_audience_issuer_and_times() {
    let keys = keys();
    let s = issue(&keys, None);
    let jwks = keys.jwks();
    let check = |aud, iss, now| verify_assertion(&s.token, jwks.as_bytes(), aud, iss, now);
    assert_eq!(check("other", ISS, NOW), Err(TokenError::WrongAudience));
    assert_eq!(
        check("money", "https://evil.example.com", NOW),
        Err(TokenError::WrongIssuer)
    );
    assert_eq!(
        check("money", ISS, NOW + 3600 + CLOCK_SKEW_SECS),
        Err(TokenError::Expired)
    );
    assert!(check("money", ISS, NOW + 3600 + CLOCK_SKEW_SECS - 1).is_ok());
    assert_eq!(
        check("money", ISS, NOW - CLOCK_SKEW_SECS - 1),
        Err(TokenError::NotYetValid)
    );
    assert!(check("money", ISS, NOW - CLOCK_SKEW_SECS).is_ok());
}

#[test]
fn refuses_malformed_oversized_and_duplicate_members() {
    let keys = keys();
    let kid = keys.current_kid().unwrap();
    let header = format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"JWT"}}"#);
    assert_eq!(verify(&keys, "a.b", NOW), Err(TokenError::Malformed));
    assert_eq!(verify(&keys, "a.b.c.d", NOW), Err(TokenError::Malformed));
    assert_eq!(verify(&keys, "a*b.c.d", NOW), Err(TokenError::BadBase64));
    let padded = format!("{}=.e30.AA", URL_SAFE_NO_PAD.encode(&header));
    assert_eq!(verify(&keys, &padded, NOW), Err(TokenError::BadBase64));
    let big = "a".repeat(MAX_TOKEN_BYTES + 1);
    assert_eq!(verify(&keys, &big, NOW), Err(TokenError::Oversized));
    let big_header = format!("{}.e30.AA", "a".repeat(400));
    assert_eq!(verify(&keys, &big_header, NOW), Err(TokenError::Oversized));
    // Members the verifier must not act on.
    let crit = format!(r#"{{"alg":"ES256","kid":"{kid}","crit":["exp"]}}"#);
    assert_eq!(
        verify(&keys, &forge(&keys, &crit, &claims_json("")), NOW),
        Err(TokenError::BadHeader)
    );
    let dup_alg = format!(r#"{{"alg":"ES256","alg":"none","kid":"{kid}"}}"#);
    assert_eq!(
        verify(&keys, &forge(&keys, &dup_alg, &claims_json("")), NOW),
        Err(TokenError::BadHeader)
    );
    // A duplicate claim (two emails: which would an origin read?).
    let dup = claims_json(r#","email":"boss@example.com""#);
    assert_eq!(
        verify(&keys, &forge(&keys, &header, &dup), NOW),
        Err(TokenError::BadClaims)
    );
    assert!(verify(&keys, &forge(&keys, &header, &claims_json("")), NOW).is_ok());
    let bad_cnf = claims_json(r#","cnf":{"x5t#S256":"short"}"#);
    assert_eq!(
        verify(&keys, &forge(&keys, &header, &bad_cnf), NOW),
        Err(TokenError::BadClaims)
    );
}

#[test]
fn rotation_keeps_old_keys_until_their_sessions_end() {
    let keys = Arc::new(
        SessionKeys::builder()
            .with_rotation(Duration::from_secs(3600))
            .with_max_session(Duration::from_secs(7200))
            .build()
            .unwrap(),
    );
    let first = keys.current_kid().unwrap();
    let start = NOW;
    keys.rotate(start).unwrap();
    let s = issue(&keys, None);
    let signer = keys.current_kid().unwrap();
    assert_ne!(first, signer);
    assert!(!keys.rotate_if_due(start + 3599).unwrap());
    assert!(keys.rotate_if_due(start + 3600).unwrap());
    assert_ne!(keys.current_kid().unwrap(), signer);
    // The old key still verifies, and is in the JWKS.
    assert!(verify(&keys, &s.token, NOW + 100).is_ok());
    assert!(
        Jwks::from_json(keys.jwks().as_bytes())
            .unwrap()
            .has_key(&signer)
    );
    // Retired at start+3600; kept max_session + skew after that.
    keys.rotate(start + 3600 + 7200 + CLOCK_SKEW_SECS - 1)
        .unwrap();
    assert!(keys.public_key(&signer).is_some());
    keys.rotate(start + 3600 + 7200 + CLOCK_SKEW_SECS).unwrap();
    assert!(keys.public_key(&signer).is_none());
    assert!(!keys.jwks().contains(&signer));
}

#[test]
fn sessions_are_cut_to_the_longest_session() {
    let keys = Arc::new(
        SessionKeys::builder()
            .with_max_session(Duration::from_secs(600))
            .build()
            .unwrap(),
    );
    let s = SessionIssuer::new(Arc::clone(&keys), ISS)
        .issue(
            &sam(),
            "money",
            SessionDuration::For(Duration::from_secs(86_400)),
            None,
            NOW,
        )
        .unwrap();
    assert_eq!(s.expires_at, NOW + 600);
    assert!(s.set_cookie.unwrap().contains("Max-Age=600;"));
}

#[test]
fn keys_persist_0600_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys");
    let keys = Arc::new(SessionKeys::builder().with_dir(&path).build().unwrap());
    let s = issue(&keys, None);
    let again = SessionKeys::builder().with_dir(&path).build().unwrap();
    assert_eq!(again.current_kid(), keys.current_kid());
    assert!(verify(&again, &s.token, NOW).is_ok());
    let files: Vec<_> = std::fs::read_dir(&path)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    // The key made at build (the system clock) and the one issuing at NOW (later than
    // a rotation interval after it) made: both kept, the first until its sessions end.
    assert_eq!(files.len(), 2);
    for f in files {
        assert_eq!(f.metadata().unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o700
    );
    // A file that is not a key is an error, not a key quietly skipped.
    std::fs::write(path.join("session-key-000000000001-x.p8"), b"junk").unwrap();
    assert!(SessionKeys::builder().with_dir(&path).build().is_err());
}

#[test]
fn jwks_refuses_what_is_not_a_jwks() {
    assert_eq!(Jwks::from_json(b"{}").unwrap_err(), TokenError::BadJwks);
    let short = br#"{"keys":[{"kty":"EC","crv":"P-256","kid":"a","x":"AA","y":"AA"}]}"#;
    assert_eq!(Jwks::from_json(short).unwrap_err(), TokenError::BadJwks);
    let rsa = br#"{"keys":[{"kty":"RSA","kid":"a","n":"AA","e":"AQAB"}]}"#;
    assert!(!Jwks::from_json(rsa).unwrap().has_key("a"));
    let big = vec![b' '; crate::access::MAX_JWKS_BYTES + 1];
    assert_eq!(Jwks::from_json(&big).unwrap_err(), TokenError::BadJwks);
}

#[test]
fn the_cache_verifies_a_token_once_per_connection_and_checks_binding_each_time() {
    use crate::session::request::SessionCache;
    use certgate_verify::ClientCertInfo;
    let keys = keys();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mint = |cert: Option<&[u8; 32]>| {
        SessionIssuer::new(Arc::clone(&keys), ISS)
            .issue(
                &sam(),
                "money",
                SessionDuration::For(Duration::from_secs(60)),
                cert,
                now,
            )
            .unwrap()
            .token
    };
    let headers = |token: &str| {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::COOKIE,
            format!("CF_Authorization={token}").parse().unwrap(),
        );
        h
    };
    let none = ClientCertInfo::not_presented();
    let cache = SessionCache::default();
    let unbound = mint(None);
    let s = cache
        .session(&keys, &headers(&unbound), HOST, &none, now)
        .unwrap();
    assert_eq!(s.verified.identity.email(), "sam@example.com");
    assert_eq!(s.verified.identity.established_by(), "otp");
    // The same token again is not verified again: keys that do not know it still pass it.
    let strangers = SessionKeys::builder().build().unwrap();
    assert!(
        cache
            .session(&strangers, &headers(&unbound), HOST, &none, now)
            .is_some()
    );
    // Nor among other cookies, in one field or two (the token is found, and it is the
    // same), and then that field again (the whole field compared).
    let mut among = http::HeaderMap::new();
    among.insert(
        http::header::COOKIE,
        format!("theme=dark; CF_Authorization={unbound}; lang=en")
            .parse()
            .unwrap(),
    );
    for _ in 0..2 {
        assert!(
            cache
                .session(&strangers, &among, HOST, &none, now)
                .is_some()
        );
    }
    among.append(http::header::COOKIE, "other=1".parse().unwrap());
    assert!(
        cache
            .session(&strangers, &among, HOST, &none, now)
            .is_some()
    );
    // A field that differs only in the token is no hit: verified, and refused (a hit
    // would have answered the genuine token's session); the genuine one is verified again.
    // One character of the signature changed, away from its last (padding bits).
    let mut forged = unbound.clone().into_bytes();
    let at = forged.len() - 10;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert!(
        cache
            .session(&keys, &headers(&forged), HOST, &none, now)
            .is_none()
    );
    assert!(
        cache
            .session(&keys, &headers(&unbound), HOST, &none, now)
            .is_some()
    );
    // ... but the expiry and the issuer are checked on every request.
    assert!(
        cache
            .session(
                &keys,
                &headers(&unbound),
                HOST,
                &none,
                now + 60 + CLOCK_SKEW_SECS
            )
            .is_none()
    );
    assert!(
        cache
            .session(
                &keys,
                &headers(&unbound),
                "https://other.example",
                &none,
                now
            )
            .is_none()
    );
    // A bound session over a connection without that certificate: none.
    let bound = mint(Some(&[1u8; 32]));
    assert!(
        cache
            .session(&keys, &headers(&bound), HOST, &none, now)
            .is_none()
    );
    // Another token is verified: the strangers' keys do not know it.
    let again = mint(None);
    assert!(
        cache
            .session(&strangers, &headers(&again), HOST, &none, now)
            .is_none()
    );
}

#[test]
fn an_oversized_cookie_is_refused_before_it_is_verified() {
    use crate::session::request::SessionCache;
    use certgate_verify::ClientCertInfo;
    let keys = SessionKeys::builder().build().unwrap();
    let mut h = http::HeaderMap::new();
    let long = "a".repeat(MAX_TOKEN_BYTES + 1);
    h.insert(
        http::header::COOKIE,
        format!("CF_Authorization={long}").parse().unwrap(),
    );
    let cache = SessionCache::default();
    let none = ClientCertInfo::not_presented();
    assert!(cache.session(&keys, &h, HOST, &none, 0).is_none());
    // Nothing was verified, so nothing was cached.
    assert!(cache.0.lock().unwrap().is_none());
}
