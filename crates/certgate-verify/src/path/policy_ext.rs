//! The four extensions of RFC 5280 that policy processing (§6.1.3 (d)–(f), §6.1.4 (a),
//! (b), (i), (j)) reads, from a certificate's [`CertView`]:
//!
//! ```text
//! certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation      -- 2.5.29.32
//! PolicyInformation ::= SEQUENCE {
//!      policyIdentifier   CertPolicyId,
//!      policyQualifiers   SEQUENCE SIZE (1..MAX) OF PolicyQualifierInfo OPTIONAL }
//! PolicyQualifierInfo ::= SEQUENCE {
//!      policyQualifierId  PolicyQualifierId,
//!      qualifier          ANY DEFINED BY policyQualifierId }
//! PolicyMappings ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE {                  -- 2.5.29.33
//!      issuerDomainPolicy      CertPolicyId,
//!      subjectDomainPolicy     CertPolicyId }
//! PolicyConstraints ::= SEQUENCE {                                          -- 2.5.29.36
//!      requireExplicitPolicy   [0] SkipCerts OPTIONAL,
//!      inhibitPolicyMapping    [1] SkipCerts OPTIONAL }
//! InhibitAnyPolicy ::= SkipCerts                                            -- 2.5.29.54
//! SkipCerts ::= INTEGER (0..MAX)
//! ```
//!
//! Each reader bounds its work before doing it and refuses what is not of the shape:
//! qualifiers are read for their shape only (certgate does not return them), a policy
//! listed twice in one extension is refused (4.2.1.4), as is anyPolicy on either side of
//! a mapping (6.1.4 (a)) and a policyConstraints with neither field (4.2.1.11). What is
//! read is kept as the checked DER, so reading allocates nothing.

use certgate_x509::CertView;
use certgate_x509::der::{self, tag};
use certgate_x509::oid::ext::{
    CERTIFICATE_POLICIES, INHIBIT_ANY_POLICY, POLICY_CONSTRAINTS, POLICY_MAPPINGS,
};

use crate::path::violation::Rfc5280Violation as V;

/// anyPolicy, 2.5.29.32.0, as the content octets of its OID.
pub(crate) const ANY_POLICY: &[u8] = &[0x55, 0x1d, 0x20, 0x00];

/// The most policies one certificatePolicies may list. Real certificates list one to
/// three; the bound keeps the policy graph's levels small (RFC 9618 section 5).
pub(crate) const MAX_POLICIES: usize = 64;

/// The most pairs one policyMappings may hold, for the same reason.
pub(crate) const MAX_MAPPINGS: usize = 64;

/// The largest SkipCerts kept as written: a larger value is clamped to it. Clamping
/// changes nothing for a path of fewer than 255 certificates (the counters it lowers
/// start at n + 1), far more than any path builder accepts.
pub(crate) const MAX_SKIP_CERTS: u8 = 255;

/// What a certificate's four policy extensions say, checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CertPolicies<'a> {
    /// The content of certificatePolicies' SEQUENCE, when present.
    policies: Option<&'a [u8]>,
    /// The content of policyMappings' SEQUENCE, when present.
    mappings: Option<&'a [u8]>,
    /// policyConstraints' requireExplicitPolicy.
    pub(crate) require_explicit_policy: Option<u8>,
    /// policyConstraints' inhibitPolicyMapping.
    pub(crate) inhibit_policy_mapping: Option<u8>,
    /// inhibitAnyPolicy.
    pub(crate) inhibit_any_policy: Option<u8>,
}

impl<'a> CertPolicies<'a> {
    /// Reads the four extensions of `view`.
    ///
    /// # Errors
    /// [`V::MalformedExtension`] for an extension that is present and not of its shape,
    /// [`V::TooManyPolicies`] past [`MAX_POLICIES`] or [`MAX_MAPPINGS`],
    /// [`V::PolicyMappingToOrFromAnyPolicy`] for anyPolicy in a mapping.
    pub(crate) fn read(view: &CertView<'a>) -> Result<Self, V> {
        let value = |oid| view.extension(oid).map(|e| e.value);
        Self::from_values(
            value(CERTIFICATE_POLICIES),
            value(POLICY_MAPPINGS),
            value(POLICY_CONSTRAINTS),
            value(INHIBIT_ANY_POLICY),
        )
    }

    /// Reads the four extensions from their values (the extnValue contents), each
    /// `None` when absent.
    ///
    /// # Errors
    /// As [`CertPolicies::read`].
    pub(crate) fn from_values(
        policies: Option<&'a [u8]>,
        mappings: Option<&'a [u8]>,
        constraints: Option<&'a [u8]>,
        inhibit_any: Option<&'a [u8]>,
    ) -> Result<Self, V> {
        let (require_explicit_policy, inhibit_policy_mapping) = match constraints {
            Some(value) => read_policy_constraints(value)?,
            None => (None, None),
        };
        Ok(Self {
            policies: policies.map(read_certificate_policies).transpose()?,
            mappings: mappings.map(read_policy_mappings).transpose()?,
            require_explicit_policy,
            inhibit_policy_mapping,
            inhibit_any_policy: inhibit_any.map(read_inhibit_any_policy).transpose()?,
        })
    }

    /// None of the four extensions present (the fast path).
    pub(crate) fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether certificatePolicies is present.
    pub(crate) fn has_policies(&self) -> bool {
        self.policies.is_some()
    }

    /// The policy OIDs of certificatePolicies (content octets), in certificate order.
    pub(crate) fn policies(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        elements(self.policies.unwrap_or_default())
            .filter_map(|info| Some(read_tlv(info.value)?.0.value))
    }

    /// The (issuerDomainPolicy, subjectDomainPolicy) pairs of policyMappings.
    pub(crate) fn mappings(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        elements(self.mappings.unwrap_or_default()).filter_map(|pair| {
            let (issuer, rest) = read_tlv(pair.value)?;
            let (subject, _) = read_tlv(rest)?;
            Some((issuer.value, subject.value))
        })
    }
}

/// One DER value at the start of `input` and what follows, `None` when it is not DER.
fn read_tlv(input: &[u8]) -> Option<(der::Tlv<'_>, &[u8])> {
    der::read_tlv(input).ok()
}

/// The values of checked content (the readers below have checked them).
fn elements(content: &[u8]) -> impl Iterator<Item = der::Tlv<'_>> {
    der::elements(content).map_while(Result::ok)
}

/// The content of `input` when it is exactly one value with `tag`.
fn only(input: &[u8], tag: u8) -> Option<&[u8]> {
    match read_tlv(input)? {
        (t, []) if t.tag == tag => Some(t.value),
        _ => None,
    }
}

/// The values of a SEQUENCE OF's content, each with `tag`, at most `max` of them.
///
/// # Errors
/// `malformed(problem)` for a value that is not DER or has another tag, or an empty
/// list; [`V::TooManyPolicies`] past `max`.
fn sequence_of<'a>(
    content: &'a [u8],
    tag: u8,
    max: usize,
    extension: &'static str,
) -> Result<Vec<&'a [u8]>, V> {
    let malformed = |problem| V::MalformedExtension { extension, problem };
    let mut out = Vec::new();
    for item in der::elements(content) {
        let item = item.map_err(|_| malformed("malformed DER"))?;
        if item.tag != tag {
            return Err(malformed("an element of the wrong type"));
        }
        if out.len() == max {
            return Err(V::TooManyPolicies { extension, max });
        }
        out.push(item.value);
    }
    if out.is_empty() {
        return Err(malformed("an empty list"));
    }
    Ok(out)
}

/// An OBJECT IDENTIFIER's content, checked.
fn oid_of(tlv: der::Tlv<'_>) -> Option<&[u8]> {
    (tlv.tag == tag::OID)
        .then_some(tlv.value)
        .and_then(|v| der::oid(v).ok())
}

/// certificatePolicies: the content of its SEQUENCE, checked.
fn read_certificate_policies(value: &[u8]) -> Result<&[u8], V> {
    const EXT: &str = "certificatePolicies";
    let malformed = |problem| V::MalformedExtension {
        extension: EXT,
        problem,
    };
    let content = only(value, tag::SEQUENCE).ok_or(malformed("malformed DER"))?;
    let infos = sequence_of(content, tag::SEQUENCE, MAX_POLICIES, EXT)?;
    let mut seen: Vec<&[u8]> = Vec::with_capacity(infos.len());
    for info in infos {
        let (id, rest) = read_tlv(info).ok_or(malformed("malformed DER"))?;
        let id = oid_of(id).ok_or(malformed("a policyIdentifier that is not an OID"))?;
        if !rest.is_empty() {
            let qualifiers =
                only(rest, tag::SEQUENCE).ok_or(malformed("policyQualifiers malformed"))?;
            for qualifier in sequence_of(qualifiers, tag::SEQUENCE, MAX_POLICIES, EXT)? {
                check_qualifier(qualifier).ok_or(malformed("a policyQualifierInfo malformed"))?;
            }
        }
        if seen.contains(&id) {
            return Err(malformed("a policy listed twice (RFC 5280 4.2.1.4)"));
        }
        seen.push(id);
    }
    Ok(content)
}

/// A PolicyQualifierInfo's content: an OID and exactly one value of any type.
fn check_qualifier(content: &[u8]) -> Option<()> {
    let (id, rest) = read_tlv(content)?;
    oid_of(id)?;
    let (_, rest) = read_tlv(rest)?;
    rest.is_empty().then_some(())
}

/// policyMappings: the content of its SEQUENCE, checked.
fn read_policy_mappings(value: &[u8]) -> Result<&[u8], V> {
    const EXT: &str = "policyMappings";
    let malformed = |problem| V::MalformedExtension {
        extension: EXT,
        problem,
    };
    let content = only(value, tag::SEQUENCE).ok_or(malformed("malformed DER"))?;
    for pair in sequence_of(content, tag::SEQUENCE, MAX_MAPPINGS, EXT)? {
        let (issuer, rest) = read_tlv(pair).ok_or(malformed("malformed DER"))?;
        let (subject, rest) = read_tlv(rest).ok_or(malformed("a mapping without a subject"))?;
        let (Some(issuer), Some(subject), true) =
            (oid_of(issuer), oid_of(subject), rest.is_empty())
        else {
            return Err(malformed("a mapping that is not two OIDs"));
        };
        if issuer == ANY_POLICY || subject == ANY_POLICY {
            return Err(V::PolicyMappingToOrFromAnyPolicy);
        }
    }
    Ok(content)
}

/// A SkipCerts INTEGER's content, clamped to [`MAX_SKIP_CERTS`]; `None` when negative
/// or not a minimal INTEGER.
fn skip_certs(content: &[u8]) -> Option<u8> {
    match der::unsigned_integer(content).ok()? {
        [n] => Some(*n),
        _ => Some(MAX_SKIP_CERTS),
    }
}

/// policyConstraints: (requireExplicitPolicy, inhibitPolicyMapping).
fn read_policy_constraints(value: &[u8]) -> Result<(Option<u8>, Option<u8>), V> {
    let malformed = |problem| V::MalformedExtension {
        extension: "policyConstraints",
        problem,
    };
    let mut rest = only(value, tag::SEQUENCE).ok_or(malformed("malformed DER"))?;
    let mut fields = [None, None];
    for (number, field) in fields.iter_mut().enumerate() {
        let Some((tlv, after)) = read_tlv(rest) else {
            break;
        };
        if usize::from(tlv.tag) != 0x80 + number {
            continue;
        }
        *field = Some(skip_certs(tlv.value).ok_or(malformed("a SkipCerts that is not a count"))?);
        rest = after;
    }
    if !rest.is_empty() {
        return Err(malformed("a field that is not [0] or [1], or out of order"));
    }
    match fields {
        [None, None] => Err(malformed(
            "neither requireExplicitPolicy nor inhibitPolicyMapping (RFC 5280 4.2.1.11)",
        )),
        [require, inhibit] => Ok((require, inhibit)),
    }
}

/// inhibitAnyPolicy: its SkipCerts.
fn read_inhibit_any_policy(value: &[u8]) -> Result<u8, V> {
    only(value, tag::INTEGER)
        .and_then(skip_certs)
        .ok_or(V::MalformedExtension {
            extension: "inhibitAnyPolicy",
            problem: "not a non-negative INTEGER",
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use certgate_x509::der::wrap;
    use certgate_x509::oid::from_dotted;

    /// An OID's DER.
    pub(crate) fn oid(dotted: &str) -> Vec<u8> {
        wrap(tag::OID, &from_dotted(dotted).unwrap())
    }

    /// certificatePolicies' value listing `oids`, without qualifiers.
    pub(crate) fn policies_value(oids: &[&str]) -> Vec<u8> {
        let infos: Vec<u8> = oids
            .iter()
            .flat_map(|o| wrap(tag::SEQUENCE, &oid(o)))
            .collect();
        wrap(tag::SEQUENCE, &infos)
    }

    /// policyMappings' value with `pairs`.
    pub(crate) fn mappings_value(pairs: &[(&str, &str)]) -> Vec<u8> {
        let body: Vec<u8> = pairs
            .iter()
            .flat_map(|(i, s)| wrap(tag::SEQUENCE, &[oid(i), oid(s)].concat()))
            .collect();
        wrap(tag::SEQUENCE, &body)
    }

    /// policyConstraints' value.
    pub(crate) fn constraints_value(require: Option<u8>, inhibit: Option<u8>) -> Vec<u8> {
        let field = |t: u8, n: Option<u8>| n.map(|n| wrap(t, &int(n))).unwrap_or_default();
        wrap(
            tag::SEQUENCE,
            &[field(0x80, require), field(0x81, inhibit)].concat(),
        )
    }

    /// A non-negative INTEGER's content.
    fn int(n: u8) -> Vec<u8> {
        if n >= 0x80 { vec![0, n] } else { vec![n] }
    }

    /// inhibitAnyPolicy's value.
    pub(crate) fn inhibit_any_value(n: u8) -> Vec<u8> {
        wrap(tag::INTEGER, &int(n))
    }

    fn problem(r: Result<CertPolicies<'_>, V>) -> &'static str {
        match r {
            Err(V::MalformedExtension { problem, .. }) => problem,
            other => panic!("not malformed: {other:?}"),
        }
    }

    #[test]
    fn reads_what_certgate_ca_writes_by_hand() {
        let p = policies_value(&["1.2.3.4", "2.5.29.32.0"]);
        let m = mappings_value(&[("1.2.3.4", "1.2.3.5"), ("1.2.3.4", "1.2.3.6")]);
        let c = constraints_value(Some(0), Some(200));
        let a = inhibit_any_value(1);
        let read = CertPolicies::from_values(Some(&p), Some(&m), Some(&c), Some(&a)).unwrap();
        let dotted = |o: &[u8]| certgate_x509::oid::dotted(o).unwrap();
        assert_eq!(
            read.policies().map(dotted).collect::<Vec<_>>(),
            ["1.2.3.4", "2.5.29.32.0"]
        );
        assert_eq!(
            read.mappings()
                .map(|(i, s)| (dotted(i), dotted(s)))
                .collect::<Vec<_>>(),
            [
                ("1.2.3.4".into(), "1.2.3.5".into()),
                ("1.2.3.4".into(), "1.2.3.6".into())
            ]
        );
        assert_eq!(
            (
                read.require_explicit_policy,
                read.inhibit_policy_mapping,
                read.inhibit_any_policy
            ),
            (Some(0), Some(200), Some(1))
        );
        assert!(!read.is_empty() && read.has_policies());
        let none = CertPolicies::from_values(None, None, None, None).unwrap();
        assert!(none.is_empty() && !none.has_policies());
        assert_eq!(none.policies().count(), 0);
        // One field of policyConstraints alone.
        let c = constraints_value(None, Some(3));
        let read = CertPolicies::from_values(None, None, Some(&c), None).unwrap();
        assert_eq!(
            (read.require_explicit_policy, read.inhibit_policy_mapping),
            (None, Some(3))
        );
    }

    #[test]
    fn qualifiers_are_read_for_their_shape() {
        let cps = wrap(
            tag::SEQUENCE,
            &[oid("1.3.6.1.5.5.7.2.1"), wrap(tag::IA5_STRING, b"http://x")].concat(),
        );
        let info = |quals: &[u8]| {
            wrap(
                tag::SEQUENCE,
                &wrap(tag::SEQUENCE, &[oid("1.2.3"), quals.to_vec()].concat()),
            )
        };
        let good = info(&wrap(tag::SEQUENCE, &cps));
        let read = CertPolicies::from_values(Some(&good), None, None, None).unwrap();
        assert_eq!(read.policies().count(), 1);
        // An empty list of qualifiers, a qualifier without a value, one with two values,
        // qualifiers that are not a SEQUENCE.
        let empty = info(&wrap(tag::SEQUENCE, &[]));
        assert_eq!(
            problem(CertPolicies::from_values(Some(&empty), None, None, None)),
            "an empty list"
        );
        for bad in [
            wrap(
                tag::SEQUENCE,
                &wrap(tag::SEQUENCE, &oid("1.3.6.1.5.5.7.2.1")),
            ),
            wrap(
                tag::SEQUENCE,
                &wrap(tag::SEQUENCE, &[cps.clone(), wrap(tag::NULL, &[])].concat()),
            ),
            wrap(tag::SET, &cps),
        ] {
            let v = info(&bad);
            assert!(
                problem(CertPolicies::from_values(Some(&v), None, None, None))
                    .contains("malformed"),
                "{bad:02x?}"
            );
        }
    }

    #[test]
    fn malformed_policies_are_refused_by_name() {
        let read = |v: &[u8]| problem(CertPolicies::from_values(Some(v), None, None, None));
        assert_eq!(read(&wrap(tag::SEQUENCE, &[])), "an empty list");
        assert_eq!(read(&[0x30, 0x05, 0x30]), "malformed DER");
        assert_eq!(
            read(&[policies_value(&["1.2"]), vec![0]].concat()),
            "malformed DER"
        );
        assert_eq!(
            read(&wrap(tag::SEQUENCE, &oid("1.2.3"))),
            "an element of the wrong type"
        );
        assert_eq!(
            read(&wrap(
                tag::SEQUENCE,
                &wrap(tag::SEQUENCE, &wrap(tag::INTEGER, &[1]))
            )),
            "a policyIdentifier that is not an OID"
        );
        assert_eq!(
            read(&wrap(
                tag::SEQUENCE,
                &wrap(tag::SEQUENCE, &wrap(tag::OID, &[0x2a, 0x80]))
            )),
            "a policyIdentifier that is not an OID"
        );
        assert_eq!(
            read(&policies_value(&["1.2.3", "1.2.4", "1.2.3"])),
            "a policy listed twice (RFC 5280 4.2.1.4)"
        );
        let many: Vec<String> = (0..=MAX_POLICIES).map(|i| format!("1.2.{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            CertPolicies::from_values(Some(&policies_value(&many)), None, None, None),
            Err(V::TooManyPolicies {
                extension: "certificatePolicies",
                max: MAX_POLICIES
            })
        );
        assert!(
            CertPolicies::from_values(
                Some(&policies_value(&many[..MAX_POLICIES])),
                None,
                None,
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn malformed_mappings_are_refused_by_name() {
        fn read(v: &[u8]) -> Result<CertPolicies<'_>, V> {
            CertPolicies::from_values(None, Some(v), None, None)
        }
        for any in [("2.5.29.32.0", "1.2.3"), ("1.2.3", "2.5.29.32.0")] {
            assert_eq!(
                read(&mappings_value(&[("1.2.4", "1.2.5"), any])),
                Err(V::PolicyMappingToOrFromAnyPolicy)
            );
        }
        assert_eq!(problem(read(&wrap(tag::SEQUENCE, &[]))), "an empty list");
        let one = wrap(tag::SEQUENCE, &wrap(tag::SEQUENCE, &oid("1.2.3")));
        assert_eq!(problem(read(&one)), "a mapping without a subject");
        let three = wrap(
            tag::SEQUENCE,
            &wrap(
                tag::SEQUENCE,
                &[oid("1.2"), oid("1.3"), oid("1.4")].concat(),
            ),
        );
        assert_eq!(problem(read(&three)), "a mapping that is not two OIDs");
        let not_oid = wrap(
            tag::SEQUENCE,
            &wrap(tag::SEQUENCE, &[oid("1.2"), wrap(tag::NULL, &[])].concat()),
        );
        assert_eq!(problem(read(&not_oid)), "a mapping that is not two OIDs");
        let pairs: Vec<(String, String)> = (0..=MAX_MAPPINGS)
            .map(|i| (format!("1.2.{i}"), format!("1.3.{i}")))
            .collect();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (&**a, &**b)).collect();
        assert_eq!(
            read(&mappings_value(&pairs)),
            Err(V::TooManyPolicies {
                extension: "policyMappings",
                max: MAX_MAPPINGS
            })
        );
    }

    #[test]
    fn malformed_constraints_and_inhibit_any_are_refused_by_name() {
        fn read(v: &[u8]) -> Result<CertPolicies<'_>, V> {
            CertPolicies::from_values(None, None, Some(v), None)
        }
        assert!(problem(read(&constraints_value(None, None))).contains("neither"));
        let swapped = wrap(
            tag::SEQUENCE,
            &[wrap(0x81, &[1]), wrap(0x80, &[1])].concat(),
        );
        assert!(problem(read(&swapped)).contains("out of order"));
        let twice = wrap(
            tag::SEQUENCE,
            &[wrap(0x80, &[1]), wrap(0x80, &[1])].concat(),
        );
        assert!(problem(read(&twice)).contains("out of order"));
        let other = wrap(tag::SEQUENCE, &wrap(0x82, &[1]));
        assert!(problem(read(&other)).contains("not [0] or [1]"));
        for bad_int in [&[0xffu8][..], &[], &[0x00, 0x05]] {
            let v = wrap(tag::SEQUENCE, &wrap(0x80, bad_int));
            assert_eq!(
                problem(read(&v)),
                "a SkipCerts that is not a count",
                "{bad_int:?}"
            );
        }
        // A large SkipCerts is clamped, not refused: it means "never" on any real path.
        let big = wrap(tag::SEQUENCE, &wrap(0x81, &[0x01, 0x00, 0x00]));
        assert_eq!(read(&big).unwrap().inhibit_policy_mapping, Some(255));
        fn read_any(v: &[u8]) -> Result<CertPolicies<'_>, V> {
            CertPolicies::from_values(None, None, None, Some(v))
        }
        assert_eq!(
            read_any(&wrap(tag::INTEGER, &[0x7f, 0xff, 0xff, 0xff, 0xff]))
                .unwrap()
                .inhibit_any_policy,
            Some(MAX_SKIP_CERTS)
        );
        for bad in [
            wrap(tag::INTEGER, &[0x80]),
            wrap(tag::OCTET_STRING, &[1]),
            [wrap(tag::INTEGER, &[1]), vec![0]].concat(),
        ] {
            assert_eq!(
                problem(read_any(&bad)),
                "not a non-negative INTEGER",
                "{bad:02x?}"
            );
        }
    }
}
