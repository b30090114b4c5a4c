//! PKCS#10 certificate signing requests: made for keys we generate, and read (with
//! their self-signature checked) from devices that keep their own keys.

use std::path::Path;

use aws_lc_rs::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME;
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ECDSA_WITH_SHA_512, ID_EC_PUBLIC_KEY, ID_EXTENSION_REQ,
    RSA_ENCRYPTION, SECP_256_R_1, SECP_384_R_1, SHA_256_WITH_RSA_ENCRYPTION,
    SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
};
use der::asn1::{BitString, SetOfVec};
use der::{Decode, Encode};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};

use certgate_x509::CsrView;

use crate::cfssl::SanEntry;
use crate::error::BoxError;
use crate::x509::{SubjectName, extension, general_name};
use crate::{CaError, CaSigner, CsrProblem, KeySpec, pem};

/// OID of Ed25519 (RFC 8410), as a signature algorithm and a key type.
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// A parsed PKCS#10 request whose signature has been checked.
#[derive(Clone, Debug)]
pub struct CertificateRequest {
    der: Vec<u8>,
    subject: Name,
    public_key: Vec<u8>,
    key_spec: KeySpec,
    hosts: Vec<SanEntry>,
}

impl CertificateRequest {
    /// Makes and signs a request for `subject` and `hosts` with `signer`'s key.
    ///
    /// # Errors
    /// [`CaError::InvalidName`] for a subject or host that cannot be encoded,
    /// [`CaError::Signing`] when the signer fails.
    pub fn create(
        signer: &dyn CaSigner,
        subject: &SubjectName,
        hosts: &[SanEntry],
    ) -> Result<Self, CaError> {
        let enc = |e: der::Error| CaError::encoding("certificate request", e);
        let public_key = signer.public_key_der();
        let mut attributes = SetOfVec::new();
        if !hosts.is_empty() {
            let names = hosts
                .iter()
                .map(general_name)
                .collect::<Result<Vec<_>, _>>()?;
            let san = extension(&SubjectAltName(names), false)?;
            let req = ExtensionReq(vec![san]);
            let mut values = SetOfVec::new();
            values
                .insert(der::Any::encode_from(&req).map_err(enc)?)
                .map_err(enc)?;
            attributes
                .insert(Attribute {
                    oid: ID_EXTENSION_REQ,
                    values,
                })
                .map_err(enc)?;
        }
        let info = CertReqInfo {
            version: Version::V1,
            subject: subject.to_name()?,
            public_key: spki::SubjectPublicKeyInfoOwned::from_der(&public_key).map_err(enc)?,
            attributes,
        };
        let tbs = info.to_der().map_err(enc)?;
        let signature = signer.sign(&tbs)?;
        let req = CertReq {
            info,
            algorithm: signer.algorithm().identifier(),
            signature: BitString::from_bytes(&signature).map_err(enc)?,
        };
        let der = req.to_der().map_err(enc)?;
        Self::from_der(&der, "generated request")
    }

    /// Generates the key that cfssl CSR JSON asks for and a request for it, as
    /// `cfssl genkey` does: the subject from `names` and `CN`, the SANs from `hosts`.
    ///
    /// # Errors
    /// [`CaError::UnsupportedKey`], [`CaError::InvalidHost`] for a bad host,
    /// [`CaError::InvalidName`] for a subject that cannot be encoded.
    pub fn generate(csr: &crate::cfssl::CsrJson) -> Result<(crate::PrivateKey, Self), CaError> {
        let key = crate::PrivateKey::generate(csr.key_spec()?)?;
        let signer = crate::KeySigner::new(key);
        let request = Self::create(
            &signer,
            &SubjectName::from_csr_json(csr),
            &csr.host_names()?,
        )?;
        Ok((signer.into_key(), request))
    }

    /// Parses a DER request and checks its signature.
    ///
    /// Requested extensions other than subjectAltName are read past, not refused:
    /// the signing profile, not the device, decides key usage and constraints.
    ///
    /// # Errors
    /// [`CaError::Csr`] when it does not parse or uses an unsupported key or
    /// algorithm, [`CaError::CsrSignature`] when the signature does not verify.
    pub fn from_der(der: &[u8], origin: &str) -> Result<Self, CaError> {
        let bad = |problem| csr_error(origin, problem, None);
        // certgate-x509's strict reader first: what it refuses is not a request, and the
        // signature is checked over the very octets it found.
        let view = CsrView::parse(der)
            .map_err(|e| csr_error(origin, CsrProblem::MalformedDer, Some(Box::new(e))))?;
        let req = CertReq::from_der(der)
            .map_err(|e| csr_error(origin, CsrProblem::MalformedDer, Some(Box::new(e))))?;
        let spki = &req.info.public_key;
        let key_spec = key_spec_of(spki).ok_or_else(|| bad(CsrProblem::UnsupportedKey))?;
        let alg = verification_algorithm(req.algorithm.oid, key_spec).ok_or_else(|| {
            bad(CsrProblem::UnsupportedSignatureAlgorithm {
                oid: req.algorithm.oid.to_string(),
                key: key_spec.algo(),
            })
        })?;
        let reencode = |e| CaError::encoding("certificate request", e);
        UnparsedPublicKey::new(alg, spki.subject_public_key.raw_bytes())
            .verify(view.info, view.signature)
            .map_err(|_| CaError::CsrSignature {
                origin: origin.to_owned(),
            })?;
        let hosts = requested_hosts(&req.info, origin)?;
        Ok(Self {
            der: der.to_vec(),
            subject: req.info.subject.clone(),
            public_key: spki.to_der().map_err(reencode)?,
            key_spec,
            hosts,
        })
    }

    /// Parses a PEM request (`CERTIFICATE REQUEST` or the older `NEW CERTIFICATE REQUEST`).
    ///
    /// # Errors
    /// [`CaError::Pem`] when there is no request block, else as [`CertificateRequest::from_der`].
    pub fn from_pem(pem: &[u8], origin: &str) -> Result<Self, CaError> {
        let block = pem::find_block(
            pem,
            origin,
            &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"],
        )?;
        Self::from_der(&block.der, origin)
    }

    /// Reads a PEM request file.
    ///
    /// # Errors
    /// [`CaError::Io`] when the file cannot be read, else as [`CertificateRequest::from_pem`].
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, CaError> {
        let path = path.as_ref();
        let bytes = CaError::read_file(path)?;
        Self::from_pem(&bytes, &path.display().to_string())
    }

    /// The request's DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The request as PEM `CERTIFICATE REQUEST`.
    pub fn to_pem(&self) -> String {
        pem::encode("CERTIFICATE REQUEST", &self.der)
    }

    /// The requested subject in RFC 4514 form.
    pub fn subject(&self) -> String {
        self.subject.to_string()
    }

    /// The requested subject.
    pub(crate) fn subject_name(&self) -> &Name {
        &self.subject
    }

    /// The DER `SubjectPublicKeyInfo` the certificate will certify.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_key
    }

    /// The type and size of the requested key.
    pub fn key_spec(&self) -> KeySpec {
        self.key_spec
    }

    /// The subjectAltNames the request asks for.
    pub fn hosts(&self) -> &[SanEntry] {
        &self.hosts
    }
}

fn key_spec_of(spki: &spki::SubjectPublicKeyInfoOwned) -> Option<KeySpec> {
    let oid = spki.algorithm.oid;
    if oid == RSA_ENCRYPTION {
        let key = pkcs1_modulus_bits(spki.subject_public_key.raw_bytes())?;
        (key >= 2048).then_some(KeySpec::Rsa(key))
    } else if oid == ID_EC_PUBLIC_KEY {
        let curve: ObjectIdentifier = spki.algorithm.parameters.as_ref()?.decode_as().ok()?;
        if curve == SECP_256_R_1 {
            Some(KeySpec::EcdsaP256)
        } else if curve == SECP_384_R_1 {
            Some(KeySpec::EcdsaP384)
        } else {
            None
        }
    } else if oid == ID_ED25519 {
        Some(KeySpec::Ed25519)
    } else {
        None
    }
}

/// The modulus size of a PKCS#1 `RSAPublicKey`, in bits rounded to a multiple of 8.
fn pkcs1_modulus_bits(der: &[u8]) -> Option<u32> {
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        modulus: der::asn1::UintRef<'a>,
        _exponent: der::asn1::UintRef<'a>,
    }
    let key = RsaPublicKey::from_der(der).ok()?;
    u32::try_from(key.modulus.as_bytes().len() * 8).ok()
}

fn verification_algorithm(
    oid: ObjectIdentifier,
    key: KeySpec,
) -> Option<&'static dyn VerificationAlgorithm> {
    Some(match (oid, key) {
        (o, KeySpec::Rsa(_)) if o == SHA_256_WITH_RSA_ENCRYPTION => {
            &sig::RSA_PKCS1_2048_8192_SHA256
        }
        (o, KeySpec::Rsa(_)) if o == SHA_384_WITH_RSA_ENCRYPTION => {
            &sig::RSA_PKCS1_2048_8192_SHA384
        }
        (o, KeySpec::Rsa(_)) if o == SHA_512_WITH_RSA_ENCRYPTION => {
            &sig::RSA_PKCS1_2048_8192_SHA512
        }
        (o, KeySpec::EcdsaP256) if o == ECDSA_WITH_SHA_256 => &sig::ECDSA_P256_SHA256_ASN1,
        (o, KeySpec::EcdsaP256) if o == ECDSA_WITH_SHA_384 => &sig::ECDSA_P256_SHA384_ASN1,
        (o, KeySpec::EcdsaP256) if o == ECDSA_WITH_SHA_512 => &sig::ECDSA_P256_SHA512_ASN1,
        (o, KeySpec::EcdsaP384) if o == ECDSA_WITH_SHA_256 => &sig::ECDSA_P384_SHA256_ASN1,
        (o, KeySpec::EcdsaP384) if o == ECDSA_WITH_SHA_384 => &sig::ECDSA_P384_SHA384_ASN1,
        (o, KeySpec::EcdsaP384) if o == ECDSA_WITH_SHA_512 => &sig::ECDSA_P384_SHA512_ASN1,
        (o, KeySpec::Ed25519) if o == ID_ED25519 => &sig::ED25519,
        _ => return None,
    })
}

/// The subjectAltName entries of the request's extensionRequest attribute.
fn requested_hosts(info: &CertReqInfo, origin: &str) -> Result<Vec<SanEntry>, CaError> {
    let bad = |problem, e: der::Error| csr_error(origin, problem, Some(Box::new(e)));
    let mut hosts = Vec::new();
    for attr in info.attributes.iter().filter(|a| a.oid == ID_EXTENSION_REQ) {
        for value in attr.values.iter() {
            let req: ExtensionReq = value
                .decode_as()
                .map_err(|e| bad(CsrProblem::MalformedExtensionRequest, e))?;
            for ext in req.0.iter().filter(|e| e.extn_id == ID_CE_SUBJECT_ALT_NAME) {
                let san = SubjectAltName::from_der(ext.extn_value.as_bytes())
                    .map_err(|e| bad(CsrProblem::MalformedSubjectAltName, e))?;
                for name in san.0 {
                    hosts.push(host_of(&name).ok_or_else(|| {
                        let entry = format!("{name:?}");
                        csr_error(
                            origin,
                            CsrProblem::UnsupportedSubjectAltName { entry },
                            None,
                        )
                    })?);
                }
            }
        }
    }
    Ok(hosts)
}

/// A [`CaError::Csr`] about the request from `origin`.
fn csr_error(origin: &str, problem: CsrProblem, source: Option<BoxError>) -> CaError {
    CaError::Csr {
        origin: origin.to_owned(),
        problem,
        source,
    }
}

fn host_of(name: &GeneralName) -> Option<SanEntry> {
    Some(match name {
        GeneralName::DnsName(s) => SanEntry::Dns(s.to_string()),
        GeneralName::Rfc822Name(s) => SanEntry::Email(s.to_string()),
        GeneralName::UniformResourceIdentifier(s) => SanEntry::Uri(s.to_string()),
        GeneralName::IpAddress(o) => match o.as_bytes().len() {
            4 => SanEntry::Ip(<[u8; 4]>::try_from(o.as_bytes()).ok()?.into()),
            16 => SanEntry::Ip(<[u8; 16]>::try_from(o.as_bytes()).ok()?.into()),
            _ => return None,
        },
        _ => return None,
    })
}
