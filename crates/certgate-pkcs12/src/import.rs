//! Reading bundles from any producer: check the MAC, decrypt, sort the bags.

use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use der::asn1::OctetString;
use der::{Decode, Tag, TagNumber, Tagged};
use pkcs12::pbe_params::EncryptedPrivateKeyInfo;
use pkcs12::{Pfx, SafeBag};
use x509_cert::attr::Attributes;
use zeroize::Zeroizing;

use crate::Pkcs12Error;
use crate::bundle::{BundleCertificate, BundleInfo, BundleKey, Pkcs12Bundle};
use crate::crypto::{MacDigest, bmp_password, check_iterations, decrypt, describe_encryption};
use crate::limits::{MAX_BAGS, MAX_BUNDLE_SIZE};
use crate::oids::{
    CERT_BAG, CRL_BAG, FRIENDLY_NAME, ID_DATA, ID_ENCRYPTED_DATA, KEY_BAG, LOCAL_KEY_ID,
    SAFE_CONTENTS_BAG, SECRET_BAG, SHROUDED_KEY_BAG, X509_CERTIFICATE,
};

impl Pkcs12Bundle {
    /// Parses a bundle, checks its MAC and decrypts what it holds.
    ///
    /// PBES2 (AES-128/192/256-CBC with PBKDF2-HMAC-SHA1/256/512), 3DES and RC2 (40 and
    /// 128 bit) are read; MACs with SHA-1/256/384/512 or BLAKE2b-512; bundles without a
    /// MAC, key or certificate. An empty password is tried in both conventions.
    ///
    /// # Errors
    /// [`Pkcs12Error::WrongPassword`] when the MAC (or, with no MAC, the decryption)
    /// says the password is wrong; [`Pkcs12Error::Malformed`] for bytes that are not a
    /// bundle; [`Pkcs12Error::UnsupportedAlgorithm`]; [`Pkcs12Error::LimitExceeded`]
    /// past [`crate::MAX_BUNDLE_SIZE`], [`crate::MAX_BAGS`] or [`crate::MAX_ITERATIONS`];
    /// [`Pkcs12Error::BadBag`] for a bag whose content is not what its type says.
    pub fn parse(der: &[u8], password: &str) -> Result<Self, Pkcs12Error> {
        if der.len() > MAX_BUNDLE_SIZE {
            return Err(Pkcs12Error::LimitExceeded {
                what: "bundle size",
                value: der.len() as u64,
                limit: MAX_BUNDLE_SIZE as u64,
            });
        }
        let pfx = Pfx::from_der(der).map_err(|e| Pkcs12Error::malformed("PFX", e))?;
        if pfx.auth_safe.content_type != ID_DATA {
            return Err(Pkcs12Error::UnsupportedAlgorithm {
                what: "integrity (public-key mode)",
                oid: pfx.auth_safe.content_type.to_string(),
            });
        }
        let auth_safe = pfx
            .auth_safe
            .content
            .decode_as::<OctetString>()
            .map_err(|e| Pkcs12Error::malformed("authSafe", e))?;
        let mut info = BundleInfo::default();
        // Without a MAC, only the decryption speaks for the password: plaintext that
        // does not parse then means a wrong password (padding checks pass by chance).
        let authenticated = pfx.mac_data.is_some();
        if let Some(mac) = &pfx.mac_data {
            verify_mac(mac, password, auth_safe.as_bytes())?;
            info.mac = Some((
                MacDigest::from_oid(mac.mac.algorithm.oid)?
                    .name()
                    .to_owned(),
                u32::try_from(mac.iterations).unwrap_or(1),
            ));
        }
        let contents = Vec::<ContentInfo>::from_der(auth_safe.as_bytes())
            .map_err(|e| Pkcs12Error::malformed("AuthenticatedSafe", e))?;
        let mut bundle = Self {
            keys: Vec::new(),
            certificates: Vec::new(),
            info,
        };
        for content in &contents {
            let safe_contents = match content.content_type {
                t if t == ID_DATA => Zeroizing::new(
                    content
                        .content
                        .decode_as::<OctetString>()
                        .map_err(|e| Pkcs12Error::malformed("data content", e))?
                        .into_bytes()
                        .into_vec(),
                ),
                t if t == ID_ENCRYPTED_DATA => {
                    let data = content
                        .content
                        .decode_as::<EncryptedData>()
                        .map_err(|e| Pkcs12Error::malformed("encrypted data", e))?;
                    let eci = &data.enc_content_info;
                    bundle
                        .info
                        .encryptions
                        .push(describe_encryption(&eci.content_enc_alg));
                    let ciphertext = eci
                        .encrypted_content
                        .as_ref()
                        .ok_or_else(|| Pkcs12Error::malformed("encrypted data", "no content"))?;
                    decrypt(&eci.content_enc_alg, password, ciphertext.as_bytes())?
                }
                other => {
                    return Err(Pkcs12Error::UnsupportedAlgorithm {
                        what: "content type (public-key privacy mode)",
                        oid: other.to_string(),
                    });
                }
            };
            let decrypted = content.content_type == ID_ENCRYPTED_DATA;
            bundle.read_bags(&safe_contents, password, 0, decrypted && !authenticated)?;
        }
        Ok(bundle)
    }

    fn read_bags(
        &mut self,
        der: &[u8],
        password: &str,
        depth: u8,
        unauthenticated_plaintext: bool,
    ) -> Result<(), Pkcs12Error> {
        let authenticated = self.info.mac.is_some();
        let bags = Vec::<SafeBag>::from_der(der).map_err(|e| {
            if unauthenticated_plaintext {
                wrong_password()
            } else {
                Pkcs12Error::malformed("SafeContents", e)
            }
        })?;
        for bag in bags {
            self.info.bag_count += 1;
            let index = self.info.bag_count;
            if index > MAX_BAGS {
                return Err(Pkcs12Error::LimitExceeded {
                    what: "number of bags",
                    value: index as u64,
                    limit: MAX_BAGS as u64,
                });
            }
            let value = explicit_content(&bag.bag_value);
            let (name, key_id) = bag_attributes(bag.bag_attributes.as_ref());
            let bad = |bag_type: &'static str, reason: String| Pkcs12Error::BadBag {
                index,
                bag_type,
                reason,
            };
            match bag.bag_id {
                id if id == CERT_BAG => {
                    let cert_bag = value
                        .and_then(|v| pkcs12::CertBag::from_der(v).ok())
                        .ok_or_else(|| bad("certBag", "not a CertBag".into()))?;
                    if cert_bag.cert_id != X509_CERTIFICATE {
                        continue; // SDSI certificates: nothing to do with them.
                    }
                    let der = cert_bag.cert_value.into_bytes().into_vec();
                    x509_cert::Certificate::from_der(&der)
                        .map_err(|e| bad("certBag", format!("not an X.509 certificate: {e}")))?;
                    self.certificates.push(BundleCertificate {
                        der,
                        friendly_name: name,
                        local_key_id: key_id,
                    });
                }
                id if id == KEY_BAG || id == SHROUDED_KEY_BAG => {
                    let bag_type = if id == KEY_BAG {
                        "keyBag"
                    } else {
                        "pkcs8ShroudedKeyBag"
                    };
                    let value = value.ok_or_else(|| bad(bag_type, "no [0] value".into()))?;
                    let pkcs8 = if id == KEY_BAG {
                        Zeroizing::new(value.to_vec())
                    } else {
                        let epki = EncryptedPrivateKeyInfo::from_der(value).map_err(|e| {
                            bad(bag_type, format!("not an EncryptedPrivateKeyInfo: {e}"))
                        })?;
                        self.info
                            .encryptions
                            .push(describe_encryption(&epki.encryption_algorithm));
                        let plain = decrypt(
                            &epki.encryption_algorithm,
                            password,
                            epki.encrypted_data.as_bytes(),
                        )?;
                        if !authenticated && pkcs8::PrivateKeyInfoRef::from_der(&plain).is_err() {
                            return Err(wrong_password());
                        }
                        plain
                    };
                    pkcs8::PrivateKeyInfoRef::from_der(&pkcs8)
                        .map_err(|e| bad(bag_type, format!("not a PKCS#8 private key: {e}")))?;
                    self.keys.push(BundleKey {
                        pkcs8,
                        friendly_name: name,
                        local_key_id: key_id,
                    });
                }
                id if id == SAFE_CONTENTS_BAG => {
                    let value =
                        value.ok_or_else(|| bad("safeContentsBag", "no [0] value".into()))?;
                    if depth > 4 {
                        return Err(bad("safeContentsBag", "nested more than 4 deep".into()));
                    }
                    self.read_bags(value, password, depth + 1, false)?;
                }
                id if id == CRL_BAG || id == SECRET_BAG => {}
                other => return Err(bad("unknown", format!("unknown bag type {other}"))),
            }
        }
        Ok(())
    }
}

fn wrong_password() -> Pkcs12Error {
    Pkcs12Error::WrongPassword {
        checked_by: "decryption",
    }
}

/// The content of a `[0] EXPLICIT` element (how SafeBag values are wrapped).
fn explicit_content(tlv: &[u8]) -> Option<&[u8]> {
    let any = der::asn1::AnyRef::from_der(tlv).ok()?;
    (any.tag()
        == Tag::ContextSpecific {
            constructed: true,
            number: TagNumber(0),
        })
    .then(|| any.value())
}

fn bag_attributes(attrs: Option<&Attributes>) -> (Option<String>, Option<Vec<u8>>) {
    let mut name = None;
    let mut key_id = None;
    for attr in attrs.into_iter().flat_map(|a| a.iter()) {
        let Some(value) = attr.values.iter().next() else {
            continue;
        };
        if attr.oid == FRIENDLY_NAME {
            name = bmp_text(value);
        } else if attr.oid == LOCAL_KEY_ID {
            key_id = value
                .decode_as::<OctetString>()
                .ok()
                .map(|o| o.into_bytes().into_vec());
        }
    }
    (name, key_id)
}

/// A BMPString's text, read as UTF-16BE so that surrogate pairs (which OpenSSL writes
/// for characters beyond the BMP) survive.
fn bmp_text(value: &der::Any) -> Option<String> {
    if value.tag() != Tag::BmpString || !value.value().len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = value
        .value()
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

fn verify_mac(mac: &pkcs12::MacData, password: &str, data: &[u8]) -> Result<(), Pkcs12Error> {
    let digest = MacDigest::from_oid(mac.mac.algorithm.oid)?;
    let rounds = mac.iterations;
    check_iterations("MAC iteration count", u64::try_from(rounds).unwrap_or(0))?;
    let expected = mac.mac.digest.as_bytes();
    for empty_as_nothing in [false, true] {
        if !password.is_empty() && empty_as_nothing {
            break;
        }
        let pw = bmp_password(password, empty_as_nothing);
        let got = digest.mac(&pw, mac.mac_salt.as_bytes(), rounds, data)?;
        if aws_lc_rs::constant_time::verify_slices_are_equal(&got, expected).is_ok() {
            return Ok(());
        }
    }
    Err(Pkcs12Error::WrongPassword { checked_by: "MAC" })
}
