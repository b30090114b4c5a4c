"""Prints the fields of PEM certificates as JSON, read by Python's `cryptography`.

Usage: python3 dump_cert.py CERT.pem [ISSUER.pem]
An independent reader for certgate-ca's tests: subject attributes in order with their
string types, key usage, extended key usage, basic constraints, validity, key ids, SANs.
"""
import json
import sys

from cryptography import x509
from cryptography.x509.oid import ExtensionOID


def load(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def ext(cert, oid):
    try:
        return cert.extensions.get_extension_for_oid(oid)
    except x509.ExtensionNotFound:
        return None


def name(n):
    return [[a.oid.dotted_string, a._type.name, a.value] for rdn in n.rdns for a in rdn]


def dump(cert):
    out = {
        "subject": name(cert.subject),
        "issuer": name(cert.issuer),
        "serial_bytes": (cert.serial_number.bit_length() + 7) // 8,
        "validity_seconds": int((cert.not_valid_after_utc - cert.not_valid_before_utc).total_seconds()),
        "not_before_second": cert.not_valid_before_utc.second,
        "signature_hash": cert.signature_hash_algorithm.name if cert.signature_hash_algorithm else None,
    }
    ku = ext(cert, ExtensionOID.KEY_USAGE)
    if ku:
        v = ku.value
        bits = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                "key_agreement", "key_cert_sign", "crl_sign"]
        out["key_usage"] = [b for b in bits if getattr(v, b)]
        if v.key_agreement:
            out["key_usage"] += [b for b in ("encipher_only", "decipher_only") if getattr(v, b)]
        out["key_usage_critical"] = ku.critical
    eku = ext(cert, ExtensionOID.EXTENDED_KEY_USAGE)
    if eku:
        out["ext_key_usage"] = [o.dotted_string for o in eku.value]
    bc = ext(cert, ExtensionOID.BASIC_CONSTRAINTS)
    if bc:
        out["basic_constraints"] = {"ca": bc.value.ca, "path_length": bc.value.path_length,
                                    "critical": bc.critical}
    ski = ext(cert, ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    out["ski"] = ski.value.digest.hex() if ski else None
    aki = ext(cert, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    out["aki"] = aki.value.key_identifier.hex() if aki and aki.value.key_identifier else None
    san = ext(cert, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    out["san"] = [str(g.value) for g in san.value] if san else []
    return out


cert = load(sys.argv[1])
result = dump(cert)
if len(sys.argv) > 2:
    issuer = load(sys.argv[2])
    result["issuer_matches_subject_bytes"] = (
        cert.issuer.public_bytes() == issuer.subject.public_bytes()
    )
    # Checks the issuer name, then the signature, with the issuer's public key.
    cert.verify_directly_issued_by(issuer)
    result["signature_verifies"] = True
print(json.dumps(result, indent=1))
