//! Reading bundles from any producer: convert BER, check the MAC, decrypt, sort the bags.

use cms::content_info::ContentInfo;
use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetString, OctetStringRef};
use der::{Decode, Encode, Tag, TagNumber, Tagged};
use pkcs12::Pfx;
use pkcs12::pbe_params::EncryptedPrivateKeyInfo;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use crate::bundle::{BundleCertificate, BundleInfo, BundleKey, Pkcs12Bundle};
use crate::crypto::{MacDigest, bmp_password, decrypt, describe_encryption};
use crate::error::{BagProblem, Limit, MalformedProblem};
use crate::kdf::{KdfBudget, pkcs12_kdf_work};
use crate::limits::{MAX_BAGS, MAX_BUNDLE_SIZE, MAX_SAFE_CONTENTS_NESTING};
use crate::oids::{
    CERT_BAG, CRL_BAG, FRIENDLY_NAME, ID_DATA, ID_ENCRYPTED_DATA, KEY_BAG, LOCAL_KEY_ID,
    SAFE_CONTENTS_BAG, SECRET_BAG, SHROUDED_KEY_BAG, X509_CERTIFICATE,
};
use crate::{Pkcs12Error, ber};

impl Pkcs12Bundle {
    /// Parses a bundle, checks its MAC and decrypts what it holds.
    ///
    /// BER (as NSS writes it: Firefox's backups, `pk12util -o`) is read as well as DER.
    /// PBES2 (AES-128/192/256-CBC with PBKDF2-HMAC-SHA1/256/512, or scrypt), 3DES and
    /// RC2 (40 and 128 bit) are read; MACs with SHA-1/256/384/512 or BLAKE2b-512;
    /// bundles without a MAC, key or certificate. An empty password is tried in both
    /// conventions. Every key derivation is checked against the limits before it runs,
    /// and their sum against [`crate::MAX_KDF_WORK`].
    ///
    /// # Errors
    /// [`Pkcs12Error::WrongPassword`] when the MAC (or, with no MAC, the decryption)
    /// says the password is wrong; [`Pkcs12Error::Malformed`] for bytes that are not a
    /// bundle; [`Pkcs12Error::UnsupportedAlgorithm`]; [`Pkcs12Error::LimitExceeded`]
    /// past any [`crate::Limit`] (size, bags, nesting, iterations, scrypt parameters,
    /// the whole import's key-derivation work); [`Pkcs12Error::BadBag`] for a bag whose
    /// content is not what its type says.
    pub fn parse(input: &[u8], password: &str) -> Result<Self, Pkcs12Error> {
        Self::parse_within(input, password, KdfBudget::default())
    }

    /// [`Pkcs12Bundle::parse`], with key derivations charged to `budget`.
    fn parse_within(input: &[u8], password: &str, budget: KdfBudget) -> Result<Self, Pkcs12Error> {
        if input.len() > MAX_BUNDLE_SIZE {
            return Err(Pkcs12Error::limit(
                Limit::BundleSize,
                input.len() as u64,
                MAX_BUNDLE_SIZE as u64,
            ));
        }
        let der = ber::to_der(input, "PFX")?;
        let pfx = Pfx::from_der(&der).map_err(|e| Pkcs12Error::not_der("PFX", e))?;
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
            .map_err(|e| Pkcs12Error::not_der("authSafe", e))?;
        let mut import = Import {
            bundle: Self {
                keys: Vec::new(),
                certificates: Vec::new(),
                info: BundleInfo::default(),
            },
            password,
            budget,
            // Without a MAC, only the decryption speaks for the password: plaintext
            // that does not parse then means a wrong password (padding checks pass by
            // chance).
            authenticated: pfx.mac_data.is_some(),
        };
        if let Some(mac) = &pfx.mac_data {
            // The MAC covers the octets as they are, BER or not.
            verify_mac(mac, password, auth_safe.as_bytes(), &mut import.budget)?;
            import.bundle.info.mac = Some((
                MacDigest::from_oid(mac.mac.algorithm.oid)?
                    .name()
                    .to_owned(),
                u32::try_from(mac.iterations).unwrap_or(1),
            ));
        }
        let contents = ber::to_der(auth_safe.as_bytes(), "AuthenticatedSafe")?;
        for content in ber::elements(&contents, "AuthenticatedSafe")? {
            let content = ContentInfo::from_der(content?)
                .map_err(|e| Pkcs12Error::not_der("AuthenticatedSafe", e))?;
            import.read_content(&content)?;
        }
        import.bundle.info.kdf_work = import.budget.spent();
        Ok(import.bundle)
    }
}

/// An import under way: what was found so far, and what the key derivations cost.
struct Import<'a> {
    bundle: Pkcs12Bundle,
    password: &'a str,
    budget: KdfBudget,
    authenticated: bool,
}

/// A SafeBag's parts (RFC 7292 4.2), borrowed from its DER.
struct Bag<'a> {
    id: ObjectIdentifier,
    /// The content of the `[0] EXPLICIT` value.
    value: Option<&'a [u8]>,
    /// The attributes' SET, if any.
    attributes: Option<&'a [u8]>,
}

impl Import<'_> {
    fn read_content(&mut self, content: &ContentInfo) -> Result<(), Pkcs12Error> {
        match content.content_type {
            t if t == ID_DATA => {
                let octets = content
                    .content
                    .decode_as::<&OctetStringRef>()
                    .map_err(|e| Pkcs12Error::not_der("data content", e))?;
                let safe_contents = ber::to_der(octets.as_bytes(), "SafeContents")?;
                self.read_bags(&safe_contents, 0, false)
            }
            t if t == ID_ENCRYPTED_DATA => {
                let der = content
                    .content
                    .to_der()
                    .map_err(|e| Pkcs12Error::not_der("encrypted data", e))?;
                let (alg, ciphertext) = encrypted_data(&der)?;
                self.bundle.info.encryptions.push(describe_encryption(&alg));
                let plain = decrypt(&alg, self.password, &ciphertext, &mut self.budget)?;
                let unauthenticated = !self.authenticated;
                let safe_contents = match ber::to_der(&plain, "SafeContents") {
                    Ok(der) => Zeroizing::new(der),
                    Err(_) if unauthenticated => return Err(wrong_password()),
                    Err(e) => return Err(e),
                };
                self.read_bags(&safe_contents, 0, unauthenticated)
            }
            other => Err(Pkcs12Error::UnsupportedAlgorithm {
                what: "content type (public-key privacy mode)",
                oid: other.to_string(),
            }),
        }
    }

    /// Reads the bags of a SafeContents one at a time, counting each against
    /// [`MAX_BAGS`] before decoding it.
    fn read_bags(
        &mut self,
        der: &[u8],
        depth: u8,
        unauthenticated_plaintext: bool,
    ) -> Result<(), Pkcs12Error> {
        let structure = |e: Pkcs12Error| {
            if unauthenticated_plaintext {
                wrong_password()
            } else {
                e
            }
        };
        for bag in ber::elements(der, "SafeContents").map_err(structure)? {
            self.bundle.info.bag_count += 1;
            let index = self.bundle.info.bag_count;
            if index > MAX_BAGS {
                return Err(Pkcs12Error::limit(
                    Limit::Bags,
                    index as u64,
                    MAX_BAGS as u64,
                ));
            }
            let bag = parse_bag(bag.map_err(structure)?).map_err(|_| {
                structure(Pkcs12Error::BadBag {
                    index,
                    bag_type: "unknown",
                    problem: BagProblem::NotASafeBag,
                })
            })?;
            self.read_bag(index, &bag, depth, unauthenticated_plaintext)?;
        }
        Ok(())
    }

    fn read_bag(
        &mut self,
        index: usize,
        bag: &Bag<'_>,
        depth: u8,
        unauthenticated_plaintext: bool,
    ) -> Result<(), Pkcs12Error> {
        let bad = |bag_type: &'static str, problem| Pkcs12Error::BadBag {
            index,
            bag_type,
            problem,
        };
        match bag.id {
            id if id == CERT_BAG => {
                let value = bag
                    .value
                    .ok_or_else(|| bad("certBag", BagProblem::MissingValue))?;
                let cert_bag = pkcs12::CertBag::from_der(value)
                    .map_err(|_| bad("certBag", BagProblem::NotACertBag))?;
                if cert_bag.cert_id != X509_CERTIFICATE {
                    return Ok(()); // SDSI certificates: nothing to do with them.
                }
                let der = cert_bag.cert_value.into_bytes().into_vec();
                x509_cert::Certificate::from_der(&der)
                    .map_err(|_| bad("certBag", BagProblem::NotAnX509Certificate))?;
                let (friendly_name, local_key_id) = bag_attributes(bag.attributes)?;
                self.bundle.certificates.push(BundleCertificate {
                    der,
                    friendly_name,
                    local_key_id,
                });
            }
            id if id == KEY_BAG || id == SHROUDED_KEY_BAG => {
                self.read_key(index, bag, id == SHROUDED_KEY_BAG)?;
            }
            id if id == SAFE_CONTENTS_BAG => {
                let value = bag
                    .value
                    .ok_or_else(|| bad("safeContentsBag", BagProblem::MissingValue))?;
                if depth >= MAX_SAFE_CONTENTS_NESTING {
                    return Err(bad("safeContentsBag", BagProblem::NestedTooDeep));
                }
                self.read_bags(value, depth + 1, unauthenticated_plaintext)?;
            }
            id if id == CRL_BAG || id == SECRET_BAG => {}
            other => {
                let oid = other.to_string();
                return Err(bad("unknown", BagProblem::UnknownType { oid }));
            }
        }
        Ok(())
    }

    fn read_key(&mut self, index: usize, bag: &Bag<'_>, shrouded: bool) -> Result<(), Pkcs12Error> {
        let bag_type = if shrouded {
            "pkcs8ShroudedKeyBag"
        } else {
            "keyBag"
        };
        let bad = |problem| Pkcs12Error::BadBag {
            index,
            bag_type,
            problem,
        };
        let value = bag.value.ok_or_else(|| bad(BagProblem::MissingValue))?;
        // A decrypted key that does not parse, with no MAC, means a wrong password.
        let unusable = |authenticated: bool| {
            if shrouded && !authenticated {
                wrong_password()
            } else {
                bad(BagProblem::NotAPkcs8Key)
            }
        };
        let pkcs8 = if shrouded {
            let epki = EncryptedPrivateKeyInfo::from_der(value)
                .map_err(|_| bad(BagProblem::NotAnEncryptedPrivateKeyInfo))?;
            self.bundle
                .info
                .encryptions
                .push(describe_encryption(&epki.encryption_algorithm));
            let plain = decrypt(
                &epki.encryption_algorithm,
                self.password,
                epki.encrypted_data.as_bytes(),
                &mut self.budget,
            )?;
            Zeroizing::new(
                ber::to_der(&plain, "private key").map_err(|_| unusable(self.authenticated))?,
            )
        } else {
            Zeroizing::new(value.to_vec())
        };
        if pkcs8::PrivateKeyInfoRef::from_der(&pkcs8).is_err() {
            return Err(unusable(self.authenticated));
        }
        let (friendly_name, local_key_id) = bag_attributes(bag.attributes)?;
        self.bundle.keys.push(BundleKey {
            pkcs8,
            friendly_name,
            local_key_id,
        });
        Ok(())
    }
}

fn wrong_password() -> Pkcs12Error {
    Pkcs12Error::WrongPassword {
        checked_by: "decryption",
    }
}

/// Splits a SafeBag into its type, value and attributes, without decoding them.
fn parse_bag(der: &[u8]) -> Result<Bag<'_>, Pkcs12Error> {
    let mut fields = ber::elements(der, "SafeBag")?;
    let mut next = || fields.next().transpose();
    let id = next()?.ok_or_else(|| {
        Pkcs12Error::malformed("SafeBag", MalformedProblem::MissingField { field: "bagId" })
    })?;
    let id = ObjectIdentifier::from_der(id).map_err(|e| Pkcs12Error::not_der("SafeBag", e))?;
    let value = next()?.and_then(explicit_content);
    let attributes = next()?;
    if next()?.is_some() {
        return Err(Pkcs12Error::malformed(
            "SafeBag",
            MalformedProblem::ExtraFields,
        ));
    }
    Ok(Bag {
        id,
        value,
        attributes,
    })
}

/// The content of a `[0] EXPLICIT` element (how SafeBag values are wrapped).
fn explicit_content(tlv: &[u8]) -> Option<&[u8]> {
    let any = AnyRef::from_der(tlv).ok()?;
    (any.tag()
        == Tag::ContextSpecific {
            constructed: true,
            number: TagNumber(0),
        })
    .then(|| any.value())
}

/// An EncryptedData's algorithm and ciphertext (RFC 5652 section 8). Its
/// encryptedContent is `[0] IMPLICIT OCTET STRING`, which NSS writes in constructed
/// form: after BER conversion, a constructed `[0]` of OCTET STRING segments.
fn encrypted_data(der: &[u8]) -> Result<(AlgorithmIdentifierOwned, Vec<u8>), Pkcs12Error> {
    const WHAT: &str = "encrypted data";
    let missing = |field| Pkcs12Error::malformed(WHAT, MalformedProblem::MissingField { field });
    let mut fields = ber::elements(der, WHAT)?;
    let _version = fields.next().ok_or_else(|| missing("version"))??;
    let info = fields
        .next()
        .ok_or_else(|| missing("encryptedContentInfo"))??;
    let mut info = ber::elements(info, WHAT)?;
    let _content_type = info.next().ok_or_else(|| missing("contentType"))??;
    let alg = info
        .next()
        .ok_or_else(|| missing("contentEncryptionAlgorithm"))??;
    let alg = AlgorithmIdentifierOwned::from_der(alg).map_err(|e| Pkcs12Error::not_der(WHAT, e))?;
    let content = info.next().ok_or_else(|| missing("encryptedContent"))??;
    let any = AnyRef::from_der(content).map_err(|e| Pkcs12Error::not_der(WHAT, e))?;
    let ciphertext = match any.tag() {
        Tag::ContextSpecific {
            constructed: false,
            number: TagNumber(0),
        } => any.value().to_vec(),
        Tag::ContextSpecific {
            constructed: true,
            number: TagNumber(0),
        } => {
            let mut out = Vec::new();
            for segment in ber::elements(content, WHAT)? {
                let segment = <&OctetStringRef>::from_der(segment?)
                    .map_err(|e| Pkcs12Error::not_der(WHAT, e))?;
                out.extend_from_slice(segment.as_bytes());
            }
            out
        }
        _ => {
            return Err(Pkcs12Error::malformed(
                WHAT,
                MalformedProblem::MissingField {
                    field: "[0] encryptedContent",
                },
            ));
        }
    };
    Ok((alg, ciphertext))
}

/// A bag's friendlyName and localKeyId, read one attribute (and one value) at a time.
fn bag_attributes(set: Option<&[u8]>) -> Result<(Option<String>, Option<Vec<u8>>), Pkcs12Error> {
    const WHAT: &str = "bag attributes";
    let mut name = None;
    let mut key_id = None;
    let Some(set) = set else {
        return Ok((name, key_id));
    };
    for attribute in ber::elements(set, WHAT)? {
        let mut fields = ber::elements(attribute?, WHAT)?;
        let (Some(oid), Some(values)) = (fields.next(), fields.next()) else {
            return Err(Pkcs12Error::malformed(
                WHAT,
                MalformedProblem::AttributeWithoutValues,
            ));
        };
        let oid = ObjectIdentifier::from_der(oid?).map_err(|e| Pkcs12Error::not_der(WHAT, e))?;
        let Some(value) = ber::elements(values?, WHAT)?.next().transpose()? else {
            continue;
        };
        if oid == FRIENDLY_NAME {
            name = bmp_text(value);
        } else if oid == LOCAL_KEY_ID {
            key_id = <&OctetStringRef>::from_der(value)
                .ok()
                .map(|o| o.as_bytes().to_vec());
        }
    }
    Ok((name, key_id))
}

/// A BMPString's text, read as UTF-16BE so that surrogate pairs (which OpenSSL writes
/// for characters beyond the BMP) survive, without the trailing NUL that Windows
/// writes.
fn bmp_text(tlv: &[u8]) -> Option<String> {
    let value = AnyRef::from_der(tlv).ok()?;
    if value.tag() != Tag::BmpString || !value.value().len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = value
        .value()
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16(&units).ok()?;
    Some(text.trim_end_matches('\0').to_owned())
}

fn verify_mac(
    mac: &pkcs12::MacData,
    password: &str,
    data: &[u8],
    budget: &mut KdfBudget,
) -> Result<(), Pkcs12Error> {
    let digest = MacDigest::from_oid(mac.mac.algorithm.oid)?;
    let rounds = mac.iterations;
    // The MAC key is one hash block long.
    let work = pkcs12_kdf_work(rounds, 1)?;
    let expected = mac.mac.digest.as_bytes();
    for empty_as_nothing in [false, true] {
        if !password.is_empty() && empty_as_nothing {
            break;
        }
        budget.charge(work)?;
        let pw = bmp_password(password, empty_as_nothing);
        let got = digest.mac(&pw, mac.mac_salt.as_bytes(), rounds, data)?;
        if aws_lc_rs::constant_time::verify_slices_are_equal(&got, expected).is_ok() {
            return Ok(());
        }
    }
    Err(Pkcs12Error::WrongPassword { checked_by: "MAC" })
}

#[cfg(test)]
mod tests {
    use der::Encode;

    use super::*;
    use crate::limits::MAX_KDF_WORK;

    /// A bundle without a MAC of `count` key bags, each an Ed25519 key under PBES2 with
    /// 1,000 PBKDF2-HMAC-SHA256 iterations.
    fn key_bags(count: usize) -> Vec<u8> {
        let mut key = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65,
        ];
        key.extend([0x70, 0x04, 0x22, 0x04, 0x20]);
        key.extend([1u8; 32]);
        let params =
            pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(1000, &[2; 16], [3; 16])
                .unwrap();
        let scheme = pkcs5::EncryptionScheme::from(params);
        let epki = EncryptedPrivateKeyInfo {
            encryption_algorithm: AlgorithmIdentifierOwned::from_der(&scheme.to_der().unwrap())
                .unwrap(),
            encrypted_data: OctetString::new(scheme.encrypt("pw", &key).unwrap()).unwrap(),
        };
        let bag = pkcs12::SafeBag {
            bag_id: SHROUDED_KEY_BAG,
            bag_value: epki.to_der().unwrap(),
            bag_attributes: None,
        };
        let data = |octets: Vec<u8>| ContentInfo {
            content_type: ID_DATA,
            content: der::Any::encode_from(&OctetString::new(octets).unwrap()).unwrap(),
        };
        let safe_contents = vec![bag; count].to_der().unwrap();
        let auth_safe = vec![data(safe_contents)].to_der().unwrap();
        Pfx {
            version: pkcs12::pfx::Version::V3,
            auth_safe: data(auth_safe),
            mac_data: None,
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn the_budget_spans_every_derivation_of_an_import() {
        let der = key_bags(3);
        let bundle = Pkcs12Bundle::parse(&der, "pw").unwrap();
        assert_eq!((bundle.keys.len(), bundle.info.kdf_work), (3, 3000));
        // With all but 2,500 of the budget spent by earlier bags, the third bag's
        // derivation is refused before it runs.
        let mut budget = KdfBudget::default();
        budget.charge(MAX_KDF_WORK - 2_500).unwrap();
        let err = Pkcs12Bundle::parse_within(&der, "pw", budget).unwrap_err();
        assert!(
            matches!(
                err,
                Pkcs12Error::LimitExceeded {
                    limit: Limit::KdfWork,
                    value,
                    max: MAX_KDF_WORK,
                } if value == MAX_KDF_WORK + 500
            ),
            "{err}"
        );
    }
}
