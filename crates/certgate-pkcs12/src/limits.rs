//! Limits on what an imported bundle may ask of us, each with its reason.

/// Most PBKDF2 / PKCS#12-KDF iterations accepted: Firefox exports with 600,000, so
/// 10,000,000 admits every real producer while capping a hostile file at a few
/// seconds of work per derivation.
pub const MAX_ITERATIONS: u64 = 10_000_000;

/// Largest bundle accepted: 16 MiB, far above a key and a chain (a few KiB) or a
/// large Java trust store (hundreds of KiB).
pub const MAX_BUNDLE_SIZE: usize = 16 * 1024 * 1024;

/// Most bags read from one bundle: trust stores hold a few hundred certificates.
pub const MAX_BAGS: usize = 10_000;

/// Iterations we use on export: OpenSSL 3's default (`PKCS12_DEFAULT_ITER`).
pub const DEFAULT_ITERATIONS: u32 = 2048;
