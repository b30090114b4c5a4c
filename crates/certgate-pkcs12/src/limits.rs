//! Limits on what an imported bundle (or an encrypted key) may ask of us, each with its
//! reason. Every one is checked before the work or the memory it bounds.

/// Most PBKDF2 / PKCS#12-KDF iterations accepted per derivation, and most scrypt work
/// (N·r·p): Firefox exports with 600,000, so 10,000,000 admits every real producer
/// while capping a hostile file at a few seconds of work per derivation.
pub const MAX_ITERATIONS: u64 = 10_000_000;

/// Most scrypt memory (128·N·r bytes) accepted: 256 MiB admits N = 2^18 with r = 8,
/// sixteen times OpenSSL's and Python's default (N = 2^14, r = 8: 16 MiB; OpenSSL
/// itself reads no more than 32 MiB), while N = 2^20 with r = 8 (1 GiB) and a hostile
/// N = 2^30 (1 TiB) are refused before anything is allocated.
pub const MAX_SCRYPT_MEMORY: u64 = 256 * 1024 * 1024;

/// Largest scrypt block size r: RFC 7914 and every producer use 8; 32 leaves room for
/// tuned parameters, and the memory limit bounds r together with N.
pub const MAX_SCRYPT_BLOCK_SIZE: u64 = 32;

/// Largest scrypt parallelization p: RFC 7914's test vectors go up to 16. The lanes
/// run one after the other, so p multiplies the time (p = 65,535 ran for half an hour).
pub const MAX_SCRYPT_PARALLELISM: u64 = 16;

/// Most key-derivation work one import may do, summed over the MAC and every
/// decryption, both empty-password conventions included.
///
/// Work is counted in iterations: one PBKDF2-HMAC-SHA256 iteration, 0.5 to 0.8 µs on
/// one core. A derivation of several output blocks counts its iterations once per block
/// (PBKDF2-HMAC-SHA1 for an AES-256 key: two; the PKCS#12 KDF for a 3DES key and its
/// IV: three), and scrypt counts N·r·p: measured on one core, scrypt with N = 2^18 and
/// r = 8 and 2,000,000 PBKDF2-HMAC-SHA256 iterations both take about 1.6 s.
///
/// 40,000,000 admits a bundle whose MAC, certificates and key each use
/// [`MAX_ITERATIONS`] (30,000,000: 15 to 25 s of one core); thousands of bags each at
/// the per-derivation cap (hours) are refused at the first derivation past it.
pub const MAX_KDF_WORK: u64 = 40_000_000;

/// Largest bundle accepted: 16 MiB, far above a key and a chain (a few KiB) or a
/// large Java trust store (hundreds of KiB). Also the largest a bundle may grow to when
/// converted from BER to DER.
pub const MAX_BUNDLE_SIZE: usize = 16 * 1024 * 1024;

/// Most bags read from one bundle: trust stores hold a few hundred certificates.
/// Counted while decoding, before a bag is decoded.
pub const MAX_BAGS: usize = 10_000;

/// Deepest nesting of BER or DER elements read: the deepest legitimate structure, a
/// PBES2 key bag inside four nested safeContentsBags, is 22 levels; 32 bounds the
/// BER converter's recursion, so a crafted file cannot exhaust the stack.
pub const MAX_NESTING_DEPTH: usize = 32;

/// Most safeContentsBags nested in one another: no producer nests them at all; four
/// admits any reasonable tool without recursing for long.
pub(crate) const MAX_SAFE_CONTENTS_NESTING: u8 = 4;

/// Iterations we use on export: OpenSSL 3's default (`PKCS12_DEFAULT_ITER`).
pub const DEFAULT_ITERATIONS: u32 = 2048;
