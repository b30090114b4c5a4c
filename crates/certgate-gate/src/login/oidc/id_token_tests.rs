//! Crafted ID tokens against the verifier: one test per refusal.

#![allow(clippy::unwrap_used)]

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256, RSA_PSS_SHA256,
};
use serde_json::json;

use super::*;

const ISSUER: &str = "https://idp.example.com";
const CLIENT: &str = "certgate";
const NOW: u64 = 1_800_000_000;

struct Keys {
    rsa: KeyPair,
    ec: EcdsaKeyPair,
}

fn keys() -> Keys {
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .unwrap();
    Keys {
        rsa: KeyPair::generate(KeySize::Rsa2048).unwrap(),
        ec: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap(),
    }
}

fn e(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn jwks(k: &Keys) -> Vec<ProviderKey> {
    let (n, exp) = rsa_components(k.rsa.public_key().as_ref());
    let point = k.ec.public_key().as_ref();
    let doc = json!({"keys": [
        {"kty": "RSA", "kid": "r1", "use": "sig", "n": e(&n), "e": e(&exp)},
        {"kty": "EC", "kid": "e1", "crv": "P-256", "x": e(&point[1..33]), "y": e(&point[33..])},
        {"kty": "oct", "kid": "h1", "k": "c2VjcmV0"},
    ]});
    parse_jwks(doc.to_string().as_bytes()).unwrap()
}

/// n and e of a PKCS#1 RSAPublicKey (SEQUENCE { INTEGER, INTEGER }), read by hand.
fn rsa_components(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    fn item(der: &[u8]) -> (&[u8], &[u8]) {
        let (len, at) = match der[1] {
            l if l < 0x80 => (usize::from(l), 2),
            0x81 => (usize::from(der[2]), 3),
            _ => (usize::from(der[2]) << 8 | usize::from(der[3]), 4),
        };
        (&der[at..at + len], &der[at + len..])
    }
    let (seq, _) = item(der);
    let (n, rest) = item(seq);
    let (e, _) = item(rest);
    let strip = |v: &[u8]| v.iter().skip_while(|b| **b == 0).copied().collect();
    (strip(n), strip(e))
}

fn claims() -> Value {
    json!({"iss": ISSUER, "aud": CLIENT, "sub": "sam", "email": "sam@example.com",
           "email_verified": true, "iat": NOW - 10, "exp": NOW + 300, "nonce": "n-1"})
}

fn sign(k: &Keys, alg: &str, kid: &str, claims: &Value) -> String {
    let header = json!({"alg": alg, "kid": kid, "typ": "JWT"});
    let input = format!(
        "{}.{}",
        e(header.to_string().as_bytes()),
        e(claims.to_string().as_bytes())
    );
    let rng = SystemRandom::new();
    let signature = match alg {
        "RS256" | "PS256" => {
            let pad = if alg == "RS256" {
                &RSA_PKCS1_SHA256
            } else {
                &RSA_PSS_SHA256
            };
            let mut sig = vec![0; k.rsa.public_modulus_len()];
            k.rsa.sign(pad, &rng, input.as_bytes(), &mut sig).unwrap();
            sig
        }
        "ES256" => k.ec.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec(),
        _ => Vec::new(),
    };
    format!("{input}.{}", e(&signature))
}

fn expected() -> Expected<'static> {
    Expected {
        issuer: ISSUER,
        client_id: CLIENT,
        nonce: "n-1",
        now: NOW,
    }
}

#[test]
fn rs256_ps256_and_es256_verify() {
    let k = keys();
    let set = jwks(&k);
    assert_eq!(set.len(), 2, "the HMAC key is not a signing key we take");
    for (alg, kid) in [("RS256", "r1"), ("PS256", "r1"), ("ES256", "e1")] {
        let token = sign(&k, alg, kid, &claims());
        let got = verify(&token, &set, &expected()).unwrap();
        assert_eq!(got["email"], "sam@example.com", "{alg}");
        assert_eq!(key_id(&token).as_deref(), Some(kid));
    }
}

#[test]
fn alg_none_and_hmac_are_refused() {
    let k = keys();
    let set = jwks(&k);
    let c = e(claims().to_string().as_bytes());
    let none = format!("{}.{c}.", e(br#"{"alg":"none","kid":"r1"}"#));
    assert_eq!(
        verify(&none, &set, &expected()),
        Err(IdTokenProblem::Algorithm)
    );
    let hs = format!("{}.{c}.AAAA", e(br#"{"alg":"HS256","kid":"h1"}"#));
    assert_eq!(
        verify(&hs, &set, &expected()),
        Err(IdTokenProblem::Algorithm)
    );
}

#[test]
fn a_bad_signature_or_an_unknown_key_is_refused() {
    let k = keys();
    let set = jwks(&k);
    let token = sign(&k, "RS256", "r1", &claims());
    let (head, _) = token.rsplit_once('.').unwrap();
    let other = sign(&k, "RS256", "r1", &json!({"iss": "x"}));
    let forged = format!("{head}.{}", other.rsplit_once('.').unwrap().1);
    assert_eq!(
        verify(&forged, &set, &expected()),
        Err(IdTokenProblem::Signature)
    );
    // Claims changed after signing.
    let mut parts: Vec<&str> = token.split('.').collect();
    let mut c = claims();
    c["email"] = json!("boss@example.com");
    let changed = e(c.to_string().as_bytes());
    parts[1] = &changed;
    assert_eq!(
        verify(&parts.join("."), &set, &expected()),
        Err(IdTokenProblem::Signature)
    );
    let unknown = sign(&k, "RS256", "rotated-away", &claims());
    assert_eq!(
        verify(&unknown, &set, &expected()),
        Err(IdTokenProblem::UnknownKey)
    );
    // An RSA kid with ES256: the key does not fit the algorithm.
    let mixed = sign(&k, "ES256", "r1", &claims());
    assert_eq!(
        verify(&mixed, &set, &expected()),
        Err(IdTokenProblem::UnknownKey)
    );
}

#[test]
fn issuer_audience_times_and_nonce_are_checked() {
    let k = keys();
    let set = jwks(&k);
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut c = claims();
        edit(&mut c);
        verify(&sign(&k, "ES256", "e1", &c), &set, &expected())
    };
    use IdTokenProblem as P;
    assert_eq!(
        with(&|c| c["iss"] = json!("https://other.example.com")),
        Err(P::Issuer)
    );
    assert_eq!(
        with(&|c| c["iss"] = json!("https://idp.example.com/")),
        Err(P::Issuer)
    );
    assert_eq!(
        with(&|c| c["aud"] = json!("someone-else")),
        Err(P::Audience)
    );
    assert_eq!(
        with(&|c| c["aud"] = json!([CLIENT, "other"])),
        Err(P::Audience)
    );
    assert!(
        with(&|c| {
            c["aud"] = json!([CLIENT, "other"]);
            c["azp"] = json!(CLIENT);
        })
        .is_ok()
    );
    assert_eq!(with(&|c| c["azp"] = json!("other")), Err(P::Audience));
    assert_eq!(with(&|c| c["exp"] = json!(NOW - 61)), Err(P::Expired));
    assert!(
        with(&|c| c["exp"] = json!(NOW - 30)).is_ok(),
        "within the skew"
    );
    assert_eq!(
        with(&|c| c["iat"] = json!(NOW + 3600)),
        Err(P::IssuedInFuture)
    );
    assert_eq!(with(&|c| c["nonce"] = json!("n-2")), Err(P::Nonce));
    assert_eq!(
        with(&|c| {
            c.as_object_mut().unwrap().remove("nonce");
        }),
        Err(P::Nonce)
    );
}

#[test]
fn oversized_and_malformed_tokens_are_refused() {
    let k = keys();
    let set = jwks(&k);
    let big = "a".repeat(MAX_ID_TOKEN_BYTES + 1);
    assert_eq!(
        verify(&big, &set, &expected()),
        Err(IdTokenProblem::Malformed)
    );
    for bad in ["", "a.b", "a.b.c.d", "!!.b.c"] {
        assert_eq!(
            verify(bad, &set, &expected()),
            Err(IdTokenProblem::Malformed),
            "{bad}"
        );
    }
    let many = json!({"keys": vec![json!({"kty": "EC"}); MAX_JWKS_KEYS + 1]});
    assert!(parse_jwks(many.to_string().as_bytes()).is_none());
}
