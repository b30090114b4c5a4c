//! Writing bundles: a key, its certificate and the chain, in the modern or legacy profile.

use cms::content_info::{CmsVersion, ContentInfo};
use cms::encrypted_data::EncryptedData;
use cms::enveloped_data::EncryptedContentInfo;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use pkcs12::pbe_params::EncryptedPrivateKeyInfo;
use pkcs12::{DigestInfo, MacData, Pfx, SafeBag};
use sha1::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::{Attribute, Attributes};

use crate::Pkcs12Error;
use crate::crypto::{Encryption, MacDigest, bmp_password, encrypt, random};
use crate::error::InputProblem;
use crate::limits::DEFAULT_ITERATIONS;
use crate::oids::{
    CERT_BAG, FRIENDLY_NAME, ID_DATA, ID_ENCRYPTED_DATA, LOCAL_KEY_ID, SHROUDED_KEY_BAG,
    X509_CERTIFICATE,
};

/// How a bundle is protected. Name it: devices differ in what they import.
///
/// | profile | key and certificates | MAC | who needs it |
/// |---|---|---|---|
/// | [`Modern`](Pkcs12Profile::Modern) | PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC | HMAC-SHA256 | OpenSSL 3 (its default), Python, NSS/Firefox/Chromium, curl, current iOS/macOS, Windows 10 1709+ |
/// | [`Legacy`](Pkcs12Profile::Legacy) | pbeWithSHAAnd3-KeyTripleDES-CBC | HMAC-SHA1 | older iOS and macOS, Android 13 and earlier, older Java, which are reported to refuse the modern format |
///
/// Legacy means 3DES, not RC2: Android cannot read RC2 (OpenSSL 1.x's default for the
/// certificates). Both profiles use 2048 iterations unless told otherwise.
///
/// Phones do not take Ed25519 client keys, and NSS 3.87 cannot import an Ed25519
/// bundle (not even one OpenSSL made): use RSA or ECDSA P-256 for device bundles.
///
/// # Security
/// The legacy profile's 3DES and SHA-1 MAC are weak by today's measure; they exist for
/// devices that read nothing else. Prefer [`Pkcs12Profile::Modern`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Pkcs12Profile {
    /// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and an HMAC-SHA256 MAC: OpenSSL 3's default.
    #[default]
    Modern,
    /// 3DES PKCS#12 PBE for key and certificates and an HMAC-SHA1 MAC.
    Legacy,
}

impl Pkcs12Profile {
    fn encryption(self) -> Encryption {
        match self {
            Self::Modern => Encryption::Pbes2Aes256,
            Self::Legacy => Encryption::TripleDes,
        }
    }

    fn mac(self) -> MacDigest {
        match self {
            Self::Modern => MacDigest::Sha256,
            Self::Legacy => MacDigest::Sha1,
        }
    }
}

/// Builds a bundle: the key and its certificate are required, the rest are options.
#[derive(Debug)]
pub struct Pkcs12Builder<'a> {
    key_pkcs8: &'a [u8],
    certificate: &'a [u8],
    chain: Vec<&'a [u8]>,
    password: &'a str,
    friendly_name: Option<String>,
    profile: Pkcs12Profile,
    iterations: u32,
}

impl<'a> Pkcs12Builder<'a> {
    /// A bundle of `key_pkcs8` (a PKCS#8 `PrivateKeyInfo`) and `certificate` (DER),
    /// protected by `password`.
    pub fn new(key_pkcs8: &'a [u8], certificate: &'a [u8], password: &'a str) -> Self {
        Self {
            key_pkcs8,
            certificate,
            chain: Vec::new(),
            password,
            friendly_name: None,
            profile: Pkcs12Profile::default(),
            iterations: DEFAULT_ITERATIONS,
        }
    }

    /// Adds the chain: intermediates, and the root if the device should get it too.
    pub fn with_chain(mut self, chain: impl IntoIterator<Item = &'a [u8]>) -> Self {
        self.chain.extend(chain);
        self
    }

    /// The name the device shows for the key and certificate (`-name` in OpenSSL).
    pub fn with_friendly_name(mut self, name: impl Into<String>) -> Self {
        self.friendly_name = Some(name.into());
        self
    }

    /// Picks the profile; [`Pkcs12Profile::Modern`] by default.
    pub fn with_profile(mut self, profile: Pkcs12Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Iterations for the key derivations and the MAC (2048 by default, as OpenSSL).
    pub fn with_iterations(mut self, iterations: u32) -> Self {
        self.iterations = iterations;
        self
    }

    /// Writes the bundle's DER.
    ///
    /// # Errors
    /// [`Pkcs12Error::InvalidInput`] when the key or a certificate is not DER of its kind,
    /// the iterations are 0 or too many, or the friendly name has a control character;
    /// [`Pkcs12Error::Encoding`] when encryption or encoding fails.
    pub fn build(self) -> Result<Vec<u8>, Pkcs12Error> {
        let rounds = self.check()?;
        let enc = |what: &'static str| move |e: der::Error| Pkcs12Error::encoding(what, e);
        // OpenSSL's localKeyId: the SHA-1 of the certificate.
        let local_key_id = sha1::Sha1::digest(self.certificate).to_vec();
        let leaf_attrs = attributes(self.friendly_name.as_deref(), Some(&local_key_id))?;

        let mut cert_bags = vec![cert_bag(self.certificate, leaf_attrs.clone())?];
        for cert in &self.chain {
            cert_bags.push(cert_bag(cert, None)?);
        }
        let certs_der = cert_bags.to_der().map_err(enc("certificate bags"))?;
        let encryption = self.profile.encryption();
        let (certs_alg, certs_ct) =
            encrypt(encryption, self.password, self.iterations, &certs_der)?;
        let certs_info = encrypted_content(certs_alg, certs_ct)?;

        let (key_alg, key_ct) =
            encrypt(encryption, self.password, self.iterations, self.key_pkcs8)?;
        let shrouded = EncryptedPrivateKeyInfo {
            encryption_algorithm: key_alg,
            encrypted_data: OctetString::new(key_ct).map_err(enc("shrouded key"))?,
        };
        let key_bag = SafeBag {
            bag_id: SHROUDED_KEY_BAG,
            bag_value: shrouded.to_der().map_err(enc("shrouded key"))?,
            bag_attributes: leaf_attrs,
        };
        let key_contents = vec![key_bag].to_der().map_err(enc("key bag"))?;
        let key_info = ContentInfo {
            content_type: ID_DATA,
            content: Any::encode_from(&OctetString::new(key_contents).map_err(enc("key bag"))?)
                .map_err(enc("key bag"))?,
        };
        let auth_safe = vec![certs_info, key_info]
            .to_der()
            .map_err(enc("authenticated safe"))?;

        let digest = self.profile.mac();
        let salt = random::<16>()?;
        let mac = digest.mac(
            &bmp_password(self.password, false),
            &salt,
            rounds,
            &auth_safe,
        )?;
        let mac_data = MacData {
            mac: DigestInfo {
                algorithm: AlgorithmIdentifierOwned {
                    oid: digest.oid(),
                    parameters: Some(der::asn1::Null.into()),
                },
                digest: OctetString::new(mac).map_err(enc("MAC"))?,
            },
            mac_salt: OctetString::new(salt.to_vec()).map_err(enc("MAC"))?,
            iterations: rounds,
        };
        let pfx = Pfx {
            version: pkcs12::pfx::Version::V3,
            auth_safe: ContentInfo {
                content_type: ID_DATA,
                content: Any::encode_from(&OctetString::new(auth_safe).map_err(enc("PFX"))?)
                    .map_err(enc("PFX"))?,
            },
            mac_data: Some(mac_data),
        };
        pfx.to_der().map_err(enc("PFX"))
    }
}

impl Pkcs12Builder<'_> {
    /// Checks the inputs; returns the iteration count as the PKCS#12 structures hold it.
    fn check(&self) -> Result<i32, Pkcs12Error> {
        let invalid = |problem| Pkcs12Error::InvalidInput { problem };
        pkcs8::PrivateKeyInfoRef::from_der(self.key_pkcs8)
            .map_err(|_| invalid(InputProblem::KeyNotPkcs8))?;
        for (index, cert) in std::iter::once(&self.certificate)
            .chain(&self.chain)
            .enumerate()
        {
            x509_cert::Certificate::from_der(cert)
                .map_err(|_| invalid(InputProblem::CertificateNotDer { index }))?;
        }
        let out_of_range = || {
            invalid(InputProblem::IterationsOutOfRange {
                iterations: self.iterations,
            })
        };
        if let Some(position) = self
            .friendly_name
            .as_deref()
            .and_then(|name| name.chars().position(char::is_control))
        {
            return Err(invalid(InputProblem::FriendlyNameControlCharacter {
                position,
            }));
        }
        if self.iterations == 0 || u64::from(self.iterations) > crate::MAX_ITERATIONS {
            return Err(out_of_range());
        }
        i32::try_from(self.iterations).map_err(|_| out_of_range())
    }
}

fn cert_bag(der: &[u8], attrs: Option<Attributes>) -> Result<SafeBag, Pkcs12Error> {
    let enc = |e: der::Error| Pkcs12Error::encoding("certificate bag", e);
    let bag = pkcs12::CertBag {
        cert_id: X509_CERTIFICATE,
        cert_value: OctetString::new(der).map_err(enc)?,
    };
    Ok(SafeBag {
        bag_id: CERT_BAG,
        bag_value: bag.to_der().map_err(enc)?,
        bag_attributes: attrs,
    })
}

fn encrypted_content(
    alg: AlgorithmIdentifierOwned,
    ciphertext: Vec<u8>,
) -> Result<ContentInfo, Pkcs12Error> {
    let enc = |e: der::Error| Pkcs12Error::encoding("encrypted data", e);
    let data = EncryptedData {
        version: CmsVersion::V0,
        enc_content_info: EncryptedContentInfo {
            content_type: ID_DATA,
            content_enc_alg: alg,
            encrypted_content: Some(OctetString::new(ciphertext).map_err(enc)?),
        },
        unprotected_attrs: None,
    };
    Ok(ContentInfo {
        content_type: ID_ENCRYPTED_DATA,
        content: Any::encode_from(&data).map_err(enc)?,
    })
}

fn attributes(
    name: Option<&str>,
    key_id: Option<&[u8]>,
) -> Result<Option<Attributes>, Pkcs12Error> {
    let enc = |e: der::Error| Pkcs12Error::encoding("bag attributes", e);
    let mut attrs = SetOfVec::new();
    if let Some(name) = name {
        // UTF-16BE with surrogate pairs beyond the BMP, as OpenSSL writes it.
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let mut values = SetOfVec::new();
        values
            .insert(Any::new(der::Tag::BmpString, utf16).map_err(enc)?)
            .map_err(enc)?;
        attrs
            .insert(Attribute {
                oid: FRIENDLY_NAME,
                values,
            })
            .map_err(enc)?;
    }
    if let Some(id) = key_id {
        let mut values = SetOfVec::new();
        values
            .insert(Any::encode_from(&OctetString::new(id).map_err(enc)?).map_err(enc)?)
            .map_err(enc)?;
        attrs
            .insert(Attribute {
                oid: LOCAL_KEY_ID,
                values,
            })
            .map_err(enc)?;
    }
    Ok((!attrs.is_empty()).then_some(attrs))
}
