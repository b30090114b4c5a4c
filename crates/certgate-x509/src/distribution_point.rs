//! Distribution points (RFC 5280 4.2.1.13) and the reasons a CRL covers (ReasonFlags):
//! what a certificate's cRLDistributionPoints says about where its CRLs are, who issues
//! them and for which reasons, read for matching a CRL's issuingDistributionPoint
//! (RFC 5280 5.2.5, 6.3.3 (b) and (d)).

use crate::cert::CertView;
use crate::der::{self, Reader, tag};
use crate::error::{Problem, Structure, X509Error};
use crate::general_name::{GeneralNameRef, names_in};
use crate::oid::ext;

/// The most distribution points one certificate may name: far beyond the one or two
/// CAs put in (each a list of names), and a bound on the work of matching them.
pub const MAX_DISTRIBUTION_POINTS: usize = 32;

/// A set of revocation reasons, as ReasonFlags (RFC 5280 4.2.1.13) numbers them:
/// bit 1 keyCompromise … bit 8 aACompromise (bit 0, "unused", is never set).
///
/// ```text
/// ReasonFlags ::= BIT STRING { unused (0), keyCompromise (1), cACompromise (2),
///      affiliationChanged (3), superseded (4), cessationOfOperation (5),
///      certificateHold (6), privilegeWithdrawn (7), aACompromise (8) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReasonFlags(u16);

impl ReasonFlags {
    /// Every reason: RFC 5280 6.3's "all-reasons" (bits 1 to 8).
    pub const ALL: Self = Self(0x01fe);

    /// No reason.
    pub const NONE: Self = Self(0);

    /// Reads a ReasonFlags BIT STRING's content. Bits past aACompromise and the unused
    /// bit 0 name no reason and are dropped.
    ///
    /// # Errors
    /// [`Problem::BadBitString`].
    pub fn from_bit_string(value: &[u8]) -> Result<Self, Problem> {
        let (_, octets) = der::bit_string(value)?;
        let mut bits = 0u16;
        for (i, octet) in octets.iter().take(2).enumerate() {
            for b in 0..8u16 {
                if octet & (0x80 >> b) != 0 {
                    bits |= 1 << (u16::try_from(i).unwrap_or(1) * 8 + b);
                }
            }
        }
        Ok(Self(bits & Self::ALL.0))
    }

    /// The set from its bits (bit n for ReasonFlags bit n); bits naming no reason are
    /// dropped.
    pub const fn from_bits(bits: u16) -> Self {
        Self(bits & Self::ALL.0)
    }

    /// Its bits (bit n for ReasonFlags bit n).
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// Both sets' reasons.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The reasons in both sets.
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// Whether every reason is in the set.
    pub const fn is_all(self) -> bool {
        self.0 == Self::ALL.0
    }
}

/// One DistributionPoint of a certificate's cRLDistributionPoints.
///
/// ```text
/// DistributionPoint ::= SEQUENCE {
///      distributionPoint       [0]     DistributionPointName OPTIONAL,
///      reasons                 [1]     ReasonFlags OPTIONAL,
///      cRLIssuer               [2]     GeneralNames OPTIONAL }
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DistributionPoint<'a> {
    /// The fullName's GeneralNames, when the point is named by a fullName.
    pub full_names: Option<Vec<GeneralNameRef<'a>>>,
    /// Whether the point is named relative to the CRL issuer (nameRelativeToCRLIssuer).
    pub relative_name: bool,
    /// The reasons this point's CRLs cover (`None`: all).
    pub reasons: Option<ReasonFlags>,
    /// cRLIssuer: who issues this point's CRLs when it is not the certificate's issuer
    /// (an indirect CRL).
    pub crl_issuer: Option<Vec<GeneralNameRef<'a>>>,
}

fn dp_error(problem: Problem) -> X509Error {
    X509Error::malformed(Structure::Extension, "DistributionPoint", problem)
}

impl<'a> DistributionPoint<'a> {
    /// Reads one DistributionPoint's content.
    fn parse(content: &'a [u8]) -> Result<Self, X509Error> {
        const S: Structure = Structure::Extension;
        let mut r = Reader::new(content, S);
        let mut dp = Self::default();
        if let Some(name) = r.optional(0xa0, "distributionPoint")? {
            let inner = der::single(
                name.value,
                name.value.first().copied().unwrap_or(0),
                S,
                "DistributionPointName",
            )?;
            match inner.tag {
                0xa0 => dp.full_names = Some(names_in(inner.value)?),
                0xa1 => dp.relative_name = true,
                found => return Err(dp_error(Problem::UnknownTag { found })),
            }
        }
        if let Some(reasons) = r.optional(0x81, "reasons")? {
            dp.reasons = Some(ReasonFlags::from_bit_string(reasons.value).map_err(dp_error)?);
        }
        if let Some(issuer) = r.optional(0xa2, "cRLIssuer")? {
            dp.crl_issuer = Some(names_in(issuer.value)?);
        }
        r.finish("DistributionPoint")?;
        if dp.full_names.is_none() && !dp.relative_name && dp.crl_issuer.is_none() {
            // RFC 5280 4.2.1.13: a point names a place, an issuer, or both.
            return Err(dp_error(Problem::Empty));
        }
        Ok(dp)
    }
}

impl<'a> CertView<'a> {
    /// The certificate's cRLDistributionPoints, each whole (empty without the
    /// extension), for RFC 5280 6.3.3 (b): which CRLs speak for it.
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when the extension is malformed, names no point, a point
    /// names neither a place nor an issuer, or names more than
    /// [`MAX_DISTRIBUTION_POINTS`] points.
    pub fn crl_distribution_points(&self) -> Result<Vec<DistributionPoint<'a>>, X509Error> {
        let Some(e) = self.extension(ext::CRL_DISTRIBUTION_POINTS) else {
            return Ok(Vec::new());
        };
        let seq = der::single(
            e.value,
            tag::SEQUENCE,
            Structure::Extension,
            "cRLDistributionPoints",
        )?;
        let mut points = Vec::new();
        for dp in der::elements(seq.value) {
            if points.len() == MAX_DISTRIBUTION_POINTS {
                return Err(dp_error(Problem::OutOfRange));
            }
            let dp = dp.map_err(dp_error)?;
            if dp.tag != tag::SEQUENCE {
                return Err(dp_error(Problem::UnexpectedTag {
                    expected: tag::SEQUENCE,
                    found: dp.tag,
                }));
            }
            points.push(DistributionPoint::parse(dp.value)?);
        }
        if points.is_empty() {
            return Err(dp_error(Problem::Empty));
        }
        Ok(points)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_flags_read_bits_in_order() {
        // keyCompromise (1) and superseded (4): 0b0100_1000, 3 unused bits.
        let r = ReasonFlags::from_bit_string(&[3, 0b0100_1000]).unwrap();
        assert_eq!(r.bits(), (1 << 1) | (1 << 4));
        assert!(!r.is_all());
        // aACompromise (8) is in the second octet.
        let aa = ReasonFlags::from_bit_string(&[7, 0, 0x80]).unwrap();
        assert_eq!(aa.bits(), 1 << 8);
        // Every reason, and the unused bit 0 dropped.
        let all = ReasonFlags::from_bit_string(&[7, 0xff, 0x80]).unwrap();
        assert!(all.is_all());
        assert_eq!(r.union(aa).intersection(aa), aa);
        assert!(ReasonFlags::from_bit_string(&[3, 0b0100_1001]).is_err());
    }

    #[test]
    fn a_point_must_name_something() {
        assert!(DistributionPoint::parse(&[]).is_err());
        // reasons only.
        assert!(DistributionPoint::parse(&[0x81, 0x02, 0x07, 0x80]).is_err());
        // cRLIssuer with a URI.
        let dp = DistributionPoint::parse(&[0xa2, 0x03, 0x86, 0x01, b'x']).unwrap();
        assert_eq!(dp.crl_issuer, Some(vec![GeneralNameRef::Uri("x")]));
        assert_eq!(dp.full_names, None);
    }
}
