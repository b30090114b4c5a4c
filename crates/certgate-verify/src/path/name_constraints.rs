//! PLACEHOLDER (replaced by helper N's module at merge).
use crate::info::FailureReason;
use crate::path::violation::Rfc5280Violation;
pub(crate) struct NameConstraints<'a>(Vec<&'a [u8]>);
impl<'a> NameConstraints<'a> {
    pub(crate) fn new() -> Self {
        Self(Vec::new())
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub(crate) fn add(&mut self, value: &'a [u8]) -> Result<(), Rfc5280Violation> {
        self.0.push(value);
        Ok(())
    }
    pub(crate) fn check(
        &self,
        _cert: &certgate_x509::CertView<'_>,
        _is_leaf: bool,
        _budget: &mut usize,
    ) -> Result<(), FailureReason> {
        Err(FailureReason::Malformed(
            Rfc5280Violation::NameConstraintViolation,
        ))
    }
}
