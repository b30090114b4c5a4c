"""ES256 JWTs with Python's `cryptography`, for certgate-gate's interop test.

  jwt_interop.py verify TOKEN JWKS_FILE AUDIENCE ISSUER   -> the claims (JSON), exit 0
  jwt_interop.py sign < CLAIMS_JSON                       -> {"jwks": ..., "token": ...}

Written from RFC 7515/7517/7518 directly (no JWT library): base64url without padding,
ES256 signatures as r || s (32 bytes each).
"""
import base64
import json
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)


def b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def verify(token, jwks_file, audience, issuer):
    header_b64, claims_b64, sig_b64 = token.split(".")
    header = json.loads(b64d(header_b64))
    assert header["alg"] == "ES256", header
    assert header["typ"] == "JWT", header
    with open(jwks_file) as f:
        jwks = json.load(f)
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("EC", "P-256", "ES256", "sig")
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64d(jwk["x"]), "big"),
        int.from_bytes(b64d(jwk["y"]), "big"),
        ec.SECP256R1(),
    )
    sig = b64d(sig_b64)
    assert len(sig) == 64
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    numbers.public_key().verify(
        der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256())
    )
    claims = json.loads(b64d(claims_b64))
    aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    assert audience in aud, claims
    assert claims["iss"] == issuer, claims
    print(json.dumps(claims))


def sign(claims):
    key = ec.generate_private_key(ec.SECP256R1())
    pub = key.public_key().public_numbers()
    kid = "python-key-1"
    jwks = {
        "keys": [
            {
                "kty": "EC",
                "crv": "P-256",
                "x": b64e(pub.x.to_bytes(32, "big")),
                "y": b64e(pub.y.to_bytes(32, "big")),
                "kid": kid,
                "alg": "ES256",
                "use": "sig",
            }
        ]
    }
    header = b64e(json.dumps({"alg": "ES256", "kid": kid, "typ": "JWT"}).encode())
    body = b64e(json.dumps(claims).encode())
    der = key.sign(f"{header}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    sig = b64e(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    print(json.dumps({"jwks": jwks, "token": f"{header}.{body}.{sig}"}))


if __name__ == "__main__":
    if sys.argv[1] == "verify":
        verify(*sys.argv[2:6])
    else:
        sign(json.load(sys.stdin))
