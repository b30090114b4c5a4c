//! The one checker of password-based key derivations (PBES2 with PBKDF2 or scrypt, the
//! PKCS#12 PBEs, the PKCS#12 MAC), and the budget of a whole import.
//!
//! Every derivation is checked against the limits of [`crate::limits`] before it runs;
//! certgate-ca runs encrypted CA keys through [`check_key_derivation`] too, so that the
//! limits live in one place.

use der::Decode;
use pkcs5::pbes2::{Kdf, Parameters, Pbkdf2Prf};
use spki::AlgorithmIdentifierOwned;

use crate::Pkcs12Error;
use crate::error::{Limit, MalformedProblem};
use crate::limits::{
    MAX_ITERATIONS, MAX_KDF_WORK, MAX_SCRYPT_BLOCK_SIZE, MAX_SCRYPT_MEMORY, MAX_SCRYPT_PARALLELISM,
};

/// Checks the key derivation that a password-based encryption asks for, before any of
/// it is done, and returns its work in iterations (the unit of [`crate::MAX_KDF_WORK`]:
/// one PBKDF2-HMAC-SHA256 iteration).
///
/// `algorithm_identifier_der` is the DER of the `AlgorithmIdentifier` of an
/// `EncryptedPrivateKeyInfo` (RFC 5958) or of a bundle's encrypted content: PBES2
/// (RFC 8018) with PBKDF2 or scrypt (RFC 7914), or a PKCS#12 PBE (RFC 7292 Appendix C).
/// [`crate::Pkcs12Bundle::parse`] runs every derivation through the same checks, and
/// certgate-ca runs encrypted CA keys through this function before decrypting them.
///
/// ```
/// use certgate_pkcs12::{Limit, Pkcs12Error, check_key_derivation};
/// // PBES2 with scrypt (N = 2^30: 1 TiB of memory, r = 8, p = 1) and AES-256-CBC.
/// let hex = "305106092a864886f70d01050d3044302306092b06010401da47040b3016040800000000\
///            00000000020440000000020108020101301d060960864801650304012a04100000000000\
///            0000000000000000000000";
/// let alg: Vec<u8> = (0..hex.len())
///     .step_by(2)
///     .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
///     .collect();
/// let err = check_key_derivation(&alg).unwrap_err();
/// assert!(matches!(err, Pkcs12Error::LimitExceeded { limit: Limit::ScryptMemory, .. }));
/// ```
///
/// # Errors
/// [`Pkcs12Error::LimitExceeded`] past [`crate::MAX_ITERATIONS`] (iterations, or
/// scrypt's N·r·p), [`crate::MAX_SCRYPT_MEMORY`], [`crate::MAX_SCRYPT_BLOCK_SIZE`] or
/// [`crate::MAX_SCRYPT_PARALLELISM`]; [`Pkcs12Error::Malformed`] for parameters no
/// derivation can use (zero iterations, an scrypt N that is not a power of two of at
/// least 2, r or p of 0) or bytes that are not an `AlgorithmIdentifier`;
/// [`Pkcs12Error::UnsupportedAlgorithm`] for any other scheme, PRF or KDF.
pub fn check_key_derivation(algorithm_identifier_der: &[u8]) -> Result<u64, Pkcs12Error> {
    let alg = AlgorithmIdentifierOwned::from_der(algorithm_identifier_der)
        .map_err(|e| Pkcs12Error::not_der("encryption AlgorithmIdentifier", e))?;
    crate::crypto::decryption_work(&alg)
}

/// The work of a PBES2 derivation, checked against the per-derivation limits.
pub(crate) fn pbes2_work(params: &Parameters) -> Result<u64, Pkcs12Error> {
    match &params.kdf {
        Kdf::Pbkdf2(pbkdf2) => {
            let iterations = u64::from(pbkdf2.iteration_count);
            check_iterations(iterations)?;
            let block = match pbkdf2.prf {
                Pbkdf2Prf::HmacWithSha1 => 20,
                Pbkdf2Prf::HmacWithSha224 => 28,
                Pbkdf2Prf::HmacWithSha256 => 32,
                Pbkdf2Prf::HmacWithSha384 => 48,
                _ => 64,
            };
            let key_len = u64::try_from(params.encryption.key_size()).unwrap_or(u64::MAX);
            Ok(iterations.saturating_mul(key_len.div_ceil(block)))
        }
        Kdf::Scrypt(scrypt) => scrypt_work(
            scrypt.cost_parameter,
            scrypt.block_size,
            scrypt.parallelization,
        ),
        other => Err(Pkcs12Error::UnsupportedAlgorithm {
            what: "key derivation",
            oid: other.oid().to_string(),
        }),
    }
}

/// The work of a PKCS#12 KDF derivation (RFC 7292 Appendix B) of `blocks` hash-sized
/// blocks with `iterations`, checked against [`MAX_ITERATIONS`].
pub(crate) fn pkcs12_kdf_work(iterations: i32, blocks: u64) -> Result<u64, Pkcs12Error> {
    // A negative count is as unusable as zero.
    let iterations = u64::try_from(iterations).unwrap_or(0);
    check_iterations(iterations)?;
    Ok(iterations.saturating_mul(blocks))
}

/// Refuses zero iterations and more than [`MAX_ITERATIONS`].
pub(crate) fn check_iterations(iterations: u64) -> Result<(), Pkcs12Error> {
    if iterations == 0 {
        return Err(Pkcs12Error::malformed(
            "iteration count",
            MalformedProblem::ZeroIterations,
        ));
    }
    at_most(Limit::Iterations, iterations, MAX_ITERATIONS)
}

/// scrypt's work N·r·p, once N, r and p passed every limit (RFC 7914 section 2: N a
/// power of two above 1, r and p at least 1).
fn scrypt_work(n: u64, r: u16, p: u16) -> Result<u64, Pkcs12Error> {
    let bad = |problem| Pkcs12Error::malformed("scrypt parameters", problem);
    if n < 2 || !n.is_power_of_two() {
        return Err(bad(MalformedProblem::ScryptCostNotPowerOfTwo));
    }
    if r == 0 || p == 0 {
        return Err(bad(MalformedProblem::ScryptZeroParameter));
    }
    let (r, p) = (u64::from(r), u64::from(p));
    at_most(Limit::ScryptBlockSize, r, MAX_SCRYPT_BLOCK_SIZE)?;
    at_most(Limit::ScryptParallelism, p, MAX_SCRYPT_PARALLELISM)?;
    let memory = n.saturating_mul(128).saturating_mul(r);
    at_most(Limit::ScryptMemory, memory, MAX_SCRYPT_MEMORY)?;
    let work = n.saturating_mul(r).saturating_mul(p);
    at_most(Limit::ScryptWork, work, MAX_ITERATIONS)?;
    Ok(work)
}

fn at_most(limit: Limit, value: u64, max: u64) -> Result<(), Pkcs12Error> {
    if value > max {
        return Err(Pkcs12Error::limit(limit, value, max));
    }
    Ok(())
}

/// The key-derivation work an import has done, against [`MAX_KDF_WORK`].
#[derive(Debug, Default)]
pub(crate) struct KdfBudget {
    spent: u64,
}

impl KdfBudget {
    /// Counts `work` about to be done, or refuses it when the total would pass the budget.
    pub(crate) fn charge(&mut self, work: u64) -> Result<(), Pkcs12Error> {
        let total = self.spent.saturating_add(work);
        at_most(Limit::KdfWork, total, MAX_KDF_WORK)?;
        self.spent = total;
        Ok(())
    }

    /// The work counted so far.
    pub(crate) fn spent(&self) -> u64 {
        self.spent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrypt_parameters_are_bounded_before_any_work() {
        let limit = |n, r, p| match scrypt_work(n, r, p) {
            Err(Pkcs12Error::LimitExceeded { limit, .. }) => Some(limit),
            _ => None,
        };
        // OpenSSL's and Python's default, and RFC 7914's vectors but the 1 GiB one.
        assert_eq!(scrypt_work(1 << 14, 8, 1).unwrap(), 131_072);
        assert_eq!(scrypt_work(1 << 10, 8, 16).unwrap(), 131_072);
        assert_eq!(scrypt_work(1 << 18, 8, 1).unwrap(), 1 << 21);
        assert_eq!(limit(1 << 20, 8, 1), Some(Limit::ScryptMemory));
        assert_eq!(limit(1 << 30, 8, 1), Some(Limit::ScryptMemory));
        assert_eq!(limit(1 << 63, 8, 1), Some(Limit::ScryptMemory));
        assert_eq!(limit(1 << 14, 8, 65_535), Some(Limit::ScryptParallelism));
        assert_eq!(limit(1 << 14, 1024, 1), Some(Limit::ScryptBlockSize));
        assert_eq!(limit(1 << 18, 8, 16), Some(Limit::ScryptWork));
        for (n, r, p) in [
            (0, 8, 1),
            (1, 8, 1),
            (3, 8, 1),
            (1 << 14, 0, 1),
            (1 << 14, 8, 0),
        ] {
            assert!(
                matches!(scrypt_work(n, r, p), Err(Pkcs12Error::Malformed { .. })),
                "{n} {r} {p}"
            );
        }
    }

    #[test]
    fn the_budget_refuses_past_its_total() {
        let mut budget = KdfBudget::default();
        budget.charge(MAX_KDF_WORK - 1).unwrap();
        budget.charge(1).unwrap();
        let err = budget.charge(1).unwrap_err();
        assert!(
            matches!(
                err,
                Pkcs12Error::LimitExceeded {
                    limit: Limit::KdfWork,
                    value,
                    max: MAX_KDF_WORK,
                } if value == MAX_KDF_WORK + 1
            ),
            "{err}"
        );
        assert_eq!(budget.spent(), MAX_KDF_WORK);
    }
}
