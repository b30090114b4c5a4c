//! Comparing a certificate's names with the names a policy gives, over certgate-x509's
//! [`NameView`] walker (no allocation per request).

use certgate_x509::NameView;

use crate::values::DnAttribute;

/// Whether the first value of attribute `oid` equals `expected`.
pub(crate) fn first_value_is(name: &NameView<'_>, oid: &[u8], expected: &str) -> bool {
    name.attributes()
        .find(|a| a.oid == oid)
        .is_some_and(|a| a.value_is(expected))
}

/// Whether any value of attribute `oid` equals `expected`.
pub(crate) fn any_value_is(name: &NameView<'_>, oid: &[u8], expected: &str) -> bool {
    name.attributes()
        .any(|a| a.oid == oid && a.value_is(expected))
}

/// Whether the name has exactly these RDNs (in DER order; the attributes of one
/// multi-valued RDN in any order).
pub(crate) fn name_equals(name: &NameView<'_>, rdns: &[Vec<DnAttribute>]) -> bool {
    let mut seen_in_rdn = 0usize;
    let mut last_rdn = None;
    for attr in name.attributes() {
        if last_rdn != Some(attr.rdn) {
            if let Some(prev) = last_rdn
                && rdns.get(prev).is_none_or(|r| r.len() != seen_in_rdn)
            {
                return false;
            }
            last_rdn = Some(attr.rdn);
            seen_in_rdn = 0;
        }
        let Some(expected) = rdns.get(attr.rdn) else {
            return false;
        };
        if !expected
            .iter()
            .any(|(oid, value)| **oid == *attr.oid && attr.value_is(value))
        {
            return false;
        }
        seen_in_rdn += 1;
    }
    match last_rdn {
        None => rdns.is_empty(),
        Some(last) => last + 1 == rdns.len() && rdns[last].len() == seen_in_rdn,
    }
}
