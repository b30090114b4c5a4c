//! Which certificates a CRL speaks for (RFC 5280 6.3.3 (b) and (d)): its
//! issuingDistributionPoint (§5.2.5) against the certificate's CA-or-user kind and its
//! cRLDistributionPoints (§4.2.1.13), and the reasons it covers for that certificate.

use certgate_x509::{
    CertView, DistributionPoint, GeneralNameRef, IssuingDistributionPoint, ReasonFlags, der, oid,
};

use crate::error::CrlProblem;

/// Which certificates a CRL covers, from its issuingDistributionPoint (RFC 5280 5.2.5).
/// Without one, it covers every certificate of its issuer, for every reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CrlScope {
    only_user_certs: bool,
    only_ca_certs: bool,
    /// onlySomeReasons (every reason without it).
    reasons: ReasonFlags,
    /// The distributionPoint's fullName, each GeneralName's DER: a certificate is
    /// covered only when one of its distribution points names one of them.
    distribution_point: Option<Vec<Vec<u8>>>,
    /// indirectCRL: entries may be of other issuers, and the CRL serves the points that
    /// name its issuer as their cRLIssuer.
    indirect: bool,
}

impl Default for CrlScope {
    fn default() -> Self {
        Self {
            only_user_certs: false,
            only_ca_certs: false,
            reasons: ReasonFlags::ALL,
            distribution_point: None,
            indirect: false,
        }
    }
}

impl CrlScope {
    /// The scope an issuingDistributionPoint gives, or why the store refuses it.
    pub(crate) fn from_idp(idp: &IssuingDistributionPoint<'_>) -> Result<Self, CrlProblem> {
        if idp.only_attribute_certs {
            return Err(CrlProblem::AttributeCertificatesOnly);
        }
        if idp.relative_name {
            return Err(CrlProblem::RelativeDistributionPoint);
        }
        let reasons = match idp.reasons {
            // onlySomeReasons naming no reason covers nothing: a CRL that says nothing.
            Some(r) if r == ReasonFlags::NONE => return Err(CrlProblem::NoReasons),
            Some(r) => r,
            None => ReasonFlags::ALL,
        };
        Ok(Self {
            only_user_certs: idp.only_user_certs,
            only_ca_certs: idp.only_ca_certs,
            reasons,
            distribution_point: idp
                .full_name
                .map(|_| idp.full_names().iter().map(general_name_der).collect()),
            indirect: idp.indirect,
        })
    }

    /// The reasons the CRL, issued under the name `crl_issuer` (a Name's content),
    /// covers for `cert` (RFC 5280 6.3.3 (b), (d)); `None` when it does not speak for it.
    ///
    /// A point of the certificate's cRLDistributionPoints matches when its issuer is the
    /// CRL's (the certificate's issuer when it names no cRLIssuer) and, when the CRL
    /// names a point, one of the names agrees; the reasons are then the CRL's
    /// onlySomeReasons cut down to the point's reasons, summed over every matching point
    /// (RFC 5280 runs §6.3.3 per point; OpenSSL 3.0 takes the first matching point
    /// only, so a first point for some reasons hides a second for all of them from
    /// it). A CRL that names no point also
    /// covers, for all its reasons, a certificate of its issuer whose points it does not
    /// match (OpenSSL does the same); one that names a point covers only certificates
    /// with a matching point.
    pub(crate) fn reasons_for(
        &self,
        crl_issuer: &[u8],
        cert: &CertScope<'_>,
    ) -> Option<ReasonFlags> {
        if (self.only_user_certs && cert.is_ca) || (self.only_ca_certs && !cert.is_ca) {
            return None;
        }
        // A malformed cRLDistributionPoints leaves the certificate without a CRL.
        let points = cert.points.as_ref()?;
        let direct = crl_issuer == cert.issuer;
        // Each matching point adds the reasons the CRL covers through it.
        let mut through_points: Option<ReasonFlags> = None;
        for dp in points {
            let issuer_ok = match &dp.crl_issuer {
                None => direct,
                // RFC 5280 6.3.3 (b)(1): a point naming a cRLIssuer is served by an
                // indirect CRL of that issuer.
                Some(names) => self.indirect && names_directory(names, crl_issuer),
            };
            if issuer_ok && self.names_match(dp) {
                let reasons = dp.reasons.unwrap_or(ReasonFlags::ALL);
                through_points = Some(through_points.unwrap_or(ReasonFlags::NONE).union(reasons));
            }
        }
        let reasons = match through_points {
            Some(r) => self.reasons.intersection(r),
            None if direct && self.distribution_point.is_none() => self.reasons,
            None => return None,
        };
        (reasons != ReasonFlags::NONE).then_some(reasons)
    }

    /// RFC 5280 6.3.3 (b)(2)(i): the CRL's point against the certificate's.
    fn names_match(&self, dp: &DistributionPoint<'_>) -> bool {
        let Some(idp) = &self.distribution_point else {
            return true;
        };
        let any_in =
            |names: &[GeneralNameRef<'_>]| names.iter().any(|n| idp.contains(&general_name_der(n)));
        match (&dp.full_names, &dp.crl_issuer) {
            (Some(names), _) => any_in(names),
            // A point without a name: the CRL's point against its cRLIssuer.
            (None, Some(issuers)) if !dp.relative_name => any_in(issuers),
            _ => false,
        }
    }

    /// Whether it is an indirect CRL.
    pub(crate) fn is_indirect(&self) -> bool {
        self.indirect
    }

    /// Whether it covers every certificate of its issuer for every reason.
    pub(crate) fn is_complete(&self) -> bool {
        !self.only_user_certs
            && !self.only_ca_certs
            && self.distribution_point.is_none()
            && self.reasons.is_all()
            && !self.indirect
    }
}

/// What a certificate says about the CRLs that speak for it, read once per lookup: its
/// issuer, whether it is a CA, and its distribution points (read only when it has some).
#[derive(Debug)]
pub(crate) struct CertScope<'c> {
    /// The issuer's name content.
    pub(crate) issuer: &'c [u8],
    is_ca: bool,
    /// `None` when the extension is malformed.
    points: Option<Vec<DistributionPoint<'c>>>,
}

impl<'c> CertScope<'c> {
    /// Reads `cert`'s side of the scope.
    pub(crate) fn of(cert: &CertView<'c>) -> Self {
        let points = if cert.extension(oid::ext::CRL_DISTRIBUTION_POINTS).is_some() {
            cert.crl_distribution_points().ok()
        } else {
            Some(Vec::new())
        };
        Self {
            issuer: cert.issuer.content(),
            is_ca: cert.is_ca(),
            points,
        }
    }

    /// The names (contents) of the cRLIssuers its distribution points name, other than
    /// its own issuer: where indirect CRLs for it come from.
    pub(crate) fn crl_issuers(&self) -> impl Iterator<Item = &'c [u8]> + '_ {
        self.points
            .iter()
            .flatten()
            .filter_map(|dp| dp.crl_issuer.as_ref())
            .flatten()
            .filter_map(|n| match n {
                GeneralNameRef::Directory(d) => Some(d.content()),
                _ => None,
            })
            .filter(|name| *name != self.issuer)
    }

    /// A certificate known only by its issuer's name: an end entity without
    /// distribution points.
    pub(crate) fn of_issuer(issuer: &'c [u8]) -> Self {
        Self {
            issuer,
            is_ca: false,
            points: Some(Vec::new()),
        }
    }
}

/// Whether `names` has a directoryName whose content is `name`.
fn names_directory(names: &[GeneralNameRef<'_>], name: &[u8]) -> bool {
    names
        .iter()
        .any(|n| matches!(n, GeneralNameRef::Directory(d) if d.content() == name))
}

/// A comparable form of a GeneralName: its kind and octets.
pub(crate) fn general_name_der(name: &GeneralNameRef<'_>) -> Vec<u8> {
    let (tag, bytes): (u8, &[u8]) = match name {
        GeneralNameRef::Rfc822(s) => (1, s.as_bytes()),
        GeneralNameRef::Dns(s) => (2, s.as_bytes()),
        GeneralNameRef::Directory(n) => (4, n.der()),
        GeneralNameRef::Uri(s) => (6, s.as_bytes()),
        GeneralNameRef::Ip(b) => (7, b),
        GeneralNameRef::RegisteredId(b) => (8, b),
        GeneralNameRef::OtherName { value, .. } => (0, value.whole),
        GeneralNameRef::Unsupported { tag, value } => (*tag, value),
        _ => (0xff, &[]),
    };
    der::wrap(tag, bytes)
}
