//! [`CrlView`]: a certificate revocation list (RFC 5280 section 5), borrowed. The
//! header and the CRL extensions are checked at parse; the revoked entries — possibly
//! millions — are checked one by one as [`CrlView::entries`] yields them, so a caller
//! can check the signature before reading any.

use crate::cert::{check_algorithm, read_time};
use crate::der::{self, Reader, tag};
use crate::distribution_point::ReasonFlags;
use crate::error::{Problem, Structure, X509Error};
use crate::extension::{AuthorityKeyId, Extensions};
use crate::general_name::{GeneralNameRef, names_in};
use crate::name::NameView;
use crate::oid::ext;
use crate::serial::SerialRef;
use crate::time::Timestamp;

const S: Structure = Structure::Crl;
const CRL_EXTENSIONS_TAG: u8 = 0xa0;

/// A CRL, borrowed from its DER.
#[non_exhaustive]
#[derive(Clone, Copy, Debug)]
pub struct CrlView<'a> {
    /// The tbsCertList, whole: what the signature covers.
    pub tbs: &'a [u8],
    /// The outer signatureAlgorithm, whole.
    pub signature_algorithm: &'a [u8],
    /// The signature's octets.
    pub signature: &'a [u8],
    /// 0 (v1, no version field) or 1 (v2).
    pub version: u8,
    /// The tbsCertList's signature algorithm, whole.
    pub tbs_signature_algorithm: &'a [u8],
    /// The issuer.
    pub issuer: NameView<'a>,
    /// thisUpdate.
    pub this_update: Timestamp,
    /// nextUpdate, when given.
    pub next_update: Option<Timestamp>,
    /// The content of revokedCertificates (empty when absent).
    revoked: &'a [u8],
    /// The CRL extensions (v2 only).
    pub extensions: Extensions<'a>,
}

/// A CRL entry's reason (RFC 5280 5.3.1), read from CRLs and written into them.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReasonCode {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// certificateHold (6).
    CertificateHold,
    /// removeFromCRL (8).
    RemoveFromCrl,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
    /// aACompromise (10).
    AaCompromise,
}

impl ReasonCode {
    /// Every code, in number order.
    pub const ALL: [Self; 10] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::CertificateHold,
        Self::RemoveFromCrl,
        Self::PrivilegeWithdrawn,
        Self::AaCompromise,
    ];

    /// Reads a reason as people and cfssl write it: RFC 5280's name or cfssl's
    /// lower-case one, in any case, with `-`, `_` and spaces ignored
    /// (`keyCompromise`, `key-compromise`, `KEYCOMPROMISE`), or the code's number.
    pub fn from_name(s: &str) -> Option<Self> {
        let key: String = s
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(r) = Self::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(&key))
        {
            return Some(r);
        }
        key.parse::<u32>().ok().and_then(Self::from_code)
    }

    /// The code for its number; 7 and numbers past 10 are not codes.
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            0 => Self::Unspecified,
            1 => Self::KeyCompromise,
            2 => Self::CaCompromise,
            3 => Self::AffiliationChanged,
            4 => Self::Superseded,
            5 => Self::CessationOfOperation,
            6 => Self::CertificateHold,
            8 => Self::RemoveFromCrl,
            9 => Self::PrivilegeWithdrawn,
            10 => Self::AaCompromise,
            _ => return None,
        })
    }

    /// The code's number.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::RemoveFromCrl => 8,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }

    /// RFC 5280's name (`keyCompromise`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::CertificateHold => "certificateHold",
            Self::RemoveFromCrl => "removeFromCRL",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
            Self::AaCompromise => "aACompromise",
        }
    }
}

/// One revoked certificate.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevokedEntry<'a> {
    /// userCertificate.
    pub serial: SerialRef<'a>,
    /// revocationDate.
    pub revoked_at: Timestamp,
    /// The reasonCode extension, when present.
    pub reason: Option<ReasonCode>,
    /// The invalidityDate extension, when present.
    pub invalidity_date: Option<Timestamp>,
    /// Whether the entry has a certificateIssuer extension (indirect CRLs).
    pub has_certificate_issuer: bool,
    /// The certificateIssuer extension's value (a GeneralNames, whole), when present:
    /// the issuer of this entry's certificate and, in an indirect CRL, of the entries
    /// after it up to the next certificateIssuer (RFC 5280 5.3.3).
    pub certificate_issuer: Option<&'a [u8]>,
    /// The OID of the first critical entry extension certgate does not know, if any.
    pub unknown_critical: Option<&'a [u8]>,
}

/// The scope an issuingDistributionPoint (RFC 5280 5.2.5) gives a CRL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuingDistributionPoint<'a> {
    /// distributionPoint's fullName, when given as one: the CRL covers only
    /// certificates whose cRLDistributionPoints name it.
    pub full_name: Option<&'a [u8]>,
    /// Whether the distributionPoint is given as nameRelativeToCRLIssuer.
    pub relative_name: bool,
    /// onlyContainsUserCerts.
    pub only_user_certs: bool,
    /// onlyContainsCACerts.
    pub only_ca_certs: bool,
    /// onlySomeReasons is present: the CRL covers some reasons only.
    pub only_some_reasons: bool,
    /// The reasons onlySomeReasons names (`None` without it: every reason).
    pub reasons: Option<ReasonFlags>,
    /// indirectCRL.
    pub indirect: bool,
    /// onlyContainsAttributeCerts.
    pub only_attribute_certs: bool,
}

impl<'a> IssuingDistributionPoint<'a> {
    /// Reads the extension's value.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when it is not DER of its shape (a BOOLEAN set to its
    /// DEFAULT FALSE included, which DER omits), or sets more than one "only" flag.
    pub fn from_extension_value(value: &'a [u8]) -> Result<Self, X509Error> {
        let seq = der::single(value, tag::SEQUENCE, S, "issuingDistributionPoint")?;
        let mut r = Reader::new(seq.value, S);
        let mut idp = Self::default();
        if let Some(dp) = r.optional(0xa0, "distributionPoint")? {
            let mut dpr = Reader::new(dp.value, S);
            let inner = dpr.next("DistributionPointName")?;
            dpr.finish("DistributionPointName")?;
            match inner.tag {
                0xa0 => {
                    names_in(inner.value)?;
                    idp.full_name = Some(inner.value);
                }
                0xa1 => idp.relative_name = true,
                found => return Err(r.error("distributionPoint", Problem::UnknownTag { found })),
            }
        }
        let flag = |r: &mut Reader<'a>, t: u8, field| -> Result<bool, X509Error> {
            match r.optional(t, field)? {
                Some(b) if der::boolean(b.value).map_err(|p| r.error(field, p))? => Ok(true),
                Some(_) => Err(r.error(field, Problem::NonDerBoolean)),
                None => Ok(false),
            }
        };
        idp.only_user_certs = flag(&mut r, 0x81, "onlyContainsUserCerts")?;
        idp.only_ca_certs = flag(&mut r, 0x82, "onlyContainsCACerts")?;
        if let Some(reasons) = r.optional(0x83, "onlySomeReasons")? {
            idp.reasons = Some(
                ReasonFlags::from_bit_string(reasons.value)
                    .map_err(|p| r.error("onlySomeReasons", p))?,
            );
            idp.only_some_reasons = true;
        }
        idp.indirect = flag(&mut r, 0x84, "indirectCRL")?;
        idp.only_attribute_certs = flag(&mut r, 0x85, "onlyContainsAttributeCerts")?;
        r.finish("issuingDistributionPoint")?;
        let only = [
            idp.only_user_certs,
            idp.only_ca_certs,
            idp.only_attribute_certs,
        ];
        if only.iter().filter(|f| **f).count() > 1 {
            return Err(r.error("issuingDistributionPoint", Problem::OutOfRange));
        }
        Ok(idp)
    }

    /// The fullName's GeneralNames.
    pub fn full_names(&self) -> Vec<GeneralNameRef<'a>> {
        self.full_name
            .and_then(|n| names_in(n).ok())
            .unwrap_or_default()
    }
}

impl<'a> CrlView<'a> {
    /// Reads the CRL's header and extensions; entries are read by [`CrlView::entries`].
    ///
    /// # Errors
    /// [`X509Error::Malformed`] with [`Structure::Crl`] naming the field: anything that
    /// is not DER of RFC 5280's shape, a second revokedCertificates list or
    /// crlExtensions, a duplicate extension, a non-DER BOOLEAN.
    pub fn parse(der: &'a [u8]) -> Result<Self, X509Error> {
        let list = der::single(der, tag::SEQUENCE, S, "CertificateList")?;
        let mut outer = Reader::new(list.value, S);
        let tbs = outer.expect(tag::SEQUENCE, "tbsCertList")?;
        let rest = outer.rest();
        check_algorithm(&mut outer, S, "signatureAlgorithm")?;
        let signature_algorithm = &rest[..rest.len() - outer.rest().len()];
        let bits = outer.expect(tag::BIT_STRING, "signatureValue")?;
        outer.finish("CertificateList")?;
        let signature =
            der::octet_bits(bits.value).map_err(|p| outer.error("signatureValue", p))?;

        let mut r = Reader::new(tbs.value, S);
        let version = match r.optional(tag::INTEGER, "version")? {
            Some(v) if v.value == [1] => 1,
            Some(_) => return Err(r.error("version", Problem::UnsupportedVersion)),
            None => 0,
        };
        let rest = r.rest();
        check_algorithm(&mut r, S, "signature")?;
        let tbs_signature_algorithm = &rest[..rest.len() - r.rest().len()];
        let issuer = NameView::parse(r.expect(tag::SEQUENCE, "issuer")?.whole)?;
        let this_update = read_time(&mut r, "thisUpdate")?;
        let next_update = match r.peek_tag() {
            Some(tag::UTC_TIME | tag::GENERALIZED_TIME) => Some(read_time(&mut r, "nextUpdate")?),
            _ => None,
        };
        let revoked = r
            .optional(tag::SEQUENCE, "revokedCertificates")?
            .map_or(&[][..], |t| t.value);
        let extensions = match r.optional(CRL_EXTENSIONS_TAG, "crlExtensions")? {
            Some(e) => {
                if version != 1 {
                    return Err(r.error("crlExtensions", Problem::UnsupportedVersion));
                }
                let seq = der::single(e.value, tag::SEQUENCE, S, "crlExtensions")?;
                Extensions::parse(seq.value, S, "crlExtensions")?
            }
            None => Extensions::default(),
        };
        if let Some(found) = r.peek_tag() {
            return Err(r.error("tbsCertList", Problem::UnknownTag { found }));
        }
        Ok(Self {
            tbs: tbs.whole,
            signature_algorithm,
            signature,
            version,
            tbs_signature_algorithm,
            issuer,
            this_update,
            next_update,
            revoked,
            extensions,
        })
    }

    /// The cRLNumber, as a non-negative INTEGER's magnitude of at most 20 octets.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when it is absent in a v2 CRL is not an error (`None`);
    /// when present it must be a non-negative minimal INTEGER of at most 20 octets and
    /// not critical (RFC 5280 5.2.3).
    pub fn crl_number(&self) -> Result<Option<&'a [u8]>, X509Error> {
        let Some(e) = self.extensions.get(ext::CRL_NUMBER) else {
            return Ok(None);
        };
        let bad = |p| X509Error::malformed(S, "cRLNumber", p);
        if e.critical {
            return Err(bad(Problem::OutOfRange));
        }
        let n = der::single(e.value, tag::INTEGER, S, "cRLNumber")?;
        let magnitude = der::unsigned_integer(n.value).map_err(bad)?;
        if magnitude.len() > 20 {
            return Err(bad(Problem::IntegerTooLarge));
        }
        Ok(Some(magnitude))
    }

    /// The deltaCRLIndicator's BaseCRLNumber (RFC 5280 5.2.4), when this is a delta
    /// CRL: the number of the complete CRL it updates, as a magnitude of at most 20
    /// octets.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when it is not a non-negative minimal INTEGER of at most
    /// 20 octets.
    pub fn delta_crl_indicator(&self) -> Result<Option<&'a [u8]>, X509Error> {
        let Some(e) = self.extensions.get(ext::DELTA_CRL_INDICATOR) else {
            return Ok(None);
        };
        let bad = |p| X509Error::malformed(S, "deltaCRLIndicator", p);
        let n = der::single(e.value, tag::INTEGER, S, "deltaCRLIndicator")?;
        let magnitude = der::unsigned_integer(n.value).map_err(bad)?;
        if magnitude.len() > 20 {
            return Err(bad(Problem::IntegerTooLarge));
        }
        Ok(Some(magnitude))
    }

    /// The authorityKeyIdentifier's keyIdentifier, when present.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when the extension is malformed.
    pub fn authority_key_id(&self) -> Result<Option<&'a [u8]>, X509Error> {
        match self.extensions.get(ext::AUTHORITY_KEY_IDENTIFIER) {
            Some(e) => Ok(AuthorityKeyId::from_extension_value(e.value)?.key_id),
            None => Ok(None),
        }
    }

    /// The issuingDistributionPoint, when present.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when the extension is malformed.
    pub fn issuing_distribution_point(
        &self,
    ) -> Result<Option<IssuingDistributionPoint<'a>>, X509Error> {
        self.extensions
            .get(ext::ISSUING_DISTRIBUTION_POINT)
            .map(|e| IssuingDistributionPoint::from_extension_value(e.value))
            .transpose()
    }

    /// Whether the list has no entry.
    pub fn has_no_entries(&self) -> bool {
        self.revoked.is_empty()
    }

    /// Counts the entries without reading them (one pass over their headers).
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when the list is not a SEQUENCE OF SEQUENCE.
    pub fn entry_count(&self) -> Result<usize, X509Error> {
        let mut n = 0;
        for t in der::elements(self.revoked) {
            entry_body(t)?;
            n += 1;
        }
        Ok(n)
    }

    /// The entries, each checked as it is read.
    pub fn entries(&self) -> impl Iterator<Item = Result<RevokedEntry<'a>, X509Error>> + 'a {
        der::elements(self.revoked).map(|t| read_entry(entry_body(t)?))
    }
}

/// A revokedCertificate's content, checked to be a SEQUENCE.
fn entry_body(t: Result<der::Tlv<'_>, Problem>) -> Result<&[u8], X509Error> {
    let t = t.map_err(|p| X509Error::malformed(S, "revokedCertificates", p))?;
    if t.tag != tag::SEQUENCE {
        return Err(X509Error::malformed(
            S,
            "revokedCertificate",
            Problem::UnexpectedTag {
                expected: tag::SEQUENCE,
                found: t.tag,
            },
        ));
    }
    Ok(t.value)
}

fn read_entry(body: &[u8]) -> Result<RevokedEntry<'_>, X509Error> {
    let mut r = Reader::new(body, S);
    let serial = r.expect(tag::INTEGER, "userCertificate")?;
    let serial =
        SerialRef::from_der_content(serial.value).map_err(|p| r.error("userCertificate", p))?;
    let revoked_at = read_time(&mut r, "revocationDate")?;
    let mut entry = RevokedEntry {
        serial,
        revoked_at,
        reason: None,
        invalidity_date: None,
        has_certificate_issuer: false,
        certificate_issuer: None,
        unknown_critical: None,
    };
    if let Some(exts) = r.optional(tag::SEQUENCE, "crlEntryExtensions")? {
        let exts = Extensions::parse(exts.value, S, "crlEntryExtensions")?;
        for e in exts.iter() {
            match e.oid {
                ext::REASON_CODE => {
                    let v = der::single(e.value, tag::ENUMERATED, S, "reasonCode")?;
                    let code =
                        der::small_unsigned(v.value).map_err(|p| r.error("reasonCode", p))?;
                    entry.reason = Some(
                        ReasonCode::from_code(code)
                            .ok_or_else(|| r.error("reasonCode", Problem::OutOfRange))?,
                    );
                }
                ext::INVALIDITY_DATE => {
                    let t = der::single(e.value, tag::GENERALIZED_TIME, S, "invalidityDate")?;
                    entry.invalidity_date = Some(
                        Timestamp::from_der_time(t.tag, t.value)
                            .map_err(|p| r.error("invalidityDate", p))?,
                    );
                }
                ext::CERTIFICATE_ISSUER => {
                    crate::general_name::general_names(e.value)?;
                    entry.has_certificate_issuer = true;
                    entry.certificate_issuer = Some(e.value);
                }
                oid if e.critical && entry.unknown_critical.is_none() => {
                    entry.unknown_critical = Some(oid);
                }
                _ => {}
            }
        }
    }
    r.finish("revokedCertificate")?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes() {
        for code in 0..=10 {
            match ReasonCode::from_code(code) {
                Some(r) => assert_eq!(u32::from(r.code()), code),
                None => assert_eq!(code, 7),
            }
        }
        assert_eq!(ReasonCode::from_code(11), None);
        assert_eq!(
            ReasonCode::from_name("Key-Compromise"),
            Some(ReasonCode::KeyCompromise)
        );
        assert_eq!(
            ReasonCode::from_name("cacompromise"),
            Some(ReasonCode::CaCompromise)
        );
        assert_eq!(
            ReasonCode::from_name("removeFromCRL"),
            Some(ReasonCode::RemoveFromCrl)
        );
        assert_eq!(
            ReasonCode::from_name("9"),
            Some(ReasonCode::PrivilegeWithdrawn)
        );
        assert_eq!(ReasonCode::from_name("7"), None);
        assert_eq!(ReasonCode::from_name("stolen"), None);
    }
}
