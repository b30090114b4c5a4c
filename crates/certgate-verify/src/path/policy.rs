//! PLACEHOLDER (replaced by helper P's module at merge).
use crate::path::violation::Rfc5280Violation;
pub(crate) struct CertPolicies<'a>(std::marker::PhantomData<&'a ()>);
impl<'a> CertPolicies<'a> {
    pub(crate) fn read(_view: &certgate_x509::CertView<'a>) -> Result<Self, Rfc5280Violation> {
        Ok(Self(std::marker::PhantomData))
    }
}
/// x
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyOptions {}
impl PolicyOptions {
    pub(crate) fn check(&self) -> Result<(), crate::VerifyError> {
        Ok(())
    }
}
/// x
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicySets {
    /// x
    pub authority_constrained: Vec<String>,
    /// x
    pub user_constrained: Vec<String>,
}
pub(crate) fn process_policies(
    _o: &PolicyOptions,
    _p: &[CertPolicies<'_>],
    _s: &[bool],
) -> Result<PolicySets, Rfc5280Violation> {
    Ok(PolicySets::default())
}
